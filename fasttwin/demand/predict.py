"""Predictive draws of a fitted demand: bands, forecasts and the status flag.

Draws are made as the twin makes demand (:meth:`Family.draw`: whole units
per day), so a band is what :func:`fasttwin.simulate` will see. Each drawn
path first draws the parameters from their estimate's asymptotic normal law
(maximum likelihood: the inverse Hessian), so bands include the
uncertainty of the fit as well as day-to-day noise. A bootstrapped history
(:class:`Bootstrap`) draws circular blocks of the history, as
``Trace(mode="bootstrap")`` does.

**Status flag** (:func:`status`): the fit is repeated without the last four
weeks of the history (the last 28 days of a daily history, the last 4 weeks
of a weekly one, the last month of a monthly one): its mean-path terms are
chosen again, so the window cannot sway them, and the chosen family is
kept. Its predictive law of the window's total demand gives a central
interval at ``level`` (default 99 %): the observed total above the interval
is a **surge**, below it **low velocity**, inside it **normal**. Without at
least twice the window (and 8 periods) before the window, there is no flag.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fasttwin.demand.mle import Series, fit_ml, mean_path
from fasttwin.demand.structure import choose_structure

#: Days in the status window, and the default level of its interval.
WINDOW_DAYS = 28
STATUS_LEVEL = 0.99
#: Fewest periods a fit needs.
MIN_PERIODS = 8


@dataclass(frozen=True)
class Bootstrap:
    """A daily history drawn back in circular blocks of ``block`` days."""

    values: np.ndarray
    block: int = 7


def draw_days(model, days: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """``size`` predictive paths of daily demand on ``days`` (days from the history's first).

    ``days`` must be consecutive. Returns an array ``(size, len(days))``.
    """
    days = np.asarray(days, dtype=np.int64)
    if isinstance(model, Bootstrap):
        n = model.values.size
        blocks = -(-days.size // model.block)
        starts = rng.integers(0, n, size=(size, blocks))
        offsets = np.arange(blocks * model.block) % model.block
        index = (np.repeat(starts, model.block, axis=1) + offsets) % n
        return model.values[index[:, : days.size]]
    params = model.draw_params(rng, size)
    mu = mean_path({k: v[:, None] for k, v in params.items()}, days[None, :].astype(float))
    spread = params.get(model.family.spread)
    return model.family.draw(rng, mu, None if spread is None else spread[:, None])


def period_draws(model, first_day: int, n: np.ndarray, size: int, rng) -> np.ndarray:
    """``size`` predictive draws of the totals of consecutive periods of ``n`` days.

    The periods start on day ``first_day`` (from the history's first day).
    Returns an array ``(size, len(n))``.
    """
    n = np.asarray(n, dtype=np.int64)
    daily = draw_days(model, first_day + np.arange(n.sum()), size, rng)
    return Series(np.zeros(n.size), n).aggregate(daily)


def interval(draws: np.ndarray, level: float, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Central ``level`` interval of draws along ``axis``."""
    alpha = (1.0 - level) / 2.0
    low, high = np.quantile(draws, [alpha, 1.0 - alpha], axis=axis)
    return low, high


@dataclass(frozen=True)
class Status:
    """The status flag of a product and the numbers behind it (module docstring)."""

    flag: str
    window_periods: int
    window_days: int
    observed: float
    expected: float
    lower: float
    upper: float
    level: float

    def describe(self) -> str:
        """One line: the window's demand against the interval the fit expected.

        Examples
        --------
        >>> Status("surge", 4, 28, 900.0, 560.0, 480.0, 640.0, 0.99).describe()
        'surge: 900 in the last 28 days, expected 560 (99% interval 480-640)'
        """
        return (
            f"{self.flag}: {self.observed:.0f} in the last {self.window_days} days, expected "
            f"{self.expected:.0f} ({self.level:.0%} interval {self.lower:.0f}-{self.upper:.0f})"
        )


def window_periods(n: np.ndarray) -> int:
    """Periods in the status window: those that end within the last 28 days (at least one)."""
    ends = np.cumsum(np.asarray(n)[::-1])
    return max(int(np.searchsorted(ends, WINDOW_DAYS, side="right")), 1)


def status(series: Series, model, level: float, size: int, rng) -> Status | None:
    """The status flag of a history under the chosen model (module docstring), or None."""
    w = window_periods(series.n)
    before = series.y.size - w
    if before < max(MIN_PERIODS, 2 * w):
        return None
    head = Series(series.y[:before], series.n[:before])
    if isinstance(model, Bootstrap):
        refit = Bootstrap(model.values[: head.days], model.block)
    else:
        refit = choose_structure(head).chosen
        if refit.family is not model.family:
            start = {k: v for k, v in refit.params.items() if k != "size"}
            refit = fit_ml(head, model.family, refit.structure, start)
    totals = period_draws(refit, head.days, [series.days - head.days], size, rng)[:, 0]
    low, high = (float(v) for v in interval(totals, level))
    observed = float(series.y[before:].sum())
    flag = "surge" if observed > high else "low velocity" if observed < low else "normal"
    return Status(
        flag=flag,
        window_periods=w,
        window_days=int(series.n[before:].sum()),
        observed=observed,
        expected=float(totals.mean()),
        lower=low,
        upper=high,
        level=level,
    )
