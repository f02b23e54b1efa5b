"""Safety stock and reorder points under demand and lead-time variability.

Demand over a lead time of random length ``L`` (mean ``L``, std ``sL``) with
i.i.d. daily demand (mean ``D``, std ``sD``) has mean ``D L`` and standard
deviation ``sqrt(L sD^2 + D^2 sL^2)`` (root sum of squares). Taking it as
normal, the reorder point ``r = D L + z sigma`` with ``z = Phi^-1(CSL)``
covers a replenishment cycle without stockout with probability ``CSL`` (the
cycle service level), and the expected shortage per cycle is
``sigma G(z)`` with ``G(z) = phi(z) - z (1 - Phi(z))`` the standard normal
loss function; ordering ``Q`` a cycle, the fill rate is ``1 - sigma G(z) / Q``
with backorders and ``Q / (Q + sigma G(z))`` with lost sales.

For a fasttwin model (:func:`formula_policy`) the exposure is the lead time
plus the review period, ``L + R`` days (``R = 1`` for daily review): after a
review that does not order, the next chance comes ``R`` days later and takes
``L`` more to arrive. This is the textbook (R, s, S) reasoning (Silver, Pyke
& Peterson); it ignores the undershoot below ``s`` and orders that cross.
Against the simulator (``benchmarks/bench_analytic.py``) the promises are
conservative for daily review: the true exposure is nearer ``L`` days plus
the undershoot (about half a day's demand), so a 90 % target delivers 95-98 %
of cycles without stockout; covering only ``L`` days would deliver far less.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from fasttwin.model.checks import check_number
from fasttwin.model.network import Model


def _open_unit(name: str, value: float) -> float:
    return check_number(name, value, low=0, high=1, low_open=True, high_open=True)


def lead_time_demand(
    demand_mean: float, demand_std: float, lead_time: float, lead_time_std: float = 0.0
) -> tuple[float, float]:
    """Mean and standard deviation of the demand over a random lead time.

    Examples
    --------
    >>> lead_time_demand(30.0, 3.0, 7.0, 4.0)   # sqrt(7 x 9 + 900 x 16)
    (210.0, 120.262...)
    """
    d = check_number("demand_mean", demand_mean, low=0)
    sd = check_number("demand_std", demand_std, low=0)
    lt = check_number("lead_time", lead_time, low=0)
    slt = check_number("lead_time_std", lead_time_std, low=0)
    return d * lt, math.sqrt(lt * sd**2 + d**2 * slt**2)


def normal_loss(z: float) -> float:
    """``G(z) = E[(Z - z)+]`` for a standard normal ``Z``: ``phi(z) - z (1 - Phi(z))``.

    Examples
    --------
    >>> round(normal_loss(0.0), 4)
    0.3989
    """
    from scipy import stats

    z = check_number("z", z, allow_inf=True)
    if math.isinf(z):
        return 0.0 if z > 0 else math.inf
    return float(stats.norm.pdf(z) - z * stats.norm.sf(z))


@dataclass(frozen=True)
class SafetyStock:
    """Reorder point for a target cycle service level, and what it rests on."""

    cycle_service: float
    z: float
    lead_time_demand_mean: float
    lead_time_demand_std: float
    safety_stock: float
    reorder_point: float


def safety_stock(
    cycle_service: float,
    demand_mean: float,
    demand_std: float,
    lead_time: float,
    lead_time_std: float = 0.0,
) -> SafetyStock:
    """Safety stock ``z sqrt(L sD^2 + D^2 sL^2)`` and reorder point for a target CSL.

    Examples
    --------
    Daily demand N(30, 3), lead time 7 days with std 4 days, 90 %:

    >>> ss = safety_stock(0.90, 30.0, 3.0, 7.0, 4.0)
    >>> round(ss.lead_time_demand_std, 2), round(ss.safety_stock, 1), round(ss.reorder_point, 1)
    (120.26, 154.1, 364.1)
    """
    from scipy import stats

    target = _open_unit("cycle_service", cycle_service)
    mean, std = lead_time_demand(demand_mean, demand_std, lead_time, lead_time_std)
    z = float(stats.norm.ppf(target))
    return SafetyStock(
        cycle_service=target,
        z=z,
        lead_time_demand_mean=mean,
        lead_time_demand_std=std,
        safety_stock=z * std,
        reorder_point=mean + z * std,
    )


def cycle_service(reorder_point: float, lead_time_demand_mean: float, lead_time_demand_std: float):
    """``Phi((r - mean) / std)``: the chance a cycle ends without stockout.

    Examples
    --------
    >>> round(cycle_service(6000, 5000, 2 ** 0.5 * 500), 4)   # Chopra & Meindl Ex. 12-1
    0.9214
    """
    from scipy import stats

    r = check_number("reorder_point", reorder_point)
    mu = check_number("lead_time_demand_mean", lead_time_demand_mean, low=0)
    sigma = check_number("lead_time_demand_std", lead_time_demand_std, low=0, low_open=True)
    return float(stats.norm.cdf((r - mu) / sigma))


def fill_rate(
    reorder_point: float,
    order_quantity: float,
    lead_time_demand_mean: float,
    lead_time_demand_std: float,
    *,
    lost_sales: bool = False,
) -> float:
    """The fill rate a reorder point delivers, by the normal loss function.

    ``1 - ESC / Q`` with backorders, ``Q / (Q + ESC)`` with lost sales, where
    ``ESC = sigma G((r - mean) / sigma)`` is the expected shortage per cycle.

    Examples
    --------
    >>> round(fill_rate(6000, 10000, 5000, 2 ** 0.5 * 500), 4)   # Chopra & Meindl Ex. 12-2
    0.9975
    """
    r = check_number("reorder_point", reorder_point)
    q = check_number("order_quantity", order_quantity, low=0, low_open=True)
    mu = check_number("lead_time_demand_mean", lead_time_demand_mean, low=0)
    sigma = check_number("lead_time_demand_std", lead_time_demand_std, low=0, low_open=True)
    shortage = sigma * normal_loss((r - mu) / sigma)
    return q / (q + shortage) if lost_sales else 1.0 - shortage / q


@dataclass(frozen=True)
class FormulaPolicy:
    """The textbook policy for a model, and the service the formulas promise.

    ``reorder_point`` and ``order_up_to`` are whole units (``order_up_to =
    reorder_point + order_quantity``; with ``order_cost == 0`` a base-stock
    policy: ``reorder_point = order_up_to - 1``). ``promised_cycle_service``
    and ``promised_fill_rate`` are those of the rounded reorder point.
    """

    reorder_point: int
    order_up_to: int
    order_quantity: int
    target_cycle_service: float
    promised_cycle_service: float
    promised_fill_rate: float
    safety_stock: float
    demand_mean: float
    demand_std: float
    lead_time_mean: float
    lead_time_std: float
    exposure_days: float
    exposure_demand_mean: float
    exposure_demand_std: float


def formula_policy(
    model: Model, cycle_service: float = 0.95, order_quantity: int | None = None
) -> FormulaPolicy:
    """EOQ + safety-stock (s, S) policy for a one-node model.

    The order quantity is the EOQ ``sqrt(2 K D / h)`` (rounded, at least 1)
    unless given; with ``order_cost == 0`` the policy is base-stock, ordering
    every review, and its fill rate uses the demand of one review period.
    The reorder point covers the demand of ``L + R`` days at the target
    cycle service level (module docstring).

    Examples
    --------
    >>> import fasttwin as ft
    >>> m = ft.single_node(demand=ft.Normal(50.0, 10.0), lead_time=ft.UniformInt(2, 4),
    ...                    holding_cost=1.0, backorder_cost=9.0, order_cost=100.0)
    >>> p = formula_policy(m, cycle_service=0.95)
    >>> p.reorder_point, p.order_up_to, p.exposure_days
    (275, 375, 4.0)
    """
    from scipy import stats

    from fasttwin.analytic.eoq import eoq
    from fasttwin.analytic.moments import demand_moments, lead_time_moments, single_demand_node

    node = single_demand_node(model)
    target = _open_unit("cycle_service", cycle_service)
    d, sd = demand_moments(node.demand, model.periods or 365)
    if not d > 0:
        raise ValueError(f"node {node.name!r}: the mean daily demand must be > 0, got {d}")
    lt, slt = lead_time_moments(node.lead_time)
    exposure = lt + node.review_period
    mean, std = lead_time_demand(d, sd, exposure, slt)
    if not std > 0:
        raise ValueError(
            f"node {node.name!r}: demand and lead time are deterministic; a safety stock "
            "formula needs some variability"
        )
    z = float(stats.norm.ppf(target))
    if node.order_cost > 0:
        if order_quantity is None:
            if not node.holding_cost > 0:
                raise ValueError(
                    f"node {node.name!r}: holding_cost must be > 0 for the EOQ, "
                    f"got {node.holding_cost}"
                )
            order_quantity = max(1, round(eoq(d, node.order_cost, node.holding_cost).quantity))
        q = check_number("order_quantity", order_quantity, low=1, integer=True)
        s = round(mean + z * std)
        big_s = s + q
        per_cycle = q
    else:
        big_s = round(mean + z * std)
        s = big_s - 1
        q = 1
        per_cycle = d * node.review_period
    level = s if node.order_cost > 0 else big_s
    return FormulaPolicy(
        reorder_point=int(s),
        order_up_to=int(big_s),
        order_quantity=int(q),
        target_cycle_service=target,
        promised_cycle_service=float(stats.norm.cdf((level - mean) / std)),
        promised_fill_rate=fill_rate(level, per_cycle, mean, std, lost_sales=node.lost_sales),
        safety_stock=level - mean,
        demand_mean=d,
        demand_std=sd,
        lead_time_mean=lt,
        lead_time_std=slt,
        exposure_days=exposure,
        exposure_demand_mean=mean,
        exposure_demand_std=std,
    )
