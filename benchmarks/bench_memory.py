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

#: Run in the child: build the case, compile, reset the peak, simulate, print JSON.
CHILD = r"""
import gc, json, os, resource, sys, time
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
                  "exact": exact, "seconds": seconds,
                  "points": int(np.prod([ds.sizes[d] for d in ds["valid"].dims])),
                  "reps": reps}))
"""


def measure(case: str, a: int, b: int, reps: int, periods: int) -> dict:
    """Run one case in a fresh interpreter; sizes in bytes."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps([case, a, b, reps, periods])],
        capture_output=True,
        text=True,
        env=env,
    )
    if out.returncode:
        raise RuntimeError(f"case {case} failed:\n{out.stderr}")
    r = json.loads(out.stdout.strip().splitlines()[-1])
    r["added_over_cube"] = (r["peak"] - r["start"]) / r["cube"]
    r["peak_over_cube"] = r["peak"] / r["cube"]
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
