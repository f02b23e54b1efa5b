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
  of units served from stock at the customer's arrival; ``ready_rate`` is
  the share of days on which every customer was served in full on arrival;
  ``cycle_service`` the share of replenishment cycles (from one delivery
  instant to the next) in which every customer was.
- Random numbers: day ``t``'s arrival times come from key ``(seed,
  STREAM_ARRIVALS, rep, node, t)``, its batch sizes from ``STREAM_BATCH``, and
  an order's lead time from ``STREAM_LEAD_TIME`` keyed by the customer arrival
  after which the order is placed (see :mod:`fasttwin.kernels.continuous`).
  Every policy point sees the same customers, and results are bit-identical
  for any thread count and grid or replication chunking.
"""

from __future__ import annotations

import math

import numpy as np

from fasttwin.model.network import Model
from fasttwin.plan.continuous import lower_batch, lower_lead_time
from fasttwin.plan.grid import PolicyGrid


def continuous_sums(model: Model, pol, run, parallel: bool, sink=None) -> np.ndarray | None:
    """Run the kernel on the valid points: float64 sums ``(N_SUMS, points, reps)``.

    With a ``sink``, each block of replications' sums goes to ``sink(offset,
    sums)`` instead (see :func:`~fasttwin.engine.threads.over_rep_blocks`).
    """
    from fasttwin.engine.threads import over_rep_blocks
    from fasttwin.kernels.continuous import continuous_single_kernel
    from fasttwin.kernels.layout import N_SUMS
    from fasttwin.plan.run import UNLIMITED

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

    rep_bytes = N_SUMS * 8 * int(v.sum())
    return over_rep_blocks(
        replications, run.rep0, run.reps, parallel, sink=sink, rep_bytes=rep_bytes
    )


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
    from fasttwin.cube.build import provenance
    from fasttwin.cube.variables import CONTINUOUS_DESCRIPTIONS
    from fasttwin.engine.single import one_node_cube

    _check_grid(grid)
    cube, spec = one_node_cube(
        model,
        models,
        scenarios,
        grid,
        run,
        lambda m, pol, sink: continuous_sums(m, pol, run, parallel, sink=sink),
        check=lambda m, pol: _check_limits(m, pol, run),
    )
    attrs = provenance(model, spec)
    attrs["rng"] += (
        "; continuous review: arrivals keyed per day (STREAM_ARRIVALS), batch sizes per day "
        "(STREAM_BATCH), lead times per (day, index of the customer arrival after which the "
        "order is placed) (STREAM_LEAD_TIME); event times on a grid of 2**-32 day"
    )
    ds = cube.dataset(run.rep0, attrs)
    for var, text in CONTINUOUS_DESCRIPTIONS.items():
        ds[var].attrs["description"] = text
    return ds
