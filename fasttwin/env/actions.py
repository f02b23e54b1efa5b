"""Turn a twin's actions into order quantities per node, refusing bad ones by name."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence

import numpy as np

#: The original retail twin's action keys: orders of the stores and of the warehouse(s).
STORE_ORDERS = "store_orders"
WAREHOUSE_ORDERS = "warehouse_orders"


def order_units(node: str, value) -> int:
    """One node's order as whole units, or a ``ValueError`` naming the node.

    Examples
    --------
    >>> order_units("store_1", 40.0)
    40
    >>> order_units("store_1", -3)
    Traceback (most recent call last):
    ...
    ValueError: action for node 'store_1': the order must be a whole number of units >= 0, got -3
    """
    expected = f"action for node {node!r}: the order must be a whole number of units >= 0"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{expected}, got {value!r}")
    if isinstance(value, numbers.Integral):
        value = int(value)
    else:
        value = float(value)
        if math.isnan(value):
            raise ValueError(f"{expected}, got NaN")
        if not value.is_integer():
            raise ValueError(f"{expected}, got {value!r}")
        value = int(value)
    if value < 0:
        raise ValueError(f"{expected}, got {value!r}")
    return value


def parse_actions(actions, names: Sequence[str], demand_nodes: Sequence[str]) -> dict[str, int]:
    """Order quantities ``{node: units}`` of the nodes an action sets (the others follow policy).

    ``actions`` is ``None`` (every node follows its policy), ``{node: units}``,
    or the original retail twin's ``{"store_orders": {store: units},
    "warehouse_orders": {warehouse: units}}`` (stores are the demand-facing
    nodes, warehouses the others). A value ``None`` leaves that node to its
    policy.

    Examples
    --------
    >>> names, stores = ("warehouse", "store_1"), ("store_1",)
    >>> parse_actions({"store_orders": {"store_1": 40}, "warehouse_orders": {"warehouse": 0}},
    ...               names, stores)
    {'store_1': 40, 'warehouse': 0}
    >>> parse_actions({"store_1": 5, "warehouse": None}, names, stores)
    {'store_1': 5}
    >>> parse_actions({"shop": 5}, names, stores)
    Traceback (most recent call last):
    ...
    ValueError: actions name unknown node 'shop'; nodes are warehouse, store_1
    """
    if actions is None:
        return {}
    if not isinstance(actions, Mapping):
        raise ValueError(
            "actions must be None, {node: units}, or {'store_orders': {...}, "
            f"'warehouse_orders': {{...}}}}, got {type(actions).__name__}"
        )
    grouped = {STORE_ORDERS, WAREHOUSE_ORDERS} & set(actions)
    if grouped:
        extra = sorted(set(actions) - {STORE_ORDERS, WAREHOUSE_ORDERS}, key=str)
        if extra:
            raise ValueError(
                f"actions mix the 'store_orders'/'warehouse_orders' form with other keys: {extra}"
            )
        flat: dict = {}
        for key in (STORE_ORDERS, WAREHOUSE_ORDERS):
            part = actions.get(key)
            if part is None:
                continue
            if not isinstance(part, Mapping):
                raise ValueError(f"actions[{key!r}] must map node names to units, got {part!r}")
            for node in part:
                _check_node(node, names)
                is_store = node in demand_nodes
                if is_store != (key == STORE_ORDERS):
                    kind = "a store (demand-facing)" if is_store else "not a store"
                    raise ValueError(
                        f"actions[{key!r}] names node {node!r}, which is {kind}; stores go in "
                        f"'store_orders' ({', '.join(demand_nodes)}), other nodes in "
                        "'warehouse_orders'"
                    )
            flat.update(part)
        actions = flat
    out = {}
    for node, value in actions.items():
        _check_node(node, names)
        if value is not None:
            out[node] = order_units(node, value)
    return out


def _check_node(node, names) -> None:
    if node not in names:
        raise ValueError(f"actions name unknown node {node!r}; nodes are {', '.join(names)}")


def check_batch(
    actions, shape: tuple[int, ...], names: Sequence[str], high, *, integer: bool
) -> np.ndarray:
    """Check a batch of actions ``(envs, agents)``; raise naming the node (and env) at fault.

    ``high`` is the largest value allowed per agent; ``integer`` requires
    whole numbers (discrete actions). Returns the actions as an array.
    """
    arr = np.asarray(actions)
    if arr.shape != shape:
        raise ValueError(
            f"actions must have shape {shape} (one per environment and node: "
            f"{', '.join(names)}), got {arr.shape}"
        )
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"actions must be numbers, got dtype {arr.dtype}")
    bad = ~np.isfinite(arr) | (arr < 0) | (arr > high)
    if integer and arr.dtype.kind == "f":
        bad |= arr != np.floor(arr)
    if bad.any():
        e, k = (int(v) for v in np.argwhere(bad.reshape(shape[0], -1))[0])
        value = arr.reshape(shape[0], -1)[e, k].item()
        top = np.broadcast_to(high, arr.shape).reshape(shape[0], -1)[e, k]
        kind = "whole numbers" if integer else "numbers"
        where = f" in environment {e}" if shape[0] > 1 else ""
        raise ValueError(
            f"action for node {names[k]!r}{where} must be {kind} in [0, {top:g}], got {value!r}"
        )
    return arr
