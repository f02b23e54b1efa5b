"""Which mean-path terms a product's demand has: a trend, a seasonal cycle, or neither.

Rules:

1. **Candidate cycles.** The daily rate of each period (total / days),
   divided by a least-squares straight line, is searched for cycles with a
   periodogram (``scipy.signal``); the three highest local peaks whose
   period fits at least twice in the history (and is at least two periods
   long) are the candidates. Only one sine fits in the model, so a weaker
   second cycle (a weekly pattern under a yearly one) stays in the noise.
2. **Starting values** of each candidate come from a robust STL
   decomposition (``statsmodels``) at that period: its trend gives the level
   and slope, its seasonal part divided by the trend is projected on a sine
   of the candidate's period for the amplitude and phase.
3. **Choice.** With the negative binomial family (it absorbs overdispersion,
   so extra variance is not taken for a cycle) four mean paths are fitted by
   maximum likelihood: level only, level + trend, level + season (the
   candidate with the highest likelihood), level + trend + season. The one
   with the lowest BIC is kept, a seasonal path paying ``2 log K`` more for
   the ``K`` frequencies its period was searched among (a uniform prior over
   them). On 120 simulated years of stationary daily demand (Poisson and
   negative binomial, mean 10) plain BIC found a false cycle 6 times, with
   the search's price never (and a false trend once); AIC would take the best
   noise peak for a cycle about half the time. Real cycles and trends of a
   few per cent of the level stay detectable (the tests check both ways).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from fasttwin.demand.families import FAMILIES
from fasttwin.demand.mle import MLFit, Series, Structure, fit_ml

#: Candidate cycles tried, and the fewest whole cycles a history must hold for one.
CANDIDATES = 3
MIN_CYCLES = 2


@dataclass(frozen=True)
class Choice:
    """The chosen structure, every structure's fit (negative binomial) and criterion, by label."""

    structure: Structure
    fits: dict[str, MLFit]
    criteria: dict[str, float]

    @property
    def chosen(self) -> MLFit:
        return next(f for f in self.fits.values() if f.structure == self.structure)


def _line(series: Series) -> tuple[float, float]:
    """Intercept (at day 0) and slope per day of a least-squares line through the daily rates."""
    rate = series.y / series.n
    mid = series.starts + (series.n - 1) / 2.0
    if rate.size < 3:
        return float(rate.mean()), 0.0
    slope, intercept = np.polyfit(mid, rate, 1)
    return float(intercept), float(slope)


def candidate_periods(series: Series) -> tuple[list[tuple[float, tuple[float, float]]], int]:
    """Candidate seasonal periods (days) with the range the search may refine them in.

    Also returns how many frequencies were searched.
    """
    from scipy import signal

    n = series.y.size
    intercept, slope = _line(series)
    mid = series.starts + (series.n - 1) / 2.0
    trend = intercept + slope * mid
    if n < 2 * MIN_CYCLES or np.any(trend <= 0) or not np.any(series.y):
        return [], 0
    ratio = series.y / series.n / trend - 1.0
    freqs, power = signal.periodogram(ratio, detrend="constant")
    days = float(series.n.mean())
    peaks, searched = [], 0
    for k in range(1, power.size):
        if freqs[k] <= 0 or 1.0 / freqs[k] > n / MIN_CYCLES or 1.0 / freqs[k] < 2.0:
            continue
        searched += 1
        left = power[k - 1] if k > 1 else -np.inf
        right = power[k + 1] if k + 1 < power.size else -np.inf
        if power[k] >= left and power[k] >= right and power[k] > 0:
            peaks.append((power[k], k))
    out = []
    for _, k in sorted(peaks, reverse=True)[:CANDIDATES]:
        step = freqs[1] - freqs[0]
        low = days / (freqs[k] + step / 2.0)
        high = days / max(freqs[k] - step / 2.0, step / 2.0)
        out.append((days / freqs[k], (max(low, 2.0 * days), high)))
    return out, searched


def stl_start(series: Series, period: float) -> dict:
    """Starting parameters with a cycle of ``period`` days, from a robust STL decomposition."""
    from statsmodels.tsa.seasonal import STL

    rate = series.y / series.n
    steps = max(int(round(period / float(series.n.mean()))), 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        parts = STL(rate.astype(float), period=steps, robust=True).fit(outer_iter=3)
    mid = series.starts + (series.n - 1) / 2.0
    slope, intercept = np.polyfit(mid, parts.trend, 1)
    level = np.maximum(intercept + slope * mid, 1e-9)
    x = 2.0 * math.pi * mid / period
    design = np.column_stack([np.sin(x), np.cos(x)])
    (u, v), *_ = np.linalg.lstsq(design, parts.seasonal / level, rcond=None)
    base = max(float(intercept), 0.05 * float(rate.mean()), 1e-3)
    return {
        "base": base,
        "trend": float(slope) / base,
        "amplitude": min(math.hypot(u, v), 0.9),
        "phase": (math.atan2(v, u) * period / (2.0 * math.pi)) % period,
        "period": period,
    }


def choose_structure(series: Series) -> Choice:
    """Fit the four mean paths and keep the lowest criterion (rule 3 of the module docstring)."""
    nb = FAMILIES["negative_binomial"]
    intercept, slope = _line(series)
    mean = max(float(np.sum(series.y)) / series.days, 1e-3)
    flat = {"base": mean}
    sloped = {"base": max(intercept, 0.05 * mean), "trend": slope / max(intercept, 0.05 * mean)}
    fits = {
        "level": fit_ml(series, nb, Structure(), flat),
        "trend": fit_ml(series, nb, Structure(trend=True), sloped),
    }
    best_season = None
    candidates, searched = candidate_periods(series)
    for period, bounds in candidates:
        start = stl_start(series, period)
        fit = fit_ml(series, nb, Structure(trend=True, period=period, period_bounds=bounds), start)
        if best_season is None or fit.nll < best_season[0].nll:
            best_season = (fit, start, bounds)
    if best_season is not None:
        fit, start, bounds = best_season
        fits["trend+season"] = fit
        no_trend = {k: v for k, v in fit.params.items() if k != "trend"}
        fits["season"] = fit_ml(
            series, nb, Structure(period=fit.params["period"], period_bounds=bounds), no_trend
        )
    price = 2.0 * math.log(max(searched, 1))
    criteria = {k: f.bic + (price if f.structure.season else 0.0) for k, f in fits.items()}
    best = min(criteria, key=criteria.get)
    return Choice(structure=fits[best].structure, fits=fits, criteria=criteria)
