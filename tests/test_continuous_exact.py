"""The continuous-review twin against exact long-run results."""

import numpy as np
import pytest

import fasttwin as ft
from fasttwin.analytic import lost_sales_chain, rq_cost


def _within(values, exact, k=4.0):
    values = np.asarray(values).ravel()
    se = values.std(ddof=1) / np.sqrt(values.size)
    return abs(values.mean() - exact) < k * se, (values.mean(), exact, se)


@pytest.mark.parametrize("lead_time", [0, 1.5])
def test_rq_cost_within_four_standard_errors(lead_time):
    model = ft.single_node(
        demand=ft.Poisson(mean=5.0),
        lead_time=lead_time,
        review="continuous",
        holding_cost=1.0,
        backorder_cost=9.0,
        order_cost=25.0,
        unit_cost=0.5,
    )
    shift = round(5.0 * lead_time)
    pairs = [(2 + shift, 20 + shift), (5 + shift, 11 + shift), (-1 + shift, 30 + shift)]
    ds = ft.simulate(
        model,
        {
            "reorder_point": sorted({s for s, _ in pairs}),
            "order_up_to": sorted({b for _, b in pairs}),
        },
        reps=200,
        periods=500,
        warmup=50,
        seed=2025,
    )
    for s, big_s in pairs:
        cell = ds.sel(reorder_point=s, order_up_to=big_s)
        ok, info = _within(cell["cost"].values, rq_cost(model, s, big_s))
        assert ok, (s, big_s, info)
        ok, info = _within(cell["orders"].values, 5.0 / (big_s - s))
        assert ok, (s, big_s, info)


def test_rq_cost_optimum_found_by_the_grid():
    """With common random numbers the simulated best S (s fixed) is the exact one or next to it."""
    model = ft.single_node(
        demand=ft.Poisson(mean=5.0),
        lead_time=1.5,
        review="continuous",
        holding_cost=1.0,
        backorder_cost=9.0,
        order_cost=25.0,
    )
    levels = list(range(12, 40))
    exact = [rq_cost(model, 6, big_s) for big_s in levels]
    ds = ft.simulate(
        model, {"reorder_point": 6, "order_up_to": levels}, reps=100, periods=300, warmup=30
    )
    best = levels[int(np.argmin(ds["cost"].mean("rep").values))]
    assert abs(best - levels[int(np.argmin(exact))]) <= 1


def _chain_model(lam, mean_lead, **costs):
    return ft.single_node(
        demand=ft.Poisson(lam),
        lead_time=ft.Exponential(mean_lead),
        review="continuous",
        lost_sales=True,
        max_outstanding=1,
        **costs,
    )


@pytest.mark.parametrize("lam, mean_lead", [(2.0, 1.0), (3.0, 0.8)])
def test_chain_with_one_unit_is_the_two_state_birth_death_chain(lam, mean_lead):
    """S = 1: stock 1 <-> 0 with death rate lam and birth rate mu; fill = mu / (lam + mu)."""
    mu = 1.0 / mean_lead
    result = lost_sales_chain(_chain_model(lam, mean_lead), 0, 1)
    assert result.fill_rate == pytest.approx(mu / (lam + mu), rel=1e-12)
    assert result.lost_sales == pytest.approx(lam * lam / (lam + mu), rel=1e-12)


@pytest.mark.parametrize("big_s", [1, 3, 8])
def test_chain_with_reorder_point_zero_is_a_renewal_cycle(big_s):
    """s = 0: S sales (mean S / lam), then an order of S and an empty wait (mean 1 / mu)."""
    lam, mean_lead = 3.0, 0.8
    result = lost_sales_chain(_chain_model(lam, mean_lead, order_cost=2.0), 0, big_s)
    cycle = big_s / lam + mean_lead
    assert result.fill_rate == pytest.approx((big_s / lam) / cycle, rel=1e-12)
    assert result.orders == pytest.approx(1.0 / cycle, rel=1e-12)
    assert result.on_hand == pytest.approx((big_s + 1) / 2 * (big_s / lam) / cycle, rel=1e-12)
    assert result.cost == pytest.approx(2.0 / cycle + result.on_hand, rel=1e-12)


@pytest.mark.parametrize("lead_time", [ft.Exponential(1.5), ft.Uniform(0.5, 2.5)])
def test_lost_sales_base_stock_is_erlang_loss(lead_time):
    """Lost sales, base-stock S, no limit on orders: the stock is S minus the busy servers of
    an M/G/S/S loss system (a birth-death chain, insensitive to the lead-time law)."""
    lam, big_s = 4.0, 8
    load = lam * 1.5  # both lead times have mean 1.5 days
    blocking = 1.0
    for k in range(1, big_s + 1):  # Erlang B recursion
        blocking = load * blocking / (k + load * blocking)
    model = ft.single_node(
        demand=ft.Poisson(lam), lead_time=lead_time, review="continuous", lost_sales=True
    )
    ds = ft.simulate(model, {"order_up_to": big_s}, reps=200, periods=300, warmup=20, seed=5)
    ok, info = _within(ds["fill_rate"].values, 1 - blocking)
    assert ok, info
    ok, info = _within(ds["on_hand"].values, big_s - load * (1 - blocking))
    assert ok, info


@pytest.mark.parametrize("s, big_s", [(3, 4), (2, 7), (0, 5)])
def test_lost_sales_one_outstanding_matches_the_chain(s, big_s):
    model = _chain_model(
        3.0, 0.8, holding_cost=1.0, lost_sale_cost=4.0, order_cost=2.0, unit_cost=0.1
    )
    exact = lost_sales_chain(model, s, big_s)
    ds = ft.simulate(
        model,
        {"reorder_point": s, "order_up_to": big_s},
        reps=200,
        periods=400,
        warmup=20,
        seed=77,
    )
    for name in ("fill_rate", "on_hand", "lost_sales", "orders", "cost"):
        ok, info = _within(ds[name].values, getattr(exact, name))
        assert ok, (name, info)


def test_formulas_name_the_failed_assumption():
    periodic = ft.single_node(demand=ft.Poisson(5.0), lead_time=1)
    with pytest.raises(ValueError, match="model.review must be 'continuous'"):
        rq_cost(periodic, 1, 5)
    bad = ft.single_node(
        demand=ft.Poisson(5.0, amplitude=0.2),
        lead_time=ft.Uniform(1.0, 2.0),
        review="continuous",
        lost_sales=True,
        max_outstanding=2,
        batch=ft.UniformInt(1, 2),
    )
    with pytest.raises(ValueError) as err:
        rq_cost(bad, 1, 5)
    for reason in (
        "stationary Poisson",
        "batch=None",
        "backordered",
        "fixed number of days",
        "max_outstanding must be None",
    ):
        assert reason in str(err.value)
    with pytest.raises(ValueError) as err:
        lost_sales_chain(bad.replace_node("node", lost_sales=False), 1, 5)
    for reason in ("lost_sales=True", "max_outstanding must be 1", "Exponential"):
        assert reason in str(err.value)
    good = ft.single_node(demand=ft.Poisson(5.0), lead_time=1.0, review="continuous")
    with pytest.raises(ValueError, match=r"reorder_point must be < order_up_to \(5\)"):
        rq_cost(good, 5, 5)
