"""Fitting demand: known parameters come back, the rules choose what they say, flags fire.

Synthetic histories are drawn here with numpy the way the twin draws demand
(Poisson, negative binomial, normal ``round(max(0, x))``, gamma rounded),
along the model's mean path, with fixed seeds. Estimates must lie within
4 standard errors of the truth; the standard errors are the fit's own (inverse
Hessian), so a separate test checks them against the spread of estimates
over many histories, and each recovery test also bounds them, so a fit
cannot pass by being vague.
"""

import math

import numpy as np
import pytest

import fasttwin as ft
from fasttwin.demand import classify, fit_series
from fasttwin.demand.families import FAMILIES
from fasttwin.demand.mle import Series, Structure, fit_ml

TRUTH = dict(base=30.0, trend=0.0006, amplitude=0.25, phase=4.0, period=30.0)
SPREAD = {"poisson": None, "negative_binomial": 6.0, "normal": 6.0, "gamma": 8.0}
#: Largest standard error accepted, per parameter (relative for base and spread).
SE_BOUND = dict(base=0.05, trend=2e-4, amplitude=0.05, phase=1.5, period=1.0, spread=0.25)


def path(t, base, trend=0.0, amplitude=0.0, phase=0.0, period=365.0):
    t = np.asarray(t, dtype=float)
    seasonal = 1.0 + amplitude * np.sin(2.0 * math.pi * (t + phase) / period)
    return np.maximum(base * (1.0 + trend * t) * seasonal, 0.0)


def draw(kind, mu, spread, rng):
    if kind == "poisson":
        return rng.poisson(mu)
    if kind == "negative_binomial":
        return rng.negative_binomial(spread, spread / (spread + mu))
    if kind == "normal":
        return np.rint(np.maximum(rng.normal(mu, spread), 0.0))
    return np.rint(rng.gamma(spread, mu / spread))


def _phase_error(estimate, truth, period):
    return (estimate - truth + period / 2.0) % period - period / 2.0


def _check_recovered(fit_params, se, truth, spread_name=None, spread=None):
    for name, true in truth.items():
        est = fit_params[name]
        error = _phase_error(est, true, truth["period"]) if name == "phase" else est - true
        assert abs(error) <= 4 * se[name], (name, est, true, se[name])
        bound = SE_BOUND[name] * (true if name == "base" else 1.0)
        assert se[name] <= bound, (name, se[name], bound)
    if spread_name is not None:
        est, s = fit_params[spread_name], se[spread_name]
        assert abs(est - spread) <= 4 * s and s <= SE_BOUND["spread"] * spread, (est, s)


@pytest.mark.parametrize("kind", list(SPREAD))
def test_each_family_recovers_trend_and_season(kind):
    rng = np.random.default_rng(11)
    y = draw(kind, path(np.arange(730), **TRUTH), SPREAD[kind], rng)
    fit = fit_series(y, product=kind)
    assert fit.terms == "trend+season"
    f = fit.families[kind]
    _check_recovered(f.params, f.se, TRUTH, f.family.spread, SPREAD[kind])


def test_standard_errors_match_the_spread_of_estimates():
    """Over 24 histories, the SD of the estimates is the fit's standard error (within noise)."""
    nb = FAMILIES["negative_binomial"]
    structure = Structure(trend=True, period=30.0, period_bounds=(29.0, 31.0))
    start = dict(TRUTH, size=6.0)
    estimates, errors = [], []
    for seed in range(24):
        rng = np.random.default_rng(1000 + seed)
        y = draw("negative_binomial", path(np.arange(365), **TRUTH), 6.0, rng)
        fit = fit_ml(Series(y.astype(float), np.ones(365, np.int64)), nb, structure, start)
        estimates.append([fit.params[k] for k in ("base", "trend", "amplitude", "size")])
        errors.append([fit.se[k] for k in ("base", "trend", "amplitude", "size")])
    ratio = np.std(estimates, axis=0, ddof=1) / np.mean(errors, axis=0)
    # the SD of 24 draws is within about +-30 % (2 SE) of the true SD
    assert np.all((ratio > 0.6) & (ratio < 1.5)), ratio


@pytest.mark.parametrize(
    ("kind", "mean", "spread"),
    [
        ("poisson", 20.0, None),
        ("negative_binomial", 20.0, 2.0),  # overdispersed: var 220
        ("normal", 5.0, 4.0),  # near 0: clipping puts a mass at zero
        ("gamma", 5.0, 20.0),  # underdispersed (var 1.25), skewed
    ],
)
def test_aic_picks_the_family_that_drew_the_history(kind, mean, spread):
    y = draw(kind, np.full(730, mean), spread, np.random.default_rng(5))
    fit = fit_series(y)
    assert fit.family == kind, {k: f.aic for k, f in fit.families.items()}
    assert fit.terms == "level"
    assert fit.gof[kind] > 0.01


def test_no_trend_or_cycle_is_found_in_stationary_demand():
    from fasttwin.demand.structure import choose_structure

    found = []
    for seed in range(8):
        rng = np.random.default_rng(seed)
        for kind, spread in (("poisson", None), ("negative_binomial", 3.0)):
            y = draw(kind, np.full(365, 10.0), spread, rng)
            choice = choose_structure(Series(y.astype(float), np.ones(365, np.int64)))
            found.append(choice.structure)
    # the rule's false-positive rate is about 1 % (structure module): 16 fits, at most one
    assert sum(s != Structure() for s in found) <= 1, found


@pytest.mark.parametrize("frequency", ["weekly", "monthly"])
def test_weekly_and_monthly_totals_recover_the_daily_model(frequency):
    """A period's total is the sum of its days: the fit returns the daily parameters."""
    truth = dict(base=20.0, trend=0.0004, amplitude=0.3, phase=50.0, period=365.25)
    rng = np.random.default_rng(3)
    if frequency == "weekly":
        n = np.full(156, 7)  # 3 years of weeks
    else:
        months = np.arange("2020-01", "2025-01", dtype="datetime64[M]")
        n = ((months + 1).astype("datetime64[D]") - months.astype("datetime64[D]")).astype(int)
    daily = draw("negative_binomial", path(np.arange(n.sum()), **truth), 4.0, rng)
    totals = np.add.reduceat(daily, np.concatenate([[0], np.cumsum(n)[:-1]]))
    fit = fit_series(totals, days=n)
    assert fit.frequency == frequency and fit.terms == "trend+season"
    f = fit.families["negative_binomial"]
    for name, true in truth.items():
        error = _phase_error(f.params[name], true, true and truth["period"]) if name == "phase" \
            else f.params[name] - true
        assert abs(error) <= 4 * f.se[name], (name, f.params[name], true, f.se[name])
    # the daily size is identified only from weekly totals (NB(7k)); monthly totals are too
    # few and too smooth to pin it down, but it must stay consistent
    assert abs(f.params["size"] - 4.0) <= 4 * f.se["size"]
    if frequency == "weekly":
        assert f.se["size"] < 1.5
    # the model handed to the twin is daily, with the daily parameters
    d = fit.distribution("history")
    chosen = fit.families[fit.family].params
    assert d.mean == pytest.approx(chosen["base"]) and d.trend == pytest.approx(chosen["trend"])


def test_intermittent_poisson_keeps_a_family():
    y = np.random.default_rng(8).poisson(0.3, 730)
    fit = fit_series(y)
    assert fit.intermittency.kind == "intermittent" and fit.intermittency.adi > 1.32
    assert fit.family != "trace" and fit.gof[fit.family] > 0.01
    assert fit.families["poisson"].params["base"] == pytest.approx(y.mean(), rel=1e-4)
    # whatever family wins, the twin's expected demand (whole units) is the history's mean
    se = y.std() / math.sqrt(y.size)
    assert abs(fit.expected_periods(0, np.ones(730)).mean() - y.mean()) < 2 * se


def test_lumpy_daily_demand_that_no_family_fits_is_bootstrapped():
    rng = np.random.default_rng(9)
    # about one day in eight an order of about 40: "0 or about 40" is no count family's shape
    y = np.where(rng.uniform(size=730) < 0.12, rng.poisson(40.0, 730), 0)
    fit = fit_series(y)
    assert fit.intermittency.sparse and fit.gof[fit.best.family.kind] < 0.01
    assert fit.family == "trace"
    d = fit.distribution()
    assert isinstance(d, ft.Trace) and d.mode == "bootstrap" and d.values == tuple(y.astype(float))
    # weekly totals of the same demand keep a family (a bootstrap needs days)
    weekly = fit_series(y[:728].reshape(-1, 7).sum(axis=1), days=np.full(104, 7))
    assert weekly.family != "trace"


def test_syntetos_boylan_classes():
    assert classify([5, 5, 6, 4]).kind == "smooth"
    assert classify([1, 9, 1, 9]).kind == "erratic"
    assert classify([3, 0, 3, 0, 4, 0]).kind == "intermittent"
    assert classify([1, 0, 9, 0, 1, 0]).kind == "lumpy"
    c = classify([2, 0, 0, 2])
    assert (c.adi, c.cv2) == (2.0, 0.0)


@pytest.mark.parametrize(
    ("factor", "flag"), [(1.0, "normal"), (1.6, "surge"), (0.55, "low velocity")]
)
def test_status_flag_from_the_last_four_weeks(factor, flag):
    mu = path(np.arange(400), 20.0, trend=0.001)  # a rising product: the trend is expected
    mu[-28:] *= factor
    fit = fit_series(np.random.default_rng(4).poisson(mu))
    s = fit.status
    assert s.flag == flag, s.describe()
    assert s.window_days == 28 and s.observed == fit.values[-28:].sum()
    # the expectation follows the trend fitted before the window (~20 x 1.386 x 28)
    assert s.expected == pytest.approx(20.0 * (1 + 0.001 * 385.5) * 28, rel=0.05)


def test_status_needs_history_before_the_window():
    fit = fit_series(np.random.default_rng(0).poisson(10.0, 60))
    assert fit.status is None
    weekly = fit_series(np.random.default_rng(0).poisson(70.0, 12), days=np.full(12, 7))
    assert weekly.status.window_periods == 4 and weekly.status.window_days == 28


def test_forecast_intervals_cover_future_demand():
    covered, total = 0, 0
    truth = dict(base=15.0, trend=0.0005, amplitude=0.3, phase=2.0, period=7.0)
    for seed in range(3):
        rng = np.random.default_rng(20 + seed)
        y = draw("negative_binomial", path(np.arange(365 + 120), **truth), 5.0, rng)
        fit = fit_series(y[:365], start=None, seed=seed)
        fc = fit.forecast(horizon=120, level=0.9)
        future = y[365:]
        covered += int(((future >= fc["lower"].values) & (future <= fc["upper"].values)).sum())
        total += future.size
        # the forecast mean is the fitted path carried on (in whole units: rounding a gamma
        # of mean 15 moves its mean by ~1e-6)
        np.testing.assert_allclose(fc["mean"].values, fit.distribution().mean_path(120), rtol=1e-4)
    # 90 % intervals of whole units cover at least 90 %; 360 days: SE 1.6 %
    assert 0.88 <= covered / total <= 0.97, covered / total


@pytest.mark.parametrize("kind", list(SPREAD))
def test_forecast_origin_carries_the_path_forward(kind):
    y = draw(kind, path(np.arange(400), **TRUTH), SPREAD[kind], np.random.default_rng(2))
    fit = fit_series(y)
    past, ahead = fit.distribution("history"), fit.distribution("forecast")
    np.testing.assert_allclose(ahead.mean_path(100), past.mean_path(500)[400:], rtol=1e-9)
    if kind == "negative_binomial":
        assert ahead.size == pytest.approx(past.size)
    if kind == "gamma":
        assert ahead.shape == pytest.approx(past.shape)
    if kind == "normal":
        assert ahead.std == past.std


def test_no_demand_and_rounding_and_bad_input():
    fit = fit_series(np.zeros(30))
    assert fit.family == "none" and fit.distribution() == ft.Poisson(0.0)
    assert float(fit.forecast(horizon=5)["upper"].max()) == 0.0
    fit = fit_series(np.full(30, 2.4) + np.arange(30) % 2)
    assert "values rounded to whole units" in fit.notes
    with pytest.raises(ValueError, match="at least 8 periods of history, got 5"):
        fit_series([1, 2, 3, 4, 5], product="x")
    with pytest.raises(ValueError, match="finite numbers >= 0"):
        fit_series([1, 2, 3, 4, 5, 6, 7, np.nan])
    with pytest.raises(ValueError, match="days must give one whole number >= 1 per period"):
        fit_series(np.ones(10), days=np.ones(9))
    with pytest.raises(ValueError, match="origin must be one of"):
        fit.distribution("tomorrow")


def test_fit_history_dates_products_and_monthly_forecast(tmp_path):
    """Each product is fitted from its own first month; forecasts run on the calendar."""
    rng = np.random.default_rng(6)
    rows = ["month,product,units"]
    for i in range(36):
        year, month = 2021 + i // 12, i % 12 + 1
        rows.append(f"{year}-{month:02d},old,{rng.poisson(300)}")
        if i >= 12:  # launched a year later
            rows.append(f"{year}-{month:02d},new,{rng.poisson(90)}")
    (tmp_path / "m.csv").write_text("\n".join(rows) + "\n")
    fits = ft.demand.fit_history(ft.demand.load_history(tmp_path / "m.csv"))
    assert fits["new"].values.size == 24 and str(fits["new"].start) == "2022-01-01"
    assert fits["new"].families["poisson"].params["base"] == pytest.approx(90 / 30.4, rel=0.05)
    fc = fits["old"].forecast(horizon=3)
    assert [str(d)[:10] for d in fc["date"].values] == ["2024-01-01", "2024-02-01", "2024-03-01"]
    assert fc["days"].values.tolist() == [31, 29, 31]
    # a month's expected demand is its days times the daily mean (a flat Poisson fit)
    base = fits["old"].families["poisson"].params["base"]
    assert fits["old"].family == "poisson"
    np.testing.assert_allclose(fc["mean"].values, base * np.array([31, 29, 31]))
    assert np.all(fc["lower"].values < fc["mean"].values)
    assert np.all(fc["mean"].values < fc["upper"].values)
