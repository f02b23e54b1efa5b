"""Newsvendor, EOQ and safety stock against textbook examples, and their errors.

Published values: Snyder & Shen, *Fundamentals of Supply Chain Theory* (Examples
3.1, 3.8, 4.3, 4.7 and Problems 3.1, 4.7(b), 4.8(b), as tabulated in the tests of
the authors' stockpyl package). Chopra & Meindl, *Supply Chain Management*,
Examples 12-1/12-2 (weekly demand N(2500, 500), lead time 2 weeks, Q = 10,000,
ROP = 6,000): the statement was checked against a public copy; the rounded
answers (CSL 0.92, ESC 25.13, fill rate 0.9975) are the book's as recalled and
recomputed here. The root-sum-of-squares cases are worked examples from public
Q&A pages, which round z (1.28, 1.64); the tests use the exact quantile.
"""

import math

import numpy as np
import pytest
from scipy import stats

import fasttwin as ft
from fasttwin.analytic import (
    critical_ratio,
    cycle_service,
    eoq,
    eoq_cost,
    fill_rate,
    formula_policy,
    lead_time_demand,
    newsvendor,
    newsvendor_curve,
    normal_loss,
    safety_stock,
)

# --- newsvendor ---------------------------------------------------------------


def test_newsvendor_normal_example_4_3():
    nv = newsvendor(ft.Normal(50.0, 8.0), underage_cost=0.70, overage_cost=0.18)
    assert nv.quantity == pytest.approx(56.603955927433887, rel=1e-9)
    assert nv.expected_cost == pytest.approx(1.997605193176645, rel=1e-9)
    assert nv.critical_ratio == pytest.approx(0.70 / 0.88)
    assert nv.service_level == pytest.approx(nv.critical_ratio, rel=1e-9)
    at_40 = newsvendor(ft.Normal(50.0, 8.0), underage_cost=0.70, overage_cost=0.18, quantity=40)
    assert at_40.expected_cost == pytest.approx(7.356131552870388, rel=1e-9)


def test_newsvendor_poisson_example_4_7():
    nv = newsvendor(ft.Poisson(6.0), underage_cost=4.0, overage_cost=1.0)
    assert nv.quantity == 8
    assert nv.expected_cost == pytest.approx(3.570106945770946, rel=1e-9)
    at_5 = newsvendor(stats.poisson(6.0), underage_cost=4.0, overage_cost=1.0, quantity=5)
    assert at_5.expected_cost == pytest.approx(6.590296024616344, rel=1e-9)


def test_newsvendor_discrete_problem_4_7b():
    demand = ft.Empirical(
        values=(1, 2, 3, 4, 5, 6, 7, 8), probs=(0.25, 0.05, 0.1, 0.2, 0.15, 0.10, 0.10, 0.05)
    )
    nv = newsvendor(demand, underage_cost=1_000_000, overage_cost=500_000)
    assert nv.quantity == 5
    assert nv.expected_cost == pytest.approx(1_225_000, rel=1e-12)
    at_3 = newsvendor(demand, underage_cost=1_000_000, overage_cost=500_000, quantity=3)
    assert at_3.expected_cost == pytest.approx(1_725_000, rel=1e-12)


def test_newsvendor_any_scipy_distribution_problem_4_8b():
    lognormal = stats.lognorm(0.3, 0, np.exp(6))
    nv = newsvendor(lognormal, underage_cost=0.1765, overage_cost=1.0)
    assert nv.quantity == pytest.approx(295.6266448071368, rel=1e-9)
    assert nv.expected_cost == pytest.approx(29.44254358213529, rel=1e-6)
    at_350 = newsvendor(lognormal, underage_cost=0.1765, overage_cost=1.0, quantity=350)
    assert at_350.expected_cost == pytest.approx(34.588836685654854, rel=1e-6)


@pytest.mark.parametrize(
    "demand", [ft.Gamma(20.0, 8.0), ft.NegativeBinomial(12.0, 6.0), ft.UniformInt(3, 17)]
)
def test_newsvendor_expectations_match_sums_over_samples(demand):
    """E[(Q-D)+], E[(D-Q)+] and the optimum against direct integration / enumeration."""
    frozen = {
        ft.Gamma: lambda d: stats.gamma(d.shape, scale=d.mean / d.shape),
        ft.NegativeBinomial: lambda d: stats.nbinom(d.size, d.size / (d.size + d.mean)),
        ft.UniformInt: lambda d: stats.randint(d.low, d.high + 1),
    }[type(demand)](demand)
    nv = newsvendor(demand, underage_cost=3.0, overage_cost=1.0)
    q = nv.quantity
    leftover = frozen.expect(lambda x: np.maximum(q - x, 0.0))
    shortage = frozen.expect(lambda x: np.maximum(x - q, 0.0))
    assert nv.expected_leftover == pytest.approx(leftover, rel=1e-6, abs=1e-9)
    assert nv.expected_shortage == pytest.approx(shortage, rel=1e-6, abs=1e-9)
    grid = np.linspace(frozen.ppf(0.01), frozen.ppf(0.999), 400)
    if isinstance(demand, ft.Gamma):
        costs = [newsvendor(demand, underage_cost=3.0, overage_cost=1.0, quantity=x) for x in grid]
        assert nv.expected_cost <= min(c.expected_cost for c in costs) + 1e-9
    else:
        for other in (q - 1, q + 1):
            worse = newsvendor(demand, underage_cost=3.0, overage_cost=1.0, quantity=other)
            assert worse.expected_cost >= nv.expected_cost


def test_newsvendor_profit_form():
    """Price 10, cost 4, salvage 1: Cu = 6, Co = 3; profit = 6 E[D] - expected cost."""
    nv = newsvendor(ft.Normal(100.0, 20.0), price=10.0, unit_cost=4.0, salvage_value=1.0)
    same = newsvendor(ft.Normal(100.0, 20.0), underage_cost=6.0, overage_cost=3.0)
    assert nv.quantity == pytest.approx(same.quantity)
    assert nv.critical_ratio == pytest.approx(2 / 3)
    assert nv.expected_profit == pytest.approx(6.0 * 100.0 - same.expected_cost)
    # The same profit from its definition, by sampling-free integration.
    d = stats.norm(100.0, 20.0)
    q = nv.quantity
    direct = d.expect(lambda x: 10 * np.minimum(x, q) + 1.0 * np.maximum(q - x, 0) - 4 * q)
    assert nv.expected_profit == pytest.approx(direct, rel=1e-7)
    assert same.expected_profit is None


def test_cost_versus_service_level_curve_is_lowest_at_the_critical_ratio():
    curve = newsvendor_curve(ft.Normal(50.0, 8.0), underage_cost=0.70, overage_cost=0.18)
    assert curve.service_level.size == 99
    assert np.all(curve.expected_cost >= curve.optimum.expected_cost - 1e-12)
    i = int(curve.expected_cost.argmin())
    assert abs(curve.service_level[i] - curve.optimum.critical_ratio) <= 0.01
    # Convex in the quantity: cost decreases then increases along the curve.
    diffs = np.diff(curve.expected_cost)
    assert np.all(diffs[:i] < 0) and np.all(diffs[i:] > 0)
    assert np.all(np.diff(curve.fill_rate) > 0)
    ax = curve.plot()
    assert ax.get_xlabel().startswith("service level")


def test_custom_curve_levels_and_their_check():
    curve = newsvendor_curve(
        ft.Poisson(6.0), underage_cost=4.0, overage_cost=1.0, service_levels=[0.5, 0.8, 0.95]
    )
    assert curve.quantity.tolist() == [6, 8, 10]
    with pytest.raises(ValueError, match=r"service_levels\[1\] must be a number in \(0, 1\)"):
        newsvendor_curve(ft.Poisson(6.0), underage_cost=4, overage_cost=1, service_levels=[0.5, 1])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(underage_cost=0.0, overage_cost=1.0), "underage_cost must be a number > 0"),
        (dict(underage_cost=1.0, overage_cost=-1.0), "overage_cost must be a number > 0"),
        (dict(underage_cost=1.0), "give both underage_cost and overage_cost"),
        (dict(price=5.0), "give both price and unit_cost"),
        (dict(price=5.0, unit_cost=6.0), "price must be a number > 6.0"),
        (dict(price=5.0, unit_cost=2.0, salvage_value=3.0), "salvage_value must be"),
        (dict(price=5.0, underage_cost=1.0), "give either"),
        (dict(), "give either"),
    ],
)
def test_newsvendor_bad_costs(kwargs, message):
    with pytest.raises(ValueError, match=message):
        newsvendor(ft.Poisson(5.0), **kwargs)


@pytest.mark.parametrize(
    "demand, message",
    [
        (stats.cauchy(10, 2), "no finite mean"),
        (stats.pareto(0.8), "no finite mean"),
        (ft.Poisson(5.0, amplitude=0.2), "mean path"),
        (ft.Normal(5.0, 0.0), "Normal.std must be > 0"),
        ([1, 2, 3], "frozen scipy.stats distribution"),
    ],
)
def test_newsvendor_bad_distributions(demand, message):
    with pytest.raises(ValueError, match=message):
        newsvendor(demand, underage_cost=1.0, overage_cost=1.0)


def test_critical_ratio():
    assert critical_ratio(9.0, 1.0) == pytest.approx(0.9)
    with pytest.raises(ValueError, match="overage_cost must be a number > 0"):
        critical_ratio(9.0, 0.0)


# --- EOQ ----------------------------------------------------------------------


def test_eoq_example_3_1_and_problem_3_1():
    e = eoq(1300, 8, 0.75 * 0.3)
    assert e.quantity == pytest.approx(304.0467800264368, rel=1e-12)
    assert e.cost == pytest.approx(68.41052550594827, rel=1e-12)
    assert e.cycle_time == pytest.approx(304.0467800264368 / 1300)
    p = eoq(500 * 365, 2250, 275)
    assert p.quantity == pytest.approx(1728.109844993551, rel=1e-12)
    assert p.cost == pytest.approx(475230.2073732266, rel=1e-12)


def test_eoq_with_planned_backorders_example_3_8():
    e = eoq(1300, 8, 0.75 * 0.3, backorder_cost=5)
    assert e.quantity == pytest.approx(310.8125551589646, rel=1e-12)
    assert e.backorder_fraction == pytest.approx(0.043062200956938, rel=1e-12)
    assert e.cost == pytest.approx(66.92136355097325, rel=1e-12)


def test_eoq_cost_is_minimal_at_eoq_and_adds_purchases():
    e = eoq(1300, 8, 0.225, unit_cost=2.0)
    assert e.cost == pytest.approx(68.41052550594827 + 2600, rel=1e-12)
    for q in (e.quantity * 0.9, e.quantity * 1.1):
        assert eoq_cost(q, 1300, 8, 0.225, unit_cost=2.0) > e.cost
    assert eoq_cost(2 * e.quantity, 1300, 8, 0.225) == pytest.approx(1.25 * 68.41052550594827)


@pytest.mark.parametrize(
    "args, message",
    [
        ((0, 8, 1), "demand_rate must be a number > 0"),
        ((100, 0, 1), "order_cost must be a number > 0"),
        ((100, 8, -1), "holding_cost must be a number > 0"),
        ((100, 8, float("nan")), "holding_cost must be a number > 0, got NaN"),
    ],
)
def test_eoq_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        eoq(*args)


# --- safety stock ---------------------------------------------------------------


def test_root_sum_of_squares_and_reorder_point():
    mean, std = lead_time_demand(30.0, 3.0, 7.0, 4.0)
    assert (mean, std) == (210.0, pytest.approx(math.sqrt(7 * 9 + 900 * 16)))
    ss = safety_stock(0.90, 30.0, 3.0, 7.0, 4.0)
    # Textbook answer with z rounded to 1.28: 1.28 x 120.26 = 153.94.
    assert 1.28 * ss.lead_time_demand_std == pytest.approx(153.94, abs=0.005)
    assert ss.z == pytest.approx(stats.norm.ppf(0.9))
    assert ss.reorder_point == pytest.approx(210.0 + ss.z * std)
    # Umbrellas: N(20, 4) a day, 10 days, 95 %: sigma 12.65, safety stock 20.8.
    umbrellas = safety_stock(0.95, 20.0, 4.0, 10.0)
    assert umbrellas.lead_time_demand_std == pytest.approx(12.649, abs=5e-4)
    assert umbrellas.safety_stock == pytest.approx(20.81, abs=0.005)


def test_chopra_meindl_cycle_service_and_fill_rate():
    sigma = math.sqrt(2) * 500
    assert round(cycle_service(6000, 5000, sigma), 2) == 0.92
    esc = sigma * normal_loss(1000 / sigma)
    assert round(esc, 2) == 25.13
    assert round(fill_rate(6000, 10_000, 5000, sigma), 4) == 0.9975
    lost = fill_rate(6000, 10_000, 5000, sigma, lost_sales=True)
    assert lost == pytest.approx(10_000 / (10_000 + esc))


def test_normal_loss_against_integration():
    for z in (-2.0, -0.3, 0.0, 0.7, 2.5):
        direct = stats.norm.expect(lambda x, z=z: max(x - z, 0.0))
        assert normal_loss(z) == pytest.approx(direct, rel=1e-7)
    assert normal_loss(math.inf) == 0.0


@pytest.mark.parametrize(
    "args, message",
    [
        ((1.0, 30.0, 3.0, 7.0), r"cycle_service must be a number in \(0, 1\)"),
        ((0.0, 30.0, 3.0, 7.0), r"cycle_service must be a number in \(0, 1\)"),
        ((0.9, 30.0, -3.0, 7.0), "demand_std must be a number >= 0"),
        ((0.9, 30.0, 3.0, 7.0, -1.0), "lead_time_std must be a number >= 0"),
    ],
)
def test_safety_stock_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        safety_stock(*args)


def test_formula_policy_of_a_model():
    model = ft.single_node(
        demand=ft.Normal(50.0, 10.0),
        lead_time=ft.Normal(4.0, 1.0),
        holding_cost=2.0,
        backorder_cost=10.0,
        order_cost=200.0,
    )
    p = formula_policy(model, cycle_service=0.9)
    assert (p.lead_time_mean, p.lead_time_std, p.exposure_days) == (4.0, 1.0, 5.0)
    std = math.sqrt(5 * 100 + 2500 * 1)
    assert p.exposure_demand_std == pytest.approx(std)
    assert p.order_quantity == round(math.sqrt(2 * 200 * 50 / 2))
    assert p.reorder_point == round(250 + stats.norm.ppf(0.9) * std)
    assert p.order_up_to == p.reorder_point + p.order_quantity
    assert p.promised_cycle_service == pytest.approx(stats.norm.cdf((p.reorder_point - 250) / std))
    assert p.promised_fill_rate == pytest.approx(
        fill_rate(p.reorder_point, p.order_quantity, 250, std)
    )
    base = formula_policy(model.replace_node("node", order_cost=0.0), cycle_service=0.9)
    assert base.order_up_to == p.reorder_point and base.reorder_point == base.order_up_to - 1
    assert base.promised_fill_rate == pytest.approx(
        1 - std * normal_loss((base.order_up_to - 250) / std) / 50
    )


def test_formula_policy_refuses_what_it_cannot_use():
    flat = ft.single_node(demand=ft.Normal(10.0, 0.0), lead_time=2, order_cost=5.0)
    with pytest.raises(ValueError, match="deterministic"):
        formula_policy(flat)
    no_demand = ft.single_node(demand=ft.Poisson(0.0), order_cost=5.0)
    with pytest.raises(ValueError, match="mean daily demand must be > 0"):
        formula_policy(no_demand)
    free = ft.single_node(demand=ft.Poisson(4.0), holding_cost=0.0, order_cost=5.0)
    with pytest.raises(ValueError, match="holding_cost must be > 0 for the EOQ"):
        formula_policy(free)
