"""Lower model objects to the flat arrays the kernels take.

Discrete distributions whose support is small are tabulated (cdf + guide
table) and sampled by inversion; the choice is made day by day, from that
day's distribution only, so changing one day's distribution never changes
another day's draws.
"""

from __future__ import annotations

from dataclasses import dataclass

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
from fasttwin.model.lead_times import lead_time_pmf

# Tables longer than this fall back to rejection samplers (PTRS, gamma-Poisson).
MAX_TABLE = 4096
# Probability mass left beyond a tabulated tail; it is lumped on the last value.
TAIL = 1e-15
# Demand sampler codes (fasttwin.kernels.demand; repeated so that lowering
# imports no Numba).
TABLE, POISSON, NORMAL, GAMMA, NEGBIN, CONSTANT, BOOTSTRAP = range(7)


@dataclass(frozen=True)
class Table:
    """A discrete distribution on ``0..len(cdf)-1`` ready for guide-table inversion."""

    cdf: np.ndarray
    guide: np.ndarray


def make_table(pmf: np.ndarray) -> Table:
    """Cumulative table and guide table of a pmf on ``0..len(pmf)-1``.

    Examples
    --------
    >>> t = make_table(np.array([0.5, 0.25, 0.25]))
    >>> t.cdf.tolist(), t.guide.tolist()
    ([0.5, 0.75, 1.0], [0, 0, 1])
    """
    pmf = np.asarray(pmf, dtype=np.float64)
    last = int(np.flatnonzero(pmf > 0)[-1])
    cdf = np.cumsum(pmf[: last + 1] / pmf.sum())
    cdf[-1] = 1.0
    n = cdf.size
    # guide[j] = smallest k with cdf[k] > j / n
    guide = np.searchsorted(cdf, np.arange(n) / n, side="right").astype(np.int64)
    return Table(cdf=cdf, guide=guide)


def _poisson_pmf(mean: float) -> np.ndarray | None:
    from scipy import stats

    if mean <= 0:
        return np.ones(1)
    top = int(stats.poisson.isf(TAIL, mean)) + 1
    if top + 1 > MAX_TABLE:
        return None
    return stats.poisson.pmf(np.arange(top + 1), mean)


def _negbin_pmf(size: float, mean: float) -> np.ndarray | None:
    from scipy import stats

    if mean <= 0:
        return np.ones(1)
    p = size / (size + mean)
    top = int(stats.nbinom.isf(TAIL, size, p)) + 1
    if top + 1 > MAX_TABLE:
        return None
    return stats.nbinom.pmf(np.arange(top + 1), size, p)


@dataclass(frozen=True)
class DemandPlan:
    """Per-day sampler codes and parameters plus one flat table for all days."""

    code: np.ndarray
    p1: np.ndarray
    p2: np.ndarray
    start: np.ndarray
    length: np.ndarray
    cdf: np.ndarray
    guide: np.ndarray
    mean: np.ndarray  # the day's expected demand, for checks and reports

    def arrays(self) -> tuple:
        return (self.code, self.p1, self.p2, self.start, self.length, self.cdf, self.guide)


def demand_plan(demand: Distribution | None, periods: int) -> DemandPlan:
    """Lower a demand distribution (``None``: no customer demand) over ``periods`` days."""
    code = np.full(periods, CONSTANT, np.int64)
    p1 = np.zeros(periods)
    p2 = np.zeros(periods)
    start = np.zeros(periods, np.int64)
    length = np.ones(periods, np.int64)
    cdfs: list[np.ndarray] = []
    guides: list[np.ndarray] = []
    offsets: dict = {}
    offset = 0

    def tabulate(key, pmf_fn):
        nonlocal offset
        if key not in offsets:
            pmf = pmf_fn()
            if pmf is None:
                offsets[key] = None
            else:
                table = make_table(pmf)
                offsets[key] = (offset, table.cdf.size)
                cdfs.append(table.cdf)
                guides.append(table.guide)
                offset += table.cdf.size
        return offsets[key]

    if demand is None:
        mean = np.zeros(periods)
    elif isinstance(demand, Poisson | NegativeBinomial):
        mean = demand.mean_path(periods)
        for t, m in enumerate(mean):
            if isinstance(demand, Poisson):
                where = tabulate(m, lambda m=m: _poisson_pmf(m))
                fallback = (POISSON, m, 0.0)
            else:
                size = demand.size
                where = tabulate(m, lambda m=m, size=size: _negbin_pmf(size, m))
                fallback = (NEGBIN, size, m)
            if where is None:
                code[t], p1[t], p2[t] = fallback
            else:
                code[t] = TABLE
                start[t], length[t] = where
    elif isinstance(demand, Normal):
        mean = demand.mean_path(periods)
        code[:] = NORMAL
        p1[:] = mean
        p2[:] = demand.std
        mean = _clipped_rounded_normal_mean(mean, demand.std)
    elif isinstance(demand, Gamma):
        mean = demand.mean_path(periods)
        shape = demand.shape
        positive = mean > 0
        code[positive] = GAMMA
        p1[positive] = shape
        p2[positive] = mean[positive] / shape
    elif isinstance(demand, Trace):
        demand.check_periods(periods)
        factor = demand.path_factor(periods)
        history = np.asarray(demand.values)
        if demand.mode == "replay":
            # Deterministic: the kernel reads the day's value as a constant.
            p1[:] = np.floor(history[:periods] * factor + 0.5)
            mean = p1.copy()
        else:
            # Same rounding as the kernel's bootstrap draw: floor(value x factor + 0.5).
            cdfs.append(history)
            guides.append(np.zeros(history.size, np.int64))
            code[:] = BOOTSTRAP
            p1[:] = factor
            p2[:] = demand.block
            length[:] = history.size
            mean = demand.mean_path(periods)
    elif isinstance(demand, UniformInt | Empirical):
        if isinstance(demand, UniformInt):
            pmf = np.zeros(demand.high + 1)
            pmf[demand.low :] = 1.0
        else:
            pmf = demand.pmf()
        table = make_table(pmf)
        cdfs.append(table.cdf)
        guides.append(table.guide)
        code[:] = TABLE
        length[:] = table.cdf.size
        mean = np.full(periods, demand.base_mean)
    else:
        raise ValueError(f"demand: unsupported distribution {type(demand).__name__}")
    cdf = np.concatenate(cdfs) if cdfs else np.ones(1)
    guide = np.concatenate(guides) if guides else np.zeros(1, np.int64)
    return DemandPlan(code, p1, p2, start, length, cdf, guide, np.asarray(mean, float))


def _clipped_rounded_normal_mean(mean: np.ndarray, std: float) -> np.ndarray:
    """Expected demand of round(max(0, N(mean, std))), for reports."""
    if std == 0:
        return np.floor(np.maximum(mean, 0.0) + 0.5)
    from scipy import stats

    z = mean / std
    return mean * stats.norm.cdf(z) + std * stats.norm.pdf(z)


@dataclass(frozen=True)
class LeadTimePlan:
    """A fixed lead time (``length == 0``) or a table on ``0..length-1`` days."""

    fixed: int
    length: int
    cdf: np.ndarray
    guide: np.ndarray

    @property
    def max(self) -> int:
        return self.fixed if self.length == 0 else self.length - 1

    def arrays(self) -> tuple:
        return (self.fixed, self.length, self.cdf, self.guide)


def lead_time_plan(lead_time: int | Distribution) -> LeadTimePlan:
    """Lower a lead time (whole days) for the periodic kernels."""
    if not isinstance(lead_time, Distribution):
        return LeadTimePlan(int(lead_time), 0, np.ones(1), np.zeros(1, np.int64))
    pmf = lead_time_pmf(lead_time)
    support = np.flatnonzero(pmf > 0)
    if support.size == 1:
        return LeadTimePlan(int(support[0]), 0, np.ones(1), np.zeros(1, np.int64))
    table = make_table(pmf)
    return LeadTimePlan(0, int(table.cdf.size), table.cdf, table.guide)
