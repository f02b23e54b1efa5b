"""Refuse periodic-review runs whose 64-bit integer sums could overflow.

The kernels add, per node and replication, each day's stock, backorders,
demand and order quantities over the run. Stock is bounded by the policy's
levels; backorders and order quantities by the levels plus the demand so far
(a node that is never resupplied owes everything it was asked for). So every
sum stays below ``periods x (levels + periods x daily demand)``, and the run is
refused when that bound exceeds :data:`SUM_LIMIT`. A day's demand is bounded
by its largest mean over the run plus 20 standard deviations, a value no draw
reaches in practice. Continuous review has its own, tighter checks
(:mod:`fasttwin.engine.continuous`).
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
from fasttwin.model.limits import MAX_UNITS
from fasttwin.model.network import Model
from fasttwin.plan.grid import PolicyGrid

#: Largest bound on a kernel sum accepted (half the int64 range, for headroom).
SUM_LIMIT = 2**62
#: Standard deviations above the mean that bound a day's demand.
SPREAD = 20.0


def daily_demand_bound(demand: Distribution | None, periods: int) -> float:
    """A day's demand that no draw exceeds in practice, over ``periods`` days.

    Examples
    --------
    >>> import fasttwin as ft
    >>> round(daily_demand_bound(ft.Poisson(100.0, multiplier=2.0), 10))  # 200 + 20 sd + 20
    503
    >>> daily_demand_bound(ft.Trace([3, 9], mode="bootstrap", multiplier=1.5), 10)
    13.5
    """
    if demand is None:
        return 0.0
    if isinstance(demand, Trace):
        return max(demand.values) * float(demand.path_factor(periods).max())
    if isinstance(demand, UniformInt):
        return float(demand.high)
    if isinstance(demand, Empirical):
        return float(max(demand.values))
    peak = float(demand.mean_path(periods).max())
    if isinstance(demand, Poisson):
        return peak + SPREAD * math.sqrt(peak) + SPREAD
    if isinstance(demand, NegativeBinomial):
        return peak + SPREAD * math.sqrt(peak + peak**2 / demand.size) + SPREAD
    if isinstance(demand, Normal):
        return peak + SPREAD * demand.std
    if isinstance(demand, Gamma):
        # Gamma keeps its shape along the mean path: the spread grows with the mean,
        # and its right tail is long, hence twice the allowance.
        return peak * (1.0 + 2 * SPREAD * demand.std / demand.mean)
    raise ValueError(f"demand: unsupported distribution {type(demand).__name__}")


def largest(grid: PolicyGrid, node: str, param: str, default) -> int:
    """The largest magnitude ``node.param`` takes on the grid (0 when never set)."""
    for axis in grid.axes:
        if axis.node == node and axis.param == param:
            return int(np.max(np.abs(np.asarray(axis.values, dtype=np.float64))))
    for n, p, value in grid.fixed:
        if n == node and p == param:
            return abs(int(value))
    return 0 if default is None else abs(int(default))


def check_sums(models: list[Model], grid: PolicyGrid, periods: int) -> None:
    """Refuse a run (one model per scenario) whose integer sums could overflow int64.

    Examples
    --------
    >>> import fasttwin as ft
    >>> from fasttwin.plan.grid import resolve_policy
    >>> m = ft.single_node(demand=ft.Poisson(1e9), lead_time=1)
    >>> check_sums([m], resolve_policy(m, {"order_up_to": [10**12]}), 100_000)
    Traceback (most recent call last):
    ...
    ValueError: the run is too large for exact 64-bit sums: periods (100000) x (stock levels ...
    """
    for model in models:
        if model.review == "continuous":
            continue
        levels = 0.0
        demand = 0.0
        for node in model.nodes:
            where = f"node {node.name!r}"
            day = daily_demand_bound(node.demand, periods)
            if day > MAX_UNITS:
                raise ValueError(
                    f"{where}: a day's demand can reach about {day:.3g} units (its mean path: "
                    f"mean x multiplier x seasonality x trend x events, plus its spread); "
                    f"fasttwin allows at most {MAX_UNITS:,} units a day"
                )
            demand += day
            levels += sum(
                largest(grid, node.name, param, getattr(node, param))
                for param in ("reorder_point", "order_up_to", "order_quantity")
            )
            levels += 0 if node.initial_inventory is None else node.initial_inventory
        bound = float(periods) * (levels + float(periods) * demand)
        if bound > SUM_LIMIT:
            raise ValueError(
                f"the run is too large for exact 64-bit sums: periods ({periods}) x (stock "
                f"levels ({levels:.3g}) + periods x daily demand ({demand:.3g})) = "
                f"{bound:.3g} > 2**62 = {float(SUM_LIMIT):.2g}; simulate fewer periods, or "
                "count demand in larger units (e.g. cases, not items)"
            )
