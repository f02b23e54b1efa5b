"""The simulator against exact long-run results (Poisson demand, backorders)."""

import numpy as np
import pytest

import fasttwin as ft
from fasttwin.analytic import ss_cost


def _model(lead_time, order_cost=64.0):
    return ft.single_node(
        demand=ft.Poisson(mean=10.0),
        lead_time=lead_time,
        holding_cost=1.0,
        backorder_cost=9.0,
        order_cost=order_cost,
    )


@pytest.mark.parametrize("lead_time", [0, 2])
def test_ss_cost_within_four_standard_errors(lead_time):
    shift = 10 * lead_time  # the optimum moves with the lead-time demand
    pairs = [(6 + shift, 40 + shift), (12 + shift, 30 + shift), (0 + shift, 55 + shift)]
    model = _model(lead_time)
    ds = ft.simulate(
        model,
        {
            "reorder_point": sorted({s for s, _ in pairs}),
            "order_up_to": sorted({b for _, b in pairs}),
        },
        reps=400,
        periods=1500,
        warmup=100,
        seed=2024,
    )
    for s, big_s in pairs:
        cost = ds["cost"].sel(reorder_point=s, order_up_to=big_s).values
        se = cost.std(ddof=1) / np.sqrt(cost.size)
        exact = ss_cost(model, s, big_s)
        assert abs(cost.mean() - exact) < 4 * se, (s, big_s, cost.mean(), exact, se)


@pytest.mark.parametrize("lead_time", [0, 3])
def test_base_stock_cost_and_critical_fractile(lead_time):
    """Base-stock with K = 0: cost G(S), and the critical fractile picks the best level."""
    from scipy import stats

    model = _model(lead_time, order_cost=0.0)
    levels = list(range(5, 60, 1))
    ds = ft.simulate(model, {"order_up_to": levels}, reps=300, periods=800, warmup=50, seed=5)
    mean_cost = ds["cost"].mean("rep")
    fractile = 9.0 / (9.0 + 1.0)
    s_star = int(stats.poisson.ppf(fractile, 10.0 * (lead_time + 1)))
    exact = np.array([ss_cost(model, s - 1, s) for s in levels])
    assert levels[int(np.argmin(exact))] == s_star
    cost = ds["cost"].sel(order_up_to=s_star).values
    se = cost.std(ddof=1) / np.sqrt(cost.size)
    assert abs(cost.mean() - ss_cost(model, s_star - 1, s_star)) < 4 * se
    # Common random numbers make the simulated argmin land on (or next to) the exact one.
    assert abs(levels[int(np.argmin(mean_cost.values))] - s_star) <= 1


def test_fill_rate_of_base_stock_with_zero_lead_time():
    """L = 0, S = 12, Poisson(10): the fill rate is E[min(D, S)] / E[D] exactly in the limit."""
    from scipy import stats

    model = ft.single_node(demand=ft.Poisson(10.0), lead_time=0, backorder_cost=1.0)
    ds = ft.simulate(model, {"order_up_to": 12}, reps=200, periods=600, seed=9)
    k = np.arange(200)
    pmf = stats.poisson.pmf(k, 10.0)
    exact = float((np.minimum(k, 12) * pmf).sum() / 10.0)
    fill = ds["fill_rate"].values
    se = fill.std(ddof=1) / np.sqrt(fill.size)
    assert abs(fill.mean() - exact) < 4 * se
