"""Network result cubes: per-node and system variables from the network kernel's sums.

System totals: the customer-facing variables (``demand``, ``sales``,
``lost_sales``, ``backorders``, ``fill_rate``, ``ready_rate``,
``cycle_service``) count customers only, at the demand nodes (``cycle_service``
pools the replenishment cycles of every demand node); everything else (costs, ``on_hand``,
``orders``, ``ordered``) is the sum over nodes, internal orders included.
"""

from __future__ import annotations

import numpy as np

from fasttwin.kernels import network_layout as NL


def network_variables(sums, days: int, model) -> tuple[dict, dict]:
    """System arrays ``(points, reps)`` and node arrays ``(points, nodes, reps)``."""
    s = sums.nodes  # (nodes, rows, points, reps), integers; no float copy of the whole

    def cost(name):
        return np.array([getattr(n, name) for n in model.nodes], np.float64)[:, None, None]

    holding = cost("holding_cost") * s[:, NL.ON_HAND] / days
    shortage = (
        cost("backorder_cost") * s[:, NL.BACKORDERS] + cost("lost_sale_cost") * s[:, NL.LOST]
    ) / days
    ordering = (cost("order_cost") * s[:, NL.ORDERS] + cost("unit_cost") * s[:, NL.ORDERED]) / days
    overflow = cost("overflow_cost") * sums.overflow / days
    shipped = s[:, NL.DEMAND] - s[:, NL.LOST] - (s[:, NL.BO_END] - s[:, NL.BO_START])
    with np.errstate(invalid="ignore", divide="ignore"):
        fill = np.where(s[:, NL.DEMAND] > 0, s[:, NL.FILLED] / s[:, NL.DEMAND], 1.0)
    node = {
        "node_cost": holding + shortage + ordering + overflow,
        "node_holding_cost": holding,
        "node_shortage_cost": shortage,
        "node_ordering_cost": ordering,
        "node_overflow_cost": overflow,
        "node_demand": s[:, NL.DEMAND] / days,
        "node_sales": shipped / days,
        "node_lost_sales": s[:, NL.LOST] / days,
        "node_backorders": s[:, NL.BACKORDERS] / days,
        "node_on_hand": s[:, NL.ON_HAND] / days,
        "node_pipeline": s[:, NL.PIPELINE] / days,
        "node_received": s[:, NL.RECEIVED] / days,
        "node_orders": s[:, NL.ORDERS] / days,
        "node_ordered": s[:, NL.ORDERED] / days,
        "node_overflow": sums.overflow / days,
        "node_fill_rate": fill,
        "node_ready_rate": 1.0 - s[:, NL.STOCKOUTS] / days,
        # The kernel counts at least one cycle per node (the open one when none closes).
        "node_cycle_service": 1.0 - s[:, NL.SHORT_CYCLES] / s[:, NL.CYCLES],
    }
    customers = np.array([n.demand is not None for n in model.nodes])
    c = sums.nodes[customers]  # integer sums of the demand nodes
    demand = c[:, NL.DEMAND].sum(0).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        system_fill = np.where(demand > 0, c[:, NL.FILLED].sum(0) / demand, 1.0)
        # Pooled over the demand nodes' cycles; 1 in a model without customers.
        cycles = c[:, NL.CYCLES].sum(0)
        system_cycles = np.where(cycles > 0, 1.0 - c[:, NL.SHORT_CYCLES].sum(0) / cycles, 1.0)
    sold = c[:, NL.DEMAND] - c[:, NL.LOST] - (c[:, NL.BO_END] - c[:, NL.BO_START])
    system = {
        "cost": node["node_cost"].sum(0),
        "holding_cost": holding.sum(0),
        "shortage_cost": shortage.sum(0),
        "ordering_cost": ordering.sum(0),
        "overflow_cost": overflow.sum(0),
        "demand": demand / days,
        "sales": sold.sum(0) / days,
        "lost_sales": c[:, NL.LOST].sum(0) / days,
        "backorders": c[:, NL.BACKORDERS].sum(0) / days,
        "on_hand": sums.nodes[:, NL.ON_HAND].sum(0) / days,
        "orders": sums.nodes[:, NL.ORDERS].sum(0) / days,
        "ordered": sums.nodes[:, NL.ORDERED].sum(0) / days,
        "fill_rate": system_fill,
        "ready_rate": 1.0 - sums.stockout_days / days,
        "cycle_service": system_cycles,
    }
    return system, {k: v.transpose(1, 0, 2) for k, v in node.items()}
