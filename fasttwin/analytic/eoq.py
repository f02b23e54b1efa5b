"""The economic order quantity (deterministic demand, instant or fixed-lead-time supply).

Ordering ``Q`` at a time against a steady demand rate ``D`` costs
``K D / Q`` in fixed ordering costs and ``h Q / 2`` in holding per unit of
time, minimised at ``Q* = sqrt(2 K D / h)`` with cost ``sqrt(2 K D h)``.
Planned backorders at ``p`` per unit per unit of time give
``Q* = sqrt(2 K D (h + p) / (h p))`` and cost ``sqrt(2 K D h p / (h + p))``.
Times are whatever unit ``D`` and ``h`` share (days in fasttwin models).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from fasttwin.model.checks import check_number


@dataclass(frozen=True)
class EOQ:
    """An order quantity and its cost per unit of time.

    ``cost`` is the ordering + holding (+ backorder) cost, plus
    ``unit_cost x demand_rate`` when a unit cost was given;
    ``backorder_fraction`` is the share of each cycle spent out of stock.
    """

    quantity: float
    cost: float
    cycle_time: float
    orders_per_time: float
    backorder_fraction: float = 0.0


def _inputs(demand_rate, order_cost, holding_cost, unit_cost, backorder_cost):
    d = check_number("demand_rate", demand_rate, low=0, low_open=True)
    k = check_number("order_cost", order_cost, low=0, low_open=True)
    h = check_number("holding_cost", holding_cost, low=0, low_open=True)
    c = check_number("unit_cost", unit_cost, low=0)
    p = None
    if backorder_cost is not None:
        p = check_number("backorder_cost", backorder_cost, low=0, low_open=True)
    return d, k, h, c, p


def eoq(
    demand_rate: float,
    order_cost: float,
    holding_cost: float,
    *,
    unit_cost: float = 0.0,
    backorder_cost: float | None = None,
) -> EOQ:
    """The economic order quantity and its cost per unit of time.

    Parameters
    ----------
    demand_rate
        Units demanded per unit of time, > 0.
    order_cost
        Fixed cost ``K`` per order, > 0 (with ``K = 0`` ordering every unit
        separately is free and there is no EOQ).
    holding_cost
        ``h`` per unit held per unit of time, > 0.
    unit_cost
        Purchase cost per unit, added as ``unit_cost x demand_rate``.
    backorder_cost
        ``p`` per unit backordered per unit of time, for the EOQ with planned
        backorders; ``None`` (the default) allows no shortage.

    Examples
    --------
    Snyder & Shen, Example 3.1 (K = 8, h = 0.225, D = 1300 per year):

    >>> e = eoq(1300, 8, 0.225)
    >>> round(e.quantity, 2), round(e.cost, 2)
    (304.05, 68.41)
    """
    d, k, h, c, p = _inputs(demand_rate, order_cost, holding_cost, unit_cost, backorder_cost)
    if p is None:
        q = math.sqrt(2.0 * k * d / h)
        fraction = 0.0
    else:
        q = math.sqrt(2.0 * k * d * (h + p) / (h * p))
        fraction = h / (h + p)
    return EOQ(
        quantity=q,
        cost=eoq_cost(q, d, k, h, unit_cost=c, backorder_cost=p),
        cycle_time=q / d,
        orders_per_time=d / q,
        backorder_fraction=fraction,
    )


def eoq_cost(
    quantity: float,
    demand_rate: float,
    order_cost: float,
    holding_cost: float,
    *,
    unit_cost: float = 0.0,
    backorder_cost: float | None = None,
) -> float:
    """Cost per unit of time of ordering ``quantity`` at a time (EOQ model).

    With planned backorders the shortage share of each cycle is set at its
    best value ``h / (h + p)``.

    Examples
    --------
    >>> round(eoq_cost(400, 1300, 8, 0.225), 2)   # 26.00 ordering + 45.00 holding
    71.0
    """
    q = check_number("quantity", quantity, low=0, low_open=True)
    d, k, h, c, p = _inputs(demand_rate, order_cost, holding_cost, unit_cost, backorder_cost)
    stock_cost = h * q / 2.0 if p is None else h * p / (h + p) * q / 2.0
    return k * d / q + stock_cost + c * d
