"""Sweeps on in-process Dask clusters: bit-identical cubes, resume, refusals, store layout.

Multi-process clusters (a local one, a real ``dask scheduler`` + ``dask
worker``, killed processes) are in test_sweep_cluster.py.
"""

import hashlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import zarr
from distributed import Client
from hypothesis import example, given, settings
from hypothesis import strategies as st

import fasttwin as ft
from fasttwin.cli.main import main
from fasttwin.sweep import Spec
from fasttwin.sweep.execute import run_sweep
from fasttwin.sweep.plan import make_plan
from fasttwin.sweep.store import region_of

MODEL = ft.single_node(
    demand=ft.NegativeBinomial(mean=8.0, std=5.0, amplitude=0.3, period=30.0),
    lead_time=ft.UniformInt(1, 4),
    holding_cost=1.0,
    backorder_cost=5.0,
    order_cost=20.0,
    reliability=0.9,
)
# s = 60 with S in {20, 40} is a block (points_per_task 2) without any policy.
GRID = {"reorder_point": [0, 10, 20, 30, 40, 50, 60], "order_up_to": [20, 40, 60]}
RUN = dict(reps=16, periods=80, warmup=10, seed=3)
SPEC = Spec(MODEL, grid=GRID, scenarios=["baseline", "demand_surge"], points_per_task=2, **RUN)
# Fewer, bigger tasks where the test is not about tasks (small files are slow on some disks).
SMALL = Spec(MODEL, grid=GRID, scenarios=["baseline", "demand_surge"], points_per_task=6, **RUN)


def client(workers: int) -> Client:
    return Client(processes=False, n_workers=workers, threads_per_worker=1, dashboard_address=":0")


@pytest.fixture(scope="module")
def whole():
    """The in-process cube of the whole grid, by ``ft.simulate`` (prange kernel)."""
    return ft.simulate(MODEL, GRID, scenario=["baseline", "demand_surge"], **RUN)


@pytest.fixture(scope="module")
def two():
    with client(2) as cl:
        yield cl


def sweep(spec, store, cl, **kw):
    return run_sweep(spec, store, cl, progress=False, **kw)


def snapshot(root: Path) -> dict:
    return {
        str(p.relative_to(root)): (p.stat().st_mtime_ns, hashlib.sha1(p.read_bytes()).hexdigest())
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def chunk_files(store: Path, layout) -> set:
    return {
        str(p.relative_to(store))
        for name in layout
        for p in (store / name / "c").rglob("*")
        if p.is_file()
    }


@settings(max_examples=2, deadline=None)
@given(
    workers=st.sampled_from([1, 2]),
    points=st.integers(1, 21),
    scenarios=st.booleans(),
    compression=st.sampled_from(["zstd", "lz4", "none"]),
)
@example(workers=1, points=2, scenarios=True, compression="zstd")
@example(workers=2, points=5, scenarios=True, compression="lz4")
@example(workers=2, points=100, scenarios=False, compression="none")
def test_cube_is_bit_identical_to_simulate_for_any_workers_and_tasks(
    tmp_path_factory, whole, workers, points, scenarios, compression
):
    names = ["baseline", "demand_surge"] if scenarios else None
    spec = Spec(
        MODEL, grid=GRID, scenarios=names, points_per_task=points, compression=compression, **RUN
    )
    expected = whole if scenarios else ft.simulate(MODEL, GRID, **RUN)
    store = tmp_path_factory.mktemp("cube") / "cube.zarr"
    with client(workers) as cl:
        cube = ft.sweep(spec, store, cl, progress=False)
    assert cube["cost"].chunks is not None  # lazily opened from the store
    xr.testing.assert_equal(cube.load(), expected)
    assert dict(cube.sizes) == dict(expected.sizes)
    assert {v: cube[v].attrs for v in cube.data_vars} == {
        v: expected[v].attrs for v in expected.data_vars
    }


def test_every_region_is_written_once_then_flagged(tmp_path, two):
    store = tmp_path / "cube.zarr"
    summary = sweep(SPEC, store, two)
    plan = make_plan(SPEC)
    assert summary.tasks == summary.tasks_run == len(plan.tasks) == 28
    log = xr.open_zarr(store, group="_sweep").load()
    assert log["done"].values.tolist() == [1] * len(plan.tasks)
    assert log["task"].values.tolist() == [t.name for t in plan.tasks]
    kernel = log["stats"].sel(stat="kernel_seconds").values
    assert (kernel > 0).all() and (log["stats"].sel(stat="peak_rss_mb").values > 10).all()
    root = zarr.open_group(str(store), mode="r")
    layout = {name: tuple(dims) for name, dims in root["_sweep"].attrs["variables"].items()}
    assert "valid" in layout and layout["valid"] == SPEC.dims
    # The chunk files on disk are exactly the tasks' regions, each owned by one task.
    owners: dict = {}
    for task in plan.tasks:
        for name, dims in layout.items():
            sel = region_of(dims, SPEC.dims, task)
            if sel is None:
                continue
            chunks = root[name].chunks
            index = [
                s.start // c if s.start is not None else 0 for s, c in zip(sel, chunks, strict=True)
            ]
            key = "/".join([name, "c", *map(str, index)])
            assert key not in owners, f"{key} written by {owners.get(key)} and {task.name}"
            owners[key] = task.name
    assert chunk_files(store, layout) == set(owners)
    # Region writes never touch coordinates: those the template wrote stay as they were.
    cube = xr.open_zarr(store)
    assert cube["reorder_point"].values.tolist() == GRID["reorder_point"]
    assert cube["scenario"].values.tolist() == ["baseline", "demand_surge"]


def test_resume_runs_only_missing_tasks_and_rewrites_nothing_else(tmp_path, two, whole):
    store = tmp_path / "cube.zarr"
    sweep(SPEC, store, two)
    plan = make_plan(SPEC)
    layout = zarr.open_group(str(store), mode="r")["_sweep"].attrs["variables"]
    # Undo three tasks as an interrupted run leaves them: no flag, data half written.
    missing = [plan.tasks[i] for i in (1, 4, 7)]
    done = zarr.open_array(str(store), path="_sweep/done", mode="r+")
    cost = zarr.open_array(str(store), path="cost", mode="r+")
    for task in missing:
        done[task.index] = 0
        cost[region_of(layout["cost"], SPEC.dims, task)] = -1.0
    before = {k: v for k, v in snapshot(store).items() if "/c/" in k and "_sweep" not in k}

    summary = sweep(SPEC, store, two)

    assert summary.tasks_run == 3
    valid = whole["valid"].values
    points = sum(int(valid[slice(*t.region[0]), slice(*t.region[1])].sum()) for t in missing)
    assert summary.policy_replication_days == points * RUN["reps"] * RUN["periods"]
    after = {k: v for k, v in snapshot(store).items() if "/c/" in k and "_sweep" not in k}
    assert set(after) == set(before)
    rewritten = {k for k in before if before[k] != after[k]}
    theirs = set()
    for task in missing:
        for name, dims in layout.items():
            sel = region_of(dims, SPEC.dims, task)
            if sel is not None:
                chunks = zarr.open_array(str(store), path=name).chunks
                index = [
                    s.start // c if s.start is not None else 0
                    for s, c in zip(sel, chunks, strict=True)
                ]
                theirs.add("/".join([name, "c", *map(str, index)]))
    assert rewritten == theirs
    xr.testing.assert_equal(xr.open_zarr(store).load(), whole)
    # Running a finished sweep again runs nothing.
    assert sweep(SPEC, store, two).tasks_run == 0


def test_a_different_sweep_is_refused_and_the_store_untouched(tmp_path, two):
    store = tmp_path / "cube.zarr"
    sweep(SMALL, store, two)
    before = snapshot(store)
    fields = dict(model=MODEL, grid=GRID, scenarios=["baseline", "demand_surge"], **RUN)
    fields["points_per_task"] = 6
    for change, says in [
        (dict(seed=4), "seed: store 3, spec 4"),
        (dict(reps=17), "reps: store 16, spec 17"),
        (dict(grid={**GRID, "reorder_point": [0, 10]}), "grid.reorder_point: store [0, 10, 20"),
        (dict(points_per_task=3), "points_per_task: store 6, spec 3"),
        (dict(scenarios=["baseline"]), "scenarios: store"),
        (dict(compression="lz4"), "compression: store 'zstd', spec 'lz4'"),
        (dict(model=MODEL.replace_node("node", holding_cost=2.0)), "model.nodes[0].holding_cost"),
    ]:
        other = Spec(**{**fields, **change})
        with pytest.raises(ValueError, match="holds a different sweep") as err:
            sweep(other, store, two)
        assert says in str(err.value) and "--overwrite" in str(err.value)
        assert snapshot(store) == before
    # --overwrite replaces it.
    cube = ft.sweep(other, store, two, overwrite=True, progress=False)
    xr.testing.assert_equal(cube.load(), other.simulate())


def test_foreign_paths_are_refused_or_replaced_as_asked(tmp_path, two):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.txt").write_text("keep me")
    for overwrite in (False, True):
        with pytest.raises(ValueError, match="is not a Zarr store"):
            sweep(SMALL, notes, two, overwrite=overwrite)
    assert [p.name for p in notes.iterdir()] == ["a.txt"]
    other = tmp_path / "other.zarr"
    xr.Dataset({"x": ("i", np.arange(3))}).to_zarr(other, zarr_format=3, consolidated=False)
    before = snapshot(other)
    with pytest.raises(ValueError, match="a Zarr store of another kind"):
        sweep(SMALL, other, two)
    assert snapshot(other) == before
    sweep(SMALL, other, two, overwrite=True)
    assert "x" not in xr.open_zarr(other)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert sweep(SMALL, empty, two).tasks_run == 8


def test_a_template_cut_short_is_written_again(tmp_path, two, whole):
    store = tmp_path / "cube.zarr"
    sweep(SMALL, store, two)
    log = zarr.open_group(str(store), path="_sweep", mode="r+")
    del log.attrs["template"]  # as if the client died while writing the template
    assert sweep(SMALL, store, two).tasks_run == 8
    xr.testing.assert_equal(xr.open_zarr(store).load(), whole)


def test_fsspec_url_stores(tmp_path, two, whole):
    import fsspec

    cube = ft.sweep(SMALL, "memory://fasttwin-test/cube.zarr", two, progress=False)
    try:
        xr.testing.assert_equal(cube.load(), whole)
        assert fsspec.filesystem("memory").exists("/fasttwin-test/cube.zarr/cost/zarr.json")
    finally:
        fsspec.filesystem("memory").rm("/fasttwin-test", recursive=True)
    cube = ft.sweep(SMALL, f"file://{tmp_path}/cube.zarr", two, progress=False)
    xr.testing.assert_equal(cube.load(), whole)
    assert (tmp_path / "cube.zarr" / "cost" / "zarr.json").exists()


def test_open_zarr_needs_no_fasttwin(tmp_path, two, whole):
    store = tmp_path / "cube.zarr"
    sweep(SMALL, store, two)
    code = f"""
import sys
import xarray as xr
ds = xr.open_zarr({str(store)!r}).load()
assert "fasttwin" not in sys.modules
import hashlib
print(ds["cost"].dims, ds.attrs["seed"], hashlib.sha1(ds["cost"].values.tobytes()).hexdigest())
"""
    out = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], check=True, capture_output=True, text=True
    ).stdout
    assert out.split() == [
        "('reorder_point',",
        "'order_up_to',",
        "'scenario',",
        "'rep')",
        "3",
        hashlib.sha1(whole["cost"].values.tobytes()).hexdigest(),
    ]


def test_provenance_attrs(tmp_path, two):
    from fasttwin.model.toml_io import tomllib

    store = tmp_path / "cube.zarr"
    cube = ft.sweep(SMALL, store, two, progress=False)
    attrs = cube.attrs
    assert attrs["fasttwin_version"] == ft.__version__ and attrs["seed"] == 3
    assert ft.Model is type(ft.model.toml_io.model_from_toml(attrs["model_toml"]))
    assert tomllib.loads(attrs["sweep_toml"])["grid"]["reorder_point"] == GRID["reorder_point"]
    run = tomllib.loads(attrs["run_toml"])
    assert run["policy"] == GRID and [s["name"] for s in run["scenarios"]] == [
        "baseline",
        "demand_surge",
    ]
    assert {"rng", "date_created", "periods", "warmup", "Conventions", "history"} <= set(attrs)
    assert attrs["history"].endswith(f": sweep {SMALL.name}") and attrs["title"].startswith(
        "fasttwin sweep"
    )
    assert cube["cost"].attrs["units"] == "d-1"
    assert cube["reorder_point"].attrs["long_name"] == "reorder point (s or r)"


def test_cli_on_a_given_scheduler(tmp_path, capsys, two, whole):
    spec = tmp_path / "spec.toml"
    (tmp_path / "m.toml").write_text(MODEL.to_toml())
    spec.write_text(
        'model = "m.toml"\nreps = 16\nperiods = 80\nwarmup = 10\nseed = 3\n'
        'scenarios = ["baseline", "demand_surge"]\n'
        "[grid]\nreorder_point = {start = 0, stop = 61, step = 10}\norder_up_to = [20, 40, 60]\n"
        "[execution]\npoints_per_task = 6\n"
    )
    out = tmp_path / "cube.zarr"
    address = two.scheduler.address
    args = ["sweep", str(spec), "--out", str(out), "--scheduler", address]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert f"scheduler: {address}" in err
    assert "8/8 tasks" in err and "ETA" in err
    assert "done: 21 points x 2 scenarios x 16 reps: 8 of 8 tasks run" in err
    assert "policy-replication-days" in err and "M/s on 2 workers" in err
    xr.testing.assert_equal(xr.open_zarr(out).load(), whole)
    assert main(args) == 0
    assert "resuming: 8 of 8 tasks already done" in capsys.readouterr().err
    assert main([*args, "--workers", "2"]) == 2
    assert "sizes the local cluster only" in capsys.readouterr().err


def test_a_task_run_again_after_its_flag_writes_nothing(tmp_path, two):
    """Dask reruns a task whose worker died after its flag: the region stays written once."""
    from fasttwin.sweep.execute import Job, run_task
    from fasttwin.sweep.store import StoreRef, layout_of

    store = tmp_path / "cube.zarr"
    sweep(SMALL, store, two)
    before = snapshot(store)
    ref = StoreRef.of(store)
    task = make_plan(SMALL).tasks[3]
    result = run_task(Job(SMALL, ref, layout_of(ref), "key"), task)
    assert not result.ran and result.valid_points == 4  # s in (20, 30), S in (40, 60)
    assert snapshot(store) == before


def test_store_is_generic_over_the_cube_schema(tmp_path, whole):
    """Network cubes add per-node variables (dims *grid, scenario, node, rep) and a node
    coordinate; the template and region writes follow whatever the cube holds."""
    from fasttwin.sweep import store as st

    nodes = ["warehouse", "store_1", "store_2"]
    scale = xr.DataArray([1.0, 2.0, 3.0], dims="node", coords={"node": nodes})
    cube = whole.assign(
        node_cost=(whole["cost"] * scale).transpose(*SPEC.dims, "scenario", "node", "rep")
    )
    cube["node_cost"].attrs = {"units": "currency/day", "long_name": "cost per node"}
    plan = make_plan(SPEC)
    probe = cube.isel(reorder_point=[0], order_up_to=[1], rep=[0])
    schema = st.schema_of(probe, SPEC.dims)
    assert schema.sizes == {"scenario": 2, "node": 3}
    ref = st.StoreRef.of(tmp_path / "cube.zarr")
    layout = st.write_template(ref, SPEC, plan, schema, {"note": "stand-in"})
    assert layout["node_cost"] == ["reorder_point", "order_up_to", "scenario", "node", "rep"]
    grid_values = [values for _, values in SPEC.grid]
    for task in plan.tasks:
        (a, b), (c, d) = task.region
        block = cube.isel(
            reorder_point=slice(a, b), order_up_to=slice(c, d), scenario=[task.scenario]
        )
        st.write_region(ref, layout, SPEC.dims, grid_values, task, block)
        st.mark_done(ref, task, (0.0, 0.0, 0.0))
    st.consolidate(ref)
    out = xr.open_zarr(ref.url)
    assert out["node_cost"].encoding["chunks"] == (1, 2, 1, 3, 16)
    assert out["node_cost"].attrs["long_name"] == "cost per node"
    xr.testing.assert_equal(out.load(), cube)


def test_a_sweep_of_scenarios_alone(tmp_path, two):
    """No grid axis: one policy (fixed values) under several scenarios."""
    spec = Spec(
        MODEL,
        fixed={"reorder_point": 20, "order_up_to": 60},
        scenarios=["baseline", "demand_surge", "supplier_delay"],
        **RUN,
    )
    cube = ft.sweep(spec, tmp_path / "cube.zarr", two, progress=False)
    assert cube["cost"].dims == ("scenario", "rep") and cube["valid"].dims == ()
    xr.testing.assert_equal(cube.load(), spec.simulate())


def test_a_store_with_other_variables_is_refused(tmp_path, two):
    """Same spec and version, but the cube's variables changed (a development build)."""
    store = tmp_path / "cube.zarr"
    sweep(SMALL, store, two)
    log = zarr.open_group(str(store), path="_sweep", mode="r+")
    variables = dict(log.attrs["variables"])
    del variables["ordered"]
    log.attrs["variables"] = variables
    before = snapshot(store)
    with pytest.raises(ValueError, match="but this fasttwin makes"):
        sweep(SMALL, store, two)
    assert snapshot(store) == before
