"""Maximum likelihood of one family with the model's mean path, on a history's periods.

The daily mean is the model's path (:mod:`fasttwin.model.distributions`)::

    mu_t = base x (1 + trend t) x (1 + amplitude sin(2 pi (t + phase) / period))

with ``t`` in days from the first day of the history, clipped at 0. A
period's mean is the sum of its days' means, and its total follows the
family's law of a period (:mod:`fasttwin.demand.families`), so daily,
weekly and monthly histories fit the same daily parameters.

The search (``scipy.optimize``, L-BFGS-B) runs on scaled parameters of
order one: ``log base``, the relative change over the history
``trend x (days - 1)``, ``amplitude`` (0 to 0.99), the phase in cycles,
``log period`` (kept within half a frequency bin of its start) and the log of
the spread. Standard errors come from the inverse of the Hessian of the
negative log-likelihood (``statsmodels.tools.numdiff``) at the optimum, taken
to the model's parameters by the delta method.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from fasttwin.demand.families import Family

#: Bounds of the scaled parameters: amplitude, relative trend, log spread (from its start).
AMPLITUDE_MAX = 0.99
TREND_MIN = -0.99
_LOG_SPREAD_RANGE = 12.0


@dataclass(frozen=True)
class Series:
    """One product's periods: totals ``y`` (whole units) and days ``n`` per period."""

    y: np.ndarray
    n: np.ndarray

    @property
    def starts(self) -> np.ndarray:
        """First day (from the history's first day) of each period."""
        return np.concatenate([[0], np.cumsum(self.n)[:-1]]).astype(np.int64)

    @property
    def days(self) -> int:
        return int(self.n.sum())

    def aggregate(self, daily: np.ndarray) -> np.ndarray:
        """Period sums of a daily array (last axis)."""
        if np.all(self.n == 1):
            return daily
        return np.add.reduceat(daily, self.starts, axis=-1)


@dataclass(frozen=True)
class Structure:
    """Which mean-path terms a fit has; ``period`` is the seasonal period's start (days)."""

    trend: bool = False
    period: float | None = None
    #: Lowest and highest period (days) the search may take.
    period_bounds: tuple[float, float] | None = None

    @property
    def season(self) -> bool:
        return self.period is not None

    def names(self, family: Family) -> list[str]:
        """The model parameters this structure and family fit."""
        out = ["base"]
        if self.trend:
            out.append("trend")
        if self.season:
            out += ["amplitude", "phase", "period"]
        if family.spread is not None:
            out.append(family.spread)
        return out


def mean_path(params: dict, t: np.ndarray) -> np.ndarray:
    """The model's daily mean at days ``t`` (arrays of parameters broadcast against ``t``).

    Examples
    --------
    >>> mean_path({"base": 10.0, "trend": 0.1, "amplitude": 0.5, "phase": 0.0,
    ...            "period": 4.0}, np.arange(3.0))
    array([10. , 16.5, 12. ])
    """
    path = params["base"] * (1.0 + params.get("trend", 0.0) * t)
    if "amplitude" in params:
        angle = 2.0 * math.pi * (t + params["phase"]) / params["period"]
        path = path * (1.0 + params["amplitude"] * np.sin(angle))
    return np.maximum(path, 0.0)


@dataclass(frozen=True)
class MLFit:
    """A maximum-likelihood fit: model parameters, their standard errors and covariance."""

    family: Family
    structure: Structure
    params: dict
    se: dict
    nll: float
    n_obs: int
    #: Scaled parameters at the optimum and their covariance (None if the Hessian is singular).
    scaled: np.ndarray = field(repr=False)
    cov: np.ndarray | None = field(repr=False)
    span: int = 1

    @property
    def k(self) -> int:
        return len(self.params)

    @property
    def aic(self) -> float:
        return 2.0 * self.k + 2.0 * self.nll

    @property
    def bic(self) -> float:
        return self.k * math.log(self.n_obs) + 2.0 * self.nll

    def draw_params(self, rng: np.random.Generator, size: int) -> dict:
        """Parameter sets drawn from the estimate's asymptotic normal law (arrays of ``size``)."""
        if self.cov is None:
            scaled = np.repeat(self.scaled[None, :], size, axis=0)
        else:
            scaled = rng.multivariate_normal(self.scaled, self.cov, size=size, method="eigh")
        return _natural(_clip(scaled, self), self.structure, self.family, self.span)


def _clip(scaled: np.ndarray, fit: MLFit) -> np.ndarray:
    """Keep drawn scaled parameters inside the model's ranges."""
    low, high = zip(*_bounds(fit.structure, fit.family, fit.scaled), strict=True)
    low = np.array([-np.inf if v is None else v for v in low])
    high = np.array([np.inf if v is None else v for v in high])
    names = fit.structure.names(fit.family)
    keep = np.array([n in ("amplitude", "trend") for n in names])
    return np.where(keep, np.clip(scaled, low, high), scaled)


def _natural(x: np.ndarray, structure: Structure, family: Family, span: int) -> dict:
    """Model parameters from scaled ones (last axis of ``x``)."""
    x = np.asarray(x, dtype=float)
    out, i = {"base": np.exp(x[..., 0])}, 1
    if structure.trend:
        out["trend"] = x[..., i] / max(span - 1, 1)
        i += 1
    if structure.season:
        out["amplitude"] = x[..., i]
        out["period"] = np.exp(x[..., i + 2])
        out["phase"] = x[..., i + 1] * out["period"]
        i += 3
    if family.spread is not None:
        out[family.spread] = np.exp(x[..., i])
    return out


def _jacobian(x: np.ndarray, structure: Structure, family: Family, span: int) -> np.ndarray:
    """d(model parameters, in ``structure.names`` order) / d(scaled parameters)."""
    nat = _natural(x, structure, family, span)
    k = x.size
    jac = np.zeros((k, k))
    jac[0, 0] = nat["base"]
    i = 1
    if structure.trend:
        jac[i, i] = 1.0 / max(span - 1, 1)
        i += 1
    if structure.season:
        jac[i, i] = 1.0
        # names order is amplitude, phase, period; scaled order is amplitude, cycles, log period
        jac[i + 1, i + 1] = nat["period"]
        jac[i + 1, i + 2] = nat["phase"]
        jac[i + 2, i + 2] = nat["period"]
        i += 3
    if family.spread is not None:
        jac[i, i] = nat[family.spread]
    return jac


def _bounds(structure: Structure, family: Family, start: np.ndarray) -> list:
    bounds = [(None, None)]
    if structure.trend:
        bounds.append((TREND_MIN, None))
    if structure.season:
        lo, hi = structure.period_bounds
        bounds += [(0.0, AMPLITUDE_MAX), (-1.0, 2.0), (math.log(lo), math.log(hi))]
    if family.spread is not None:
        centre = float(start[-1])
        bounds.append((centre - _LOG_SPREAD_RANGE, centre + _LOG_SPREAD_RANGE))
    return bounds


def _scaled_start(start: dict, structure: Structure, family: Family, span: int) -> np.ndarray:
    x = [math.log(max(start["base"], 1e-6))]
    if structure.trend:
        x.append(min(max(start.get("trend", 0.0) * max(span - 1, 1), TREND_MIN + 0.01), 20.0))
    if structure.season:
        period = min(
            max(start.get("period", structure.period), structure.period_bounds[0]),
            structure.period_bounds[1],
        )
        x += [
            min(max(start.get("amplitude", 0.1), 0.0), AMPLITUDE_MAX),
            (start.get("phase", 0.0) / period) % 1.0,
            math.log(period),
        ]
    if family.spread is not None:
        x.append(math.log(start[family.spread]))
    return np.array(x)


def fit_ml(series: Series, family: Family, structure: Structure, start: dict) -> MLFit:
    """Maximum-likelihood fit of ``family`` with the mean path ``structure``.

    ``start`` holds starting model parameters (``base``, optionally
    ``trend``, ``amplitude``, ``phase``, ``period`` and the spread; a
    missing spread starts at its moment estimate).
    """
    from scipy import optimize
    from statsmodels.tools.numdiff import approx_hess3

    span = series.days
    t = np.arange(span, dtype=float)
    y = series.y
    n = series.n.astype(float)
    start = dict(start)
    if family.spread is not None and not start.get(family.spread, 0) > 0:
        m0 = series.aggregate(mean_path(start, t))
        start[family.spread] = min(max(family.spread_start(y, np.maximum(m0, 1e-9), n), 1e-3), 1e6)

    def nll(x):
        p = _natural(x, structure, family, span)
        m = np.maximum(series.aggregate(mean_path(p, t)), 1e-9)
        value = -float(np.sum(family.logpmf(y, m, n, p.get(family.spread))))
        return value if math.isfinite(value) else 1e300

    x0 = _scaled_start(start, structure, family, span)
    bounds = _bounds(structure, family, x0)
    with warnings.catch_warnings():
        # Trial points far from the optimum may overflow; nll() maps them to a huge value.
        warnings.simplefilter("ignore", RuntimeWarning)
        res = optimize.minimize(nll, x0, method="L-BFGS-B", bounds=bounds)
        if not res.success:
            res = optimize.minimize(
                nll,
                res.x,
                method="Nelder-Mead",
                bounds=bounds,
                options={"maxiter": 4000, "xatol": 1e-7, "fatol": 1e-7},
            )
        x = res.x
        hess = approx_hess3(x, nll)
    cov = _inverse(hess)
    params = {k: float(v) for k, v in _natural(x, structure, family, span).items()}
    names = structure.names(family)
    if cov is None:
        se = dict.fromkeys(names, math.nan)
    else:
        jac = _jacobian(x, structure, family, span)
        se = dict(zip(names, np.sqrt(np.diag(jac @ cov @ jac.T)).tolist(), strict=True))
    return MLFit(
        family=family,
        structure=structure,
        params={k: params[k] for k in names},
        se=se,
        nll=float(res.fun),
        n_obs=int(y.size),
        scaled=x,
        cov=cov,
        span=span,
    )


def _inverse(hess: np.ndarray) -> np.ndarray | None:
    """The covariance (inverse Hessian) when the Hessian is finite and positive definite."""
    if not np.all(np.isfinite(hess)):
        return None
    hess = (hess + hess.T) / 2.0
    values, vectors = np.linalg.eigh(hess)
    if values.min() <= 1e-10 * max(values.max(), 1e-300):
        return None
    return (vectors / values) @ vectors.T
