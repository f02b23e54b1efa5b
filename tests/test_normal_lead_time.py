"""One rule for a Normal lead time: the normal truncated at 0; periodic review rounds it."""

import numpy as np
import pytest
from numba import njit
from scipy import stats

import fasttwin as ft
from fasttwin.kernels.continuous import draw_lead_time, lead_time_state
from fasttwin.kernels.rng import STREAM_LEAD_TIME, key_state, stream_key
from fasttwin.kernels.samplers import table_draw
from fasttwin.model.lead_times import lead_time_moments, lead_time_pmf, normal_lead_time
from fasttwin.model.scenarios import Scenario
from fasttwin.plan.continuous import lower_lead_time
from fasttwin.plan.lower import lead_time_plan
from tests.test_samplers import chi_square_p

LEAD = ft.Normal(1.5, 1.5)
#: E[X | X >= 0] for X ~ N(1.5, 1.5): 1.931 days (the old periodic reading, with the
#: negative mass on day 0, had mean 1.62).
TRUNCATED_MEAN = 1.5 + 1.5 * stats.norm.pdf(1.0) / stats.norm.cdf(1.0)
N = 200_000


@njit
def _periodic_draws(cdf, guide, n, seed):
    out = np.empty(n, np.int64)
    for i in range(n):
        out[i], _ = table_draw(cdf, guide, 0, cdf.size, key_state(seed, 6, i, 0, 0))
    return out


@njit
def _continuous_draws(code, p1, p2, cdf, guide, n, seed):
    out = np.empty(n)
    key = stream_key(seed, STREAM_LEAD_TIME, 0, 0)
    for i in range(n):
        out[i] = draw_lead_time(code, p1, p2, cdf, guide, lead_time_state(key, i, 1))
    return out


def test_both_readings_have_the_truncated_mean():
    continuous, _ = lead_time_moments(LEAD)
    periodic, _ = lead_time_moments(LEAD, whole_days=True)
    assert continuous == pytest.approx(TRUNCATED_MEAN, rel=1e-12)
    # Rounding a smooth density to whole days moves its mean by much less than a day.
    assert abs(periodic - TRUNCATED_MEAN) < 0.02
    # And the kernels' samplers draw them.
    plan = lead_time_plan(LEAD)
    days = _periodic_draws(plan.cdf, plan.guide, N, 3)
    real = _continuous_draws(*lower_lead_time(LEAD).arrays(), N, 3)
    for x, mean in ((days, periodic), (real, continuous)):
        assert abs(x.mean() - mean) < 5 * x.std() / np.sqrt(N)
    assert abs(days.mean() - real.mean()) < 0.03


@pytest.mark.parametrize("lead_time", [LEAD, ft.Normal(-1.0, 2.0), ft.Normal(0.2, 0.3)])
def test_whole_days_are_the_truncated_normal_rounded(lead_time):
    """Draw the truncated normal with scipy, round it: that is the periodic pmf."""
    mu, sd = lead_time.mean, lead_time.std
    x = stats.truncnorm(-mu / sd, np.inf, loc=mu, scale=sd).rvs(N, random_state=7)
    assert chi_square_p(np.floor(x + 0.5).astype(np.int64), lead_time_pmf(lead_time)) > 1e-4


def test_periodic_orders_spend_the_mean_lead_time_in_transit():
    """Little's law on the simulated paths: units in transit / units ordered a day = E[L]."""
    model = ft.single_node(demand=ft.Poisson(20.0), lead_time=LEAD)
    tr = ft.trace(model, {"order_up_to": 100}, reps=20, periods=2000, seed=1).isel(
        day=slice(20, None)
    )
    days_in_transit = float(tr["pipeline"].mean() / tr["ordered"].mean())
    assert days_in_transit == pytest.approx(lead_time_moments(LEAD, whole_days=True)[0], abs=0.02)


def test_periodic_lead_time_disruption_scales_the_truncated_normal():
    model = ft.single_node(demand=ft.Poisson(20.0), lead_time=LEAD)
    changed = Scenario.of("lead_time_disruption").apply(model).nodes[0].lead_time
    mean, var = lead_time_moments(LEAD, whole_days=True)
    new_mean, new_var = lead_time_moments(changed)
    assert new_mean == pytest.approx(1.5 * mean, rel=1e-9)
    assert new_var == pytest.approx(2.0 * var, rel=1e-9)
    # Read in whole days, the same up to rounding.
    assert lead_time_moments(changed, whole_days=True)[0] == pytest.approx(1.5 * mean, abs=0.02)


def test_normal_lead_time_falls_back_where_no_truncated_normal_fits():
    # CV >= 1 is beyond every normal truncated at 0: the nominal normal.
    assert normal_lead_time(1.0, 1.5) == ft.Normal(1.0, 1.5**0.5)
    # Truncation negligible: the nominal normal too.
    assert normal_lead_time(50.0, 4.0) == ft.Normal(50.0, 2.0)
    with pytest.raises(ValueError, match="needs mean > 0 and var > 0"):
        normal_lead_time(0.0, 1.0)
