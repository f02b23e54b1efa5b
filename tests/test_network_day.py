"""The network's day, stepped one day at a time from Python, is the horizon kernel's day.

A kernel that steps days itself (an environment whose agent places the
orders) calls :func:`fasttwin.kernels.network.network_days` with ``last =
first + 1``. Fed, day after day, the orders the policy would place, the
external-order path must give the horizon kernel's sums exactly.
"""

import numpy as np
import pytest

import fasttwin as ft
from fasttwin.engine.network import network_sums
from fasttwin.kernels import network_layout as NL
from fasttwin.kernels.network import horizon_ends, network_days, network_state, warmup_ends
from fasttwin.plan.grid import resolve_policy
from fasttwin.plan.network import network_plan, network_policy
from fasttwin.plan.run import resolve_run

#: A supplier that rejects orders, a hub with a zero lead time (releases cascade)
#: on an (r, Q) policy, a lost-sales store and a backorder store with random lead
#: times sharing a capacity.
MODEL = ft.Model(
    nodes=(
        ft.Node("dc", lead_time=2, reliability=0.8, reorder_point=20, order_up_to=70),
        ft.Node("hub", parent="dc", lead_time=0, reorder_point=4, order_quantity=10),
        ft.Node(
            "a",
            parent="hub",
            demand=ft.Poisson(4.0),
            lead_time=1,
            lost_sales=True,
            reorder_point=5,
            order_up_to=14,
            capacity=20,
            location="shop",
        ),
        ft.Node(
            "b",
            parent="hub",
            demand=ft.Poisson(3.0),
            lead_time=ft.UniformInt(0, 2),
            reorder_point=4,
            order_up_to=12,
            capacity=20,
            location="shop",
        ),
    )
)
GRID = {"dc.reorder_point": [10, 30], "dc.order_up_to": [50, 90]}
RUN = resolve_run(MODEL, reps=3, periods=40, warmup=6, seed=21)


def _inputs():
    pol = network_policy(MODEL, resolve_policy(MODEL, GRID))
    pol = pol.on(np.flatnonzero(pol.valid))
    plan = network_plan(MODEL, RUN.periods)
    return pol, plan.kernel_arrays(), pol.kernel_arrays()


def _copy(arrays):
    return tuple(a.copy() for a in arrays)


def _step_days(external, agent):
    """Run every replication a day at a time; ``agent(rep, t, state, queues, sums)`` -> orders."""
    pol, (net, demand_plan, lead_plan), (policy, initial) = _inputs()
    n_nodes, n_points = pol.reorder.shape
    n_queues = int((net[5] >= 0).sum())
    nodes = np.zeros((n_nodes, NL.N_NODE_SUMS, n_points, RUN.reps), np.int64)
    share = np.zeros((n_nodes, n_points, RUN.reps))
    system = np.zeros((n_points, RUN.reps), np.int64)
    for r in range(RUN.reps):
        rep = RUN.rep0 + r
        state, queues, sums = network_state(initial, n_nodes, n_queues, net[-1])
        for t in range(RUN.periods):
            if t == RUN.warmup:
                warmup_ends(state, sums)
            orders = agent(rep, t, state, queues, sums)
            args = (net, demand_plan, lead_plan, policy)
            queues = network_days(
                RUN.seed, rep, t, t + 1, *args, state, queues, sums, external, orders
            )
        horizon_ends(state, sums)
        nodes[..., r] = sums[0].reshape(n_nodes, NL.N_NODE_SUMS, n_points)
        share[..., r] = sums[1].reshape(n_nodes, n_points)
        system[:, r] = sums[2]
    return pol, nodes, share, system


def _policy_orders(rep, t, state, queues, sums):
    """What the policy orders on day ``t``: run the day on a copy, read the orders it placed."""
    pol, (net, demand_plan, lead_plan), (policy, _) = _inputs()
    orders = np.full(pol.reorder.size, -1, np.int64)  # overwritten by every node
    none = np.zeros(pol.reorder.shape[0], np.bool_)
    args = (net, demand_plan, lead_plan, policy)
    network_days(
        RUN.seed, rep, t, t + 1, *args, _copy(state), _copy(queues), _copy(sums), none, orders
    )
    assert (orders >= 0).all()
    return orders


@pytest.mark.parametrize("external", [[True, True, True, True], [True, False, False, True]])
def test_the_policys_orders_given_as_external_orders_give_the_horizon_sums(external):
    pol, nodes, share, system = _step_days(np.array(external), _policy_orders)
    expected = network_sums(MODEL, pol, RUN, parallel=False)
    np.testing.assert_array_equal(nodes, expected.nodes)
    np.testing.assert_array_equal(share, expected.overflow)
    np.testing.assert_array_equal(system, expected.stockout_days)
    # The paths were busy: every node ordered, the warehouse owed the hub (its queue
    # worked), and the hub could not always serve the stores at once.
    assert (expected.nodes[:, NL.ORDERS] > 0).all()
    assert (expected.nodes[0, NL.BACKORDERS] > 0).any()
    assert (expected.nodes[1, NL.STOCKOUTS] > 0).any()


def test_external_orders_replace_the_policys():
    """An agent that never orders at the warehouse: it places no order, the others do."""
    external = np.array([True, False, False, False])

    def no_orders(rep, t, state, queues, sums):
        return np.zeros(state[0].size, np.int64)

    _, nodes, _, _ = _step_days(external, no_orders)
    assert (nodes[0, NL.ORDERS] == 0).all() and (nodes[0, NL.RECEIVED] == 0).all()
    assert (nodes[1:, NL.ORDERS] > 0).all()
