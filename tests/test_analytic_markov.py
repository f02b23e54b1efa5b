"""The renewal (s, S) cost against a direct stationary solve of the Markov chain."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fasttwin as ft
from fasttwin.analytic import ss_cost


def markov_cost(mean, lead_time, h, p, k, c, s, big_s):
    """Long-run cost per day from the stationary law of the inventory position.

    The state is the position after the day's review, y in s+1..S; the day's
    demand moves it to y - D, and the next review orders up to S when that is
    <= s. The end-of-day net inventory L days later is y minus L + 1 days of
    demand, priced by explicit sums over its pmf.
    """
    from scipy import stats

    states = np.arange(s + 1, big_s + 1)
    n = states.size
    top = int(mean * (lead_time + 1) + 15 * np.sqrt(mean * (lead_time + 1)) + 40)
    day = stats.poisson.pmf(np.arange(top + 1), mean)
    transition = np.zeros((n, n))
    ordering = np.zeros(n)
    for i, y in enumerate(states):
        for d in range(y - s):  # stays above s
            transition[i, y - d - s - 1] += day[d]
        below = 1.0 - day[: y - s].sum()  # falls to s or below: back to S
        transition[i, n - 1] += below
        ordering[i] = below
    # pi (P - I) = 0 with sum(pi) = 1, solved as one least-squares system.
    a = np.vstack([transition.T - np.eye(n), np.ones(n)])
    b = np.zeros(n + 1)
    b[-1] = 1.0
    pi = np.linalg.lstsq(a, b, rcond=None)[0]
    demand = np.arange(top + 1)
    lead_demand = stats.poisson.pmf(demand, mean * (lead_time + 1))
    gap = states[:, None] - demand[None, :]
    g = (h * np.maximum(gap, 0) + p * np.maximum(-gap, 0)) @ lead_demand
    return float(pi @ g + k * (pi @ ordering) + c * mean)


@settings(max_examples=40)
@given(
    mean=st.sampled_from([0.3, 1.0, 2.5, 4.0, 7.5]),
    lead_time=st.integers(0, 3),
    h=st.sampled_from([0.5, 1.0, 3.0]),
    p=st.sampled_from([0.0, 2.0, 9.0, 25.0]),
    k=st.sampled_from([0.0, 5.0, 64.0]),
    c=st.sampled_from([0.0, 1.5]),
    s=st.integers(-6, 12),
    width=st.integers(1, 25),
)
def test_renewal_cost_equals_markov_chain_cost(mean, lead_time, h, p, k, c, s, width):
    model = ft.single_node(
        demand=ft.Poisson(mean),
        lead_time=lead_time,
        holding_cost=h,
        backorder_cost=p,
        order_cost=k,
        unit_cost=c,
    )
    expected = markov_cost(mean, lead_time, h, p, k, c, s, s + width)
    assert ss_cost(model, s, s + width) == pytest.approx(expected, rel=1e-9, abs=1e-12)
