"""Student-t confidence intervals across replications.

Replications are independent and identically distributed, so a variable's
mean over ``n`` replications has the interval ``mean ± t(1-α/2, n-1) · sd/√n``.
Missing values (NaN) are left out; fewer than two values give no interval
(NaN). Nothing here warns on empty or single-value inputs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def t_multiplier(n, confidence: float = 0.95) -> np.ndarray:
    """``t(1 - (1 - confidence)/2, n - 1)``; NaN where ``n < 2``.

    Examples
    --------
    >>> round(float(t_multiplier(2)), 9)
    12.706204736
    """
    from scipy import stats

    n = np.asarray(n, dtype=np.float64)
    df = np.where(n >= 2, n - 1, np.nan)
    return stats.t.ppf(0.5 + confidence / 2, df)


def moments(x: np.ndarray, axis: int = -1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(count, mean, sample sd)`` of the finite values along ``axis``."""
    x = np.asarray(x, dtype=np.float64)
    finite = np.isfinite(x)
    n = finite.sum(axis=axis)
    total = np.where(finite, x, 0.0).sum(axis=axis)
    mean = np.divide(total, n, out=np.full(n.shape, np.nan), where=n > 0)
    dev = np.where(finite, x - np.expand_dims(mean, axis), 0.0)
    ss = (dev * dev).sum(axis=axis)
    var = np.divide(ss, n - 1, out=np.full(n.shape, np.nan), where=n > 1)
    return n, mean, np.sqrt(var)


@dataclass(frozen=True)
class Estimate:
    """A mean across replications with its standard error and confidence interval."""

    mean: float
    se: float
    low: float
    high: float
    n: int
    confidence: float = 0.95

    @property
    def halfwidth(self) -> float:
        return (self.high - self.low) / 2

    def __str__(self) -> str:
        pct = f"{100 * self.confidence:g}%"
        return f"{self.mean:.6g} ({pct} CI {self.low:.6g} to {self.high:.6g}, n={self.n})"


def estimates(x: np.ndarray, confidence: float = 0.95, axis: int = -1) -> dict[str, np.ndarray]:
    """Arrays ``n, mean, se, low, high`` along ``axis`` (replications).

    Examples
    --------
    >>> e = estimates(np.array([[1.0, 3.0], [2.0, np.nan]]))
    >>> e["mean"].tolist(), e["se"].tolist(), e["n"].tolist()
    ([2.0, 2.0], [1.0, nan], [2, 1])
    >>> [round(float(v), 6) for v in (e["low"][0], e["high"][0])]
    [-10.706205, 14.706205]
    """
    n, mean, sd = moments(x, axis)
    se = np.divide(sd, np.sqrt(n), out=np.full(n.shape, np.nan), where=n > 0)
    hw = t_multiplier(n, confidence) * se
    return {"n": n, "mean": mean, "se": se, "low": mean - hw, "high": mean + hw}
