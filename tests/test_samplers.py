"""Statistical checks of every sampler on large keyed samples (fixed seeds)."""

import math

import numpy as np
import pytest
from numba import njit
from scipy import stats

import fasttwin as ft
from fasttwin.cube.build import RNG_SCHEME
from fasttwin.kernels.demand import draw_demand
from fasttwin.kernels.rng import day_state, key_state, stream_key, uniform
from fasttwin.kernels.samplers import (
    bernoulli,
    gamma,
    negative_binomial,
    normal,
    poisson,
    table_draw,
    truncated_normal,
    uniform_int,
)
from fasttwin.plan.lower import demand_plan, lead_time_plan

N = 200_000
ALPHA = 1e-4  # fixed seeds make the tests deterministic; this only guards the choice


@njit
def _uniforms(n, seed):
    out = np.empty(n)
    for i in range(n):
        out[i], _ = uniform(key_state(seed, 0, i, 0, 0))
    return out


@njit
def _uniform_pairs(n, seed):
    """u(rep i, day 0) and u(rep i, day 1): neighbouring keys must be independent."""
    out = np.empty((n, 2))
    for i in range(n):
        out[i, 0], _ = uniform(key_state(seed, 0, i, 0, 0))
        out[i, 1], _ = uniform(key_state(seed, 0, i, 0, 1))
    return out


@njit
def _along_days(n, seed):
    """The first two draws of days 0 .. n-1 of one stream, its key hashed once."""
    out = np.empty((n, 2))
    key = stream_key(seed, 0, 5, 1)
    for t in range(n):
        out[t, 0], st = uniform(day_state(key, t))
        out[t, 1], st = uniform(st)
    return out


@njit
def _within_key(n, seed):
    """Consecutive draws of one key's sequence."""
    out = np.empty(n)
    st = key_state(seed, 3, 1, 2, 3)
    for i in range(n):
        out[i], st = uniform(st)
    return out


@njit
def _ints(low, high, n, seed):
    out = np.empty(n, np.int64)
    for i in range(n):
        out[i], _ = uniform_int(low, high, key_state(seed, 1, i, 0, 0))
    return out


@njit
def _bernoullis(p, n, seed):
    out = np.empty(n, np.bool_)
    for i in range(n):
        out[i], _ = bernoulli(p, key_state(seed, 1, i, 0, 0))
    return out


@njit
def _normals(n, seed):
    out = np.empty(n)
    for i in range(n):
        out[i], _ = normal(key_state(seed, 2, i, 0, 0))
    return out


@njit
def _truncnormals(mean, std, low, high, n, seed):
    out = np.empty(n)
    for i in range(n):
        out[i], _ = truncated_normal(mean, std, low, high, key_state(seed, 2, i, 0, 0))
    return out


@njit
def _poissons(mean, n, seed):
    out = np.empty(n, np.int64)
    for i in range(n):
        out[i], _ = poisson(mean, key_state(seed, 3, 0, 0, i))
    return out


@njit
def _gammas(shape, scale, n, seed):
    out = np.empty(n)
    for i in range(n):
        out[i], _ = gamma(shape, scale, key_state(seed, 4, i, 0, 0))
    return out


@njit
def _negbins(size, mean, n, seed):
    out = np.empty(n, np.int64)
    for i in range(n):
        out[i], _ = negative_binomial(size, mean, key_state(seed, 5, i, 0, 0))
    return out


@njit
def _table(cdf, guide, n, seed):
    out = np.empty(n, np.int64)
    for i in range(n):
        out[i], _ = table_draw(cdf, guide, 0, cdf.size, key_state(seed, 6, i, 0, 0))
    return out


@njit
def _plan_draws(code, p1, p2, start, length, cdf, guide, day, n, seed):
    out = np.empty(n, np.int64)
    for i in range(n):
        out[i], _ = draw_demand(
            code[day],
            p1[day],
            p2[day],
            start[day],
            length[day],
            cdf,
            guide,
            key_state(seed, 0, i, 0, day),
        )
    return out


def chi_square_p(samples, pmf):
    """p-value of a chi-square test of integer ``samples`` against ``pmf`` on 0..len-1.

    Bins with small expected counts are pooled (left and right tails, and the
    mass beyond the pmf's support goes to the last bin).
    """
    n = samples.size
    counts = np.bincount(samples, minlength=pmf.size).astype(float)
    tail = counts[pmf.size :].sum()
    counts = counts[: pmf.size]
    counts[-1] += tail
    expected = pmf * n
    expected[-1] += n - expected.sum()
    obs, exp = [], []
    acc_o = acc_e = 0.0
    for o, e in zip(counts, expected, strict=True):
        acc_o += o
        acc_e += e
        if acc_e >= 20:
            obs.append(acc_o)
            exp.append(acc_e)
            acc_o = acc_e = 0.0
    obs[-1] += acc_o
    exp[-1] += acc_e
    obs, exp = np.array(obs), np.array(exp)
    exp *= obs.sum() / exp.sum()
    return stats.chisquare(obs, exp).pvalue


def test_uniform_ks_and_range():
    u = _uniforms(N, 11)
    assert 0.0 < u.min() and u.max() < 1.0
    assert stats.kstest(u, "uniform").pvalue > ALPHA


def test_uniform_neighbouring_keys_independent():
    pairs = _uniform_pairs(N, 12)
    table = np.histogram2d(pairs[:, 0], pairs[:, 1], bins=10, range=[[0, 1], [0, 1]])[0]
    assert stats.chi2_contingency(table).pvalue > ALPHA
    assert abs(np.corrcoef(pairs.T)[0, 1]) < 4 / math.sqrt(N)


def test_days_of_one_stream_are_independent():
    u = _along_days(N, 14)
    assert stats.kstest(u[:, 0], "uniform").pvalue > ALPHA
    # day t against day t + 1, and day t's second draw against day t + 1's first
    for a, b in [(u[:-1, 0], u[1:, 0]), (u[:-1, 1], u[1:, 0])]:
        table = np.histogram2d(a, b, bins=10, range=[[0, 1], [0, 1]])[0]
        assert stats.chi2_contingency(table).pvalue > ALPHA
        assert abs(np.corrcoef(a, b)[0, 1]) < 4 / math.sqrt(N)


def test_whole_key_hash_is_the_stream_key_stepped_to_the_day():
    # what the slow references use (key_state) and what kernels do (hash once, step days)
    for seed, stream, rep, node, day in [(1, 0, 0, 0, 0), (42, 3, 2**40 + 7, 5, 364)]:
        key = np.uint64(stream_key(seed, stream, rep, node))
        assert key_state(seed, stream, rep, node, day) == day_state(key, day)


def test_scheme_named_in_cubes_gives_these_states():
    # Cubes say "splitmix64-stream-day/1" in their rng attr; a change of these
    # states changes every draw, and must come with a new name there.
    assert RNG_SCHEME.startswith("splitmix64-stream-day/1:")
    assert key_state(42, 0, 0, 0, 0) == 16291246589499846741
    assert key_state(42, 1, 7, 2, 364) == 12880099719497410701


def test_uniform_sequence_within_key():
    u = _within_key(N, 13)
    assert stats.kstest(u, "uniform").pvalue > ALPHA
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 4 / math.sqrt(N)


def test_keys_differ_in_every_component():
    base = key_state(1, 2, 3, 4, 5)
    others = {
        key_state(*k)
        for k in [
            (2, 2, 3, 4, 5),
            (1, 3, 3, 4, 5),
            (1, 2, 4, 4, 5),
            (1, 2, 3, 5, 5),
            (1, 2, 3, 4, 6),
            (1, 3, 2, 4, 5),
        ]
    }
    assert base not in others and len(others) == 6


def test_uniform_int_chi_square():
    x = _ints(3, 9, N, 21)
    assert x.min() == 3 and x.max() == 9
    pmf = np.zeros(10)
    pmf[3:] = 1 / 7
    assert chi_square_p(x, pmf) > ALPHA


def test_bernoulli_binomial():
    x = _bernoullis(0.3, N, 22)
    assert stats.binomtest(int(x.sum()), N, 0.3).pvalue > ALPHA


def test_normal_ks():
    assert stats.kstest(_normals(N, 31), "norm").pvalue > ALPHA


@pytest.mark.parametrize(
    "low, high",
    [
        (0.0, np.inf),
        (2.0, np.inf),
        (2.0, 2.5),
        (-0.3, 0.2),
        (-np.inf, -3.0),
        (-1.0, 3.0),
        (0.7, 1.4),
        (-5.0, -4.0),
        (4.0, 30.0),
    ],
)
def test_truncated_normal_ks(low, high):
    mean, std = 10.0, 2.0
    x = _truncnormals(mean, std, mean + std * low, mean + std * high, N // 4, 32)
    assert x.min() >= mean + std * low and x.max() <= mean + std * high
    ref = stats.truncnorm(low, high, loc=mean, scale=std)
    assert stats.kstest(x, ref.cdf).pvalue > ALPHA


@pytest.mark.parametrize("mean", [0.5, 3.0, 9.9, 10.0, 25.0, 300.0, 5000.0])
def test_poisson_chi_square(mean):
    x = _poissons(mean, N, 41)
    top = int(stats.poisson.isf(1e-12, mean)) + 1
    pmf = stats.poisson.pmf(np.arange(top + 1), mean)
    assert chi_square_p(x, pmf) > ALPHA
    assert abs(x.mean() - mean) < 5 * math.sqrt(mean / N)


@pytest.mark.parametrize("mean", [0.3, 20.0, 700.0])
def test_poisson_table_chi_square(mean):
    plan = demand_plan(ft.Poisson(mean), 1)
    assert plan.code[0] == 0  # tabulated
    x = _plan_draws(*plan.arrays(), 0, N, 42)
    pmf = stats.poisson.pmf(np.arange(int(mean * 3 + 40)), mean)
    assert chi_square_p(x, pmf) > ALPHA


def test_poisson_beyond_table_uses_ptrs():
    plan = demand_plan(ft.Poisson(20_000.0), 1)
    assert plan.code[0] == 1
    x = _plan_draws(*plan.arrays(), 0, N // 4, 43)
    assert abs(x.mean() - 20_000) < 5 * math.sqrt(20_000 / x.size)
    pmf = stats.poisson.pmf(np.arange(21_000), 20_000.0)
    assert chi_square_p(x, pmf) > ALPHA


@pytest.mark.parametrize("shape", [0.5, 1.0, 4.5, 60.0])
def test_gamma_ks(shape):
    x = _gammas(shape, 2.0, N, 51)
    assert stats.kstest(x, stats.gamma(shape, scale=2.0).cdf).pvalue > ALPHA


@pytest.mark.parametrize("size, mean", [(0.8, 4.0), (5.0, 20.0), (50.0, 300.0)])
def test_negative_binomial_chi_square(size, mean):
    x = _negbins(size, mean, N, 61)
    p = size / (size + mean)
    top = int(stats.nbinom.isf(1e-12, size, p)) + 1
    assert chi_square_p(x, stats.nbinom.pmf(np.arange(top + 1), size, p)) > ALPHA


def test_negative_binomial_table_matches_scipy():
    d = ft.NegativeBinomial(mean=12.0, std=6.0)
    plan = demand_plan(d, 1)
    assert plan.code[0] == 0
    x = _plan_draws(*plan.arrays(), 0, N, 62)
    p = d.size / (d.size + d.mean)
    assert chi_square_p(x, stats.nbinom.pmf(np.arange(200), d.size, p)) > ALPHA


@pytest.mark.parametrize("mean, std", [(50.0, 10.0), (3.0, 4.0)])
def test_normal_demand_is_clipped_and_rounded(mean, std):
    plan = demand_plan(ft.Normal(mean, std), 1)
    x = _plan_draws(*plan.arrays(), 0, N, 71)
    edges = np.arange(int(mean + 8 * std) + 2) + 0.5
    cdf = stats.norm.cdf(edges, mean, std)
    pmf = np.diff(np.concatenate([[0.0], cdf]))
    assert x.min() >= 0
    assert chi_square_p(x, pmf) > ALPHA


def test_gamma_demand_mean_follows_path():
    d = ft.Gamma(mean=30.0, std=6.0, amplitude=0.5, period=4.0)
    plan = demand_plan(d, 4)
    path = d.mean_path(4)
    for day in range(4):
        x = _plan_draws(*plan.arrays(), day, N // 4, 72)
        sd = path[day] / math.sqrt(d.shape)
        assert abs(x.mean() - path[day]) < 5 * sd / math.sqrt(x.size) + 0.01


@pytest.mark.parametrize(
    "lead_time",
    [
        ft.UniformInt(1, 4),
        ft.Poisson(2.5),
        ft.Normal(3.0, 1.2),
        ft.Normal(1.5, 1.5),  # truncated at 0 before rounding: day 0 is no catch-all
        ft.Empirical((1, 5), (2, 1)),
    ],
)
def test_lead_time_tables(lead_time):
    from fasttwin.model.lead_times import lead_time_pmf

    plan = lead_time_plan(lead_time)
    x = _table(plan.cdf, plan.guide, N, 81)
    assert chi_square_p(x, lead_time_pmf(lead_time)) > ALPHA
