"""The registry of output variables: each defined once, with units and docs.

The Dataset builders take names from here, check every variable they write
against it, and copy ``units``, ``long_name`` and ``description`` into attrs.
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
        "currency/day",
        "total cost",
        "Mean cost per measured day: holding + shortage + ordering + overflow.",
    ),
    Variable(
        "holding_cost",
        "currency/day",
        "holding cost",
        "holding_cost x end-of-day units on hand, per measured day.",
    ),
    Variable(
        "shortage_cost",
        "currency/day",
        "shortage cost",
        "backorder_cost x end-of-day customer backorders + lost_sale_cost x units lost, "
        "per measured day.",
    ),
    Variable(
        "ordering_cost",
        "currency/day",
        "ordering cost",
        "order_cost per order placed (rejected orders included) + unit_cost x units "
        "accepted by the supplier, per measured day.",
    ),
    Variable(
        "overflow_cost",
        "currency/day",
        "overflow cost",
        "overflow_cost x end-of-day units on hand above capacity, per measured day.",
    ),
    Variable("demand", "units/day", "customer demand", "Customer demand per measured day."),
    Variable(
        "sales",
        "units/day",
        "units shipped to customers",
        "Units shipped to customers per measured day, backorders filled included; "
        "demand = sales + lost_sales + change in backorders.",
    ),
    Variable("lost_sales", "units/day", "lost sales", "Units of demand lost per measured day."),
    Variable("backorders", "units", "customer backorders", "Mean end-of-day customer backorders."),
    Variable("on_hand", "units", "on-hand stock", "Mean end-of-day units on hand."),
    Variable(
        "orders",
        "orders/day",
        "orders placed",
        "Orders placed per measured day (rejected orders included).",
    ),
    Variable(
        "ordered",
        "units/day",
        "units ordered",
        "Units ordered and accepted by the supplier per measured day.",
    ),
    Variable(
        "fill_rate",
        "1",
        "fill rate",
        "Demand served from stock on the day it arrived / demand (1 without demand).",
    ),
    Variable(
        "cycle_service",
        "1",
        "cycle service level",
        "Share of measured days on which all demand was served from stock.",
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
    "cycle_service": "Share of measured days on which every customer was served in full "
    "from stock on arrival.",
}

#: System-level variables, dims (*grid, [scenario], rep).
SYSTEM_VARIABLES: dict[str, Variable] = {v.name: v for v in _SYSTEM}

VALID = Variable(
    "valid",
    "1",
    "valid grid cell",
    "False where the grid cell is no policy (e.g. reorder_point >= order_up_to); "
    "its other variables are NaN there.",
)

#: All variables by name.
VARIABLES: dict[str, Variable] = {**SYSTEM_VARIABLES, VALID.name: VALID}


def attrs_of(name: str) -> dict:
    """The attrs a cube carries for variable ``name``.

    Examples
    --------
    >>> attrs_of("cost")["units"]
    'currency/day'
    """
    var = VARIABLES[name]
    return {"units": var.units, "long_name": var.long_name, "description": var.description}
