"""Continuous review: lower a one-node model to the event-driven kernel, run it, build the cube.

Semantics (DESIGN.md section 1 says only that this is a separate kernel):

- ``Poisson(mean=lam)`` demand is a Poisson process of ``lam`` customer
  arrivals per day; with a mean path, day ``t`` has rate ``mean_t`` on
  ``[t, t + 1)``. Each customer asks for one unit, or for a ``batch`` drawn
  per customer. A customer takes what is on hand; the rest is backordered
  (served first from later deliveries) or lost.
- The policy is reviewed at time 0 and after every customer arrival and every
  delivery: if the inventory position ``on hand + on order - backorders`` is
  ``<= s`` and fewer than ``max_outstanding`` orders are outstanding, it orders
  ``S - position`` ((s, S); base-stock is ``s = S - 1``) or the smallest
  multiple of ``Q`` that lifts the position above ``r`` ((r, Q)). A zero lead
  time delivers at once.
- Lead times are real numbers of days: fixed, ``Uniform``, ``Exponential``,
  ``Gamma``, ``Normal`` truncated at 0 (not rounded), or whole days from
  ``UniformInt``, ``Poisson`` or ``Empirical``. Orders may cross.
- Event times live on a grid of 2**-32 day (about 20 microseconds): arrival
  times and lead times are floored onto it, which makes every area an exact
  integer and the results independent of how the kernel groups events. Areas
  are summed exactly over blocks of :func:`block_days` days (restarting at the
  warm-up), then added in unit-days to float64 totals.
- Accounting covers ``[warmup, periods)``: on hand, backorders and on hand
  above capacity are integrated over time (unit-days) and reported per day, so
  ``on_hand`` and ``backorders`` are time averages; ``fill_rate`` is the share
  of units served from stock at the customer's arrival; ``cycle_service`` is
  the share of days on which every customer was served in full on arrival.
- Random numbers: day ``t``'s arrival times come from key ``(seed,
  STREAM_ARRIVALS, rep, node, t)``, its batch sizes from ``STREAM_BATCH``, and
  an order's lead time from ``STREAM_LEAD_TIME`` keyed by the customer arrival
  after which the order is placed (see :mod:`fasttwin.kernels.continuous`).
  Every policy point sees the same customers, and results are bit-identical
  for any thread count and grid or replication chunking.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from fasttwin.grid import PolicyGrid
from fasttwin.model.distributions import (
    Distribution,
    Empirical,
    Exponential,
    Gamma,
    Normal,
    Uniform,
    UniformInt,
)
from fasttwin.model.network import Model

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
    from fasttwin.lower import lead_time_pmf, make_table

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
    from fasttwin.lower import lead_time_pmf

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


def lower_batch(batch: Distribution | None) -> tuple[int, np.ndarray, np.ndarray]:
    """``(length, cdf, guide)`` of the batch-size table; length 0 means unit demand."""
    from fasttwin.lower import make_table

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


def continuous_sums(model: Model, pol, run, parallel: bool) -> np.ndarray:
    """Run the kernel on the valid points: float64 sums ``(N_SUMS, points, reps)``."""
    from fasttwin.kernels.continuous import continuous_single_kernel
    from fasttwin.kernels.layout import N_SUMS
    from fasttwin.parallel import over_rep_blocks
    from fasttwin.simulate import UNLIMITED

    node = model.nodes[0]
    rates = np.ascontiguousarray(node.demand.mean_path(run.periods), dtype=np.float64)
    b_len, b_cdf, b_guide = lower_batch(node.batch)
    lead = lower_lead_time(node.lead_time)
    v = pol.valid
    kernel = continuous_single_kernel(pol.kind == "rQ")

    def replications(first: int, reps: int) -> np.ndarray:
        out = np.zeros((N_SUMS, int(v.sum()), reps))
        kernel(
            run.seed,
            0,
            first,
            reps,
            run.periods,
            run.warmup,
            np.ascontiguousarray(pol.reorder[v]),
            np.ascontiguousarray(pol.up_to[v]),
            np.ascontiguousarray(pol.quantity[v]),
            np.ascontiguousarray(pol.initial[v]),
            UNLIMITED if node.max_outstanding is None else node.max_outstanding,
            int(node.lost_sales),
            UNLIMITED if node.capacity is None else node.capacity,
            rates,
            block_days(model, run.periods),
            b_len,
            b_cdf,
            b_guide,
            *lead.arrays(),
            out,
        )
        return out

    return over_rep_blocks(replications, run.rep0, run.reps, parallel)


#: (levels + a block's demand) x block days stays below this, so that a block's
#: areas in unit-ticks (2**32 ticks a day) fit in int64.
MAX_UNITS = 2**30
#: Blocks hold about this many customers (more days for slow movers).
BLOCK_CUSTOMERS = 256
MAX_BLOCK_DAYS = 32


def block_days(model: Model, periods: int) -> int:
    """Days per block: areas are exact integers within a block (a function of the model only).

    Examples
    --------
    >>> import fasttwin as ft
    >>> block_days(ft.single_node(demand=ft.Poisson(20.0), review="continuous"), 365)
    12
    """
    node = model.nodes[0]
    daily = float(node.demand.mean_path(periods).max()) * _largest_batch(node)
    if daily <= 0:
        return MAX_BLOCK_DAYS
    return int(min(MAX_BLOCK_DAYS, max(1, BLOCK_CUSTOMERS // math.ceil(daily))))


def _largest_batch(node) -> int:
    return 1 if node.batch is None else len(lower_batch(node.batch)[1]) - 1


def _check_grid(grid: PolicyGrid) -> None:
    params = {a.param for a in grid.axes} | {p for _, p, _ in grid.fixed}
    if "review_period" in params:
        raise ValueError(
            "policy: review_period does not apply to continuous review (the policy is "
            "reviewed after every event); leave it out of the grid"
        )


def _check_limits(model: Model, pol, run) -> None:
    """Refuse sizes whose unit-tick areas could overflow int64, naming the field."""
    node = model.nodes[0]
    block = block_days(model, run.periods)
    room = MAX_UNITS // block
    daily = float(node.demand.mean_path(run.periods).max()) * _largest_batch(node)
    # A block's demand, with room for Poisson fluctuations.
    block_demand = 4 * block * daily + 64
    if block_demand >= room // 2:
        raise ValueError(
            f"demand: continuous review simulates every customer; a day's demand "
            f"(mean x largest batch = {daily:g}) must stay below {room // 8 / block:g}"
        )
    v = pol.valid
    top = max(
        int(pol.up_to[v].max()),
        int((pol.reorder[v] + pol.quantity[v]).max()),
        int(pol.initial[v].max()),
        int(-pol.reorder[v].min()),
    )
    if top + block_demand >= room:
        raise ValueError(
            f"policy: continuous review needs |reorder_point|, order_up_to, reorder_point + "
            f"order_quantity and initial_inventory below {int(room - block_demand)} for "
            f"this demand, got {top}"
        )
    total = float(node.demand.mean_path(run.periods).sum()) * _largest_batch(node)
    if not node.lost_sales and top + 2 * total + block_demand >= room:
        # Backorders are bounded by the demand of the whole run.
        raise ValueError(
            f"periods: with backorders, continuous review needs the run's demand (mean x "
            f"largest batch = {total:g}) below {int((room - top - block_demand) // 2)}; "
            "simulate fewer days"
        )
    if run.periods >= MAX_UNITS:
        raise ValueError(f"periods must be below {MAX_UNITS} for continuous review")


def simulate_continuous(model: Model, models, scenarios, grid: PolicyGrid, run, parallel: bool):
    """The cube of a continuous-review model; called by :func:`fasttwin.simulate`.

    Examples
    --------
    >>> import fasttwin as ft
    >>> model = ft.single_node(demand=ft.Poisson(mean=4.0), lead_time=ft.Uniform(1.0, 2.0),
    ...                        review="continuous", holding_cost=1.0, backorder_cost=5.0)
    >>> ds = ft.simulate(model, {"reorder_point": [4, 8], "order_up_to": 20},
    ...                  reps=10, periods=60, warmup=10, seed=1)
    >>> ds["cost"].dims, bool((ds["fill_rate"] <= 1).all())
    (('reorder_point', 'rep'), True)
    """
    from fasttwin.cube import build_dataset, provenance
    from fasttwin.simulate import one_node_parts
    from fasttwin.variables import CONTINUOUS_DESCRIPTIONS

    _check_grid(grid)
    valid, values, names, spec = one_node_parts(
        model,
        models,
        scenarios,
        grid,
        run,
        lambda m, pol: continuous_sums(m, pol, run, parallel),
        check=lambda m, pol: _check_limits(m, pol, run),
    )
    attrs = provenance(model, spec)
    attrs["rng"] += (
        "; continuous review: arrivals keyed per day (STREAM_ARRIVALS), batch sizes per day "
        "(STREAM_BATCH), lead times per (day, index of the customer arrival after which the "
        "order is placed) (STREAM_LEAD_TIME); event times on a grid of 2**-32 day"
    )
    ds = build_dataset(grid, valid, values, run.rep0, attrs, scenarios=names)
    for var, text in CONTINUOUS_DESCRIPTIONS.items():
        ds[var].attrs["description"] = text
    return ds
