"""Hostile but realistic input: each case of issue 17 that needs no cluster.

Every refusal here comes before a cluster starts or anything is written, so
each test is quick. Cases with processes (two sweeps, SIGKILL, Ctrl-C) are in
test_sweep_cluster.py and test_lock.py.
"""

import os
import re
import socket
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fasttwin as ft
from fasttwin.cli.main import main
from fasttwin.engine.estimate import WORK_LIMIT
from fasttwin.model.limits import MAX_DAYS, MAX_UNITS
from fasttwin.sweep import Spec, execute
from fasttwin.sweep.plan import valid_mask

ROOT = Path(__file__).resolve().parent.parent
MODEL = ft.single_node(demand=ft.Poisson(5.0), lead_time=1, backorder_cost=5.0)
MODEL_TOML = MODEL.to_toml()


def spec_file(tmp_path: Path, body: str) -> Path:
    (tmp_path / "m.toml").write_text(MODEL_TOML)
    path = tmp_path / "spec.toml"
    path.write_text('model = "m.toml"\n' + textwrap.dedent(body))
    return path


def sweep_cli(capsys, *args) -> tuple[int, str]:
    code = main(["sweep", *map(str, args)])
    return code, capsys.readouterr().err


# --- sizes: bounds on every integer input, and the int64 range of a run ------------------


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: ft.Poisson(1e18), "Poisson.mean must be a number >= 0, at most 1,000,000,000,000"),
        (lambda: ft.Trace([4.0, 1e18]), r"Trace.values\[1\] .* at most 1,000,000,000,000"),
        (lambda: ft.Normal(1e13, 1.0), "Normal.mean .* between -1,000,000,000,000"),
        (lambda: ft.UniformInt(0, 10**9), "UniformInt.high .* at most 10,000,000"),
        (lambda: ft.Empirical([1, 10**8]), r"Empirical.values\[1\] .* at most 10,000,000"),
        (lambda: ft.Event(0, 10**9, 2.0), "event.end .* at most 100,000"),
        (lambda: MODEL.replace_node("node", order_up_to=2**70), "order_up_to .* at most"),
        (lambda: MODEL.replace_node("node", reorder_point=-(10**18)), "reorder_point .* between"),
        (lambda: MODEL.replace_node("node", lead_time=10**9), "lead_time .* at most 100,000"),
        (
            lambda: MODEL.replace_node("node", lead_time=ft.UniformInt(0, 10**6)),
            "UniformInt.high .* at most 10,000,000|lead_time must stay within 100000 days",
        ),
        (lambda: MODEL.replace_node("node", lead_time=ft.Poisson(1e6)), "lead_time must stay"),
        (lambda: MODEL.replace_node("node", review_period=10**9), "review_period .* 100,000"),
        (lambda: MODEL.replace_node("node", capacity=10**13), "capacity .* at most"),
        (lambda: ft.single_node(ft.Poisson(1.0), periods=10**9), "model.periods .* at most"),
    ],
)
def test_every_integer_input_is_bounded_with_the_limit_in_the_message(make, match):
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.parametrize(
    "policy, run, match",
    [
        ({"order_up_to": [2**70]}, {}, r"policy\['order_up_to'\] .* at most 1,000,000,000,000"),
        (
            {"reorder_point": [10**18 - 10], "order_up_to": [10**18]},
            {},
            r"policy\['reorder_point'\] .* at most 1,000,000,000,000",
        ),
        ({"order_up_to": 10}, {"reps": 10**12}, "reps must be an integer >= 1, at most"),
        ({"order_up_to": 10}, {"periods": 10**7}, "periods must be an integer >= 1, at most"),
    ],
)
def test_simulate_refuses_sizes_beyond_the_limits(policy, run, match):
    with pytest.raises(ValueError, match=match):
        ft.simulate(MODEL, policy, **{"reps": 2, "periods": 10, **run})


def test_a_run_whose_sums_could_overflow_is_refused_before_it_runs():
    # Each input within its bounds; together they could pass 2**63.
    big = ft.single_node(demand=ft.Poisson(1e9), lead_time=1, backorder_cost=1.0)
    with pytest.raises(ValueError, match=r"too large for exact 64-bit sums: periods \(100000\)"):
        ft.simulate(big, {"order_up_to": 10**12}, reps=1, periods=MAX_DAYS)
    # A mean path that multiplies a legal mean past the daily limit.
    surge = ft.single_node(demand=ft.Poisson(1e11, multiplier=1e3), lead_time=1)
    with pytest.raises(ValueError, match="a day's demand can reach about 1e\\+14 units"):
        ft.simulate(surge, {"order_up_to": 10}, reps=1, periods=10)
    # The largest legal sizes that fit run, and give sane (non-negative) costs.
    ok = ft.single_node(demand=ft.Trace([1e9] * 20), lead_time=1, holding_cost=1.0)
    ds = ft.simulate(ok, {"order_up_to": [MAX_UNITS]}, reps=2, periods=20)
    assert float(ds["cost"].min()) > 0 and float(ds["demand"].mean()) == 1e9


def test_simulate_estimates_work_and_memory_first_and_force_overrides():
    with pytest.raises(ValueError, match=r"very large: .* node-replication-days.*\(--force\)"):
        ft.simulate(MODEL, {"order_up_to": list(range(1, 1001))}, reps=10**6, periods=10**5)
    with pytest.raises(ValueError, match=r"needs about .*B of memory, more than the .* available"):
        ft.simulate(MODEL, {"order_up_to": 10}, reps=10**9, periods=1)
    # force=True takes the estimate's word off; a small run is never refused.
    assert WORK_LIMIT >= 10**12
    ds = ft.simulate(MODEL, {"order_up_to": [10]}, reps=3, periods=5, force=True)
    assert ds.sizes["rep"] == 3


# --- messages -------------------------------------------------------------------------


def test_scenario_of_the_wrong_type_and_compose_forms():
    with pytest.raises(ValueError, match="scenario must be a scenario name .* got 5"):
        ft.simulate(MODEL, {"order_up_to": 10}, reps=2, periods=5, scenario=5)
    base = """
        reps = 2
        periods = 10
        scenarios = ["x"]
        [grid]
        order_up_to = [10, 20]
        [scenario.x]
        """
    with pytest.raises(ValueError, match="scenario 'x': compose must be a list of scenario names"):
        Spec.from_toml(MODEL_TOML_TABLE + textwrap.dedent(base) + "compose = 3\n")
    spec = Spec.from_toml(MODEL_TOML_TABLE + textwrap.dedent(base) + 'compose = "demand_surge"\n')
    assert [c.kind for c in spec.scenarios[0].changes] == ["demand_surge"]
    with pytest.raises(ValueError, match="unknown scenario .*dict|unknown scenario"):
        Spec.from_toml(MODEL_TOML_TABLE + textwrap.dedent(base) + "base = {a = 1}\n")


MODEL_TOML_TABLE = (
    'model = {nodes = [{name = "n", demand = {dist = "poisson", mean = 5.0}, order_up_to = 20}]}\n'
)


@pytest.mark.parametrize(
    "name, match",
    [
        ("", "non-empty string"),
        ("   ", "non-empty string"),
        ("a\x07b", "control characters"),
        ("line\nbreak", "control characters"),
        (" padded", "start or end with spaces"),
        ("a/b", "must not contain '/'"),
        ("x" * 101, "at most 100 characters"),
    ],
)
def test_node_names_must_be_printable(name, match):
    with pytest.raises(ValueError, match=f"node name must .*{match}|{match}"):
        ft.Node(name, order_up_to=3)


def test_a_trace_csv_with_a_byte_order_mark(tmp_path):
    path = tmp_path / "sales.csv"
    path.write_bytes("\ufeffday,units\n2024-01-01,4\n2024-01-02,5\n".encode())
    assert ft.Trace.from_csv(path, "units", date_column="day").values == (4.0, 5.0)


# --- sweeps: refused before any cluster starts -------------------------------------------


def test_a_huge_grid_is_refused_with_its_estimate(tmp_path, capsys):
    spec = spec_file(
        tmp_path,
        """
        reps = 1000
        [grid]
        reorder_point = {start = 0, stop = 1000000}
        order_up_to = {start = 1000000, stop = 2000000}
        """,
    )
    t0 = time.perf_counter()
    code, err = sweep_cli(capsys, spec, "--out", tmp_path / "cube.zarr")
    assert code == 2 and time.perf_counter() - t0 < 30
    assert "1,000,000,000,000 grid cells x 1,000 reps x 365 days" in err
    assert "1e+13 node-replication-days" in err and "--force" in err
    assert "Traceback" not in err
    assert sorted(os.listdir(tmp_path)) == ["m.toml", "spec.toml"]


def test_a_huge_grid_without_any_policy_is_refused_at_once(tmp_path, capsys):
    spec = spec_file(
        tmp_path,
        """
        [grid]
        reorder_point = {start = 1000000, stop = 2000000}
        order_up_to = {start = 0, stop = 1000000}
        """,
    )
    t0 = time.perf_counter()
    code, err = sweep_cli(capsys, spec, "--out", tmp_path / "cube.zarr")
    assert code == 2 and time.perf_counter() - t0 < 30
    assert "no grid point is a valid policy" in err


def test_a_task_too_big_for_a_worker_is_refused(tmp_path, capsys):
    spec = spec_file(tmp_path, "reps = 1000000000\nperiods = 2\n[grid]\norder_up_to = [10]\n")
    code, err = sweep_cli(capsys, spec, "--out", tmp_path / "cube.zarr", "--workers", "1")
    assert code == 2
    assert "one task (1 points x 1,000,000,000 reps" in err and "of memory" in err
    assert not (tmp_path / "cube.zarr").exists()


def test_workers_are_bounded_by_the_cores(tmp_path, capsys):
    spec = spec_file(tmp_path, "reps = 2\nperiods = 5\n[grid]\norder_up_to = [10]\n")
    code, err = sweep_cli(capsys, spec, "--out", tmp_path / "c.zarr", "--workers", "1000")
    assert code == 2 and "--workers (workers=) 1000 is more than the" in err and "--force" in err


@pytest.mark.parametrize("garbage", [False, True])
def test_a_port_that_is_not_a_scheduler_fails_fast_and_clearly(
    tmp_path, capsys, monkeypatch, garbage
):
    """A local socket (127.0.0.1 only) that accepts and says nothing, or says nonsense."""
    spec = spec_file(tmp_path, "reps = 2\nperiods = 5\n[grid]\norder_up_to = [10]\n")
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    accepted = []

    def serve():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            accepted.append(conn)
            if garbage:
                conn.sendall(b"HTTP/1.1 200 OK\r\n\r\n" + b"\xff" * 64)

    threading.Thread(target=serve, daemon=True).start()
    monkeypatch.setattr(execute, "SCHEDULER_TIMEOUT", 1.0)
    address = f"tcp://127.0.0.1:{server.getsockname()[1]}"
    try:
        t0 = time.perf_counter()
        code, err = sweep_cli(capsys, spec, "--out", tmp_path / "c.zarr", "--scheduler", address)
        elapsed = time.perf_counter() - t0
    finally:
        server.close()
        for conn in accepted:
            conn.close()
    assert code == 1 and elapsed < 15 and accepted
    if garbage:
        assert f"the server at {address} does not answer as a Dask scheduler" in err
    else:
        assert f"no Dask scheduler answered at {address} within 1 s" in err
    assert "Traceback" not in err and "EiB" not in err


def test_outputs_are_checked_before_any_cluster(tmp_path, capsys):
    spec = spec_file(tmp_path, "reps = 2\nperiods = 5\n[grid]\norder_up_to = [10]\n")
    a_file = tmp_path / "notes.txt"
    a_file.write_text("keep me")
    store = tmp_path / "old.zarr"
    cube = ft.simulate(MODEL, {"order_up_to": [10]}, reps=2, periods=5)
    cube.to_zarr(store, zarr_format=3, consolidated=False)
    cases = [
        (a_file / "cube.zarr", "cannot"),  # under a regular file
        (Path("/proc/fasttwin-cannot-write.zarr"), "cannot write the store"),
        (store / "inner.zarr", "is inside the Zarr store"),
        (a_file, "not a Zarr store"),
    ]
    for out, match in cases:
        code, err = sweep_cli(capsys, spec, "--out", out)
        assert code == 2 and match in err, (out, err)
    assert a_file.read_text() == "keep me"
    assert not (store / "inner.zarr").exists()
    # simulate: the same checks on its --out
    assert main(["simulate", str(tmp_path / "m.toml"), "--out", str(store / "x.zarr")]) == 2
    assert "inside the Zarr store" in capsys.readouterr().err
    # report: never into a store
    for out in (store, store / "cost" / "pictures"):
        assert main(["report", str(store), "--out", str(out)]) == 2
        assert "Zarr store" in capsys.readouterr().err
    assert not (store / "index.html").exists() and not (store / "cost" / "pictures").exists()
    assert main(["report", str(store), "--out", "/proc/fasttwin-report"]) == 2
    assert "cannot write the report" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args, match",
    [
        (["--service", "cost"], "service must be a ratio .*: one of .*fill_rate.*; got 'cost'"),
        (["--cost", "fill_rate"], "cost must be a quantity to minimise, not a ratio"),
    ],
)
def test_report_roles_of_variables_are_named(tmp_path, capsys, args, match):
    store = tmp_path / "c.zarr"
    ft.simulate(MODEL, {"order_up_to": [10, 20]}, reps=4, periods=10).to_zarr(
        store, zarr_format=3, consolidated=False
    )
    assert main(["report", str(store), "--out", str(tmp_path / "r"), *args]) == 2
    err = capsys.readouterr().err
    assert re.search(match, err) and "unpack" not in err
    assert not (tmp_path / "r").exists()


# --- the first valid cell, found from the axes -------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    s=st.lists(st.integers(-5, 30), min_size=1, max_size=6, unique=True),
    big_s=st.lists(st.integers(0, 30), min_size=1, max_size=6, unique=True),
    s_first=st.booleans(),
)
def test_first_valid_point_matches_a_scan(s, big_s, s_first):
    grid = {"reorder_point": s, "order_up_to": big_s}
    if not s_first:
        grid = {"order_up_to": big_s, "reorder_point": s}
    spec = None
    try:
        spec = Spec(MODEL, grid=grid, reps=2, periods=5)
    except ValueError as err:
        assert "no grid point is a valid policy" in str(err)
    valid = valid_mask(MODEL, _grid(grid))
    if spec is None:
        assert not valid.any()
    else:
        assert spec.first_valid_point == int(np.argmax(valid)) and valid.any()


def _grid(grid):
    from fasttwin.plan.grid import resolve_policy

    return resolve_policy(MODEL, grid)


# --- what already held: markup escaped in the report, nothing unpickled or evaluated -----


def test_the_report_escapes_markup_in_names(tmp_path):
    from dataclasses import replace

    from fasttwin.analysis.report import write_report
    from fasttwin.model.scenarios import Scenario

    model = replace(MODEL, name="<script>alert(1)<script>")
    odd = Scenario("<img src=x onerror=alert(1)>", ())
    cube = ft.simulate(model, {"order_up_to": [10, 20]}, reps=4, periods=10, scenario=[odd])
    page = write_report(cube, tmp_path / "r", trace_reps=1).read_text()
    assert "<script>" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_nothing_unpickles_or_evaluates():
    import ast

    banned = {"pickle", "cloudpickle", "marshal", "shelve", "dill"}
    for path in (ROOT / "fasttwin").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = {a.name.split(".")[0] for a in node.names}
                if isinstance(node, ast.ImportFrom) and node.module:
                    names.add(node.module.split(".")[0])
                assert not names & banned, f"{path}: imports {names & banned}"
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in ("eval", "exec", "compile"), f"{path}: {node.func.id}"
