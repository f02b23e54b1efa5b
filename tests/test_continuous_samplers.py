"""Statistical checks of the continuous-review draws: lead times, arrival times, batch sizes."""

import numpy as np
import pytest
from numba import njit
from scipy import stats

import fasttwin as ft
from fasttwin.kernels.continuous import draw_lead_time, fill_block, lead_time_state
from fasttwin.kernels.rng import STREAM_LEAD_TIME, stream_key
from fasttwin.plan.continuous import lower_batch, lower_lead_time

N = 100_000
ALPHA = 1e-4  # fixed seeds make the tests deterministic; this only guards the choice


@njit
def _lead_times(code, p1, p2, cdf, guide, n, seed):
    """One lead time per (day, arrival index) key, as the kernel draws them."""
    out = np.empty(n)
    for i in range(n):
        state = lead_time_state(stream_key(seed, STREAM_LEAD_TIME, 3, 0), i // 7, i % 7 + 1)
        out[i] = draw_lead_time(code, p1, p2, cdf, guide, state)
    return out


@pytest.mark.parametrize(
    "lead_time, law",
    [
        (ft.Uniform(0.5, 2.5), stats.uniform(0.5, 2.0)),
        (ft.Exponential(1.3), stats.expon(scale=1.3)),
        (ft.Gamma(2.0, 1.0), stats.gamma(4.0, scale=0.5)),
        (ft.Normal(1.0, 0.8), stats.truncnorm(-1.25, np.inf, 1.0, 0.8)),
        (ft.Normal(-1.0, 0.5), stats.truncnorm(2.0, np.inf, -1.0, 0.5)),
    ],
)
def test_real_lead_times_follow_their_law(lead_time, law):
    x = _lead_times(*lower_lead_time(lead_time).arrays(), N, 17)
    assert x.min() >= 0.0
    assert stats.kstest(x, law.cdf).pvalue > ALPHA


def test_whole_day_lead_times_follow_their_pmf():
    x = _lead_times(*lower_lead_time(ft.Empirical((1, 2, 5), (0.2, 0.5, 0.3))).arrays(), N, 5)
    counts = np.array([(x == v).sum() for v in (1.0, 2.0, 5.0)])
    assert counts.sum() == N
    assert stats.chisquare(counts, N * np.array([0.2, 0.5, 0.3])).pvalue > ALPHA


@njit
def _arrivals(rate, b_len, b_cdf, b_guide, days, seed):
    """Arrivals day by day, one block per day; also checks the block's bookkeeping."""
    counts = np.empty(days, np.int64)
    fractions = np.empty(0)
    sizes_all = np.empty(0, np.int64)
    rates = np.full(days, rate)
    size = 4096
    tk = np.empty(size, np.int64)
    pre = np.empty(size, np.int64)
    day_of = np.empty(size, np.int64)
    index_of = np.empty(size, np.int64)
    rank = np.empty(size, np.int64)
    cum = np.empty(size + 1, np.int64)
    wrong = 0
    for d in range(days):
        n = fill_block(
            seed, d % 50, 0, d, d + 1, rates, b_len, b_cdf, b_guide,
            tk, cum, pre, day_of, index_of, rank,
        )  # fmt: skip
        counts[d] = n
        fractions = np.concatenate((fractions, (tk[:n] - d * 2**32) / 2.0**32))
        sizes_all = np.concatenate((sizes_all, np.diff(cum[: n + 1])))
        # pre[j] integrates the cumulative demand between arrivals 0..j.
        wrong += n > 0 and pre[0] != 0
        for j in range(n):
            wrong += day_of[j] != d or index_of[j] != j + 1 or rank[j] != 1
            if j > 0:
                wrong += pre[j] != pre[j - 1] + cum[j] * (tk[j] - tk[j - 1])
    return counts, fractions, sizes_all, wrong


def _buffers(size):
    """tk, cum, pre, day_of, index_of, rank as fill_block takes them."""
    tk, pre, day_of, index_of, rank = (np.empty(size, np.int64) for _ in range(5))
    return tk, np.empty(size + 1, np.int64), pre, day_of, index_of, rank


def test_block_of_days_concatenates_days():
    rates = np.array([2.0, 0.0, 5.0, 3.0])
    unit = lower_batch(None)
    tk, cum, pre, day_of, index_of, rank = buffers = _buffers(256)
    n = fill_block(9, 1, 0, 0, 4, rates, *unit, *buffers)
    per_day = [fill_block(9, 1, 0, d, d + 1, rates, *unit, *_buffers(256)) for d in range(4)]
    assert n == sum(per_day) and per_day[1] == 0
    assert (np.diff(tk[:n]) >= 0).all()
    assert (day_of[:n] == np.repeat(np.arange(4), per_day)).all()
    assert rank[n - 1] == sum(c > 0 for c in per_day)
    # Too small buffers: -1, and the caller redraws the block into bigger ones.
    assert fill_block(9, 1, 0, 0, 4, rates, *unit, *_buffers(3)) == -1


def test_arrivals_are_a_poisson_process_with_batches():
    rate, days = 3.7, 20_000
    counts, fractions, sizes, wrong_prefix = _arrivals(
        rate, *lower_batch(ft.UniformInt(1, 3)), days, 8
    )
    assert wrong_prefix == 0
    # Daily counts are Poisson(rate).
    k = np.arange(12)
    expected = stats.poisson.pmf(k, rate) * days
    expected[-1] += stats.poisson.sf(11, rate) * days
    observed = np.bincount(np.minimum(counts, 11), minlength=12)
    assert stats.chisquare(observed, expected).pvalue > ALPHA
    # Given the count, times are uniform within the day.
    assert ((fractions >= 0) & (fractions < 1)).all()
    assert stats.kstest(fractions, "uniform").pvalue > ALPHA
    # Batch sizes are uniform on 1..3.
    freq = np.bincount(sizes, minlength=4)[1:]
    assert freq.sum() == sizes.size
    assert stats.chisquare(freq).pvalue > ALPHA


def test_many_arrivals_in_a_day_grow_the_buffer():
    counts, fractions, sizes, wrong_prefix = _arrivals(500.0, *lower_batch(None), 200, 2)
    assert counts.max() > 8 and (sizes == 1).all() and wrong_prefix == 0
    assert abs(counts.mean() - 500.0) < 4 * np.sqrt(500.0 / 200)
