"""Fit each product's demand to the model's families: ``fit_history`` and ``fit_series``.

The rules, in order (each module holds the details):

1. Values are rounded to whole units (the twin's unit) and classified by
   Syntetos–Boylan (:mod:`~fasttwin.demand.intermittency`).
2. The mean-path terms (trend, one seasonal sine) are chosen by BIC with the
   negative binomial family (:mod:`~fasttwin.demand.structure`).
3. With those terms, Poisson, negative binomial, normal and gamma are fitted
   by maximum likelihood (:mod:`~fasttwin.demand.mle`; weekly and monthly
   totals through each family's law of a sum of days,
   :mod:`~fasttwin.demand.families`) and the lowest AIC wins.
4. Goodness of fit: the randomized probability integral transform (PIT) of
   each period under each fitted family; a correct model makes it uniform,
   which a Kolmogorov–Smirnov test checks (its p-value is in the report).
5. An intermittent or lumpy *daily* history whose AIC winner fails that test
   at the 1 % level is bootstrapped instead: ``Trace(mode="bootstrap",
   block=7)`` of the history (no trend or season on top). Weekly and monthly
   histories keep the AIC winner (a bootstrap would need days).
6. A history with no demand at all gets ``Poisson(mean=0)``.
7. The status flag and forecasts (:mod:`~fasttwin.demand.predict`).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import zlib
from dataclasses import dataclass, field, replace

import numpy as np

from fasttwin.demand.families import FAMILIES
from fasttwin.demand.intermittency import Intermittency, classify
from fasttwin.demand.mle import MLFit, Series, fit_ml, mean_path
from fasttwin.demand.periods import FREQUENCIES, period_days, period_start
from fasttwin.demand.predict import (
    MIN_PERIODS,
    STATUS_LEVEL,
    Bootstrap,
    Status,
    interval,
    period_draws,
    status,
)
from fasttwin.demand.structure import choose_structure
from fasttwin.model.checks import check_choice, check_number
from fasttwin.model.distributions import Distribution, Poisson, Trace

#: Level of the KS test below which a sparse daily history is bootstrapped (rule 5).
GOF_LEVEL = 0.01
TRACE_BLOCK = 7
ORIGINS = ("forecast", "history")
#: Default forecast horizon in days.
HORIZON_DAYS = 91


@dataclass(frozen=True, eq=False)
class DemandFit:
    """A product's fitted demand: every family's fit, the choice, the status flag.

    ``families`` maps each family's model name (``"poisson"``, ...) to its
    maximum-likelihood fit (:class:`~fasttwin.demand.mle.MLFit`: ``params``,
    ``se``, ``aic``) with the chosen mean-path terms, ``terms`` (``"level"``,
    ``"trend"``, ``"season"`` or ``"trend+season"``); ``structures`` the
    negative binomial fits of each set of terms and ``criteria`` their
    criterion (BIC, plus the price of the period search); ``gof`` the
    KS p-value of each family's PIT. ``family`` is the choice: a family
    name, ``"trace"`` (bootstrapped history) or ``"none"`` (no demand).
    Parameters are those of the model's daily mean path, with ``t = 0`` on
    the first day of the history; :meth:`distribution` moves them.
    """

    product: str
    frequency: str
    start: dt.date | None
    values: np.ndarray = field(repr=False)
    days: np.ndarray = field(repr=False)
    intermittency: Intermittency
    terms: str
    structures: dict = field(repr=False)
    criteria: dict = field(repr=False)
    families: dict = field(repr=False)
    gof: dict = field(repr=False)
    pit: dict = field(repr=False)
    family: str
    status: Status | None
    notes: tuple[str, ...]
    seed: int

    @property
    def series(self) -> Series:
        """The rounded history the fits saw."""
        return Series(np.rint(self.values), self.days)

    @property
    def best(self) -> MLFit | None:
        """The parametric fit with the lowest AIC (None without demand)."""
        if not self.families:
            return None
        return min(self.families.values(), key=lambda f: f.aic)

    @property
    def model(self):
        """What the twin draws from: the best fit, or a :class:`Bootstrap` for a trace."""
        if self.family == "trace":
            return Bootstrap(np.rint(self.values), TRACE_BLOCK)
        return self.best

    def rng(self, stream: int) -> np.random.Generator:
        """A generator keyed by the seed, the product's name and a stream number."""
        return np.random.default_rng([self.seed, zlib.crc32(self.product.encode()), stream])

    def distribution(self, origin: str = "forecast") -> Distribution:
        """The fitted demand as a model distribution.

        ``origin="forecast"``: day 0 is the day after the history (for
        planning ahead); ``"history"``: day 0 is the history's first day (to
        replay the history's span).
        """
        check_choice("origin", origin, ORIGINS)
        if self.family == "none":
            return Poisson(mean=0.0)
        if self.family == "trace":
            return Trace(values=tuple(np.rint(self.values)), mode="bootstrap", block=TRACE_BLOCK)
        fit = self.families[self.family]
        p = dict(fit.params)
        shift = self.series.days if origin == "forecast" else 0
        trend = p.get("trend", 0.0)
        scale = 1.0 + trend * shift
        if scale <= 0:
            return Poisson(mean=0.0)
        path = {}
        if "trend" in p:
            path["trend"] = trend / scale
        if "amplitude" in p:
            path.update(
                amplitude=p["amplitude"],
                period=p["period"],
                phase=(p["phase"] + shift) % p["period"],
            )
        return fit.family.distribution(p["base"] * scale, p.get(fit.family.spread), **path)

    def forecast(self, horizon: int | None = None, level: float = 0.95, samples: int = 2000):
        """Forecast of the next ``horizon`` periods: mean and a central ``level`` interval.

        ``horizon`` counts periods of the history (default: 91 days' worth).
        The mean is the fitted twin's expected demand; the interval holds
        ``level`` of the demand it draws, fit uncertainty included
        (:mod:`~fasttwin.demand.predict`), estimated from ``samples`` draws.

        Returns
        -------
        xarray.Dataset
            ``mean``, ``lower``, ``upper`` over dim ``date`` (first day of
            each period; ``period`` numbers when the history has no dates),
            coordinate ``days``; attributes ``total_mean``, ``total_lower``,
            ``total_upper``: the horizon's total and its interval.
        """
        import xarray as xr

        check_number("level", level, low=0, high=1, low_open=True, high_open=True)
        check_number("samples", samples, low=10, integer=True)
        if horizon is None:
            horizon = max(1, round(HORIZON_DAYS / float(np.mean(self.days))))
        horizon = check_number("horizon", horizon, low=1, integer=True)
        index = np.arange(self.values.size, self.values.size + horizon)
        if self.start is not None:
            first = [period_start(int(i), self.frequency, self.start) for i in index]
            n = np.array([period_days(d, self.frequency) for d in first])
            coord = ("date", np.array(first, dtype="datetime64[ns]"))
        else:
            n = np.full(horizon, int(self.days[-1]))
            coord = ("period", index)
        if self.family == "none":
            draws = np.zeros((1, horizon))
        else:
            draws = period_draws(self.model, self.series.days, n, samples, self.rng(1))
        low, high = interval(draws, level)
        total_low, total_high = interval(draws.sum(axis=1), level)
        dim = coord[0]
        return xr.Dataset(
            {
                "mean": (dim, self.expected_periods(self.series.days, n)),
                "lower": (dim, low),
                "upper": (dim, high),
            },
            coords={dim: coord[1], "days": (dim, n)},
            attrs={
                "level": level,
                "product": self.product,
                "frequency": self.frequency,
                "total_mean": float(self.expected_periods(self.series.days, n).sum()),
                "total_lower": float(total_low),
                "total_upper": float(total_high),
            },
        )

    def history_band(self, level: float = 0.95, samples: int = 2000):
        """Central ``level`` interval of each history period's demand under the fit."""
        if self.family == "none":
            zeros = np.zeros(self.values.size)
            return zeros, zeros
        return interval(period_draws(self.model, 0, self.days, samples, self.rng(2)), level)

    def expected_periods(self, first_day: int, n) -> np.ndarray:
        """The fitted twin's expected demand in periods of ``n`` days from ``first_day`` on.

        Days are counted from the history's first day; the bootstrap's mean
        for a trace.
        """
        n = np.asarray(n, dtype=np.int64)
        if self.family == "none":
            return np.zeros(n.size)
        if self.family == "trace":
            return n * float(np.rint(self.values).mean())
        fit = self.families[self.family]
        t = first_day + np.arange(n.sum(), dtype=float)
        daily = fit.family.expected(mean_path(fit.params, t), fit.params.get(fit.family.spread))
        return Series(np.zeros(n.size), n).aggregate(daily)

    def describe(self) -> str:
        """One line: the model chosen, in the model's terms."""
        if self.family in ("none", "trace"):
            return {"none": "no demand: Poisson(mean=0)", "trace": "bootstrapped history"}[
                self.family
            ]
        p = self.families[self.family].params
        parts = [f"{self.family} base {p['base']:.3g}/day"]
        if self.families[self.family].family.spread:
            name = self.families[self.family].family.spread
            parts.append(f"{name} {p[name]:.3g}")
        if "trend" in p:
            parts.append(f"trend {p['trend'] * 365 * 100:+.1f}%/yr of base")
        if "amplitude" in p:
            parts.append(f"season {p['amplitude']:.0%} every {p['period']:.1f} days")
        return ", ".join(parts)


def _pit(fit: MLFit, series: Series, rng: np.random.Generator) -> np.ndarray:
    """Randomized PIT of each period: ``F(y - 1) + V (F(y) - F(y - 1))``, V uniform."""
    t = np.arange(series.days, dtype=float)
    m = np.maximum(series.aggregate(mean_path(fit.params, t)), 1e-9)
    spread = fit.params.get(fit.family.spread)
    n = series.n.astype(float)
    upper = fit.family.cdf(series.y, m, n, spread)
    lower = fit.family.cdf(series.y - 1.0, m, n, spread)
    return lower + rng.uniform(size=series.y.size) * (upper - lower)


def fit_series(
    values,
    *,
    days=None,
    frequency: str | None = None,
    start: dt.date | None = None,
    product: str = "demand",
    level: float = STATUS_LEVEL,
    seed: int = 0,
) -> DemandFit:
    """Fit one product's history (rules in the module docstring).

    Parameters
    ----------
    values
        Demand of each period, in order, without gaps (>= 8 periods).
    days
        Days in each period (default: 1, a daily history).
    frequency
        ``"daily"``, ``"weekly"`` or ``"monthly"`` (default: daily when
        ``days`` is left out, else from ``days``).
    start
        First day of the history, for the forecast's dates.
    product
        Name, for messages and random streams.
    level
        Level of the status flag's interval.
    seed
        Seed of the goodness-of-fit randomisation and the predictive draws.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> fit = fit_series(rng.poisson(12.0, size=365), product="apples")
    >>> fit.family, round(fit.families["poisson"].params["base"], 1), fit.status.flag
    ('poisson', 11.8, 'normal')
    >>> fit.distribution().mean == fit.families["poisson"].params["base"]
    True
    """
    y = np.asarray(values, dtype=float)
    where = f"product {product!r}"
    if y.ndim != 1 or y.size < MIN_PERIODS:
        raise ValueError(
            f"{where}: a fit needs at least {MIN_PERIODS} periods of history, got {y.size}"
        )
    if not np.all(np.isfinite(y)) or np.any(y < 0):
        raise ValueError(f"{where}: demand values must be finite numbers >= 0")
    n = np.ones(y.size, np.int64) if days is None else np.asarray(days, dtype=np.int64)
    if n.shape != y.shape or np.any(n < 1):
        raise ValueError(f"{where}: days must give one whole number >= 1 per period")
    if frequency is None:
        frequency = "daily" if np.all(n == 1) else "weekly" if np.all(n == 7) else "monthly"
    check_choice("frequency", frequency, FREQUENCIES)
    check_number("level", level, low=0, high=1, low_open=True, high_open=True)
    series = Series(np.rint(y), n)
    notes = []
    if np.any(series.y != y):
        notes.append("values rounded to whole units")
    fit = DemandFit(
        product=product,
        frequency=frequency,
        start=start,
        values=y,
        days=n,
        intermittency=classify(series.y),
        terms="level",
        structures={},
        criteria={},
        families={},
        gof={},
        pit={},
        family="none",
        status=None,
        notes=(),
        seed=seed,
    )
    if not np.any(series.y):
        notes.append("no demand in the history")
        return replace(fit, notes=tuple(notes))
    if importlib.util.find_spec("statsmodels") is None:
        raise ImportError("fitting demand needs statsmodels: pip install 'fasttwin[demand]'")
    choice = choose_structure(series)
    start_params = choice.chosen.params
    families = {}
    for kind, family in FAMILIES.items():
        if kind == "negative_binomial":
            families[kind] = choice.chosen
            continue
        begin = {k: v for k, v in start_params.items() if k != "size"}
        families[kind] = fit_ml(series, family, choice.structure, begin)
    terms = next(k for k, f in choice.fits.items() if f.structure == choice.structure)
    fit = replace(
        fit, terms=terms, structures=choice.fits, criteria=choice.criteria, families=families
    )
    pit = {k: _pit(f, series, fit.rng(0)) for k, f in families.items()}
    gof = {k: _ks_pvalue(u) for k, u in pit.items()}
    best = min(families, key=lambda k: families[k].aic)
    family = best
    if frequency == "daily" and fit.intermittency.sparse and gof[best] < GOF_LEVEL:
        family = "trace"
        notes.append(
            f"{fit.intermittency.kind} demand that no family fits (PIT test p = {gof[best]:.2g}): "
            "the history is bootstrapped"
        )
    fit = replace(fit, pit=pit, gof=gof, family=family)
    flag = status(series, fit.model, level, 4000, fit.rng(3))
    return replace(fit, status=flag, notes=tuple(notes))


def _ks_pvalue(u: np.ndarray) -> float:
    from scipy import stats

    return float(stats.kstest(u, "uniform").pvalue)


def fit_history(history, *, level: float = STATUS_LEVEL, seed: int = 0) -> dict[str, DemandFit]:
    """Fit every product of a history (:func:`~fasttwin.demand.load_history`).

    Returns ``{product: DemandFit}`` in the history's product order. Each
    product is fitted on its own periods (from its first value to the end).

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> rng = np.random.default_rng(2)
    >>> ds = xr.Dataset({"demand": (("product", "date"), rng.poisson([[5.0], [40.0]], (2, 60)))},
    ...                 coords={"product": ["a", "b"], "days": ("date", np.ones(60, int)),
    ...                         "date": np.arange(60).astype("datetime64[D]")},
    ...                 attrs={"frequency": "daily"})
    >>> fits = fit_history(ds)
    >>> [f.family for f in fits.values()]
    ['poisson', 'poisson']
    """
    frequency = history.attrs.get("frequency", "daily")
    days = history["days"].values
    dates = history["date"].values
    out = {}
    for product in history["product"].values:
        row = history["demand"].sel(product=product).values
        present = np.flatnonzero(~np.isnan(row))
        first = int(present[0]) if present.size else row.size
        start = dates[first].astype("datetime64[D]").item() if present.size else None
        out[str(product)] = fit_series(
            row[first:],
            days=days[first:],
            frequency=frequency,
            start=start,
            product=str(product),
            level=level,
            seed=seed,
        )
    return out
