"""Sweeps across processes: a real Dask cluster, killed workers, a killed sweep.

The cluster is started by the test itself (``dask scheduler`` and two ``dask
worker`` processes on 127.0.0.1); the sweep process and one worker are killed
with SIGKILL midway. Each worker process compiles the kernel once (~15 s).
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import xarray as xr
from distributed import Client

import fasttwin as ft
from fasttwin.analysis.best import best_policy
from fasttwin.cli.main import main
from fasttwin.sweep import Spec, load_spec
from fasttwin.sweep.execute import run_sweep
from fasttwin.sweep.plan import make_plan
from fasttwin.sweep.store import StoreRef, read_done

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
MODEL = ft.single_node(
    demand=ft.NegativeBinomial(mean=8.0, std=5.0, amplitude=0.3, period=30.0),
    lead_time=ft.UniformInt(1, 4),
    holding_cost=1.0,
    backorder_cost=5.0,
    order_cost=20.0,
    reliability=0.9,
)
SPEC_TOML = """
model = "model.toml"
reps = 64
periods = 365
warmup = 30
seed = 11
scenarios = ["baseline", "supplier_delay"]

[grid]
reorder_point = {start = 0, stop = 60, step = 4}
order_up_to = [30, 50, 70, 90]

[execution]
points_per_task = 4
"""


def env() -> dict:
    """Subprocesses import this checkout's fasttwin, installed or not."""
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "PYTHONPATH": path}


@pytest.fixture(scope="module")
def spec_file(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("spec")
    (d / "model.toml").write_text(MODEL.to_toml())
    (d / "spec.toml").write_text(SPEC_TOML)
    return d / "spec.toml"


@pytest.fixture(scope="module")
def spec(spec_file) -> Spec:
    return load_spec(spec_file)


@pytest.fixture(scope="module")
def whole(spec):
    return spec.simulate()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A scheduler and two single-threaded workers, each its own process."""
    d = tmp_path_factory.mktemp("cluster")
    info = d / "scheduler.json"
    dask = [sys.executable, "-m", "dask"]
    common = dict(env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    procs = [
        subprocess.Popen(
            [
                *dask,
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--no-dashboard",
                "--scheduler-file",
                str(info),
            ],
            start_new_session=True,
            **common,
        )
    ]
    try:
        _wait(info.exists, 60, "the scheduler did not start")
        for i in range(2):
            procs.append(
                subprocess.Popen(
                    [
                        *dask,
                        "worker",
                        "--scheduler-file",
                        str(info),
                        "--nthreads",
                        "1",
                        "--nworkers",
                        "1",
                        "--no-dashboard",
                        "--host",
                        "127.0.0.1",
                        "--name",
                        f"w{i}",
                    ],
                    start_new_session=True,
                    **common,
                )
            )
        with Client(scheduler_file=str(info)) as client:
            client.wait_for_workers(2, timeout=120)
            yield client
    finally:
        for p in reversed(procs):
            os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()


def _wait(predicate, timeout, message):
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise TimeoutError(message)
        time.sleep(0.01)


def _done(store) -> int:
    try:
        return int(read_done(StoreRef.of(store)).sum())
    except Exception:  # the template is not written yet
        return 0


def test_real_cluster_gives_the_same_cube(tmp_path, cluster, spec, whole):
    cube = ft.sweep(spec, tmp_path / "cube.zarr", cluster.scheduler.address, progress=False)
    xr.testing.assert_equal(cube.load(), whole)


def test_killing_a_worker_midway_still_completes_the_same_cube(tmp_path, cluster, spec, whole):
    store = tmp_path / "cube.zarr"
    total = len(make_plan(spec).tasks)
    pids = cluster.run(os.getpid)
    victim = next(iter(pids.values()))
    killed_at = []

    def kill_one_worker():
        _wait(lambda: _done(store) >= 2, 300, "no task finished")
        os.kill(victim, signal.SIGKILL)
        killed_at.append(_done(store))

    killer = threading.Thread(target=kill_one_worker, daemon=True)
    killer.start()
    summary = run_sweep(spec, store, cluster, progress=False)
    killer.join(timeout=60)
    assert killed_at and killed_at[0] < total, "the worker was not killed midway"
    assert summary.tasks_run == total
    assert int(read_done(StoreRef.of(store)).sum()) == total
    xr.testing.assert_equal(xr.open_zarr(store).load(), whole)
    # The nanny restarts the worker; leave the cluster whole for the next test.
    cluster.wait_for_workers(2, timeout=120)
    assert victim not in cluster.run(os.getpid).values()


def test_cli_uses_dask_scheduler_address(tmp_path, cluster, spec_file, whole):
    address = cluster.scheduler.address
    out = tmp_path / "cube.zarr"
    run = subprocess.run(
        [sys.executable, "-m", "fasttwin.cli", "sweep", str(spec_file), "--out", str(out)],
        env={**env(), "DASK_SCHEDULER_ADDRESS": address},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert f"scheduler: {address}" in run.stderr
    assert "on 2 workers" in run.stderr
    xr.testing.assert_equal(xr.open_zarr(out).load(), whole)


def test_sigkill_the_sweep_then_resume_runs_only_the_missing_tasks(
    tmp_path, spec_file, spec, whole, capsys
):
    """Also: a second sweep on the store while the first runs is refused at once, naming
    it; the killed sweep's lock is recovered; the report refuses the unfinished store."""
    store = tmp_path / "cube.zarr"
    total = len(make_plan(spec).tasks)
    # The default engine: a local cluster of worker processes (one, to spare CI cores).
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fasttwin.cli",
            "sweep",
            str(spec_file),
            "--out",
            str(store),
            "--workers",
            "1",
        ],
        env=env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait(lambda: _done(store) >= 2 or proc.poll() is not None, 300, "no task finished")
        t0 = time.perf_counter()
        second = main(["sweep", str(spec_file), "--out", str(store), "--workers", "1"])
        refused_in = time.perf_counter() - t0
    finally:
        # The sweep process and its local cluster's worker processes, all at once.
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    err = capsys.readouterr().err
    assert second == 1 and refused_in < 5, err
    assert f"is locked by fasttwin sweep 'sweep' (pid {proc.pid} on host" in err
    assert "Traceback" not in err
    assert Path(f"{store}.lock").exists()  # left behind by the killed sweep
    # The report (and any analysis) refuses the unfinished store, saying how much is done.
    assert main(["report", str(store), "--out", str(tmp_path / "report")]) == 2
    err = capsys.readouterr().err
    assert "is an unfinished sweep:" in err and f"of {total} tasks done" in err
    assert "run the same fasttwin sweep command" in err and not (tmp_path / "report").exists()
    with pytest.raises(ValueError, match="unfinished sweep"):
        best_policy(xr.open_zarr(store, consolidated=False))
    before = read_done(StoreRef.of(store))
    assert 0 < before.sum() < total, f"killed at {before.sum()} of {total} tasks"
    # Metadata is consolidated only when a sweep ends.
    assert json.loads((store / "zarr.json").read_text()).get("consolidated_metadata") is None
    with Client(processes=False, n_workers=2, threads_per_worker=1, dashboard_address=":0") as cl:
        summary = run_sweep(spec_file, store, cl, progress=False)
    assert summary.tasks_run == total - int(before.sum())
    assert read_done(StoreRef.of(store)).all()
    xr.testing.assert_equal(xr.open_zarr(store).load(), whole)
    assert xr.open_zarr(store).attrs["sweep_complete"] is True
    assert best_policy(xr.open_zarr(store)).recommended.feasible in (True, False)
    assert not Path(f"{store}.lock").exists()  # recovered, then released


def test_ctrl_c_says_how_to_resume_and_exits_130(tmp_path, spec_file, spec, whole):
    """A real SIGINT to the process group, as a terminal's Ctrl-C sends it."""
    store = tmp_path / "cube.zarr"
    proc = subprocess.Popen(
        [sys.executable, "-m", "fasttwin.cli", "sweep", str(spec_file), "--out", str(store)]
        + ["--workers", "1"],
        env=env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        # Python leaves Ctrl-C alone where its parent ignored it (a background job).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        _wait(lambda: _done(store) >= 1 or proc.poll() is not None, 300, "no task finished")
        os.killpg(proc.pid, signal.SIGINT)
        err = proc.communicate(timeout=120)[1]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == 130, err
    assert err.rstrip().endswith("fasttwin sweep: interrupted; run the same command to resume")
    assert "Traceback" not in err and "Error" not in err
    assert not Path(f"{store}.lock").exists()  # released on the way out
    done = read_done(StoreRef.of(store))
    assert 0 < done.sum() < len(done)
    with Client(processes=False, n_workers=1, threads_per_worker=1, dashboard_address=":0") as cl:
        summary = run_sweep(spec_file, store, cl, progress=False)
    assert summary.tasks_run == len(done) - int(done.sum())
    xr.testing.assert_equal(xr.open_zarr(store).load(), whole)
