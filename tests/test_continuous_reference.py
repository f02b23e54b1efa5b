"""The continuous-review kernel matches the pure-Python event-by-event reference exactly."""

import numba
import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings

import fasttwin as ft
from fasttwin.engine.continuous import continuous_sums
from fasttwin.kernels import layout as L
from fasttwin.plan.grid import node_policy, resolve_policy
from fasttwin.plan.run import resolve_run
from tests.continuous_strategies import continuous_cases
from tests.reference_continuous import simulate_continuous_node


def _reference(model, policy, run):
    grid = resolve_policy(model, policy)
    pol = node_policy(model, grid, model.nodes[0].name)
    points = [
        dict(
            s=int(pol.reorder[i]),
            S=int(pol.up_to[i]),
            Q=int(pol.quantity[i]),
            initial=int(pol.initial[i]),
        )
        for i in np.flatnonzero(pol.valid)
    ]
    rates = model.nodes[0].demand.mean_path(run.periods)
    sums, logs = simulate_continuous_node(model.nodes[0], pol.kind, points, run, rates)
    return pol, sums, logs


@settings(max_examples=40)
@given(continuous_cases())
def test_kernel_matches_reference(case):
    model, policy, run_args = case
    run = resolve_run(model, **run_args)
    pol, expected, _ = _reference(model, policy, run)
    if not pol.valid.any():
        return
    for parallel in (False, True):
        got = continuous_sums(model, pol, run, parallel)
        np.testing.assert_array_equal(got, expected)


@settings(max_examples=25)
@given(continuous_cases())
def test_conservation(case):
    """Arrivals = sales + lost + change in backorders, counted event by event."""
    model, policy, run_args = case
    run = resolve_run(model, **run_args)
    pol, sums, logs = _reference(model, policy, run)
    if not pol.valid.any():
        return
    ds = ft.simulate(model, policy, **run_args)
    days = run.periods - run.warmup
    valid = np.flatnonzero(pol.valid)
    sales = ds["sales"].values.reshape(-1, run.reps)
    for (i, r), log in logs.items():
        measured = [e for e in log if e["measured"]]
        demand = sum(e["demand"] for e in measured if e["kind"] == "arrival")
        shipped = sum(e["shipped"] for e in measured)
        lost = sum(e["lost"] for e in measured if e["kind"] == "arrival")
        change = sums[L.BO_END, i, r] - sums[L.BO_START, i, r]
        assert demand == shipped + lost + change
        assert sales[valid[i], r] == pytest.approx(shipped / days, rel=1e-12, abs=1e-12)
    if model.nodes[0].lost_sales:
        assert bool((ds["backorders"].where(ds["valid"], 0) == 0).all())


def test_many_outstanding_orders_grow_the_heap():
    """Base-stock with a long random lead time keeps dozens of orders in transit, crossing."""
    model = ft.single_node(
        demand=ft.Poisson(8.0),
        lead_time=ft.Uniform(2.0, 6.0),
        review="continuous",
        backorder_cost=4.0,
    )
    policy = {"order_up_to": [10, 40]}
    run = resolve_run(model, 2, 10, 2, 11)
    pol, expected, logs = _reference(model, policy, run)
    outstanding = max(
        sum(e["kind"] == "order" for e in log[: k + 1])
        - sum(e["kind"] == "delivery" for e in log[: k + 1])
        for log in logs.values()
        for k in range(len(log))
    )
    assert outstanding > 16  # the kernel's heaps start with 4 slots
    np.testing.assert_array_equal(continuous_sums(model, pol, run, True), expected)


def test_rq_equals_ss_for_unit_demand():
    """Unit demand hits the reorder point exactly, so (r, Q) is (s, r + Q): identical cubes."""
    model = ft.single_node(
        demand=ft.Poisson(5.0),
        lead_time=ft.Exponential(1.5),
        review="continuous",
        backorder_cost=3.0,
        order_cost=10.0,
    )
    run = dict(reps=20, periods=80, warmup=10, seed=3)
    rq = ft.simulate(model, {"reorder_point": [2, 6], "order_quantity": 10}, **run)
    ss = ft.simulate(model, {"reorder_point": [2, 6], "order_up_to": [12, 16]}, **run)
    for s, big_s in ((2, 12), (6, 16)):
        a = rq.sel(reorder_point=s).drop_vars("reorder_point")
        b = ss.sel(reorder_point=s, order_up_to=big_s).drop_vars(["reorder_point", "order_up_to"])
        xr.testing.assert_equal(a, b)


MODEL = ft.single_node(
    demand=ft.Poisson(6.0, amplitude=0.3, period=20.0),
    lead_time=ft.Normal(2.0, 1.0),
    review="continuous",
    batch=ft.UniformInt(1, 3),
    holding_cost=1.0,
    backorder_cost=5.0,
    order_cost=20.0,
    max_outstanding=2,
)
POLICY = {"reorder_point": list(range(0, 40, 5)), "order_up_to": [40, 60]}
RUN = dict(reps=32, periods=120, warmup=20, seed=99)


def test_identical_for_any_threads_and_chunking():
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = ft.simulate(MODEL, POLICY, **RUN)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = ft.simulate(MODEL, POLICY, **RUN)
    finally:
        numba.set_num_threads(before)
    xr.testing.assert_equal(one, two)
    xr.testing.assert_equal(one, ft.simulate(MODEL, POLICY, parallel=False, **RUN))
    s = POLICY["reorder_point"]
    halves = [
        ft.simulate(MODEL, {**POLICY, "reorder_point": part}, **RUN) for part in (s[:3], s[3:])
    ]
    xr.testing.assert_equal(one, xr.concat(halves, dim="reorder_point", data_vars="minimal"))
    run = {k: v for k, v in RUN.items() if k != "reps"}
    blocks = [ft.simulate(MODEL, POLICY, reps=n, rep0=a, **run) for a, n in ((0, 12), (12, 20))]
    xr.testing.assert_equal(one, xr.concat(blocks, dim="rep", data_vars="minimal"))


def test_common_random_numbers():
    """Every policy sees the same customers; a different seed sees others."""
    ds = ft.simulate(MODEL, POLICY, **RUN)
    demand = ds["demand"].values.reshape(-1, RUN["reps"])
    assert (demand == demand[0]).all()
    other = ft.simulate(MODEL, POLICY, **{**RUN, "seed": 100})
    assert not np.array_equal(ds["demand"].values, other["demand"].values)


@pytest.mark.parametrize("rate, lost_sales", [(100.0, False), (250.0, True)])
def test_many_blocks_and_regrown_buffers_match_reference(rate, lost_sales):
    """Blocks of 2 days (rate 100) and of 1 day whose ~250 customers overflow 256-slot buffers."""
    from fasttwin.engine.continuous import block_days

    model = ft.single_node(
        demand=ft.Poisson(rate),
        lead_time=ft.Exponential(0.7),
        review="continuous",
        lost_sales=lost_sales,
        backorder_cost=2.0,
        lost_sale_cost=3.0,
        max_outstanding=2,
    )
    assert block_days(model, 9) == (2 if rate == 100.0 else 1)
    policy = {"reorder_point": [20, 90], "order_up_to": [150, 400]}
    run = resolve_run(model, 2, 9, 3, 5)
    pol, expected, logs = _reference(model, policy, run)
    busiest = max(sum(e["kind"] == "arrival" and int(e["time"]) >> 32 == d for e in log)
                  for log in logs.values() for d in range(9))  # fmt: skip
    assert rate == 100.0 or busiest > 256
    np.testing.assert_array_equal(continuous_sums(model, pol, run, True), expected)


def test_parallel_equals_serial_when_buffers_regrow():
    """~250 customers a day overflow the kernel's 256-slot day buffers in many blocks;
    threads must not share the regrown buffers."""
    model = ft.single_node(
        demand=ft.Poisson(250.0),
        lead_time=ft.Uniform(0.5, 1.5),
        review="continuous",
        backorder_cost=3.0,
    )
    policy = {"reorder_point": [100, 300], "order_up_to": [500, 800]}
    run = dict(reps=16, periods=30, seed=8)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        parallel = [ft.simulate(model, policy, **run) for _ in range(2)]
    finally:
        numba.set_num_threads(before)
    serial = ft.simulate(model, policy, parallel=False, **run)
    for ds in parallel:
        xr.testing.assert_equal(ds, serial)
