"""The single-node kernel matches the pure-Python reference exactly."""

import numpy as np
import pytest
from hypothesis import given

import fasttwin as ft
from fasttwin.engine.single import single_node_sums
from fasttwin.kernels import layout as L
from fasttwin.plan.grid import node_policy, resolve_policy
from fasttwin.plan.run import resolve_run
from tests.reference import simulate_single_node
from tests.strategies import single_node_cases


def _reference(model, policy, run):
    grid = resolve_policy(model, policy)
    pol = node_policy(model, grid, model.nodes[0].name)
    v = np.flatnonzero(pol.valid)
    points = [
        dict(
            s=int(pol.reorder[i]),
            S=int(pol.up_to[i]),
            Q=int(pol.quantity[i]),
            R=int(pol.review[i]),
            initial=int(pol.initial[i]),
        )
        for i in v
    ]
    sums, logs = simulate_single_node(model.nodes[0], pol.kind, points, run)
    return pol, sums, logs


@given(single_node_cases())
def test_kernel_matches_reference(case):
    model, policy, run_args = case
    run = resolve_run(model, **run_args)
    grid = resolve_policy(model, policy)
    pol = node_policy(model, grid, "node")
    if not pol.valid.any():
        return
    _, expected, _ = _reference(model, policy, run)
    for parallel in (False, True):
        got = single_node_sums(model, pol, run, parallel)
        np.testing.assert_array_equal(got, expected)


@given(single_node_cases())
def test_conservation_and_signs(case):
    """demand = sales + lost + change in backorders, each day; nothing negative."""
    model, policy, run_args = case
    run = resolve_run(model, **run_args)
    pol, sums, logs = _reference(model, policy, run)
    for log in logs.values():
        backorders = 0
        for day in log:
            assert day["demand"] == day["shipped"] + day["lost"] + day["backorders"] - backorders
            backorders = day["backorders"]
            assert day["on_hand"] >= 0 and day["backorders"] >= 0
            assert day["on_hand"] == 0 or day["backorders"] == 0
    if not pol.valid.any():
        return
    ds = ft.simulate(model, policy, **run_args)
    days = run.periods - run.warmup
    valid = np.flatnonzero(pol.valid)
    flat = {k: ds[k].values.reshape(-1, run.reps) for k in ("sales", "demand", "lost_sales")}
    for (i, r), log in logs.items():
        measured = log[run.warmup :]
        point = valid[i]
        assert flat["sales"][point, r] == sum(d["shipped"] for d in measured) / days
        assert flat["demand"][point, r] == sum(d["demand"] for d in measured) / days
        assert flat["lost_sales"][point, r] == sum(d["lost"] for d in measured) / days
    for name in ("on_hand", "backorders", "lost_sales", "orders", "ordered", "cost"):
        assert bool((ds[name].where(ds["valid"], 0) >= 0).all()), name
    if model.nodes[0].lost_sales:
        assert bool((ds["backorders"].where(ds["valid"], 0) == 0).all())


def test_sales_identity_from_kernel():
    model = ft.single_node(demand=ft.Poisson(6.0), lead_time=2, backorder_cost=3.0)
    run = resolve_run(model, 50, 120, 10, 3)
    grid = resolve_policy(model, {"reorder_point": [0, 4], "order_up_to": [10, 20]})
    pol = node_policy(model, grid, "node")
    sums = single_node_sums(model, pol, run, True)
    ds = ft.simulate(
        model,
        {"reorder_point": [0, 4], "order_up_to": [10, 20]},
        reps=50,
        periods=120,
        warmup=10,
        seed=3,
    )
    days = 110
    change = (sums[L.BO_END] - sums[L.BO_START]).reshape(2, 2, 50) / days
    np.testing.assert_allclose(
        ds["demand"].values, ds["sales"].values + ds["lost_sales"].values + change, rtol=1e-12
    )


@pytest.mark.parametrize("lost_sales", [False, True])
def test_zero_lead_time_arrives_before_demand(lost_sales):
    """With L = 0 and S >= daily demand, a reviewed node never runs short."""
    model = ft.single_node(demand=ft.UniformInt(0, 5), lead_time=0, lost_sales=lost_sales)
    ds = ft.simulate(model, {"order_up_to": 5}, reps=5, periods=50, seed=1)
    assert float(ds["fill_rate"].min()) == 1.0
    assert float(ds["on_hand"].mean()) == pytest.approx(5 - 2.5, abs=0.5)
