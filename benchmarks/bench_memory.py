"""Peak memory of in-process ``simulate`` against the size of the cube it returns.

    python -m benchmarks.bench_memory            # full size (about a minute, ~2 GB of RAM)
    python -m benchmarks.bench_memory --quick    # small cubes; what the smoke test runs

Each case runs in a fresh interpreter: it compiles the kernel on a tiny grid
of the same model first, then resets the process's peak RSS (Linux:
``/proc/self/clear_refs``; elsewhere ``getrusage``'s lifetime peak), notes the
RSS, runs ``simulate`` on all cores and reads the peak again. Reported: the
cube's size (every array of the Dataset), the peak RSS of the process, and what
``simulate`` added to the RSS it started from (peak - start), as multiples of
the cube. Cases: the single-node periodic kernel, the retail network, and
continuous review.

Then the worker side of ``fasttwin sweep``: a sweep of a grid G and of a grid
10 G, tasks sized by fasttwin itself (``points_per_task`` left out), each run
in a fresh interpreter on one in-process worker (threads, so that the peak of
the process is the worker's; a warm-up sweep compiles first). Reported: what
the sweep added to the worker's RSS, which must not grow with the grid.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from benchmarks.common import print_table, save

#: (grid side a, grid side b, reps, periods) per case.
FULL = {
    "single": (50, 40, 2000, 40),
    "network": (20, 10, 2000, 30),
    "continuous": (40, 25, 2000, 20),
}
QUICK = {
    "single": (20, 20, 1000, 20),
    "network": (10, 6, 500, 20),
    "continuous": (10, 6, 1000, 10),
}
#: Sweeps: (grid rows of G, grid columns, reps, periods). Full: 128 kB of cube per
#: point, so tasks of ~1,000 points (TASK_BYTES); G has 2 tasks, 10 G has 20 (2.6 GB).
SWEEP_FULL = (40, 50, 1000, 20)
SWEEP_QUICK = (4, 25, 200, 10)

#: Run in the child: build the case, compile, reset the peak, simulate, print JSON.
CHILD = r"""
import gc, json, os, resource, sys, time
import numba
import numpy as np
import fasttwin as ft

case, a, b, reps, periods = json.loads(sys.argv[1])
if case == "single":
    model = ft.single_node(demand=ft.Poisson(mean=20.0), lead_time=2, holding_cost=1.0,
                           backorder_cost=9.0, order_cost=64.0)
    big = {"reorder_point": list(range(0, 2 * a, 2)), "order_up_to": list(range(100, 100 + b))}
    small = {"reorder_point": [10], "order_up_to": [100]}
elif case == "network":
    model = ft.retail_twin()
    big = {"warehouse.reorder_point": list(range(500, 500 + 50 * a, 50)),
           "warehouse.order_up_to": list(range(3000, 3000 + 100 * b, 100))}
    small = {"warehouse.reorder_point": [500]}
else:
    model = ft.single_node(demand=ft.Poisson(mean=4.0), lead_time=ft.Uniform(1.0, 2.0),
                           review="continuous", holding_cost=1.0, backorder_cost=5.0)
    big = {"reorder_point": list(range(0, a)), "order_up_to": list(range(20, 20 + b))}
    small = {"reorder_point": [4], "order_up_to": [20]}


def rss():
    with open("/proc/self/status") as f:
        fields = dict(line.split(":", 1) for line in f)
    return {k: int(fields[k].split()[0]) * 1024 for k in ("VmRSS", "VmHWM")}


def reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


ft.simulate(model, small, reps=2, periods=periods, warmup=0, seed=1)  # compile outside the measure
gc.collect()
linux = os.path.exists("/proc/self/status")
exact = linux and reset_peak()
start = rss()["VmRSS"] if linux else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
t0 = time.perf_counter()
ds = ft.simulate(model, big, reps=reps, periods=periods, warmup=0, seed=1)
seconds = time.perf_counter() - t0
peak = rss()["VmHWM"] if linux else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
cube = sum(v.nbytes for v in ds.variables.values())
print(json.dumps({"case": case, "cube": cube, "start": start, "peak": peak,
                  "exact": exact, "seconds": seconds, "threads": numba.get_num_threads(),
                  "points": int(np.prod([ds.sizes[d] for d in ds["valid"].dims])),
                  "reps": reps}))
"""


#: Run in the child: a warm-up sweep, reset the peak, sweep the grid into a store.
SWEEP_CHILD = r"""
import json, os, shutil, sys, tempfile
from pathlib import Path
import fasttwin as ft
from distributed import Client, LocalCluster
from fasttwin.sweep import Spec
from fasttwin.sweep.execute import run_sweep
from fasttwin.sweep.plan import make_plan

rows, cols, reps, periods = json.loads(sys.argv[1])
model = ft.single_node(demand=ft.Poisson(mean=20.0), lead_time=2, holding_cost=1.0,
                       backorder_cost=9.0, order_cost=64.0)


def spec(rows, cols, reps, periods):
    grid = {"reorder_point": list(range(0, 2 * rows, 2)),
            "order_up_to": list(range(100, 100 + cols))}
    return Spec(model, grid=grid, reps=reps, periods=periods, warmup=0, seed=1)


def status():
    with open("/proc/self/status") as f:
        fields = dict(line.split(":", 1) for line in f)
    return {k: int(fields[k].split()[0]) * 1024 for k in ("VmRSS", "VmHWM")}


work = Path(tempfile.mkdtemp(prefix="bench_memory_"))
try:
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        run_sweep(spec(2, 2, 4, 5), work / "warm.zarr", client, progress=False)
        shutil.rmtree(work / "warm.zarr")
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        start = status()["VmRSS"]
        big = spec(rows, cols, reps, periods)
        summary = run_sweep(big, work / "cube.zarr", client, progress=False)
        peak = status()["VmHWM"]
    plan = make_plan(big)
    print(json.dumps({"points": big.points, "reps": reps, "periods": periods,
                      "points_per_task": big.points_per_task, "tasks": len(plan.tasks),
                      "task_points": max(t.points for t in plan.tasks),
                      "cube": big.points * reps * 16 * 8, "start": start, "peak": peak,
                      "seconds": summary.wall_seconds}))
finally:
    shutil.rmtree(work, ignore_errors=True)
"""


def _child(code: str, args: list, what: str, env: dict | None = None) -> dict:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1]), **(env or {})}
    out = subprocess.run(
        [sys.executable, "-c", code, json.dumps(args)], capture_output=True, text=True, env=env
    )
    if out.returncode:
        raise RuntimeError(f"{what} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(case: str, a: int, b: int, reps: int, periods: int) -> dict:
    """Run one case in a fresh interpreter; sizes in bytes."""
    r = _child(CHILD, [case, a, b, reps, periods], f"case {case}")
    r["added_over_cube"] = (r["peak"] - r["start"]) / r["cube"]
    r["peak_over_cube"] = r["peak"] / r["cube"]
    return r


def measure_sweep(rows: int, cols: int, reps: int, periods: int) -> dict:
    """Sweep a grid of ``rows x cols`` points in a fresh interpreter; sizes in bytes."""
    # Dask's nanny starts worker processes with this setting (distributed's
    # nanny.pre-spawn-environ), so that glibc hands freed memory back: the same here.
    env = {"MALLOC_TRIM_THRESHOLD_": "65536"}
    r = _child(SWEEP_CHILD, [rows, cols, reps, periods], f"sweep of {rows} x {cols}", env)
    r["added"] = r["peak"] - r["start"]
    return r


def run(quick: bool = False) -> dict:
    sizes = QUICK if quick else FULL
    results = {case: measure(case, *args) for case, args in sizes.items()}
    mb = 2**20
    rows = [
        (
            f"{case}: {r['points']:,} points x {r['reps']:,} reps",
            f"{r['cube'] / mb:,.0f} MB",
            f"{r['peak'] / mb:,.0f} MB",
            f"{(r['peak'] - r['start']) / mb:,.0f} MB",
            f"{r['added_over_cube']:.2f}",
            f"{r['seconds']:.1f} s",
        )
        for case, r in results.items()
    ]
    print_table(
        "peak memory of simulate (fresh process, kernels compiled first)",
        rows,
        ("case", "cube", "peak RSS", "added by simulate", "added / cube", "time"),
    )
    rows, cols, reps, periods = SWEEP_QUICK if quick else SWEEP_FULL
    sweeps = {
        label: measure_sweep(rows * k, cols, reps, periods) for label, k in (("G", 1), ("10 G", 10))
    }
    print_table(
        "fasttwin sweep: worker memory as the grid grows (tasks sized by fasttwin)",
        [
            (
                f"{label}: {r['points']:,} points x {r['reps']:,} reps",
                f"{r['cube'] / mb:,.0f} MB",
                f"{r['tasks']} x {r['task_points']:,} points",
                f"{r['peak'] / mb:,.0f} MB",
                f"{r['added'] / mb:,.0f} MB",
                f"{r['seconds']:.1f} s",
            )
            for label, r in sweeps.items()
        ],
        ("grid", "cube", "tasks", "worker peak RSS", "added by the sweep", "time"),
    )
    results["sweep"] = sweeps
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small cubes (smoke test)")
    args = parser.parse_args(argv)
    result = run(args.quick)
    if not args.quick:
        print(f"\nsaved {save('memory', result)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
