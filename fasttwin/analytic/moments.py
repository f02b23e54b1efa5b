"""Moments and scipy.stats forms of fasttwin distributions, for the closed forms.

The formulas are textbook ones, so a :class:`~fasttwin.Normal` is taken at its
nominal ``mean`` and ``std`` (as demand the simulator clips it at 0 and rounds
it; as a lead time it truncates it at 0 and, in periodic review, rounds it; the
difference is negligible when the mean is a few standard deviations above 0).
Discrete families (Poisson, negative binomial, uniform, empirical) are exact.
"""

from __future__ import annotations

import math

import numpy as np

from fasttwin.model.distributions import (
    Distribution,
    Empirical,
    Gamma,
    NegativeBinomial,
    Normal,
    Poisson,
    Trace,
    UniformInt,
)
from fasttwin.model.network import Model, Node


def as_scipy(dist):
    """A frozen scipy.stats distribution for a stationary fasttwin distribution.

    A frozen scipy.stats distribution is returned unchanged, and a scipy.stats
    distribution object (``rv_discrete(values=...)``) frozen.

    Examples
    --------
    >>> import fasttwin as ft
    >>> float(as_scipy(ft.Poisson(4.0)).mean())
    4.0
    >>> float(as_scipy(ft.UniformInt(1, 3)).var())
    0.666...
    """
    from scipy import stats

    if isinstance(dist, Distribution):
        if not dist.is_stationary_default():
            raise ValueError(
                f"{type(dist).__name__} demand has a mean path (seasonality, trend, events or a "
                "multiplier); the formula needs a stationary distribution"
            )
        if isinstance(dist, Poisson):
            return stats.poisson(dist.mean)
        if isinstance(dist, Normal):
            if dist.std <= 0:
                raise ValueError(f"Normal.std must be > 0 for this formula, got {dist.std}")
            return stats.norm(dist.mean, dist.std)
        if isinstance(dist, Gamma):
            return stats.gamma(dist.shape, scale=dist.mean / dist.shape)
        if isinstance(dist, NegativeBinomial):
            return stats.nbinom(dist.size, dist.size / (dist.size + dist.mean))
        if isinstance(dist, UniformInt):
            return stats.randint(dist.low, dist.high + 1)
        if isinstance(dist, Empirical):
            pmf = dist.pmf()
            support = np.flatnonzero(pmf > 0)
            return stats.rv_discrete(values=(support, pmf[support])).freeze()
        raise ValueError(f"unsupported distribution {type(dist).__name__}")
    if isinstance(dist, stats.rv_discrete | stats.rv_continuous):
        return dist.freeze()  # e.g. rv_discrete(values=...) or scipy.stats.norm itself
    if is_frozen(dist):
        return dist
    raise ValueError(
        "demand must be a fasttwin distribution (e.g. ft.Normal(50, 8)) or a frozen "
        f"scipy.stats distribution (e.g. scipy.stats.lognorm(0.3, scale=400)), got {dist!r}"
    )


def is_frozen(dist) -> bool:
    """True for a frozen scipy.stats distribution (``scipy.stats.norm(0, 1)``)."""
    return all(hasattr(dist, a) for a in ("dist", "cdf", "ppf", "mean", "std", "support"))


def is_discrete(frozen) -> bool:
    """True when a frozen scipy.stats distribution lives on the integers."""
    from scipy import stats

    return isinstance(frozen.dist, stats.rv_discrete)


def finite_moments(frozen, what: str, need_std: bool = False) -> tuple[float, float]:
    """``(mean, std)`` of a frozen distribution; refuse one without them."""
    mean = float(frozen.mean())
    if not math.isfinite(mean):
        raise ValueError(
            f"{what} has no finite mean (got {mean}); the formula needs a distribution "
            "with a finite mean"
        )
    std = float(frozen.std())
    if need_std and not math.isfinite(std):
        raise ValueError(
            f"{what} has no finite standard deviation (got {std}); the formula needs one"
        )
    return mean, std


def demand_moments(dist: Distribution, periods: int = 365) -> tuple[float, float]:
    """Mean and standard deviation of one day's demand.

    A demand with a mean path (seasonality, trend, events) is summarised over
    ``periods`` days by the law of total variance: the mean of the path, and
    the spread within a day plus the spread of the daily means. That is an
    approximation: the formulas assume i.i.d. days.

    Examples
    --------
    >>> import fasttwin as ft
    >>> demand_moments(ft.Normal(50.0, 8.0))
    (50.0, 8.0)
    >>> demand_moments(ft.Poisson(4.0))
    (4.0, 2.0)
    >>> demand_moments(ft.Poisson(4.0, amplitude=0.5, period=4.0), periods=4)
    (4.0, 2.449...)

    A trace's days are its history's values (replayed over the first
    ``periods`` days, or any of them on any day when bootstrapped), scaled
    by the mean path:

    >>> demand_moments(ft.Trace([0, 4, 0, 8], mode="bootstrap"))
    (3.0, 3.316...)
    """
    if isinstance(dist, Trace):
        values = np.asarray(dist.values)
        if dist.mode == "replay":
            days = min(periods, values.size)
            path = values[:days] * dist.path_factor(days)
            return float(path.mean()), float(path.std())
        factor = dist.path_factor(periods)
        path = values.mean() * factor
        within = values.var() * factor**2
        return float(path.mean()), float(math.sqrt(within.mean() + path.var()))
    if isinstance(dist, UniformInt | Empirical):
        pmf = dist.pmf() if isinstance(dist, Empirical) else _uniform_pmf(dist)
        k = np.arange(pmf.size)
        mean = float(k @ pmf)
        return mean, float(math.sqrt(max(((k - mean) ** 2) @ pmf, 0.0)))
    path = dist.mean_path(periods) if not dist.is_stationary_default() else np.array([dist.mean])
    if isinstance(dist, Poisson):
        within = path
    elif isinstance(dist, Normal):
        within = np.full(path.shape, float(dist.std) ** 2)
    elif isinstance(dist, Gamma):
        within = (dist.std * path / dist.mean) ** 2  # the shape is kept: constant CV
    elif isinstance(dist, NegativeBinomial):
        within = path + path**2 / dist.size
    else:
        raise ValueError(f"unsupported distribution {type(dist).__name__}")
    return float(path.mean()), float(math.sqrt(within.mean() + path.var()))


def _uniform_pmf(dist: UniformInt) -> np.ndarray:
    pmf = np.zeros(dist.high + 1)
    pmf[dist.low :] = 1.0 / (dist.high - dist.low + 1)
    return pmf


def lead_time_moments(lead_time: int | Distribution) -> tuple[float, float]:
    """Mean and standard deviation of the supplier lead time, in days.

    A normal lead time is taken at its nominal ``mean`` and ``std`` (as a
    practitioner would enter it; the simulator reads it truncated at 0 and
    rounded, see :func:`fasttwin.model.lead_times.lead_time_moments`); the
    discrete families are exact, in whole days as periodic review reads them.

    Examples
    --------
    >>> import fasttwin as ft
    >>> lead_time_moments(3)
    (3.0, 0.0)
    >>> lead_time_moments(ft.UniformInt(2, 4))
    (3.0, 0.816...)
    """
    if not isinstance(lead_time, Distribution):
        return float(lead_time), 0.0
    if isinstance(lead_time, Normal):
        return float(lead_time.mean), float(lead_time.std)
    from fasttwin.model.lead_times import lead_time_moments as simulated

    mean, var = simulated(lead_time, whole_days=True)
    return mean, math.sqrt(var)


def single_demand_node(model: Model) -> Node:
    """The node of a one-node model, which must face customer demand."""
    if not isinstance(model, Model):
        raise ValueError(
            f"model must be a fasttwin Model (e.g. ft.single_node(...)), got {model!r}"
        )
    if len(model.nodes) != 1:
        raise ValueError(
            f"the analytic formulas cover one-node models, got {len(model.nodes)} nodes"
        )
    node = model.nodes[0]
    if node.demand is None:
        raise ValueError(f"node {node.name!r} has no customer demand; the formulas need one")
    return node
