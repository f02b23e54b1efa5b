"""The model's demand families as seen in a history: laws of a period's total.

The twin draws whole units each day (:mod:`fasttwin.model.distributions`):
Poisson, negative binomial (its ``size`` kept along the mean path), normal
``round(max(0, x))`` (its standard deviation kept) and gamma rounded (its
shape kept). A history records a period's total over ``n`` days (``n = 1``
for a daily history) with mean ``m`` (the sum of the daily means). Summing
``n`` independent days of each family gives:

- Poisson: Poisson(m), exactly;
- negative binomial of daily size ``k``: negative binomial of size ``n k``
  (exact when the daily mean is constant within the period);
- gamma of daily shape ``a``: gamma of shape ``n a``, rounded;
- normal of daily standard deviation ``s``: normal of standard deviation
  ``s sqrt(n)``, clipped at 0 and rounded.

The last two ignore each day's rounding and clipping inside a period (the
sum of rounded days is not the rounded sum); for daily histories they are
exact. Normal and gamma totals are whole numbers ``y`` with probability
``F(y + 1/2) - F(y - 1/2)`` (``F(1/2)`` for ``y = 0``, which takes the
normal's negative mass), so every family has a probability mass function on
whole units and their likelihoods (and AICs) compare.
"""

from __future__ import annotations

import math

import numpy as np

from fasttwin.model.distributions import Distribution, Gamma, NegativeBinomial, Normal, Poisson

#: Smallest probability a likelihood term may take (keeps logs finite).
_TINY = 1e-300


def _log_interval(cdf_lo, cdf_hi, sf_lo, sf_hi) -> np.ndarray:
    """``log(F(hi) - F(lo))``, taken from the upper tail where the lower one loses digits."""
    d = np.where(cdf_lo > 0.5, sf_lo - sf_hi, cdf_hi - cdf_lo)
    return np.log(np.maximum(d, _TINY))


#: Above this many units a day, rounding no longer moves the mean (see _rounded_mean).
_ROUNDING_LIMIT = 5000


def _rounded_mean(family, mu, spread) -> np.ndarray:
    """``E[Y] = sum over y >= 0 of P(Y > y)`` for the rounded (and clipped) daily demand ``Y``.

    Rounding moves the mean when the density is not smooth on the scale of
    one unit (a gamma of small shape, a normal near 0). Beyond
    ``_ROUNDING_LIMIT`` units the continuous mean is used (clipped at 0 for
    the normal): the density is then smooth on that scale and the two agree.
    """
    mu = np.asarray(mu, dtype=float)
    if mu.size == 0:
        return mu
    top = int(np.ceil(mu.max() + 12.0 * family.daily_std(float(mu.max()), spread) + 10.0))
    if top > _ROUNDING_LIMIT:
        if isinstance(family, NormalFamily):
            from scipy import special

            z = mu / spread
            return mu * special.ndtr(z) + spread * np.exp(-0.5 * z**2) / math.sqrt(2 * math.pi)
        return mu
    y = np.arange(top + 1, dtype=float)
    flat = mu.reshape(-1, 1)
    tail = 1.0 - family.cdf(y[None, :], np.maximum(flat, 1e-300), 1.0, spread)
    return np.where(flat[:, 0] > 0, tail.sum(axis=1), 0.0).reshape(mu.shape)


class Family:
    """One family: its likelihood of period totals, its draws, its model object."""

    #: The model's ``dist`` name.
    kind = ""
    #: Name of the spread parameter (``None``: the mean fixes the spread).
    spread: str | None = None

    def logpmf(self, y, m, n, spread) -> np.ndarray:
        """Log-probability of totals ``y`` of periods of ``n`` days with mean ``m``."""
        raise NotImplementedError

    def cdf(self, y, m, n, spread) -> np.ndarray:
        """``P(total <= y)`` (``y = -1`` gives 0)."""
        raise NotImplementedError

    def draw(self, rng: np.random.Generator, mu, spread) -> np.ndarray:
        """Daily draws with daily means ``mu``, as the twin makes them."""
        raise NotImplementedError

    def expected(self, mu, spread) -> np.ndarray:
        """Expected daily demand (whole units, as drawn) at daily means ``mu``."""
        return np.asarray(mu, dtype=float)

    def spread_start(self, y, m, n) -> float:
        """A moment estimate of the spread parameter, to start the likelihood search."""
        raise NotImplementedError

    def distribution(self, mean: float, spread, **path) -> Distribution:
        """The model's distribution with base mean ``mean`` and mean-path fields ``path``."""
        raise NotImplementedError

    def daily_std(self, mean: float, spread) -> float:
        """Standard deviation of one day's demand at daily mean ``mean`` (before rounding)."""
        raise NotImplementedError


class PoissonFamily(Family):
    """Poisson: variance = mean."""

    kind = "poisson"

    def logpmf(self, y, m, n, spread):
        from scipy import special

        return special.xlogy(y, m) - m - special.gammaln(y + 1.0)

    def cdf(self, y, m, n, spread):
        from scipy import special

        return np.where(y < 0, 0.0, special.pdtr(np.maximum(y, 0), m))

    def draw(self, rng, mu, spread):
        return rng.poisson(mu)

    def spread_start(self, y, m, n):
        return math.nan

    def distribution(self, mean, spread, **path):
        return Poisson(mean=float(mean), **path)

    def daily_std(self, mean, spread):
        return math.sqrt(mean)


class NegativeBinomialFamily(Family):
    """Negative binomial with daily ``size`` k: variance = mean + mean² / k."""

    kind = "negative_binomial"
    spread = "size"

    def logpmf(self, y, m, n, spread):
        from scipy import special

        size = n * spread
        return (
            special.gammaln(y + size)
            - special.gammaln(size)
            - special.gammaln(y + 1.0)
            + size * np.log(size / (size + m))
            + special.xlogy(y, m / (size + m))
        )

    def cdf(self, y, m, n, spread):
        from scipy import special

        size = n * spread
        p = size / (size + m)
        return np.where(y < 0, 0.0, special.betainc(size, np.maximum(y, 0) + 1.0, p))

    def draw(self, rng, mu, spread):
        return rng.negative_binomial(spread, spread / (spread + mu))

    def spread_start(self, y, m, n):
        excess = float(np.sum((y - m) ** 2 - m))
        return float(np.sum(m**2 / n)) / excess if excess > 0 else 1e4

    def distribution(self, mean, spread, **path):
        return NegativeBinomial(mean=float(mean), std=math.sqrt(mean + mean**2 / spread), **path)

    def daily_std(self, mean, spread):
        return math.sqrt(mean + mean**2 / spread)


class NormalFamily(Family):
    """Normal with daily standard deviation ``std``, clipped at 0 and rounded."""

    kind = "normal"
    spread = "std"

    def _z(self, y, m, n, spread):
        s = spread * np.sqrt(n)
        hi = (y + 0.5 - m) / s
        lo = np.where(y > 0, (y - 0.5 - m) / s, -np.inf)
        return lo, hi

    def logpmf(self, y, m, n, spread):
        from scipy import special

        lo, hi = self._z(y, m, n, spread)
        ndtr = special.ndtr
        return _log_interval(ndtr(lo), ndtr(hi), ndtr(-lo), ndtr(-hi))

    def cdf(self, y, m, n, spread):
        from scipy import special

        return np.where(y < 0, 0.0, special.ndtr(self._z(y, m, n, spread)[1]))

    def draw(self, rng, mu, spread):
        return np.rint(np.maximum(rng.normal(mu, spread), 0.0))

    def expected(self, mu, spread):
        return _rounded_mean(self, mu, spread)

    def spread_start(self, y, m, n):
        return max(math.sqrt(float(np.sum((y - m) ** 2)) / float(np.sum(n))), 0.5)

    def distribution(self, mean, spread, **path):
        return Normal(mean=float(mean), std=float(spread), **path)

    def daily_std(self, mean, spread):
        return float(spread)


class GammaFamily(Family):
    """Gamma with daily ``shape`` a (coefficient of variation 1/sqrt(a)), rounded."""

    kind = "gamma"
    spread = "shape"

    def _x(self, y, m, n, spread):
        shape = n * spread
        rate = shape / m
        return shape, np.where(y > 0, (y - 0.5) * rate, 0.0), (y + 0.5) * rate

    def logpmf(self, y, m, n, spread):
        from scipy import special

        shape, lo, hi = self._x(y, m, n, spread)
        return _log_interval(
            special.gammainc(shape, lo),
            special.gammainc(shape, hi),
            special.gammaincc(shape, lo),
            special.gammaincc(shape, hi),
        )

    def cdf(self, y, m, n, spread):
        from scipy import special

        shape, _, hi = self._x(y, m, n, spread)
        return np.where(y < 0, 0.0, special.gammainc(shape, np.maximum(hi, 0.0)))

    def draw(self, rng, mu, spread):
        return np.rint(rng.gamma(spread, mu / spread))

    def expected(self, mu, spread):
        return _rounded_mean(self, mu, spread)

    def spread_start(self, y, m, n):
        spread2 = float(np.sum((y - m) ** 2)) / float(np.sum(m**2 / n))
        return 1.0 / max(spread2, 1e-4)

    def distribution(self, mean, spread, **path):
        return Gamma(mean=float(mean), std=float(mean) / math.sqrt(spread), **path)

    def daily_std(self, mean, spread):
        return mean / math.sqrt(spread)


#: The fitted families, by the model's ``dist`` name, in the order the report shows them.
FAMILIES: dict[str, Family] = {
    f.kind: f for f in (PoissonFamily(), NegativeBinomialFamily(), NormalFamily(), GammaFamily())
}
