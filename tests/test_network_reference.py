"""The network kernel matches the pure-Python reference exactly, and conserves units."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import fasttwin as ft
from fasttwin.engine.network import network_sums
from fasttwin.engine.single import single_node_sums
from fasttwin.kernels import layout as L
from fasttwin.kernels import network_layout as NL
from fasttwin.plan.grid import node_policy, resolve_policy
from fasttwin.plan.network import network_policy
from fasttwin.plan.run import resolve_run
from tests.reference_network import policy_points, simulate_network
from tests.strategies import demands, lead_times, network_cases, single_node_cases

#: Rows of the single-node sums and the network's per-node sums that mean the same.
SHARED_ROWS = (
    (L.ON_HAND, NL.ON_HAND),
    (L.BACKORDERS, NL.BACKORDERS),
    (L.LOST, NL.LOST),
    (L.FILLED, NL.FILLED),
    (L.STOCKOUTS, NL.STOCKOUTS),
    (L.ORDERS, NL.ORDERS),
    (L.ORDERED, NL.ORDERED),
    (L.DEMAND, NL.DEMAND),
    (L.CYCLES, NL.CYCLES),
    (L.SHORT_CYCLES, NL.SHORT_CYCLES),
)


def _reference(model, policy, run):
    pol = network_policy(model, resolve_policy(model, policy))
    points = np.flatnonzero(pol.valid)
    return pol, points, simulate_network(model, policy_points(pol, points), run)


def _check_matches(case):
    model, policy, run_args = case
    run = resolve_run(model, **run_args)
    pol, points, (sums, share, stockout_days, _) = _reference(model, policy, run)
    if points.size == 0:
        return
    for parallel in (False, True):
        got = network_sums(model, pol.on(points), run, parallel)
        np.testing.assert_array_equal(got.nodes, sums)
        np.testing.assert_array_equal(got.overflow, share)
        np.testing.assert_array_equal(got.stockout_days, stockout_days)


@given(network_cases())
def test_kernel_matches_reference(case):
    _check_matches(case)


@given(network_cases(scarce=True))
def test_kernel_matches_reference_when_parents_owe(case):
    """Parents start empty and the supplier rejects half the orders: FIFO queues are busy."""
    _check_matches(case)


def test_queues_grow_past_their_first_allocation():
    """A parent that never gets stock owes its children day after day (> QUEUE_START entries)."""
    from fasttwin.kernels.network import QUEUE_START

    nodes = (ft.Node("dc", reliability=0.0, order_up_to=50, initial_inventory=0),) + tuple(
        ft.Node(f"s{k}", parent="dc", demand=ft.Poisson(3.0), lead_time=1, order_up_to=10)
        for k in range(3)
    )
    model = ft.Model(nodes=nodes)
    run = resolve_run(model, 2, 3 * QUEUE_START, 0, 5)
    pol = network_policy(model, resolve_policy(model, {"dc.order_up_to": [40, 60]}))
    points = np.arange(2)
    sums, _, _, _ = simulate_network(model, policy_points(pol, points), run)
    # The warehouse never has stock, so every store order becomes a queue entry.
    assert (sums[0, NL.RECEIVED] == 0).all()
    assert (sums[1:, NL.ORDERS].sum(0) > 2 * QUEUE_START).all()
    got = network_sums(model, pol.on(points), run, True)
    np.testing.assert_array_equal(got.nodes, sums)


@settings(max_examples=40)
@given(network_cases(scarce=True))
def test_units_are_conserved_every_day(case):
    """Per node, per parent-child edge and for the system, every unit is accounted for."""
    model, policy, run_args = case
    run = resolve_run(model, **run_args)
    pol, points, (_, _, _, logs) = _reference(model, policy, run)
    n = len(model.nodes)
    names = model.node_names
    parent = [None if x.parent is None else names.index(x.parent) for x in model.nodes]
    for (k, _), log in logs.items():
        before = [
            dict(on_hand=int(pol.initial[i, points[k]]), owes=0, in_transit=0, owed=0)
            for i in range(n)
        ]
        for day in log:
            for i, now in enumerate(day):
                prev = before[i]
                assert now["on_hand"] - prev["on_hand"] == now["received"] - now["shipped"]
                assert now["owes"] - prev["owes"] == now["requested"] - now["lost"] - now["shipped"]
                pipe = now["in_transit"] + now["owed"] - prev["in_transit"] - prev["owed"]
                assert pipe == now["ordered"] - now["received"]
                kids = [c for c in range(n) if parent[c] == i]
                if kids:
                    assert now["shipped"] == sum(now["sent"])
                    assert now["requested"] == sum(day[c]["ordered"] for c in kids)
                    assert now["owes"] == sum(day[c]["owed"] for c in kids)
                for value in ("on_hand", "owes", "in_transit", "owed"):
                    assert now[value] >= 0
            stock = sum(d["on_hand"] + d["in_transit"] for d in day) - sum(
                b["on_hand"] + b["in_transit"] for b in before
            )
            bought = sum(day[i]["ordered"] for i in range(n) if parent[i] is None)
            sold = sum(day[i]["shipped"] for i in range(n) if model.nodes[i].demand is not None)
            assert stock == bought - sold
            before = day


@given(network_cases())
def test_kernel_sums_balance(case):
    """On the kernel's own sums: stock, pipeline and parent-child flows balance."""
    model, policy, run_args = case
    run = resolve_run(model, **run_args)
    pol = network_policy(model, resolve_policy(model, policy))
    points = np.flatnonzero(pol.valid)
    if points.size == 0:
        return
    s = network_sums(model, pol.on(points), run, False).nodes
    shipped = s[:, NL.DEMAND] - s[:, NL.LOST] - (s[:, NL.BO_END] - s[:, NL.BO_START])
    np.testing.assert_array_equal(s[:, NL.OH_END] - s[:, NL.OH_START], s[:, NL.RECEIVED] - shipped)
    np.testing.assert_array_equal(
        s[:, NL.PIPE_END] - s[:, NL.PIPE_START], s[:, NL.ORDERED] - s[:, NL.RECEIVED]
    )
    for j, node in enumerate(model.nodes):
        kids = [i for i, x in enumerate(model.nodes) if x.parent == node.name]
        if kids:
            np.testing.assert_array_equal(s[j, NL.DEMAND], s[kids, NL.ORDERED].sum(0))
    assert (s[:, : NL.PIPELINE + 1] >= 0).all()


@given(single_node_cases())
def test_one_node_network_equals_single_node_kernel(case):
    model, policy, run_args = case
    run = resolve_run(model, **run_args)
    grid = resolve_policy(model, policy)
    single = node_policy(model, grid, "node")
    if not single.valid.any():
        return
    points = np.flatnonzero(single.valid)
    expected = single_node_sums(model, single, run, False)
    got = network_sums(model, network_policy(model, grid).on(points), run, False)
    for row, net_row in [*SHARED_ROWS, (L.BO_START, NL.BO_START), (L.BO_END, NL.BO_END)]:
        np.testing.assert_array_equal(got.nodes[0, net_row], expected[row])
    np.testing.assert_array_equal(got.overflow[0], expected[L.OVERFLOW].astype(float))
    np.testing.assert_array_equal(got.stockout_days, expected[L.STOCKOUTS])


@st.composite
def serial_lines(draw):
    """A store behind 1-3 upstream nodes that hold far more than it can ever need."""
    depth = draw(st.integers(1, 3))
    upstream = [
        ft.Node(
            f"u{k}",
            parent=None if k == depth - 1 else f"u{k + 1}",
            lead_time=draw(st.one_of(st.just(0), lead_times)),
            order_up_to=10**9,
            reliability=draw(st.sampled_from([1.0, 0.5])) if k == depth - 1 else 1.0,
        )
        for k in range(depth)
    ]
    store = dict(
        demand=draw(demands()),
        lead_time=draw(st.one_of(st.just(0), lead_times)),
        lost_sales=draw(st.booleans()),
        holding_cost=1.0,
        backorder_cost=2.0,
        review_period=draw(st.sampled_from([1, 2])),
        reorder_point=draw(st.integers(-2, 10)),
    )
    store["order_up_to"] = draw(st.integers(store["reorder_point"] + 1, 40))
    periods = draw(st.integers(1, 25))  # replayed traces hold at least 25 days
    run = dict(reps=2, periods=periods, warmup=draw(st.integers(0, periods - 1)), seed=3)
    return store, upstream, run


@given(serial_lines())
def test_serial_line_with_ample_upstream_stock_is_its_last_node(case):
    """The store (node 0 of the line) sees exactly what it would see alone."""
    store, upstream, run_args = case
    alone = ft.single_node(**store)
    line = ft.Model(nodes=(ft.Node("node", parent="u0", **store), *upstream))
    run = resolve_run(alone, **run_args)
    grid = resolve_policy(alone, {})
    expected = single_node_sums(alone, node_policy(alone, grid, "node"), run, False)
    got = network_sums(line, network_policy(line, resolve_policy(line, {})), run, False)
    for row, net_row in SHARED_ROWS:
        np.testing.assert_array_equal(got.nodes[0, net_row], expected[row])
    assert (got.nodes[1:, NL.BACKORDERS] == 0).all()
