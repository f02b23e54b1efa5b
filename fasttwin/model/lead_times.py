"""Lead-time distributions as the simulators read them: whole days, or real days."""

from __future__ import annotations

import numpy as np

from fasttwin.model.distributions import (
    Distribution,
    Empirical,
    Exponential,
    Gamma,
    Normal,
    Poisson,
    Uniform,
    UniformInt,
)


def lead_time_pmf(lead_time: Distribution) -> np.ndarray:
    """The pmf (on ``0..max``) of a lead-time distribution, in whole days.

    Unbounded families are cut where the tail mass falls below 1e-12 and that
    mass is lumped on the last day kept.
    """
    from scipy import stats

    cut = 1e-12
    if isinstance(lead_time, Poisson):
        top = int(stats.poisson.isf(cut, lead_time.mean)) + 1 if lead_time.mean > 0 else 0
        return stats.poisson.pmf(np.arange(top + 1), lead_time.mean) if top else np.ones(1)
    if isinstance(lead_time, Normal):
        mu, sd = lead_time.mean, lead_time.std
        if sd == 0:
            pmf = np.zeros(int(np.floor(max(mu, 0) + 0.5)) + 1)
            pmf[-1] = 1.0
            return pmf
        top = max(int(np.ceil(mu + sd * stats.norm.isf(cut))), 0)
        edges = np.arange(top + 1) + 0.5
        cdf = stats.norm.cdf((edges - mu) / sd)
        cdf[-1] = 1.0
        return np.diff(np.concatenate([[0.0], cdf]))
    if isinstance(lead_time, UniformInt):
        pmf = np.zeros(lead_time.high + 1)
        pmf[lead_time.low :] = 1.0
        return pmf / pmf.sum()
    if isinstance(lead_time, Empirical):
        return lead_time.pmf()
    raise ValueError(
        f"lead_time: {type(lead_time).__name__} is not a lead-time distribution; "
        "use an integer, UniformInt, Normal (rounded), Poisson or Empirical"
    )


def lead_time_max(lead_time: Distribution) -> float:
    """The longest lead time, in days, that a distribution gives as the simulators read it.

    Whole-day families: the last day of :func:`lead_time_pmf`'s table,
    computed without building it. Real-valued families (continuous review):
    the upper end, or a point beyond which the mass is below 1e-12.

    Examples
    --------
    >>> import fasttwin as ft
    >>> lead_time_max(ft.UniformInt(1, 4)), lead_time_max(ft.Poisson(2.0))
    (4.0, 19.0)
    """
    from scipy import stats

    cut = 1e-12
    if isinstance(lead_time, Poisson):
        return float(stats.poisson.isf(cut, lead_time.mean) + 1) if lead_time.mean > 0 else 0.0
    if isinstance(lead_time, Normal | Gamma):
        return float(max(lead_time.mean + lead_time.std * stats.norm.isf(cut), 0.0))
    if isinstance(lead_time, UniformInt | Uniform):
        return float(lead_time.high)
    if isinstance(lead_time, Empirical):
        return float(max(lead_time.values))
    if isinstance(lead_time, Exponential):
        return float(lead_time.mean * -np.log(cut))
    return float(lead_time.base_mean)


def lead_time_moments(lead_time: float | Distribution) -> tuple[float, float]:
    """Mean and variance (days, days^2) of a lead time as continuous review reads it.

    A normal lead time is truncated at 0, so its mean exceeds ``Normal.mean``.

    Examples
    --------
    >>> import fasttwin as ft
    >>> lead_time_moments(ft.Uniform(1.0, 3.0))
    (2.0, 0.3333333333333333)
    >>> m, v = lead_time_moments(ft.Normal(0.0, 1.0))  # half-normal
    >>> round(m, 4), round(v, 4)
    (0.7979, 0.3634)
    """
    if not isinstance(lead_time, Distribution):
        return float(lead_time), 0.0
    if isinstance(lead_time, Uniform):
        return lead_time.base_mean, (lead_time.high - lead_time.low) ** 2 / 12.0
    if isinstance(lead_time, Exponential):
        return float(lead_time.mean), float(lead_time.mean) ** 2
    if isinstance(lead_time, Gamma):
        return float(lead_time.mean), float(lead_time.std) ** 2
    if isinstance(lead_time, Normal):
        from scipy import stats

        if lead_time.std == 0:
            return float(max(lead_time.mean, 0.0)), 0.0
        a = -lead_time.mean / lead_time.std
        mean, var = stats.truncnorm.stats(a, np.inf, lead_time.mean, lead_time.std, "mv")
        return float(mean), float(var)
    pmf = lead_time_pmf(lead_time)
    k = np.arange(pmf.size)
    mean = float(k @ pmf)
    return mean, float(((k - mean) ** 2) @ pmf)
