"""The single-node day step, driven a day at a time with external orders, is the horizon's.

``_make_policy_day(..., external=True)`` builds the step in which an agent's
quantities replace the policy's. Given each day the quantity the policy would
order (from the state before the day: arrivals move units from the pipeline
to the shelf and leave the inventory position unchanged), it must give the
horizon kernel's sums exactly.
"""

import functools

import numpy as np
import pytest
from numba import njit

import fasttwin as ft
from fasttwin.engine.single import single_node_sums
from fasttwin.kernels import layout as L
from fasttwin.kernels.cycles import OPEN_SHORT, cycle_sums
from fasttwin.kernels.demand import day_demand
from fasttwin.kernels.periodic import _make_policy_day, make_day_draws
from fasttwin.kernels.rng import node_keys
from fasttwin.plan.grid import node_policy, resolve_policy
from fasttwin.plan.lower import demand_plan, lead_time_plan
from fasttwin.plan.run import UNLIMITED, resolve_run
from tests.reference import order_quantity


@functools.cache
def _external_step(rq: bool):
    day = _make_policy_day(rq, None, True, external=True)
    draws = make_day_draws(day_demand)

    @njit
    def step(seed, rep, t, dplan, lplan, reliability, lost_sales, capacity, policy, state, sums):
        """One day of every point; returns the day's demand."""
        d_code, d_p1, d_p2, d_start, d_len, d_cdf, d_guide = dplan
        lt_fixed, lt_len, lt_cdf, lt_guide = lplan
        reorder, up_to, quantity, review, orders_in = policy
        inv, transit, next_review, cycle, pipe = state
        d, lead, accepted = draws(
            node_keys(seed, rep, 0), t, d_code, d_p1, d_p2, d_start, d_len, d_cdf, d_guide,
            lt_fixed, lt_len, lt_cdf, lt_guide, reliability,
        )  # fmt: skip
        n_slots = pipe.shape[0]
        day(
            t, d, accepted, 1 if lead == 0 else 0, lost_sales, capacity,
            reorder, up_to, quantity, review, orders_in,
            inv, transit, next_review, cycle, pipe[t % n_slots], pipe[(t + lead) % n_slots],
            sums[L.ON_HAND], sums[L.BACKORDERS], sums[L.LOST], sums[L.FILLED],
            sums[L.STOCKOUTS], sums[L.ORDERS], sums[L.ORDERED], sums[L.OVERFLOW],
        )  # fmt: skip
        return d

    return step


def _stepped_sums(model, pol, run, agent=None):
    """The horizon kernel's bookkeeping around the external step, in Python.

    ``agent(position, due)`` gives the day's orders; by default the policy's.
    """
    node = model.nodes[0]
    dplan, lplan = demand_plan(node.demand, run.periods), lead_time_plan(node.lead_time)
    step = _external_step(pol.kind == "rQ")
    v = pol.valid
    s, big_s, q, review, initial = (
        np.ascontiguousarray(a[v])
        for a in (pol.reorder, pol.up_to, pol.quantity, pol.review, pol.initial)
    )
    n = s.size
    n_slots = lplan.fixed + 1 if lplan.length == 0 else lplan.length
    capacity = UNLIMITED if node.capacity is None else node.capacity
    out = np.zeros((L.N_SUMS, n, run.reps), np.int64)
    for r in range(run.reps):
        inv, transit, next_review = initial.copy(), np.zeros(n, np.int64), np.zeros(n, np.int64)
        cycle, pipe = np.zeros(n, np.int64), np.zeros((n_slots, n), np.int64)
        acc, scratch = np.zeros((L.N_SUMS, n), np.int64), np.zeros((L.N_SUMS, n), np.int64)
        for t in range(run.periods):
            if t == run.warmup:
                acc[L.BO_START] = np.maximum(-inv, 0)
                cycle &= OPEN_SHORT
            # What the policy orders today, from the state before the day.
            position = inv + transit
            due = next_review == t
            orders_in = np.array(
                [
                    order_quantity(pol.kind, position[p], s[p], big_s[p], q[p]) if due[p] else 0
                    for p in range(n)
                ],
                np.int64,
            )
            if agent is not None:
                orders_in = agent(position, due)
            d = step(
                run.seed,
                run.rep0 + r,
                t,
                dplan.arrays(),
                lplan.arrays(),
                float(node.reliability),
                int(node.lost_sales),
                capacity,
                (s, big_s, q, review, orders_in),
                (inv, transit, next_review, cycle, pipe),
                acc if t >= run.warmup else scratch,
            )
            acc[L.DEMAND] += d if t >= run.warmup else 0
        acc[L.BO_END] = np.maximum(-inv, 0)
        for p in range(n):
            acc[L.CYCLES, p], acc[L.SHORT_CYCLES, p] = cycle_sums(cycle[p])
        out[..., r] = acc
    return out


@pytest.mark.parametrize(
    "model, policy",
    [
        (
            ft.single_node(
                demand=ft.Poisson(6.0, amplitude=0.3, period=20.0),
                lead_time=ft.UniformInt(0, 3),
                reliability=0.7,
                capacity=40,
                overflow_cost=1.0,
            ),
            {"reorder_point": [5, 12], "order_up_to": [30, 45], "review_period": [1, 3]},
        ),
        (
            ft.single_node(demand=ft.NegativeBinomial(5.0, 4.0), lead_time=2, lost_sales=True),
            {"reorder_point": [3, 9], "order_quantity": [8, 20]},
        ),
    ],
)
def test_the_policys_orders_given_as_external_orders_give_the_horizon_sums(model, policy):
    run = resolve_run(model, reps=3, periods=60, warmup=7, seed=13)
    pol = node_policy(model, resolve_policy(model, policy), "node")
    expected = single_node_sums(model, pol, run, parallel=False)
    np.testing.assert_array_equal(_stepped_sums(model, pol, run), expected)
    assert (expected[L.ORDERS] > 0).all() and (expected[L.STOCKOUTS] > 0).any()


def test_external_orders_replace_the_policys():
    """An agent that orders 5 units every third day and nothing else."""
    model = ft.single_node(demand=ft.Poisson(3.0), lead_time=1)
    run = resolve_run(model, reps=2, periods=30, warmup=0, seed=2)
    pol = node_policy(model, resolve_policy(model, {"order_up_to": [10, 20]}), "node")
    days = iter(range(10**6))

    def every_third_day(position, due):
        return np.full(position.size, 5 if next(days) % 3 == 0 else 0, np.int64)

    got = _stepped_sums(model, pol, run, every_third_day)
    assert (got[L.ORDERS] == 10).all() and (got[L.ORDERED] == 50).all()
