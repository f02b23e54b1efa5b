"""Lower a continuous-review node's lead time and batch sizes to kernel arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fasttwin.model.distributions import (
    Distribution,
    Empirical,
    Exponential,
    Gamma,
    Normal,
    Uniform,
    UniformInt,
)
from fasttwin.model.lead_times import lead_time_pmf
from fasttwin.plan.lower import make_table

# Lead-time codes of fasttwin.kernels.continuous (repeated: this module imports no Numba).
FIXED, UNIFORM, EXPONENTIAL, TRUNC_NORMAL, GAMMA, TABLE = range(6)


@dataclass(frozen=True)
class LeadTimeSpec:
    """A lowered lead time: a sampler code, two parameters and a table (``TABLE`` only)."""

    code: int
    p1: float
    p2: float
    cdf: np.ndarray
    guide: np.ndarray

    def arrays(self) -> tuple:
        return (self.code, self.p1, self.p2, self.cdf, self.guide)


def lower_lead_time(lead_time: float | Distribution) -> LeadTimeSpec:
    """Lower a continuous-review lead time (days, real-valued).

    Examples
    --------
    >>> import fasttwin as ft
    >>> lower_lead_time(2.5).code == FIXED, lower_lead_time(ft.Exponential(3.0)).p1
    (True, 3.0)
    >>> spec = lower_lead_time(ft.Gamma(mean=4.0, std=2.0))
    >>> spec.code == GAMMA, spec.p1, spec.p2
    (True, 4.0, 1.0)
    """
    none = (np.ones(1), np.zeros(1, np.int64))
    if not isinstance(lead_time, Distribution):
        return LeadTimeSpec(FIXED, float(lead_time), 0.0, *none)
    if isinstance(lead_time, Uniform):
        if lead_time.low == lead_time.high:
            return LeadTimeSpec(FIXED, float(lead_time.low), 0.0, *none)
        return LeadTimeSpec(UNIFORM, float(lead_time.low), float(lead_time.high), *none)
    if isinstance(lead_time, Exponential):
        return LeadTimeSpec(EXPONENTIAL, float(lead_time.mean), 0.0, *none)
    if isinstance(lead_time, Gamma):
        shape = lead_time.shape
        return LeadTimeSpec(GAMMA, float(shape), float(lead_time.mean / shape), *none)
    if isinstance(lead_time, Normal):
        if lead_time.std == 0:
            return LeadTimeSpec(FIXED, float(max(lead_time.mean, 0.0)), 0.0, *none)
        return LeadTimeSpec(TRUNC_NORMAL, float(lead_time.mean), float(lead_time.std), *none)
    pmf = lead_time_pmf(lead_time)
    support = np.flatnonzero(pmf > 0)
    if support.size == 1:
        return LeadTimeSpec(FIXED, float(support[0]), 0.0, *none)
    table = make_table(pmf)
    return LeadTimeSpec(TABLE, 0.0, 0.0, table.cdf, table.guide)


def lower_batch(batch: Distribution | None) -> tuple[int, np.ndarray, np.ndarray]:
    """``(length, cdf, guide)`` of the batch-size table; length 0 means unit demand."""
    if batch is None:
        return 0, np.ones(1), np.zeros(1, np.int64)
    if isinstance(batch, UniformInt):
        pmf = np.zeros(batch.high + 1)
        pmf[batch.low :] = 1.0
    elif isinstance(batch, Empirical):
        pmf = batch.pmf()
    else:  # Node validation admits nothing else
        raise ValueError(f"batch: unsupported distribution {type(batch).__name__}")
    table = make_table(pmf)
    return int(table.cdf.size), table.cdf, table.guide
