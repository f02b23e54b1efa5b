"""The optimiser: spaces and specs refused up front, batches equal simulate, the search, the
selection's guarantee, stores that resume to the same answer, Dask equal to in-process."""

import math
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from distributed import Client

import fasttwin as ft
from fasttwin.cli.main import main
from fasttwin.optimize import execute
from fasttwin.optimize.evaluate import evaluate
from fasttwin.optimize.search import batch_search, poll_moves
from fasttwin.optimize.select import StageOne, choose, screen, stage_one
from fasttwin.optimize.space import Space
from fasttwin.optimize.spec import OptimizeSpec, load_optimize_spec
from fasttwin.plan.run import resolve_run

ROOT = Path(__file__).resolve().parents[1]

# A small network: a warehouse and two stores with lost sales; (s, S) everywhere.
NET = ft.Model(
    nodes=(
        ft.Node("dc", lead_time=3, reorder_point=60, order_up_to=120, holding_cost=0.5),
        ft.Node(
            "a",
            parent="dc",
            lead_time=1,
            demand=ft.Poisson(6.0),
            reorder_point=5,
            order_up_to=20,
            lost_sales=True,
            lost_sale_cost=8.0,
        ),
        ft.Node(
            "b",
            parent="dc",
            lead_time=1,
            demand=ft.Poisson(9.0, amplitude=0.3, period=20.0),
            reorder_point=5,
            order_up_to=25,
            lost_sales=True,
            lost_sale_cost=8.0,
        ),
    ),
    periods=120,
    warmup=10,
    seed=5,
)
NET_SPACE = {
    "a.reorder_point": range(0, 40, 2),
    "a.order_up_to": range(4, 80, 4),
    "b.reorder_point": range(0, 50, 2),
    "b.order_up_to": range(4, 100, 4),
    "dc.reorder_point": range(0, 200, 10),
    "dc.order_up_to": range(20, 400, 20),
}
SMALL = dict(reps=20, final_reps=20, max_final_reps=200, confirm_reps=60, budget=400)


def small_spec(space=NET_SPACE, **kw) -> OptimizeSpec:
    args = dict(target=0.95, scenarios=["baseline", "demand_surge"], **SMALL)
    args.update(kw)
    return OptimizeSpec(NET, space, **args)


# --- refused before anything runs -------------------------------------------------------


@pytest.mark.parametrize(
    ("space", "message"),
    [
        ({"x.reorder_point": [1, 2]}, "unknown node 'x'"),
        ({"a.reorder": [1, 2]}, "names no parameter"),
        ({"reorder_point": [1, 2]}, "needs a node prefix"),
        ({"a.reorder_point": [3, 2]}, "strictly increasing"),
        ({"a.reorder_point": [3]}, "at least two values"),
        ({"a.reorder_point": [1.5, 2]}, "whole numbers"),
        ({"a.order_quantity": [1, 2]}, "order_quantity"),
        ({"a.safety_factor": [0, 1], "a.reorder_point": [1, 2]}, "cannot be searched"),
        ({}, "at least one"),
    ],
)
def test_bad_space_is_refused(space, message):
    with pytest.raises(ValueError, match=message):
        Space.of(NET, space)


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        (dict(rule="likely"), "rule must be one of"),
        (dict(constraint="each"), "constraint must be one of"),
        (dict(target=1.5), "target must be"),
        (dict(service="cost"), "service must be one of"),
        (dict(reps=1), "reps must be"),
        (dict(final_reps=50, max_final_reps=10), "select.max_reps"),
        (dict(delta=0), "select.delta"),
        (dict(budget=0), "budget"),
        (dict(scenarios=["nope"]), "nope"),
        (dict(start={"a.reorder_point": 3}), "start"),
        (dict(start={"a.reorder_point": 38, "a.order_up_to": 4}), "no policy"),
    ],
)
def test_bad_spec_is_refused(kw, message):
    with pytest.raises(ValueError, match=message):
        small_spec(**kw)


def test_toml_spec_and_the_readme_spec_load(tmp_path):
    spec = load_optimize_spec(ROOT / "sweeps" / "retail_optimize.toml")
    assert len(spec.space.dims) == 8 and spec.n_scenarios == 8
    assert spec.constraint.labels == ("store_1", "store_2", "store_3")
    bad = tmp_path / "bad.toml"
    bad.write_text('model = "m.toml"\n[space]\n"a.reorder_point" = [1, 2]\n[select]\nfoo = 1\n')
    with pytest.raises(ValueError, match="bad.toml"):
        load_optimize_spec(bad)
    good = tmp_path / "ok.toml"
    good.write_text(
        f'model = "{ROOT / "sweeps" / "retail_twin.toml"}"\nreps = 10\n'
        "[space.store_1]\nreorder_point = {start = 50, stop = 200, step = 10}\n"
        '"safety_factor" = [0.0]\n'
    )
    with pytest.raises(ValueError, match="at least two values"):
        load_optimize_spec(good)


def test_cli_refuses_a_bad_spec_and_writes_nothing(tmp_path, capsys):
    spec = tmp_path / "s.toml"
    spec.write_text(
        f'model = "{ROOT / "sweeps" / "retail_twin.toml"}"\nrule = "often"\n'
        '[space]\n"store_1.reorder_point" = [100, 150]\n'
    )
    out = tmp_path / "o.zarr"
    assert main(["optimize", str(spec), "--out", str(out)]) == 2
    assert "rule must be one of" in capsys.readouterr().err
    assert not out.exists()


# --- a batch is what simulate gives ------------------------------------------------------


def test_batch_equals_simulate_point_by_point():
    """Points of a batch (any list, not a grid) see the same numbers as simulate's grid."""
    space = Space.of(NET, NET_SPACE)
    rng = np.random.default_rng(3)
    index = np.column_stack([rng.integers(0, n, 6) for n in space.shape])
    index = index[space.valid(index)]
    run = resolve_run(NET, 6, None, None, None)
    scen = [ft.model.scenarios.Scenario.of(s) for s in ("baseline", "supplier_delay")]
    ds = evaluate(NET, space.points(index), scen, run, parallel=True)
    for i, p in enumerate(index):
        pol = {k: int(v[0]) for k, v in space.policies(p[None]).items()}
        ref = ft.simulate(NET, pol, scenario=["baseline", "supplier_delay"], reps=6)
        for name in ("cost", "fill_rate", "node_fill_rate", "node_on_hand"):
            assert np.array_equal(ds[name].isel(candidate=i).values, ref[name].values), name


def test_safety_factor_sets_levels_from_lead_time_demand():
    space = Space.of(NET, {"dc.safety_factor": [0.0, 1.0, 2.0], "a.reorder_point": [2, 4]})
    pol = space.policies(np.array([[0, 0], [2, 1]]))
    # dc: demand 6 + 9 a day over 3 + 1 days: mean 60; std includes b's seasonality.
    assert pol["dc.reorder_point"][0] == 60
    assert pol["dc.order_up_to"].tolist() == (pol["dc.reorder_point"] + 60).tolist()
    assert pol["dc.reorder_point"][1] > 60 + 2 * math.sqrt(4 * 15) - 1


# --- the search --------------------------------------------------------------------------


def test_poll_moves_stay_on_the_lattice_and_exclude_the_centre():
    moves, pairs = poll_moves((0, 3, 9), (2, 2, 2), (10, 10, 10), groups=[(0, 1)])
    pts = np.array(moves + pairs)
    assert (pts >= 0).all() and (pts <= 9).all()
    assert (0, 3, 9) not in moves + pairs
    assert len(set(moves + pairs)) == len(moves) + len(pairs)


def test_search_finds_the_constrained_optimum_and_keeps_its_budget():
    """Separable quadratic cost, one linear constraint per block: optimum known exactly."""
    target = np.array([30, 12, 44, 7])

    def f(k, pts):
        cost = (((pts - target) * [1, 2, 1, 3]) ** 2).sum(1).astype(float)
        return cost, np.maximum(80 - pts[:, 0] - pts[:, 2], 0).astype(float)

    def valid(pts):
        return pts[:, 1] < 50

    log, seen = batch_search(
        (60, 60, 60, 60),
        (0, 49, 0, 59),
        f,
        valid=valid,
        budget=5000,
        batch_size=64,
        groups=[(0, 1)],
        blocks=[(0, 1), (2, 3)],
    )
    x = np.array(log.incumbent)
    # On the constraint x0 + x2 = 80, (x0 - 30)^2 + (x2 - 44)^2 is least at (33, 47).
    assert log.converged and x.tolist() == [33, 12, 47, 7]
    assert all(p[1] < 50 for p in seen) and log.evaluated == len(seen)
    assert all(len(b.points) <= 64 for b in log.batches)
    short, _ = batch_search(
        (60, 60, 60, 60), (0, 49, 0, 59), f, valid=valid, budget=100, batch_size=64
    )
    assert short.evaluated == 100 and not short.converged


# --- the selection ------------------------------------------------------------------------


def test_screen_and_choose():
    assert screen(np.array([[[0.99, 0.985]], [[0.99, 0.97]]]), 0.98).tolist() == [True, False]
    first = StageOne(
        np.array([True, True]), 10, 10, 2.0, np.array([[0, 1.0], [1.0, 0]]), 1.0, False
    )
    chosen, delta = choose(np.array([np.full(25, 5.0), np.full(25, 4.0)]), first)
    assert chosen == 1 and delta == pytest.approx(2.0 / 5)


def test_two_stage_selection_keeps_its_guarantee():
    """Good selection (chosen within delta of the best) in at least 95 % of trials, when
    three systems sit within delta of each other and the rest are worse, with CRN noise."""
    rng = np.random.default_rng(11)
    means = np.array([10.0, 10.3, 10.45, 11.0, 12.0])
    delta, trials, good = 0.5, 400, 0
    for _ in range(trials):
        # Replications share a common noise (CRN) plus each system's own noise.
        sample = means[:, None] + rng.normal(0, 3.0, 4000) + rng.normal(0, 1.0, (5, 4000))
        first = stage_one(sample[:, :20], np.ones(5, bool), delta, 0.95, 4000)
        cost = sample[:, : first.reps]
        chosen, _ = choose(cost, first)
        good += means[chosen] - means.min() <= delta
    assert good / trials >= 0.95 - 2 * math.sqrt(0.05 * 0.95 / trials)


# --- whole runs ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def inline_result():
    return execute.run_optimize(small_spec(), None, "inline")


def test_constrained_network_result_meets_its_target(inline_result):
    res = inline_result
    assert res.feasible and res.confirmed
    assert all(s.bound >= 0.95 for s in res.service)
    assert {s.label for s in res.service} == {"a", "b"}
    assert res.cost.n == 60 and res.cost.low < res.cost.mean < res.cost.high
    chosen = res.finalists[res.finalists["chosen"]]
    assert len(chosen) == 1 and bool(chosen["eligible"].iloc[0])
    assert res.binding_node in ("a", "b")
    before = res.before.set_index("node")["service_worst"]
    assert before[res.binding_node] == before[["a", "b"]].min()
    # The chosen policy, simulated again with the confirmation's replications, is the same.
    ref = ft.simulate(
        NET, res.simulate_policy, scenario=["baseline", "demand_surge"], reps=60, rep0=20 + 200
    )
    assert ref["cost"].mean("scenario").mean().item() == pytest.approx(res.cost.mean, rel=1e-12)


def test_store_resumes_to_the_same_answer(tmp_path, inline_result, monkeypatch):
    store = tmp_path / "o.zarr"
    real = execute._State.evaluate_batch

    def crash(self, k, points):
        if k == 3:
            raise KeyboardInterrupt
        return real(self, k, points)

    monkeypatch.setattr(execute._State, "evaluate_batch", crash)
    with pytest.raises(KeyboardInterrupt):
        execute.run_optimize(small_spec(), store, "inline")
    monkeypatch.setattr(execute._State, "evaluate_batch", real)
    done = xr.open_zarr(store, group="_sweep", consolidated=False)["done"].values
    assert done[:3].all() and not done[3:].any()
    res = execute.run_optimize(small_spec(), store, "inline")
    assert res.policy == inline_result.policy and res.cost == inline_result.cost
    pd_equal = res.finalists.equals(inline_result.finalists)
    assert pd_equal
    cube = xr.open_zarr(store)
    valid = cube["valid"].values
    assert valid.sum() == inline_result.points.sizes["candidate"]
    ours = cube["cost_mean"].values[valid]
    assert np.array_equal(ours, inline_result.points["cost_mean"].values)
    assert "optimize_result_toml" in cube.attrs
    final = xr.open_zarr(store, group="finalists")
    assert final.sizes["rep"] == 20 and int(final["rep"][0]) == 20
    # Run again on the finished store: nothing is simulated, the same answer.
    monkeypatch.setattr(execute, "run_task", None)
    again = execute.run_optimize(small_spec(), store, "inline")
    assert again.policy == res.policy and again.cost == res.cost
    # ... and no cluster is started for it: an address where no scheduler listens is not dialled.
    again = execute.run_optimize(small_spec(), store, "tcp://127.0.0.1:9", workers=None)
    assert again.policy == res.policy and again.cost == res.cost


def test_store_refusals(tmp_path):
    store = tmp_path / "o.zarr"
    spec = small_spec(budget=40, final_reps=10, max_final_reps=20, confirm_reps=10)
    execute.run_optimize(spec, store, "inline")
    other = small_spec(budget=41, final_reps=10, max_final_reps=20, confirm_reps=10)
    with pytest.raises(ValueError, match="budget: store 40, spec 41"):
        execute.run_optimize(other, store, "inline")
    ft.simulate(NET, {"a.reorder_point": [1, 2]}, reps=2).to_zarr(
        tmp_path / "cube.zarr", consolidated=False
    )
    with pytest.raises(ValueError, match="another kind"):
        execute.run_optimize(spec, tmp_path / "cube.zarr", "inline")
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="not a Zarr store"):
        execute.run_optimize(spec, tmp_path / "file", "inline")


def test_a_locked_store_is_refused_untouched_and_the_lock_released_after(tmp_path):
    from fasttwin.sweep.lock import StoreLock, StoreLocked

    store = tmp_path / "o.zarr"
    spec = small_spec(budget=40, final_reps=10, max_final_reps=20, confirm_reps=10)
    with StoreLock(store, purpose="another run"):
        with pytest.raises(StoreLocked, match="another run"):
            execute.run_optimize(spec, store, "inline")
        assert not store.exists()
    execute.run_optimize(spec, store, "inline")  # free again; and released when it ends
    StoreLock(store).acquire().release()


def test_dask_gives_the_same_store_as_in_process(tmp_path, inline_result):
    with Client(processes=False, n_workers=2, threads_per_worker=1, dashboard_address=":0") as cl:
        res = execute.run_optimize(small_spec(), tmp_path / "d.zarr", cl)
    assert res.policy == inline_result.policy and res.cost == inline_result.cost
    valid = res.points["valid"].values
    assert np.array_equal(
        res.points["cost_mean"].values[valid], inline_result.points["cost_mean"].values
    )


@pytest.mark.parametrize("scope", ["worst_store", "system"])
def test_other_constraint_scopes(scope):
    res = execute.run_optimize(
        small_spec(constraint=scope, budget=150, scenarios=None), None, "inline"
    )
    label = {"worst_store": "worst store", "system": "system"}[scope]
    assert [s.label for s in res.service] == [label]
    # The check is on the confirmation's replications: recompute it from a fresh simulation.
    ds = ft.simulate(NET, res.simulate_policy, reps=60, rep0=20 + 200)
    if scope == "system":
        x = ds["fill_rate"].values
    else:
        x = ds["node_fill_rate"].sel(node=["a", "b"]).min("node").values
    assert res.service[0].mean == pytest.approx(x.mean(), rel=1e-12)


def test_safety_factors_search_one_number_per_node():
    spec = small_spec(
        space={
            "a.safety_factor": np.arange(-1, 4, 0.25),
            "b.safety_factor": np.arange(-1, 4, 0.25),
        },
        budget=120,
        scenarios=None,
    )
    res = execute.run_optimize(spec, None, "inline")
    k = res.policy["a_safety_factor"]
    assert -1 <= k < 4 and set(res.policy) == {"a_safety_factor", "b_safety_factor"}
    # The levels simulated are the ones the factor sets, keeping a's order quantity (15).
    level = res.simulate_policy["a.reorder_point"]
    assert res.simulate_policy["a.order_up_to"] - level == 15
