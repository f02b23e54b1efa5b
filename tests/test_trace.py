"""Traced replications are the simulated ones: their days add up to the cube exactly."""

import numpy as np
import pytest
from hypothesis import given, settings

import fasttwin as ft
from fasttwin.cube.build import variables_from_sums
from fasttwin.kernels import layout as L
from fasttwin.model.scenarios import Scenario
from fasttwin.plan.grid import node_policy, resolve_policy
from tests.strategies import single_node_cases


def _sums_from_trace(tr) -> np.ndarray:
    """The simulation kernel's integer sums ``(N_SUMS, reps)``, rebuilt from daily paths."""
    m = tr.sel(day=tr["measured"])
    first = int(m["day"][0])
    sums = np.zeros((L.N_SUMS, tr.sizes["rep"]), np.int64)
    for row, name in (
        (L.ON_HAND, "on_hand"),
        (L.BACKORDERS, "backorders"),
        (L.LOST, "lost_sales"),
        (L.FILLED, "filled"),
        (L.ORDERS, "orders"),
        (L.ORDERED, "ordered"),
        (L.OVERFLOW, "overflow"),
        (L.DEMAND, "demand"),
    ):
        sums[row] = m[name].sum("day").values
    sums[L.STOCKOUTS] = (m["filled"] < m["demand"]).sum("day").values
    # Backorders at the start of the first measured day = end of the day before.
    sums[L.BO_START] = 0 if first == 0 else tr["backorders"].sel(day=first - 1).values
    sums[L.BO_END] = tr["backorders"].isel(day=-1).values
    sums[L.CYCLES], sums[L.SHORT_CYCLES] = _cycles_from_trace(tr, first)
    return sums


def _cycles_from_trace(tr, first: int) -> tuple[np.ndarray, np.ndarray]:
    """Replenishment cycles closed on measured days, and the short ones, per replication.

    A day with arrivals after day 0 closes the open cycle and opens the next;
    when none closes, the cycle open at the end counts.
    """
    arrivals = tr["arrivals"].values
    short_days = tr["filled"].values < tr["demand"].values
    cycles = np.zeros(tr.sizes["rep"], np.int64)
    short_cycles = np.zeros(tr.sizes["rep"], np.int64)
    for r in range(tr.sizes["rep"]):
        open_short = False
        for t in range(tr.sizes["day"]):
            if arrivals[r, t] > 0 and t > 0:
                cycles[r] += t >= first
                short_cycles[r] += t >= first and open_short
                open_short = False
            open_short |= bool(short_days[r, t])
        if cycles[r] == 0:
            cycles[r], short_cycles[r] = 1, open_short
    return cycles, short_cycles


def _check_trace_matches_cube(model, policy_point, run_args, scenario=None):
    reps = run_args["reps"]
    ds = ft.simulate(
        model, {k: [v] for k, v in policy_point.items()}, scenario=scenario, **run_args
    )
    cube = ds.isel({k: 0 for k in policy_point})
    if scenario is not None:
        cube = cube.squeeze("scenario", drop=True)
    tr = ft.trace(
        model,
        policy_point,
        reps=reps,
        periods=run_args.get("periods"),
        warmup=run_args.get("warmup"),
        seed=run_args.get("seed"),
        rep0=run_args.get("rep0", 0),
        scenario=scenario,
    )
    np.testing.assert_array_equal(tr["rep"].values, cube["rep"].values)
    days = int(tr["measured"].sum())
    node = model if scenario is None else Scenario.of(scenario).apply(model)
    expected = variables_from_sums(_sums_from_trace(tr), days, node.nodes[0])
    for name, values in expected.items():
        np.testing.assert_array_equal(values, cube[name].values, err_msg=name)
    return tr


def test_trace_sums_equal_cube_exactly():
    model = ft.single_node(
        demand=ft.NegativeBinomial(mean=8.0, std=5.0, amplitude=0.3, period=30.0),
        lead_time=ft.UniformInt(0, 3),
        holding_cost=1.0,
        backorder_cost=5.0,
        order_cost=20.0,
        unit_cost=0.5,
        overflow_cost=2.0,
        capacity=30,
        reliability=0.9,
    )
    run = dict(reps=5, periods=120, warmup=15, seed=99, rep0=3)
    tr = _check_trace_matches_cube(model, {"reorder_point": 12, "order_up_to": 45}, run)
    # The supplier rejected some orders in these paths, and rejections are orders.
    assert int(tr["rejected"].sum()) > 0
    assert bool((tr["rejected"] <= tr["orders"]).all())


def test_trace_of_a_scenario_and_of_rq_lost_sales():
    model = ft.single_node(
        demand=ft.Poisson(mean=6.0),
        lead_time=2,
        holding_cost=1.0,
        lost_sale_cost=4.0,
        order_cost=10.0,
        lost_sales=True,
    )
    run = dict(reps=3, periods=80, warmup=0, seed=5)
    _check_trace_matches_cube(
        model, {"reorder_point": 10, "order_quantity": 15}, run, scenario="demand_surge"
    )


@settings(max_examples=15)
@given(single_node_cases())
def test_trace_matches_cube_on_random_models(case):
    model, policy, run_args = case
    grid = resolve_policy(model, policy)
    pol = node_policy(model, grid, "node")
    valid = np.flatnonzero(pol.valid)
    if valid.size == 0:
        return
    index = np.unravel_index(int(valid[-1]), grid.shape)
    point = {a.name: a.values[k] for a, k in zip(grid.axes, index, strict=True)}
    point.update({param: value for _, param, value in grid.fixed})
    _check_trace_matches_cube(model, point, run_args)


def test_trace_balances_day_by_day():
    model = ft.single_node(
        demand=ft.Poisson(mean=5.0), lead_time=0, holding_cost=1.0, backorder_cost=9.0
    )
    tr = ft.trace(model, {"reorder_point": 3, "order_up_to": 12}, reps=2, periods=60, seed=1)
    net = (tr["on_hand"] - tr["backorders"]).values
    start = np.concatenate([np.full((2, 1), 12), net[:, :-1]], axis=1)
    served = (tr["demand"] - tr["lost_sales"]).values
    np.testing.assert_array_equal(net, start + tr["arrivals"].values - served)
    # Zero lead time: whatever is accepted arrives the same day, nothing is in transit.
    np.testing.assert_array_equal(tr["arrivals"].values, tr["ordered"].values)
    assert int(tr["pipeline"].max()) == 0


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(policy={"reorder_point": [3, 4], "order_up_to": 12}), "scalars"),
        (dict(policy={"reorder_point": 12, "order_up_to": 12}), "reorder_point must be <"),
        (dict(policy={"reorder_point": 3, "order_up_to": 12}, reps=0), "reps"),
        (dict(policy={"reorder_point": 3, "order_up_to": 12}, scenario=["a", "b"]), "one scenario"),
    ],
)
def test_trace_bad_input(kwargs, match):
    model = ft.single_node(demand=ft.Poisson(mean=5.0))
    with pytest.raises(ValueError, match=match):
        ft.trace(model, **kwargs)


def test_trace_follows_networks_and_refuses_continuous_review():
    model = ft.Model(
        nodes=(
            ft.Node("wh", order_up_to=50),
            ft.Node("store", parent="wh", demand=ft.Poisson(3.0), order_up_to=10),
        )
    )
    tr = ft.trace(model, {"wh.order_up_to": 40}, reps=2, periods=5)
    assert tr["on_hand"].dims == ("rep", "day", "node") and tr.sizes["node"] == 2
    with pytest.raises(ValueError, match=r"policy\['wh.order_up_to'\] must be integers >= 0"):
        ft.trace(model, {"wh.order_up_to": -1})
    continuous = ft.single_node(ft.Poisson(2.0), order_up_to=5, review="continuous")
    with pytest.raises(ValueError, match="periodic review only"):
        ft.trace(continuous, {})
