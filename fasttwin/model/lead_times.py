"""Lead-time distributions as the simulators read them: whole days, or real days.

One rule for a :class:`~fasttwin.Normal` lead time in both kernels: the normal
conditioned on being >= 0 (negative draws are redrawn, so its mean exceeds
``Normal.mean``). Continuous review uses that real number of days; periodic
review rounds it to the nearest whole day (:func:`lead_time_pmf`).
"""

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

    A normal is truncated at 0 and rounded: day ``k`` has the mass of the
    truncated normal on ``[k - 1/2, k + 1/2)``. Unbounded families are cut
    where the tail mass falls below 1e-12 and that mass is lumped on the last
    day kept.

    Examples
    --------
    >>> import fasttwin as ft
    >>> pmf = lead_time_pmf(ft.Normal(1.5, 1.5))
    >>> round(float(pmf @ range(pmf.size)), 3)  # the truncated normal's mean is 1.931
    1.923
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
        truncated = stats.truncnorm(-mu / sd, np.inf, loc=mu, scale=sd)
        top = max(int(np.ceil(truncated.isf(cut))), 0)
        cdf = truncated.cdf(np.arange(top + 1) + 0.5)
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
        "use an integer, UniformInt, Normal (truncated at 0, rounded), Poisson or Empirical"
    )


def lead_time_moments(
    lead_time: float | Distribution, whole_days: bool = False
) -> tuple[float, float]:
    """Mean and variance (days, days^2) of a lead time as the simulator reads it.

    ``whole_days=False``: as continuous review reads it (a normal is truncated
    at 0, so its mean exceeds ``Normal.mean``); ``True``: as periodic review
    does, in whole days (:func:`lead_time_pmf`).

    Examples
    --------
    >>> import fasttwin as ft
    >>> lead_time_moments(ft.Uniform(1.0, 3.0))
    (2.0, 0.3333333333333333)
    >>> m, v = lead_time_moments(ft.Normal(0.0, 1.0))  # half-normal
    >>> round(m, 4), round(v, 4)
    (0.7979, 0.3634)
    >>> m, v = lead_time_moments(ft.Normal(0.0, 1.0), whole_days=True)  # rounded
    >>> round(m, 4), round(v, 4)
    (0.7636, 0.5003)
    """
    if not isinstance(lead_time, Distribution):
        return float(lead_time), 0.0
    if whole_days:
        return _pmf_moments(lead_time_pmf(lead_time))
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
    return _pmf_moments(lead_time_pmf(lead_time))


def _pmf_moments(pmf: np.ndarray) -> tuple[float, float]:
    k = np.arange(pmf.size)
    mean = float(k @ pmf)
    return mean, float(max(((k - mean) ** 2) @ pmf, 0.0))


def normal_lead_time(mean: float, var: float) -> Normal:
    """The :class:`~fasttwin.Normal` lead time with this mean and variance, truncation included.

    A normal truncated at 0 has a coefficient of variation below 1 (the
    exponential is its limit); when ``var >= mean**2`` (or too close to it to
    solve in floating point), or when the truncation is negligible, the normal
    with the nominal ``mean`` and ``var`` is returned.

    Examples
    --------
    >>> import fasttwin as ft
    >>> lead_time_moments(ft.Normal(1.5, 1.5))
    (1.9313999564087..., 1.4167941429973...)
    >>> n = normal_lead_time(*lead_time_moments(ft.Normal(1.5, 1.5)))
    >>> round(n.mean, 9), round(n.std, 9)
    (1.5, 1.5)
    """
    from scipy import optimize, special

    if mean <= 0 or var <= 0:
        raise ValueError(f"a normal lead time needs mean > 0 and var > 0, got {mean}, {var}")

    def hazard(a):  # E[Z | Z >= a] for a standard normal Z
        return np.exp(-0.5 * a * a - 0.5 * np.log(2 * np.pi) - special.log_ndtr(-a))

    def cv2(a):  # squared coefficient of variation of N(-a s, s) truncated at 0
        h = hazard(a)
        return (1 + a * h - h * h) / (h - a) ** 2

    target = var / mean**2
    low, high = -30.0, 30.0
    if not cv2(low) < target < cv2(high):
        return Normal(float(mean), float(np.sqrt(var)))
    a = optimize.brentq(lambda a: cv2(a) - target, low, high, xtol=1e-14)
    scale = mean / (hazard(a) - a)
    return Normal(float(-a * scale), float(scale))
