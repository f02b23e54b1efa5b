"""Optimal (s, S) and base-stock policies: published values, brute force, ties, errors."""

import numpy as np
import pytest

import fasttwin as ft
from fasttwin.analytic import exact_reasons, optimal_base_stock, optimal_ss, ss_cost

# Zheng & Federgruen (1991), Operations Research 39(4), Table I: h = 1, p = 9, K = 64,
# L = 0, Poisson demand. Transcribed from the Zheng-Federgruen test instances of
# stockpyl (L. Snyder, tests/test_ss.py), which lists the paper's optimal s, S and
# cost (3 decimals) for the means 10..75 and the extra means of the table.
ZF_TABLE = [
    # mean, s*, S*, c*
    (10, 6, 40, 35.022),
    (15, 10, 49, 42.698),
    (20, 14, 62, 49.173),
    (25, 19, 56, 54.262),
    (30, 23, 66, 57.819),
    (35, 28, 77, 61.215),
    (40, 33, 87, 64.512),
    (45, 37, 97, 67.776),
    (50, 42, 108, 70.975),
    (55, 47, 118, 74.149),
    (60, 52, 129, 77.306),
    (65, 56, 75, 78.518),
    (70, 62, 81, 79.037),
    (75, 67, 86, 79.554),
    (21, 15, 65, 50.406),
    (22, 16, 68, 51.632),
    (23, 17, 52, 52.757),
    (24, 18, 54, 53.518),
    (51, 43, 110, 71.611),
    (52, 44, 112, 72.246),
    (59, 51, 126, 76.679),
    (61, 52, 131, 77.929),
    (63, 54, 73, 78.287),
    (64, 55, 74, 78.402),
]


def _model(mean, lead_time=0, h=1.0, p=9.0, k=64.0, c=0.0):
    return ft.single_node(
        demand=ft.Poisson(float(mean)),
        lead_time=lead_time,
        holding_cost=h,
        backorder_cost=p,
        order_cost=k,
        unit_cost=c,
    )


@pytest.mark.parametrize("mean, s, big_s, cost", ZF_TABLE)
def test_zheng_federgruen_table(mean, s, big_s, cost):
    best = optimal_ss(_model(mean))
    assert best.pairs[0] == (s, big_s)
    assert round(best.cost, 3) == cost
    assert round(ss_cost(_model(mean), s, big_s), 3) == cost
    # Any other pair returned ties with it to 1e-9 (see the wide ties below).
    for pair in best.pairs:
        assert ss_cost(_model(mean), *pair) == pytest.approx(best.cost, rel=1e-9)


def _days_per_cycle(mean, n):
    """m(j), j < n: expected days per cycle at S - j (renewal equation, one-day Poisson)."""
    from scipy import stats

    day = stats.poisson.pmf(np.arange(n + 1), mean)
    m = np.zeros(n)
    for j in range(n):
        m[j] = (float(j == 0) + sum(day[i] * m[j - i] for i in range(1, j + 1))) / (1 - day[0])
    return m


def _all_costs(mean, lead_time, h, p, k, lo, hi, s_max=None):
    """Every c(s, S), lo <= s < S <= hi (s <= s_max), by an independent reading of the formula."""
    from scipy import stats

    mu = mean * (lead_time + 1)
    top = int(mu + 15 * mu**0.5 + 40)  # the tail beyond holds < 1e-20
    demand = np.arange(top + 1)
    pmf = stats.poisson.pmf(demand, mu)
    ys = np.arange(lo, hi + 1)
    gap = ys[:, None] - demand[None, :]
    g = (h * np.maximum(gap, 0) + p * np.maximum(-gap, 0)) @ pmf  # G(lo..hi)
    m = _days_per_cycle(mean, hi - lo)
    costs = {}
    for big_s in range(lo + 1, hi + 1):
        n = big_s - lo
        num = k + np.cumsum(m[:n] * g[big_s - lo - np.arange(n)])
        den = np.cumsum(m[:n])
        for s in range(lo, big_s if s_max is None else min(big_s, s_max + 1)):
            costs[s, big_s] = num[big_s - s - 1] / den[big_s - s - 1]
    return costs


def _ties(costs):
    best = min(costs.values())
    return best, sorted(
        (q for q, c in costs.items() if c <= best * (1 + 1e-9)), key=lambda q: q[::-1]
    )


@pytest.mark.parametrize(
    "mean, lead_time, h, p, k",
    [(10, 0, 1.0, 9.0, 64.0), (25, 0, 1.0, 9.0, 64.0), (3, 2, 2.0, 5.0, 20.0), (1.5, 1, 1, 30, 7)],
)
def test_optimum_matches_brute_force_over_a_wide_box(mean, lead_time, h, p, k):
    model = _model(mean, lead_time, h, p, k)
    best = optimal_ss(model)
    mu = mean * (lead_time + 1)
    costs = _all_costs(mean, lead_time, h, p, k, int(mu - 3 * mean - 10), int(mu + 6 * mean + 60))
    cost, ties = _ties(costs)
    assert best.cost == pytest.approx(cost, rel=1e-12)
    assert sorted(best.pairs, key=lambda q: q[::-1]) == ties
    for pair in [best.pairs[0], (ties[0][0] - 3, ties[0][1] + 5)]:
        assert ss_cost(model, *pair) == pytest.approx(costs[pair], rel=1e-12)


def test_zheng_federgruen_table_by_brute_force():
    """The whole table again, by brute force over s in mean-40..mean+10, S up to mean+150."""
    for mean, s, big_s, cost in ZF_TABLE:
        costs = _all_costs(mean, 0, 1.0, 9.0, 64.0, mean - 40, mean + 150, s_max=mean + 10)
        best, ties = _ties(costs)
        assert (s, big_s) in ties, mean
        assert round(best, 3) == cost, mean


def test_wide_ties_when_demand_always_exceeds_the_cycle():
    """Mean 65, S = 75: a day's demand is almost surely above 19, every s in 56..74 ties."""
    best = optimal_ss(_model(65))
    assert best.pairs[0] == (56, 75)
    assert {s for s, _ in best.pairs} == set(range(56, 75))
    assert {big_s for _, big_s in best.pairs} == {75}


def test_exact_tie_in_reorder_point():
    """Raise K until the optimal s drops from 6: at that K, (5, S) and (6, S) tie exactly.

    The renewal ratio makes c(s - 1, S) a weighted mean of c(s, S) and G(s), so
    the tie comes at the K where c(6, S) = G(6), solved in closed form.
    """
    lo_k, hi_k = 64.0, 200.0  # the optimal s is 6 at K = 64 and lower at K = 200
    while hi_k - lo_k > 1e-3:
        mid = (lo_k + hi_k) / 2
        lo_k, hi_k = (mid, hi_k) if optimal_ss(_model(10, k=mid)).pairs[0][0] >= 6 else (lo_k, mid)
    big_s = optimal_ss(_model(10, k=lo_k)).pairs[0][1]
    from scipy import stats

    d = np.arange(200)
    g6 = float((np.maximum(6 - d, 0) + 9.0 * np.maximum(d - 6, 0)) @ stats.poisson.pmf(d, 10.0))
    without_k = _all_costs(10, 0, 1.0, 9.0, 0.0, -20, 150)[6, big_s]
    k = (g6 - without_k) * _days_per_cycle(10.0, big_s - 6).sum()  # c(6, S) = G(6)
    best = optimal_ss(_model(10, k=k))
    assert set(best.pairs) == {(5, big_s), (6, big_s)}
    assert best.cost == pytest.approx(g6, rel=1e-12)
    cost, ties = _ties(_all_costs(10, 0, 1.0, 9.0, k, -20, 150))
    assert ties == [(5, big_s), (6, big_s)]


def test_flat_base_stock_optimum_returns_every_level_and_pair():
    """K = 0 and p / (p + h) exactly F(y): G(y) = G(y + 1), both levels optimal."""
    from scipy import stats

    f = float(stats.poisson.cdf(12, 10.0))
    model = _model(10, h=1.0, p=f / (1 - f), k=0.0)
    base = optimal_base_stock(model)
    assert base.levels == (12, 13)
    best = optimal_ss(model)
    # With K = 0 any cycle over the flat positions {12, 13} costs the same.
    assert set(best.pairs) == {(11, 12), (12, 13), (11, 13)}
    assert best.cost == pytest.approx(base.cost, rel=1e-12)


@pytest.mark.parametrize("lead_time", [0, 3])
def test_base_stock_is_the_newsvendor_fractile_and_matches_ss_cost(lead_time):
    from scipy import stats

    model = _model(8, lead_time, h=2.0, p=18.0, k=5.0, c=1.5)
    base = optimal_base_stock(model)
    assert base.levels == (int(stats.poisson.ppf(0.9, 8.0 * (lead_time + 1))),)
    assert base.cost == pytest.approx(ss_cost(model, base.level - 1, base.level), rel=1e-12)
    levels = range(base.level - 10, base.level + 10)
    assert min(ss_cost(model, y - 1, y) for y in levels) == pytest.approx(base.cost, rel=1e-12)


def test_unit_cost_shifts_every_cost_by_c_times_mean():
    without = optimal_ss(_model(20))
    with_c = optimal_ss(_model(20, c=2.5))
    assert with_c.pairs == without.pairs
    assert with_c.cost == pytest.approx(without.cost + 2.5 * 20, rel=1e-12)


@pytest.mark.parametrize(
    "change, words",
    [
        (dict(demand=ft.Normal(10.0, 3.0)), "stationary Poisson"),
        (dict(demand=ft.Poisson(10.0, amplitude=0.3)), "stationary Poisson"),
        (dict(lost_sales=True), "lost_sales=False"),
        (dict(lead_time=ft.UniformInt(1, 3)), "fixed number of days"),
        (dict(reliability=0.9), "reliable"),
        (dict(review_period=2), "review period must be 1"),
        (dict(capacity=5, overflow_cost=1.0), "overflow"),
        (dict(demand=ft.Poisson(0.0)), "mean must be > 0"),
    ],
)
def test_models_outside_the_assumptions_say_which_fails(change, words):
    model = _model(10).replace_node("node", **change)
    assert any(words in r for r in exact_reasons(model))
    for fn in (lambda: ss_cost(model, 5, 20), lambda: optimal_ss(model)):
        with pytest.raises(ValueError, match="does not apply") as err:
            fn()
        assert words in str(err.value)


@pytest.mark.parametrize("field", ["holding_cost", "backorder_cost"])
def test_optimum_needs_positive_holding_and_backorder_costs(field):
    model = _model(10).replace_node("node", **{field: 0.0})
    for fn in (optimal_ss, optimal_base_stock):
        with pytest.raises(ValueError, match=f"{field} must be > 0"):
            fn(model)


def test_networks_and_non_models_are_refused():
    with pytest.raises(ValueError, match="fasttwin Model"):
        optimal_ss("model.toml")
    net = ft.Model(
        nodes=(
            ft.Node("wh", order_up_to=50),
            ft.Node("store", parent="wh", demand=ft.Poisson(5.0), order_up_to=20),
        )
    )
    assert exact_reasons(net) == ["the model must have one node, got 2"]
    with pytest.raises(ValueError, match="one node"):
        optimal_ss(net)
