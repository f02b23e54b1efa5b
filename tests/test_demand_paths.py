"""Each demand model follows its daily mean path, with the spread its docstring states.

For several days of a seasonal path (sine, trend and an event), the day's
exact distribution is built from its definition (scipy), and the kernel's
draws over many replications must match its mean and variance within five
standard errors; the exact mean must follow ``mean_path``.
"""

import math

import numpy as np
import pytest
from numba import njit
from scipy import stats

import fasttwin as ft
from fasttwin.kernels.demand import day_demand
from fasttwin.kernels.rng import node_keys
from fasttwin.plan.lower import demand_plan

N = 20_000
DAYS = np.array([0, 2, 4, 5, 7, 11])
PATH = dict(amplitude=0.5, period=8.0, phase=1.0, trend=0.02, events=[ft.Event(5, 5, 2.0)])


@njit
def _draw(seed, code, p1, p2, start, length, cdf, guide, days, n):
    out = np.empty((days.size, n), np.int64)
    for a in range(days.size):
        t = days[a]
        for r in range(n):
            keys = node_keys(seed, r, 3)
            out[a, r] = day_demand(
                keys[0], keys[1], t, code[t], p1[t], p2[t], start[t], length[t], cdf, guide
            )
    return out


def _draws(demand, periods=12, seed=17):
    plan = demand_plan(demand, periods)
    return _draw(seed, *plan.arrays(), DAYS, N)


def _rounded(cdf, mean_hint):
    """pmf of round(max(0, X)) for a continuous X given by its cdf."""
    top = int(mean_hint * 6 + 60)
    edges = np.arange(top + 1) + 0.5
    c = cdf(edges)
    return np.diff(np.concatenate([[0.0], c]))


def _check_moments(x, pmf):
    k = np.arange(pmf.size)
    mu = float(k @ pmf)
    var = float((k - mu) ** 2 @ pmf)
    m4 = float((k - mu) ** 4 @ pmf)
    assert abs(x.mean() - mu) < 5 * math.sqrt(var / x.size) + 1e-12, (x.mean(), mu)
    se_var = math.sqrt(max(m4 - var**2, 1e-12) / x.size)
    assert abs(x.var(ddof=1) - var) < 5 * se_var + 1e-9, (x.var(ddof=1), var)
    return mu, var


def test_poisson_path():
    d = ft.Poisson(12.0, **PATH)
    path = d.mean_path(12)
    x = _draws(d)
    for a, t in enumerate(DAYS):
        pmf = stats.poisson.pmf(np.arange(int(path[t] * 4 + 40)), path[t])
        mu, var = _check_moments(x[a], pmf)
        assert mu == pytest.approx(path[t], rel=1e-9) and var == pytest.approx(path[t], rel=1e-9)


def test_negative_binomial_path_keeps_its_dispersion():
    d = ft.NegativeBinomial(10.0, 5.0, **PATH)
    path = d.mean_path(12)
    x = _draws(d)
    for a, t in enumerate(DAYS):
        p = d.size / (d.size + path[t])
        pmf = stats.nbinom.pmf(np.arange(int(path[t] * 8 + 80)), d.size, p)
        mu, var = _check_moments(x[a], pmf)
        assert mu == pytest.approx(path[t], rel=1e-9)
        assert var == pytest.approx(path[t] + path[t] ** 2 / d.size, rel=1e-9)


def test_normal_path_is_clipped_and_keeps_its_std():
    """round(max(0, N(mean_t, std))): std is not scaled along the path (the original twin)."""
    d = ft.Normal(20.0, 9.0, multiplier=1.5, **PATH)
    path = d.mean_path(12)
    x = _draws(d)
    assert x.min() >= 0
    for a, t in enumerate(DAYS):
        pmf = _rounded(lambda e, m=path[t]: stats.norm.cdf(e, m, 9.0), path[t])
        mu, _ = _check_moments(x[a], pmf)
        # The mean of max(0, X): above the path where it is low (rounding moves it < 0.01).
        clipped = path[t] * stats.norm.cdf(path[t] / 9) + 9 * stats.norm.pdf(path[t] / 9)
        assert mu == pytest.approx(clipped, abs=0.01)


def test_gamma_path_keeps_its_coefficient_of_variation():
    d = ft.Gamma(15.0, 6.0, **PATH)
    path = d.mean_path(12)
    x = _draws(d)
    for a, t in enumerate(DAYS):
        g = stats.gamma(d.shape, scale=path[t] / d.shape)
        pmf = _rounded(g.cdf, path[t])
        mu, var = _check_moments(x[a], pmf)
        assert mu == pytest.approx(path[t], abs=0.02)
        assert var == pytest.approx((0.4 * path[t]) ** 2 + 1 / 12, rel=0.02)


HISTORY = [0, 3, 9, 4, 4, 12, 1, 7, 6, 2, 5, 8, 0, 10]


def test_trace_bootstrap_path_and_spread():
    """Each day is a history value (equally likely), scaled by the path factor and rounded."""
    d = ft.Trace(HISTORY, mode="bootstrap", block=3, **PATH)
    factor = d.path_factor(12)
    np.testing.assert_allclose(d.mean_path(12), np.mean(HISTORY) * factor)
    x = _draws(d)
    for a, t in enumerate(DAYS):
        pmf = np.zeros(60)
        for v in HISTORY:
            pmf[int(math.floor(v * factor[t] + 0.5))] += 1 / len(HISTORY)
        _check_moments(x[a], pmf)
        p = stats.chisquare(np.bincount(x[a], minlength=60)[pmf > 0], pmf[pmf > 0] * N).pvalue
        assert p > 1e-4


def test_trace_bootstrap_follows_the_history_within_blocks():
    d = ft.Trace(HISTORY, mode="bootstrap", block=4)
    n = len(HISTORY)
    plan = demand_plan(d, 12)
    x = _draw(5, *plan.arrays(), np.arange(12), 4000)  # (days, reps)
    starts = []
    for r in range(x.shape[1]):
        for b in range(3):
            block = x[4 * b : 4 * b + 4, r].tolist()
            first = [s for s in range(n) if [HISTORY[(s + j) % n] for j in range(4)] == block]
            assert first, f"rep {r} block {b} is no stretch of the history: {block}"
            starts.append(first[0])
    # Block starts are uniform over the history (HISTORY's 4-day stretches are all distinct).
    counts = np.bincount(starts, minlength=n)
    assert stats.chisquare(counts).pvalue > 1e-4


def test_trace_replay_is_the_history_scaled():
    d = ft.Trace(HISTORY, **PATH)
    x = _draws(d)
    factor = d.path_factor(12)
    for a, t in enumerate(DAYS):
        assert (x[a] == math.floor(HISTORY[t] * factor[t] + 0.5)).all()


def test_trace_in_a_simulation_replays_the_history():
    """Replay: every replication sees the history; demand per day is its mean exactly."""
    model = ft.single_node(demand=ft.Trace(HISTORY), order_up_to=100, lost_sales=True)
    ds = ft.simulate(model, reps=3, periods=len(HISTORY), seed=1)
    assert (ds["demand"].values == np.mean(HISTORY)).all()
