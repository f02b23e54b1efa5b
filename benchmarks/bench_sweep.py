"""Sweep engine: parallel efficiency, scheduling + Zarr overhead, worker memory, in one run.

    python -m benchmarks.bench_sweep            # full size (a few minutes on 2 cores)
    python -m benchmarks.bench_sweep --quick    # seconds; used by the smoke test

Measured, each on a local cluster of single-threaded worker processes whose
kernels are compiled before timing starts (cluster start and JIT stay outside):
  * parallel efficiency T1 / (2 T2) of the same sweep (tasks >= 1 s) on 1 and 2
    workers; on a machine shared with other jobs the second worker may get less
    than a core, so the efficiency is also given with the kernel time per task
    of both runs made equal (K2 / K1 x T1 / (2 T2), K = summed kernel seconds),
    which is what the engine itself loses to scheduling, writes and idling;
  * the same cube made in-process (``simulate`` on 2 threads, then ``to_zarr``)
    as the baseline;
  * overhead share of a sweep's wall time: 1 - kernel seconds / (workers x
    wall); what is not kernel time is the template, scheduling, Zarr writes,
    flags, consolidation and idle workers at the end;
  * peak RSS of a worker for a grid G and a grid 10 G (same task size): memory
    is bounded by the task, not by the cube.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.common import print_table, save

MODEL_TOML = Path(__file__).resolve().parents[1] / "sweeps" / "single_node.toml"

# Full-size workloads. Efficiency: 16 tasks of 800 points x 100 reps x 3,650 days
# (2.9e8 policy-replication-days, over a second each). Memory: 0.3 s tasks; the
# 10 G cube holds 2.2 GB of float64, far more than a worker's memory.
FULL = {
    "efficiency": dict(side=(64, 200), reps=100, periods=3650, ppt=1600),
    "memory": dict(side=(10, 200), reps=1000, periods=365, ppt=200, factor=10),
}
QUICK = {
    "efficiency": dict(side=(6, 20), reps=20, periods=200, ppt=30),
    "memory": dict(side=(2, 20), reps=10, periods=100, ppt=20, factor=10),
}


def make_spec(side, reps, periods, ppt, compression="zstd"):
    import fasttwin as ft
    from fasttwin.sweep import Spec

    grid = {
        "reorder_point": list(range(0, 2 * side[0], 2)),
        "order_up_to": list(range(100, 100 + side[1])),
    }
    return Spec(
        ft.load_model(MODEL_TOML),
        grid=grid,
        reps=reps,
        periods=periods,
        warmup=0,
        seed=1,
        points_per_task=ppt,
        compression=compression,
    )


def warm() -> None:
    """Compile the serial kernel in this process (run on every worker before timing)."""
    import fasttwin as ft

    m = ft.single_node(demand=ft.Poisson(mean=5.0), lead_time=1, backorder_cost=1.0)
    ft.simulate(m, {"reorder_point": [2], "order_up_to": [9]}, reps=2, periods=5, parallel=False)


def local_cluster(workers: int, processes: bool):
    from distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=processes, dashboard_address=":0"
    )
    client = Client(cluster)
    client.run(warm)
    return cluster, client


def timed_sweep(spec, client, store: Path):
    from fasttwin.sweep.execute import run_sweep

    if store.exists():
        shutil.rmtree(store)
    return run_sweep(spec, store, client, progress=False)


def task_seconds(store: Path) -> list[float]:
    import xarray as xr

    log = xr.open_zarr(store, group="_sweep")
    return log["stats"].sel(stat="kernel_seconds").values.tolist()


def cube_mb(store: Path) -> tuple[float, float]:
    """(uncompressed, on disk) size of a cube in MB."""
    import xarray as xr

    raw = xr.open_zarr(store).nbytes / 2**20
    return raw, sum(p.stat().st_size for p in store.rglob("*") if p.is_file()) / 2**20


def run(quick: bool = False, root: str | None = None) -> dict:
    sizes = QUICK if quick else FULL
    processes = not quick  # quick: in-process threads, no worker start-up or compile
    work = Path(tempfile.mkdtemp(prefix="bench_sweep_", dir=root))
    try:
        return _run(sizes, processes, work, quick)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _run(sizes, processes, work: Path, quick: bool) -> dict:
    import xarray as xr

    eff = sizes["efficiency"]
    spec = make_spec(eff["side"], eff["reps"], eff["periods"], eff["ppt"])
    # The client's first sweep imports xarray, zarr and dask.array: keep that out.
    cluster, client = local_cluster(1, False)
    try:
        timed_sweep(make_spec((2, 2), 2, 10, 2), client, work / "warm.zarr")
    finally:
        client.close()
        cluster.close()
    runs = {}
    for n in (1, 2):
        cluster, client = local_cluster(n, processes)
        try:
            runs[n] = timed_sweep(spec, client, work / f"eff{n}.zarr")
            if n == 2:  # the same sweep with the faster codec
                lz4 = make_spec(eff["side"], eff["reps"], eff["periods"], eff["ppt"], "lz4")
                runs["lz4"] = timed_sweep(lz4, client, work / "lz4.zarr")
                lz4_mb = cube_mb(work / "lz4.zarr")
                shutil.rmtree(work / "lz4.zarr")
        finally:
            client.close()
            cluster.close()
    zstd_mb = cube_mb(work / "eff2.zarr")
    tasks = task_seconds(work / "eff2.zarr")
    reference = xr.open_zarr(work / "eff2.zarr").load()

    # Baseline: the same cube in-process, simulate on 2 threads, then to_zarr.
    import numba

    warm()
    before = numba.get_num_threads()
    numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
    try:
        t0 = time.perf_counter()
        ds = spec.simulate(parallel=True)
        ds.to_zarr(work / "inproc.zarr", zarr_format=3, consolidated=False)
        t_inproc = time.perf_counter() - t0
    finally:
        numba.set_num_threads(before)
    xr.testing.assert_equal(ds, reference)  # the baseline makes the same cube
    del ds, reference

    mem = sizes["memory"]
    peaks, cubes, grid_points = {}, {}, {}
    for label, rows in (("G", mem["side"][0]), ("10 G", mem["side"][0] * mem["factor"])):
        mspec = make_spec((rows, mem["side"][1]), mem["reps"], mem["periods"], mem["ppt"])
        cluster, client = local_cluster(1, processes)
        try:
            store = work / f"mem{rows}.zarr"
            summary = timed_sweep(mspec, client, store)
        finally:
            client.close()
            cluster.close()
        peaks[label] = summary.peak_rss_mb
        cubes[label] = cube_mb(store)
        grid_points[label] = mspec.points
        shutil.rmtree(store)

    one, two = runs[1], runs[2]
    efficiency = one.wall_seconds / (2 * two.wall_seconds)
    # Same work, so summed kernel time differs only by CPU contention.
    contention = two.kernel_seconds / one.kernel_seconds

    def overhead(s) -> float:
        return 1 - s.kernel_seconds / (s.workers * s.wall_seconds)

    result = {
        "workload": {
            "points": spec.points,
            "reps": spec.reps,
            "periods": spec.periods,
            "tasks": one.tasks,
            "processes": processes,
            "cores": os.cpu_count(),
            "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
        },
        "task_seconds_median": statistics.median(tasks),
        "wall_seconds": {"1 worker": one.wall_seconds, "2 workers": two.wall_seconds},
        "throughput_per_s": {"1 worker": one.throughput, "2 workers": two.throughput},
        "parallel_efficiency": efficiency,
        "kernel_time_ratio_2_vs_1": contention,
        "parallel_efficiency_same_cpu": efficiency * contention,
        "overhead_share": {"1 worker": overhead(one), "2 workers": overhead(two)},
        "setup_share": {
            "1 worker": one.setup_seconds / one.wall_seconds,
            "2 workers": two.setup_seconds / two.wall_seconds,
        },
        "finish_share": {
            "1 worker": one.finish_seconds / one.wall_seconds,
            "2 workers": two.finish_seconds / two.wall_seconds,
        },
        "zarr_write_share": {
            "1 worker": one.write_seconds / one.wall_seconds,
            "2 workers": two.write_seconds / (2 * two.wall_seconds),
        },
        "lz4": {
            "overhead_share_2_workers": overhead(runs["lz4"]),
            "zarr_write_share_2_workers": runs["lz4"].write_seconds
            / (2 * runs["lz4"].wall_seconds),
            "cube_mb_on_disk": lz4_mb[1],
            "zstd_cube_mb_on_disk": zstd_mb[1],
        },
        "in_process_seconds": t_inproc,
        "sweep_vs_in_process": two.wall_seconds / t_inproc,
        "peak_worker_rss_mb": peaks,
        "cube_mb": cubes,
        "memory_grid_points": grid_points,
    }
    r = result
    rows = [
        ("task length (median kernel time)", f"{r['task_seconds_median']:.2f} s", ">= 1 s"),
        (
            "sweep on 1 worker",
            f"{one.wall_seconds:.1f} s, {one.throughput / 1e6:.3g} M/s",
            "",
        ),
        (
            "sweep on 2 workers",
            f"{two.wall_seconds:.1f} s, {two.throughput / 1e6:.3g} M/s",
            "",
        ),
        ("parallel efficiency T1 / (2 T2)", f"{efficiency:.2f}", ">= 0.85"),
        ("  kernel time per task, 2 workers / 1 worker", f"{contention:.2f}", "1 if idle"),
        ("  efficiency at equal kernel time per task", f"{efficiency * contention:.2f}", ">= 0.85"),
        ("overhead share of wall, 1 worker", f"{overhead(one):.1%}", "<= 5 %"),
        ("overhead share of wall, 2 workers", f"{overhead(two):.1%}", "<= 5 %"),
        ("  setup: checks, probe, template", f"{r['setup_share']['2 workers']:.1%}", ""),
        ("  Zarr region writes and flags", f"{r['zarr_write_share']['2 workers']:.1%}", ""),
        ("  consolidation", f"{r['finish_share']['2 workers']:.1%}", ""),
        (
            f"overhead share, 2 workers, compression lz4 (cube {lz4_mb[1]:.0f} MB, "
            f"zstd {zstd_mb[1]:.0f} MB)",
            f"{overhead(runs['lz4']):.1%}",
            "<= 5 %",
        ),
        (
            "  Zarr region writes and flags, lz4",
            f"{r['lz4']['zarr_write_share_2_workers']:.1%}",
            "",
        ),
        ("in-process simulate (2 threads) + to_zarr", f"{t_inproc:.1f} s", "baseline"),
        ("sweep on 2 workers / in-process", f"{r['sweep_vs_in_process']:.2f}x time", ""),
    ]
    for label in peaks:
        rows.append(
            (
                f"peak worker RSS, {label} = {grid_points[label]:,} points "
                f"(cube {cubes[label][0]:,.0f} MB, {cubes[label][1]:,.0f} MB on disk)",
                f"{peaks[label]:.0f} MB",
                "flat" if label != "G" else "",
            )
        )
    work_text = (
        f"{spec.points:,} points x {spec.reps} reps x {spec.periods} days, {one.tasks} tasks"
    )
    kind = "worker processes" if processes else "in-process worker threads (quick)"
    print_table(f"sweep engine: {work_text}; {kind}", rows, ("measure", "value", "target"))
    if not quick and hasattr(os, "getloadavg"):
        print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    parser.add_argument("--dir", default=None, help="where to write the stores (default: tmp)")
    args = parser.parse_args(argv)
    result = run(args.quick, args.dir)
    if not args.quick:
        print(f"\nsaved {save('sweep', result)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
