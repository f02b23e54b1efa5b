"""Sweep specs and plans: parsing, validation before anything is written, chunk ownership."""

import itertools
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fasttwin as ft
from fasttwin.cli.main import main
from fasttwin.model.toml_io import tomllib
from fasttwin.sweep.plan import block_shape, blocks, make_plan
from fasttwin.sweep.spec import Spec, load_spec
from fasttwin.sweep.store import region_of

SWEEPS = Path(__file__).resolve().parent.parent / "sweeps"
MODEL = {
    "name": "shop",
    "nodes": [
        {
            "name": "shop",
            "lead_time": 2,
            "backorder_cost": 9.0,
            "reorder_point": 40,
            "order_up_to": 100,
            "demand": {"dist": "poisson", "mean": 20.0},
        }
    ],
}
GOOD = {
    "model": MODEL,
    "reps": 20,
    "periods": 60,
    "grid": {"reorder_point": {"start": 20, "stop": 61, "step": 20}, "order_up_to": [80, 120]},
}


def test_toml_spec_with_every_section(tmp_path):
    (tmp_path / "m.toml").write_text(ft.load_model(SWEEPS / "single_node.toml").to_toml())
    (tmp_path / "s.toml").write_text(
        """
        name = "demo"
        model = "m.toml"
        reps = 30
        scenarios = ["baseline", "big", "both"]

        [grid.node]
        reorder_point = {start = 10, stop = 40, step = 10}
        [grid]
        order_up_to = [100, 120]

        [fixed]
        review_period = 2

        [scenario.big]
        base = "demand_surge"
        factor = 1.6
        [scenario.both]
        compose = ["big", "supplier_delay"]

        [execution]
        points_per_task = 4
        """.replace("\n        ", "\n")
    )
    spec = load_spec(tmp_path / "s.toml")
    assert spec.name == "demo" and spec.reps == 30
    # periods, warmup and seed come from the model file.
    assert (spec.periods, spec.warmup, spec.seed) == (730, 100, 7)
    assert spec.grid == (("node.reorder_point", (10, 20, 30)), ("order_up_to", (100, 120)))
    assert spec.dims == ("reorder_point", "order_up_to") and spec.shape == (3, 2)
    assert spec.fixed == (("review_period", 2),)
    assert spec.scenario_names == ("baseline", "big", "both")
    both = spec.scenarios[2].apply(spec.model).nodes[0]
    assert both.demand.multiplier == 1.6 and both.lead_time == 9
    assert spec.points_per_task == 4
    assert spec.policy() == {
        "node.reorder_point": [10, 20, 30],
        "order_up_to": [100, 120],
        "review_period": 2,
    }


def test_default_points_per_task_aims_at_seconds_of_work():
    from fasttwin.sweep.spec import MIN_TASKS, TASK_DAYS

    tiny = Spec.from_dict({**GOOD, "reps": 10, "periods": 50})
    assert tiny.points_per_task >= 10_000 and len(make_plan(tiny).tasks) == 1
    # 100,000 reps x 5,000 days: time alone would give one point; the floor (32) lifts
    # it, and memory (12.8 MB a point) cuts it back to 10.
    assert Spec.from_dict({**GOOD, "reps": 100_000, "periods": 5_000}).points_per_task == 10
    grid = {"reorder_point": list(range(400)), "order_up_to": list(range(400, 600))}
    many = Spec.from_dict({**GOOD, "reps": 1000, "periods": 365, "grid": grid})
    days = many.points_per_task * 1000 * 365
    assert TASK_DAYS / 2 <= days <= TASK_DAYS + 1000 * 365
    assert len(make_plan(many).tasks) >= MIN_TASKS


def test_default_points_per_task_is_bounded_by_memory_and_floored():
    """A task's cube stays under TASK_BYTES however many reps; short tasks get a floor."""
    from fasttwin.engine.estimate import estimate
    from fasttwin.sweep.spec import MIN_POINTS_PER_TASK, TASK_BYTES, TASK_DAYS

    grid = {"reorder_point": list(range(100)), "order_up_to": list(range(400, 500))}
    for reps, periods in ((20_000, 10), (200_000, 10), (50_000, 50)):
        spec = Spec.from_dict({**GOOD, "reps": reps, "periods": periods, "grid": grid})
        per_point = estimate(spec.model, 1, reps, periods).cube_bytes
        assert spec.points_per_task * per_point <= TASK_BYTES
        # Time alone would allow more: memory is what cut these tasks.
        assert spec.points_per_task < TASK_DAYS / 2 / (reps * periods)
    # 20,000 reps x 1,000 days: time alone gives 13-25 points; the floor lifts it.
    long = Spec.from_dict({**GOOD, "reps": 20_000, "periods": 1000, "grid": grid})
    assert TASK_DAYS / (20_000 * 1000) < MIN_POINTS_PER_TASK
    assert long.points_per_task == MIN_POINTS_PER_TASK
    # The plan's tasks: none above the bound, whatever the grid's size.
    small = Spec.from_dict({**GOOD, "reps": 20_000, "periods": 10, "grid": grid})
    for plan in (make_plan(small), make_plan(spec)):
        assert max(t.points for t in plan.tasks) <= small.points_per_task


@pytest.mark.parametrize(
    "change, match",
    [
        ({"rep": 3}, r"unknown key\(s\) \['rep'\]; allowed: name, model, reps"),
        ({"model": None}, "model must be a TOML path or a \\[model\\] table"),
        ({"model": "nowhere.toml"}, "model file 'nowhere.toml' does not exist"),
        ({"reps": 0}, "reps must be an integer >= 1, got 0"),
        ({"warmup": 60}, r"warmup must be an integer in \[0, 59\], got 60"),
        ({"seed": -1}, "seed must be an integer"),
        ({"grid": {"reorder_point": 5}}, "grid.reorder_point must be a list of values or a"),
        ({"grid": {"reorder_point": {"start": 5, "stop": 5}}}, "grid.reorder_point is empty"),
        (
            {"grid": {"order_up_to": {"start": 5, "stop": 9, "step": 0}}},
            "step must be an integer >= 1",
        ),
        ({"grid": {"order_up_to": {"start": 5, "end": 9}}}, r"must be a \{start, stop, step\}"),
        ({"grid": {"reorder": [1, 2]}}, "policy key 'reorder' names no parameter"),
        ({"grid": {"shop.reorder_point": [1.5]}}, "must be integers"),
        ({"grid": {"order_up_to": [float("nan")]}}, "must be integers"),
        ({"grid": {"depot.order_up_to": [100]}}, "names unknown node 'depot'"),
        ({"fixed": {"order_up_to": 100}}, "'order_up_to' is both a grid axis and a fixed value"),
        ({"fixed": {"review_period": [1, 2]}}, "must be a single value"),
        ({"scenarios": ["baseline", "surge"]}, "unknown scenario 'surge'"),
        ({"scenarios": "baseline"}, "scenarios must be a list of scenario names"),
        ({"scenario": {"big": {"base": "demand_surge"}}}, "scenarios .* is missing"),
        ({"execution": {"points_per_task": 0}}, "points_per_task must be an integer >= 1"),
        ({"execution": {"workers": 2}}, r"execution has unknown key\(s\) \['workers'\]"),
        (
            {"execution": {"compression": "gzip"}},
            "execution.compression must be one of 'zstd', 'lz4', 'none', got 'gzip'",
        ),
        (
            {"grid": {"reorder_point": [100, 120], "order_up_to": [80, 90]}},
            "no grid point is a valid policy",
        ),
    ],
)
def test_bad_specs_are_refused_naming_the_field(change, match):
    data = {**GOOD, **change}
    if data.get("model") is None:
        data["model"] = 3
    with pytest.raises(ValueError, match=match):
        Spec.from_dict(data)


def test_bad_spec_files_touch_nothing(tmp_path, capsys):
    spec = tmp_path / "bad.toml"
    spec.write_text('model = "m.toml"\nreps = 10\n[grid]\nreorder_point = 5\n')
    (tmp_path / "m.toml").write_text(ft.load_model(SWEEPS / "single_node.toml").to_toml())
    out = tmp_path / "cube.zarr"
    assert main(["sweep", str(spec), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "bad.toml: grid.reorder_point must be a list of values" in err
    spec.write_text("reps = [")
    assert main(["sweep", str(spec), "--out", str(out)]) == 2
    assert "is not valid TOML" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml", "m.toml"]


def test_errors_come_before_dask_or_numba_is_imported(tmp_path):
    import subprocess

    code = f"""
import sys
from fasttwin.sweep.execute import run_sweep
try:
    run_sweep({{"model": {MODEL!r}, "reps": 0}}, {str(tmp_path / "x.zarr")!r})
except ValueError as err:
    assert "reps must be" in str(err), err
else:
    raise SystemExit("no error")
assert "numba" not in sys.modules and "distributed" not in sys.modules
"""
    subprocess.run([sys.executable, "-c", code], check=True)
    assert not (tmp_path / "x.zarr").exists()


def test_example_specs_load():
    spec = load_spec(SWEEPS / "single_node_sweep.toml")
    assert spec.shape == (13, 13) and spec.reps == 1000
    assert spec.scenario_names == ("baseline", "demand_surge", "supplier_delay", "big_surge")


RETAIL_STAND_IN = {
    "name": "retail_twin",
    "periods": 90,
    "warmup": 7,
    "seed": 42,
    "nodes": [
        {
            "name": "warehouse",
            "lead_time": 7,
            "reliability": 0.98,
            "holding_cost": 2.0,
            "reorder_point": 1000,
            "order_up_to": 3000,
            "initial_inventory": 5000,
        }
    ]
    + [
        {
            "name": f"store_{i}",
            "parent": "warehouse",
            "lead_time": 2,
            "lost_sales": True,
            "holding_cost": 2.0,
            "lost_sale_cost": 10.0,
            "reorder_point": s,
            "order_up_to": 3 * s,
            "initial_inventory": 5 * s,
            "demand": {
                "dist": "normal",
                "mean": 50.0,
                "std": 10.0,
                "multiplier": m,
                "amplitude": 0.2,
                "period": 30.0,
            },
        }
        for i, (s, m) in enumerate([(100, 1.0), (120, 1.2), (150, 1.5)], start=1)
    ],
}


def test_retail_sweep_spec_fits_the_retail_twin():
    """The README's sweep names warehouse parameters and every built-in scenario.

    The retail twin's TOML ships with the network kernel; until then its node
    structure (DESIGN.md section 3) stands in, inline.
    """
    data = tomllib.loads((SWEEPS / "retail_sweep.toml").read_text())
    assert data["model"] == "retail_twin.toml"
    spec = Spec.from_dict({**data, "model": RETAIL_STAND_IN})
    assert spec.dims == ("warehouse_reorder_point", "warehouse_order_up_to")
    assert spec.shape == (11, 10) and spec.reps >= 1000
    assert len(spec.scenario_names) == 8
    for sc in spec.scenarios:
        sc.apply(spec.model)
    plan = make_plan(spec)
    assert {t.scenario for t in plan.tasks} == set(range(8))


# -- plans: blocks tile the grid and every chunk has exactly one writer ---------------


@settings(max_examples=40)
@given(
    shape=st.lists(st.integers(1, 6), min_size=0, max_size=3).map(tuple),
    points=st.integers(1, 40),
    scenarios=st.sampled_from([None, 1, 3]),
)
def test_each_chunk_of_each_variable_has_one_writer(shape, points, scenarios):
    chunks = block_shape(shape, points)
    assert int(np.prod(chunks, dtype=np.int64)) <= max(points, 1)
    dims = tuple(f"g{i}" for i in range(len(shape)))
    # A plan needs only the grid's dims and shape, points per task and scenarios.
    plan = make_plan(_FakeSpec(dims, shape, points, scenarios))
    assert plan.chunks == chunks
    n_scen = scenarios or 1
    layouts = {
        "cost": (*dims, *(("scenario",) if scenarios else ()), "rep"),
        "node_cost": (*dims, *(("scenario",) if scenarios else ()), "node", "rep"),
        "valid": dims,
        "drop_first": dims[1:],
    }
    sizes = {**dict(zip(dims, shape, strict=True)), "scenario": n_scen, "node": 2, "rep": 3}
    for name, vdims in layouts.items():
        owner = {}
        for task in plan.tasks:
            sel = region_of(vdims, dims, task)
            if sel is None:
                continue
            cells = [range(*s.indices(sizes[d])) for s, d in zip(sel, vdims, strict=True)]
            for cell in itertools.product(*cells):
                assert cell not in owner, f"{name}: {cell} written by two tasks"
                owner[cell] = task.name
            # The region is whole chunks: starts on a chunk edge, ends on one or at the end.
            for s, d in zip(sel, vdims, strict=True):
                if d in dims:
                    c = chunks[dims.index(d)]
                    assert s.start % c == 0 and (s.stop - s.start == c or s.stop == sizes[d])
        every = itertools.product(*(range(sizes[d]) for d in vdims))
        assert set(owner) == set(every), f"{name}: some cells have no writer"
    assert len({t.name for t in plan.tasks}) == len(plan.tasks)
    assert [t.index for t in plan.tasks] == list(range(len(plan.tasks)))


class _FakeSpec:
    def __init__(self, dims, shape, points, scenarios):
        self.dims, self.shape, self.points_per_task = dims, shape, points
        self.scenarios = None if scenarios is None else [object()] * scenarios


def test_blocks_tile_the_grid():
    cells = set()
    for region in blocks((5, 3), (2, 2)):
        for cell in itertools.product(*(range(a, b) for a, b in region)):
            assert cell not in cells
            cells.add(cell)
    assert len(cells) == 15
