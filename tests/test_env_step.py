"""The step kernel: the reference's day with external orders, the simulator's day without.

- Any orders (random ones, for any set of nodes) give exactly the sums of the
  pure-Python reference told to place them (``tests/reference_network.py``).
- Fed the orders the nodes' policies would place, computed by an agent from
  the twin's state, the twin reproduces ``ft.simulate``'s replication exactly.
- Network traces add up to the cube; environment ``i`` at episode ``e`` is
  replication ``e * 2**32 + i`` whatever the number of environments.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fasttwin as ft
from fasttwin.engine.network import network_sums
from fasttwin.env.core import Stepper
from fasttwin.env.metrics import network_sums_from_days
from fasttwin.kernels import network_layout as NL
from fasttwin.plan.grid import resolve_policy
from fasttwin.plan.network import depths, network_policy
from fasttwin.plan.run import resolve_run
from tests.reference import order_quantity
from tests.reference_network import policy_points, simulate_network
from tests.strategies import network_cases


def _run_stepper(model, run, controlled=(), orders=None, threads=1):
    """Day sums of replications ``run.rep0 ..`` stepped side by side (one env each)."""
    st_ = Stepper(
        model,
        run.reps,
        seed=run.seed,
        horizon=run.periods,
        controlled=controlled,
        rows=True,
        warmup=run.warmup,
        threads=threads,
    )
    st_.env_index[:] = np.arange(run.rep0, run.rep0 + run.reps)
    st_.reset()
    rows, shares, stockouts = [], [], []
    for t in range(run.periods):
        if orders is not None:
            st_.orders[:] = orders[:, t]
        st_.step()
        rows.append(st_.rows.copy())
        shares.append(st_.shares.copy())
        stockouts.append(st_.stockouts.copy())
    return np.array(rows), np.array(shares), np.array(stockouts), st_


def _sums(model, run, rows, shares, stockouts, initial, cycle):
    """Per-replication NetworkSums arrays ``(nodes, K, 1, reps)`` etc. from the stepper's days."""
    parts = [
        network_sums_from_days(
            rows[:, r], shares[:, r], stockouts[:, r], run.warmup, initial, cycle[r]
        )
        for r in range(run.reps)
    ]
    return (
        np.concatenate([p.nodes for p in parts], axis=3),
        np.concatenate([p.overflow for p in parts], axis=2),
        np.concatenate([p.stockout_days for p in parts], axis=1),
    )


@settings(max_examples=40, deadline=None)
@given(st.one_of(network_cases(), network_cases(scarce=True)), st.data())
def test_external_orders_match_the_reference(case, data):
    model, _, run_args = case
    run = resolve_run(model, **run_args)
    n = len(model.nodes)
    controlled = data.draw(st.lists(st.sampled_from(model.node_names), unique=True))
    orders = data.draw(
        st.lists(st.integers(0, 40), min_size=run.reps * run.periods * n, max_size=10_000)
    )
    orders = np.array(orders[: run.reps * run.periods * n], np.int64)
    orders = orders.reshape(run.reps, run.periods, n)
    index = {name: i for i, name in enumerate(model.node_names)}
    is_external = {index[name] for name in controlled}

    def external(r, t, i):
        return int(orders[r, t, i]) if i in is_external else None

    pol = network_policy(model, resolve_policy(model, None))
    ref, ref_share, ref_days, _ = simulate_network(model, policy_points(pol, [0]), run, external)
    rows, shares, stockouts, st_ = _run_stepper(model, run, controlled, orders)
    got, got_share, got_days = _sums(model, run, rows, shares, stockouts, st_.initial, st_.cycle)
    np.testing.assert_array_equal(got, ref)
    np.testing.assert_array_equal(got_share, ref_share)
    np.testing.assert_array_equal(got_days, ref_days)


def _policy_orders(model, pol, state: dict, t: int) -> dict:
    """What every node's policy orders on day ``t``, computed by an agent from the twin's state.

    A node's inventory position at its review is the one at the end of the
    day before, less the orders its children placed before it (downstream
    first); arrivals and releases only move units within positions.
    """
    position = {
        name: s["on_hand"] - s["backorders"] + sum(s["pipeline"]) + s["owed"]
        for name, s in state.items()
    }
    depth = dict(zip(model.node_names, depths(model), strict=True))
    out = {}
    for name in sorted(model.node_names, key=lambda n: -depth[n]):
        i = model.node_names.index(name)
        node = model.node(name)
        q = 0
        if t % int(pol.review[i, 0]) == 0:
            q = order_quantity(
                pol.kinds[i],
                position[name],
                int(pol.reorder[i, 0]),
                int(pol.up_to[i, 0]),
                int(pol.quantity[i, 0]),
            )
        out[name] = q
        if node.parent is not None:
            position[node.parent] -= q
    return out


def _check_policy_orders_reproduce_simulate(model, run):
    """Orders an agent computes from the state, as actions, give the cube's values exactly."""
    pol = network_policy(model, resolve_policy(model, None))
    ds = ft.simulate(
        model, reps=run.reps, periods=run.periods, warmup=run.warmup, seed=run.seed, rep0=run.rep0
    )
    placed = 0
    for r in range(run.reps):
        twin = ft.DigitalTwin(model, seed=run.seed, periods=run.periods, warmup=run.warmup)
        twin._stepper.env_index[0] = run.rep0 + r
        state = twin.reset()
        for t in range(run.periods):
            orders = _policy_orders(model, pol, state, t)
            placed += sum(q > 0 for q in orders.values())
            state = twin.step(orders)
        metrics = twin.get_metrics()
        cube = ds.isel(rep=r)
        for name in (
            "cost",
            "holding_cost",
            "shortage_cost",
            "ordering_cost",
            "fill_rate",
            "ready_rate",
            "cycle_service",
        ):
            assert metrics[name] == float(cube[name]), name
        if len(model.nodes) > 1:
            for i, node in enumerate(model.node_names):
                for name in ("cost", "on_hand", "backorders", "orders", "ordered", "received"):
                    got = metrics["nodes"][node][name]
                    assert got == float(cube[f"node_{name}"].isel(node=i)), (node, name)
    return placed


@pytest.mark.parametrize("warmup", [0, 7])
def test_retail_twin_policy_orders_as_actions_reproduce_simulate(warmup):
    model = ft.retail_twin()  # lost sales, a supplier that rejects 2 % of orders
    run = resolve_run(model, 3, 90, warmup, 42)
    assert _check_policy_orders_reproduce_simulate(model, run) > 20


@settings(max_examples=25, deadline=None)
@given(network_cases(max_nodes=4))
def test_random_network_policy_orders_as_actions_reproduce_simulate(case):
    model, _, run_args = case
    if len(model.nodes) == 1:
        model = ft.Model(
            nodes=(*model.nodes, ft.Node("other", demand=ft.Poisson(2.0), order_up_to=5)),
        )
    run = resolve_run(model, **run_args)
    _check_policy_orders_reproduce_simulate(model, run)


def test_backorders_and_unreliable_supplier_policy_orders_reproduce_simulate():
    nodes = (
        ft.Node("dc", lead_time=3, reorder_point=40, order_up_to=120, reliability=0.7),
        ft.Node(
            "a",
            parent="dc",
            lead_time=1,
            demand=ft.Poisson(6.0),
            reorder_point=5,
            order_up_to=20,
            backorder_cost=4.0,
        ),
        ft.Node(
            "b",
            parent="dc",
            lead_time=0,
            demand=ft.Poisson(9.0),
            reorder_point=8,
            order_quantity=15,
            backorder_cost=4.0,
            review_period=2,
        ),
    )
    model = ft.Model(nodes=nodes, name="backorders")
    run = resolve_run(model, 4, 60, 5, 11)
    assert _check_policy_orders_reproduce_simulate(model, run) > 50


def test_network_trace_adds_up_to_the_cube():
    model = ft.retail_twin()
    policy = {"warehouse.reorder_point": 800, "store_3.order_up_to": 420}
    tr = ft.trace(model, policy, reps=4, periods=60, warmup=10, seed=3, rep0=5)
    ds = ft.simulate(model, policy, reps=4, periods=60, warmup=10, seed=3, rep0=5)
    np.testing.assert_array_equal(tr["rep"], ds["rep"])
    m = tr.sel(day=tr["measured"])
    days = m.sizes["day"]
    for name, cube in (
        ("cost", "node_cost"),
        ("on_hand", "node_on_hand"),
        ("backorders", "node_backorders"),
        ("lost_sales", "node_lost_sales"),
        ("orders", "node_orders"),
        ("ordered", "node_ordered"),
        ("arrivals", "node_received"),
        ("pipeline", "node_pipeline"),
    ):
        np.testing.assert_allclose(
            m[name].sum("day").transpose("node", "rep").values / days,
            ds[cube].transpose("node", "rep").values,
            rtol=1e-13,
            err_msg=name,
        )
    np.testing.assert_array_equal(
        1.0 - m["stockout"].sum("day").values / days, ds["ready_rate"].values
    )
    # The supplier rejected some orders, and the stores lost sales.
    assert int(tr["rejected"].sum()) >= 0 and int(tr["lost_sales"].sum()) > 0


@settings(max_examples=20, deadline=None)
@given(network_cases(max_nodes=4))
def test_network_trace_sums_are_the_kernels(case):
    model, _, run_args = case
    if len(model.nodes) == 1:
        return
    run = resolve_run(model, **run_args)
    tr = ft.trace(
        model, reps=run.reps, periods=run.periods, warmup=run.warmup, seed=run.seed, rep0=run.rep0
    )
    pol = network_policy(model, resolve_policy(model, None))
    ref, _, _, _ = simulate_network(model, policy_points(pol, [0]), run)
    m = tr.sel(day=tr["measured"])
    for name, row in (
        ("on_hand", NL.ON_HAND),
        ("backorders", NL.BACKORDERS),
        ("demand", NL.DEMAND),
        ("filled", NL.FILLED),
        ("lost_sales", NL.LOST),
        ("orders", NL.ORDERS),
        ("ordered", NL.ORDERED),
        ("arrivals", NL.RECEIVED),
        ("pipeline", NL.PIPELINE),
    ):
        got = m[name].sum("day").transpose("node", "rep").values
        np.testing.assert_array_equal(got, ref[:, row, 0, :], err_msg=name)


def test_env_i_episode_e_is_replication_e_2_32_plus_i_whatever_num_envs():
    model = ft.retail_twin()
    periods = 30
    runs = {}
    for num_envs in (3, 5):
        st_ = Stepper(model, num_envs, seed=8, horizon=periods, rows=True)
        days = []
        for _episode in range(2):
            st_.reset()
            for _ in range(periods):
                st_.step()
                days.append(st_.rows[:3].copy())
        runs[num_envs] = np.array(days)
    np.testing.assert_array_equal(runs[3], runs[5])
    # Episode 1 of environment 2 is replication 2**32 + 2 of simulate.
    ds = ft.simulate(model, reps=1, rep0=2**32 + 2, periods=periods, warmup=0, seed=8)
    second = runs[3][periods:, 2]
    np.testing.assert_allclose(
        second[:, :, NL.ON_HAND].sum(0) / periods, ds["node_on_hand"].isel(rep=0).values
    )
    first = runs[3][:periods, 2]
    ds0 = ft.simulate(model, reps=3, periods=periods, warmup=0, seed=8)
    np.testing.assert_allclose(
        first[:, :, NL.LOST].sum(0) / periods, ds0["node_lost_sales"].isel(rep=2).values
    )


def test_queues_grow_in_every_environment_and_results_stay_exact():
    """A warehouse that never gets stock owes its 3 stores more than the first allocation."""
    nodes = (ft.Node("dc", reliability=0.0, order_up_to=50, initial_inventory=0),) + tuple(
        ft.Node(f"s{k}", parent="dc", demand=ft.Poisson(3.0), lead_time=1, order_up_to=10)
        for k in range(3)
    )
    model = ft.Model(nodes=nodes)
    run = resolve_run(model, 1100, 30, 0, 5)
    rows, shares, stockouts, st_ = _run_stepper(model, run, threads=2)
    assert st_.q_child.shape[-1] > 8
    got, got_share, got_days = _sums(model, run, rows, shares, stockouts, st_.initial, st_.cycle)
    pol = network_policy(model, resolve_policy(model, None))
    kernel = network_sums(model, pol, run, parallel=True)
    np.testing.assert_array_equal(got, kernel.nodes)
    np.testing.assert_array_equal(got_days, kernel.stockout_days)
    ref, _, _, _ = simulate_network(model, policy_points(pol, [0]), resolve_run(model, 3, 30, 0, 5))
    np.testing.assert_array_equal(got[..., :3], ref)
