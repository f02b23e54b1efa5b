"""The registry of output variables: each defined once, with units and docs.

The Dataset builders take names from here, check every variable they write
against it, and copy ``units``, ``long_name`` and ``description`` into attrs.

Units are UDUNITS strings, as CF asks: counts of stock units and orders are
dimensionless (``"1"``), rates per simulated day are ``"d-1"``, so a cost per
day in the model's currency is ``"d-1"`` too (UDUNITS knows no currency; the
long name says "cost"). :func:`display_units` turns them into plain words.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Variable:
    name: str
    units: str
    long_name: str
    description: str


_SYSTEM = [
    Variable(
        "cost",
        "d-1",
        "total cost",
        "Mean cost per measured day: holding + shortage + ordering + overflow.",
    ),
    Variable(
        "holding_cost",
        "d-1",
        "holding cost",
        "holding_cost x end-of-day units on hand, per measured day.",
    ),
    Variable(
        "shortage_cost",
        "d-1",
        "shortage cost",
        "backorder_cost x end-of-day customer backorders + lost_sale_cost x units lost, "
        "per measured day.",
    ),
    Variable(
        "ordering_cost",
        "d-1",
        "ordering cost",
        "order_cost per order placed (rejected orders included) + unit_cost x units "
        "accepted by the supplier, per measured day.",
    ),
    Variable(
        "overflow_cost",
        "d-1",
        "overflow cost",
        "overflow_cost x end-of-day units on hand above capacity, per measured day.",
    ),
    Variable("demand", "d-1", "customer demand", "Customer demand per measured day."),
    Variable(
        "sales",
        "d-1",
        "units shipped to customers",
        "Units shipped to customers per measured day, backorders filled included; "
        "demand = sales + lost_sales + change in backorders.",
    ),
    Variable("lost_sales", "d-1", "lost sales", "Units of demand lost per measured day."),
    Variable("backorders", "1", "customer backorders", "Mean end-of-day customer backorders."),
    Variable("on_hand", "1", "on-hand stock", "Mean end-of-day units on hand."),
    Variable(
        "orders",
        "d-1",
        "orders placed",
        "Orders placed per measured day (rejected orders included; in a network, summed "
        "over nodes).",
    ),
    Variable(
        "ordered",
        "d-1",
        "units ordered",
        "Units ordered and accepted by the supplier per measured day (in a network, "
        "summed over nodes: orders to parent nodes included).",
    ),
    Variable(
        "fill_rate",
        "1",
        "fill rate",
        "Customer demand served from stock on the day it arrived / customer demand "
        "(1 without demand).",
    ),
    Variable(
        "ready_rate",
        "1",
        "ready rate",
        "Share of measured days without a stockout: days on which all customer demand (at "
        "every demand node) was served from stock on the day it arrived (alpha service per "
        "period; days, not replenishment cycles).",
    ),
    Variable(
        "cycle_service",
        "1",
        "cycle service level",
        "Share of replenishment cycles without a stockout (the textbook cycle service "
        "level, alpha; what fasttwin.analytic.formula_policy(cycle_service=...) targets). "
        "A cycle runs from a day with a delivery (a positive quantity arriving) to the day "
        "before the next one; the start of the horizon opens the first. Cycles are counted "
        "when the delivery that closes them comes on a measured day; a cycle is short when "
        "some demand in it was not served from stock on the day it arrived. If no cycle "
        "closes, the cycle open at the end counts (1 or 0). In a network, pooled over the "
        "demand nodes' cycles.",
    ),
]

#: How continuous-review cubes read the variables whose periodic description
#: speaks of end-of-day levels or days (fasttwin.continuous sets these attrs).
CONTINUOUS_DESCRIPTIONS = {
    "holding_cost": "holding_cost x units on hand integrated over time (unit-days), "
    "per measured day.",
    "shortage_cost": "backorder_cost x customer backorders integrated over time (unit-days) "
    "+ lost_sale_cost x units lost, per measured day.",
    "overflow_cost": "overflow_cost x units on hand above capacity integrated over time "
    "(unit-days), per measured day.",
    "backorders": "Time-average customer backorders over the measured days.",
    "on_hand": "Time-average units on hand over the measured days.",
    "fill_rate": "Units served from stock at the customer's arrival / units demanded "
    "(1 without demand).",
    "ready_rate": "Share of measured days on which every customer was served in full "
    "from stock on arrival (days, not replenishment cycles).",
    "cycle_service": "Share of replenishment cycles without a stockout (the textbook cycle "
    "service level). A cycle runs from one delivery instant to the next; the start of the "
    "horizon opens the first. Cycles are counted when the delivery that closes them comes "
    "in the measured time; a cycle is short when a customer in it was not served in full "
    "from stock on arrival. If no cycle closes, the cycle open at the end counts (1 or 0).",
}

#: System-level variables, dims (*grid, [scenario], rep). In a network, the
#: customer-facing ones (demand, sales, lost_sales, backorders, fill_rate,
#: ready_rate, cycle_service) count customers only; the others are sums over nodes.
SYSTEM_VARIABLES: dict[str, Variable] = {v.name: v for v in _SYSTEM}

_NODE = [
    Variable(
        "node_cost",
        "d-1",
        "node total cost",
        "The node's holding + shortage + ordering + overflow cost per measured day.",
    ),
    Variable(
        "node_holding_cost",
        "d-1",
        "node holding cost",
        "holding_cost x the node's end-of-day units on hand, per measured day.",
    ),
    Variable(
        "node_shortage_cost",
        "d-1",
        "node shortage cost",
        "backorder_cost x end-of-day customer backorders + lost_sale_cost x units lost, "
        "per measured day (demand nodes only).",
    ),
    Variable(
        "node_ordering_cost",
        "d-1",
        "node ordering cost",
        "order_cost per order the node placed + unit_cost x units ordered (from its parent, "
        "or accepted by the supplier), per measured day.",
    ),
    Variable(
        "node_overflow_cost",
        "d-1",
        "node overflow cost",
        "overflow_cost x the node's share of its location's overflow, per measured day.",
    ),
    Variable(
        "node_demand",
        "d-1",
        "units requested from the node",
        "Customer demand at a demand node; the orders of its child nodes at a parent; "
        "per measured day.",
    ),
    Variable(
        "node_sales",
        "d-1",
        "units shipped by the node",
        "Units shipped to customers or child nodes per measured day, backorders filled "
        "included; node_demand = node_sales + node_lost_sales + change in node backorders.",
    ),
    Variable(
        "node_lost_sales",
        "d-1",
        "node lost sales",
        "Customer units lost at the node per measured day.",
    ),
    Variable(
        "node_backorders",
        "1",
        "units owed by the node",
        "Mean end-of-day units the node owes: to customers at a demand node, to its child "
        "nodes at a parent.",
    ),
    Variable("node_on_hand", "1", "node on-hand stock", "Mean end-of-day units on hand."),
    Variable(
        "node_pipeline",
        "1",
        "units on order",
        "Mean end-of-day units in transit to the node or owed to it by its parent.",
    ),
    Variable(
        "node_received",
        "d-1",
        "units received",
        "Units that arrived at the node per measured day.",
    ),
    Variable(
        "node_orders",
        "d-1",
        "orders placed by the node",
        "Orders the node placed per measured day (rejected orders included).",
    ),
    Variable(
        "node_ordered",
        "d-1",
        "units ordered by the node",
        "Units ordered from the parent, or accepted by the supplier, per measured day.",
    ),
    Variable(
        "node_overflow",
        "1",
        "node share of overflow",
        "Mean end-of-day units on hand at the node's location above its capacity, shared "
        "among the location's nodes in proportion to their units on hand.",
    ),
    Variable(
        "node_fill_rate",
        "1",
        "node fill rate",
        "Units requested from the node and served from stock at once / units requested "
        "(1 without requests).",
    ),
    Variable(
        "node_ready_rate",
        "1",
        "node ready rate",
        "Share of measured days on which every request to the node (customer demand, or "
        "child nodes' orders) was served from stock at once (days, not replenishment "
        "cycles).",
    ),
    Variable(
        "node_cycle_service",
        "1",
        "node cycle service level",
        "Share of the node's replenishment cycles in which every request to it (customer "
        "demand, or child nodes' orders) was served from stock at once. A cycle runs from a "
        "day on which a positive quantity arrives at the node to the day before the next "
        "such day; counted when that next delivery comes on a measured day (if none does, "
        "the cycle open at the end counts).",
    ),
]

#: Per-node variables, dims (*grid, [scenario], node, rep).
NODE_VARIABLES: dict[str, Variable] = {v.name: v for v in _NODE}

VALID = Variable(
    "valid",
    "1",
    "valid grid cell",
    "False where the grid cell is no policy (e.g. reorder_point >= order_up_to); "
    "its other variables are NaN there.",
)

#: All variables by name.
VARIABLES: dict[str, Variable] = {**SYSTEM_VARIABLES, **NODE_VARIABLES, VALID.name: VALID}


def attrs_of(name: str) -> dict:
    """The attrs a cube carries for variable ``name``.

    Examples
    --------
    >>> attrs_of("cost")["units"]
    'd-1'
    """
    var = VARIABLES[name]
    return {"units": var.units, "long_name": var.long_name, "description": var.description}


_TRACE = [
    Variable("demand", "1", "customer demand", "Customer demand of the day."),
    Variable(
        "arrivals",
        "1",
        "arrivals",
        "Units that arrived from the supplier on the day (with a zero lead time, the "
        "day's own order).",
    ),
    Variable("orders", "1", "orders placed", "Orders placed on the day (rejected ones included)."),
    Variable("ordered", "1", "units ordered", "Units ordered and accepted by the supplier."),
    Variable("rejected", "1", "orders rejected", "Orders the supplier rejected on the day."),
    Variable("filled", "1", "demand served from stock", "Demand served from stock that day."),
    Variable("lost_sales", "1", "lost sales", "Units of demand lost on the day."),
    Variable("on_hand", "1", "on-hand stock", "End-of-day units on hand."),
    Variable("backorders", "1", "customer backorders", "End-of-day customer backorders."),
    Variable("pipeline", "1", "in transit", "End-of-day units ordered but not yet arrived."),
    Variable(
        "inventory_position",
        "1",
        "inventory position",
        "End-of-day on hand + in transit - backorders.",
    ),
    Variable("overflow", "1", "units above capacity", "End-of-day units on hand above capacity."),
    Variable(
        "cost",
        "1",
        "cost of the day",
        "Holding + shortage + ordering + overflow cost of the day.",
    ),
]

#: Daily-path variables of :func:`fasttwin.trace`, dims (rep, day).
TRACE_VARIABLES: dict[str, Variable] = {v.name: v for v in _TRACE}


#: How reports write UDUNITS strings in sentences.
_DISPLAY_UNITS = {"1": "", "d-1": "per day", "d": "days"}


def display_units(units: str) -> str:
    """Plain words for a UDUNITS string (``"d-1"`` -> ``"per day"``; ``"1"`` -> ``""``).

    Examples
    --------
    >>> display_units("d-1"), display_units("1"), display_units("kg")
    ('per day', '', 'kg')
    """
    return _DISPLAY_UNITS.get(units, units)


#: What each policy parameter is, for the long names of grid coordinates.
PARAMETER_NAMES = {
    "reorder_point": "reorder point (s or r)",
    "order_up_to": "order-up-to level (S)",
    "order_quantity": "order quantity (Q)",
    "review_period": "review period (R)",
}


def grid_coordinate_attrs(node: str | None, param: str) -> dict:
    """CF attrs of a grid axis: ``long_name``, ``units`` and the node and parameter it sets.

    Examples
    --------
    >>> grid_coordinate_attrs("warehouse", "reorder_point")["long_name"]
    'warehouse reorder point (s or r)'
    >>> grid_coordinate_attrs(None, "review_period")["units"]
    'd'
    """
    units = "d" if param == "review_period" else "1"
    name = PARAMETER_NAMES[param]
    attrs = {"long_name": name if node is None else f"{node} {name}", "units": units}
    attrs["parameter"] = param
    if node is not None:
        attrs["node"] = node
    return attrs


#: CF attrs of the other coordinates of cubes and traces.
COORDINATE_ATTRS = {
    "rep": {"long_name": "replication", "units": "1"},
    "scenario": {"long_name": "scenario"},
    "node": {"long_name": "stock point"},
    "day": {"long_name": "simulated day", "units": "d"},
    "measured": {"long_name": "day counted in the cube's means (after the warm-up)"},
}


_NODE_TRACE = [
    Variable(
        "demand",
        "1",
        "units requested",
        "Units requested of the node on the day: customer demand, or its child nodes' orders.",
    ),
    Variable(
        "arrivals",
        "1",
        "arrivals",
        "Units that arrived at the node on the day (with a zero lead time, the day's own order).",
    ),
    Variable(
        "orders",
        "1",
        "orders placed",
        "Orders the node placed on the day (rejected ones included).",
    ),
    Variable(
        "ordered",
        "1",
        "units ordered",
        "Units the node ordered from its parent, or that the supplier accepted.",
    ),
    Variable(
        "rejected", "1", "orders rejected", "Orders the external supplier rejected on the day."
    ),
    Variable(
        "filled",
        "1",
        "requests served from stock",
        "Units requested that day and served from stock at once.",
    ),
    Variable("lost_sales", "1", "lost sales", "Units of customer demand lost on the day."),
    Variable("on_hand", "1", "on-hand stock", "End-of-day units on hand."),
    Variable(
        "backorders",
        "1",
        "units owed",
        "End-of-day units the node owes: to customers, or to its child nodes.",
    ),
    Variable(
        "pipeline",
        "1",
        "pipeline",
        "End-of-day units in transit to the node or owed to it by its parent.",
    ),
    Variable(
        "inventory_position",
        "1",
        "inventory position",
        "End-of-day on hand + pipeline - backorders.",
    ),
    Variable(
        "overflow",
        "1",
        "units above capacity",
        "The node's share of its location's end-of-day units on hand above capacity.",
    ),
    Variable(
        "cost",
        "1",
        "cost of the day",
        "The node's holding + shortage + ordering + overflow cost of the day.",
    ),
]

#: Daily-path variables of :func:`fasttwin.trace` for a model of several nodes, dims
#: (rep, day, node); ``stockout`` (dims (rep, day)) flags a customer stockout anywhere.
NODE_TRACE_VARIABLES: dict[str, Variable] = {v.name: v for v in _NODE_TRACE}
NODE_TRACE_VARIABLES["stockout"] = Variable(
    "stockout",
    "1",
    "customer stockout",
    "1 on a day when some customer demand was not served from stock in full, anywhere.",
)
