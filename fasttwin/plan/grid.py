"""Policy grids: which parameters vary, and each node's policy at every grid point.

Keys are ``"<node>.<parameter>"`` (or the cube's dim name ``"<node>_<parameter>"``);
in a one-node model the prefix may be left out. A sequence value is an axis (a
dimension of the cube, even of length 1); a scalar fixes the parameter. Axes keep
the order of the mapping; the grid is their Cartesian product, flattened in C order.

The cube names a network's axis ``"<node>_<parameter>"`` (``warehouse_reorder_point``),
a valid Python identifier whenever the node's name is one, so that keyword
selection works: ``ds.sel(warehouse_reorder_point=800)``, ``ds.plot(x=...)``. The
name cannot be ambiguous: no parameter name ends with ``_`` + another parameter
name, and node names hold no ``.``. One-node cubes name axes by the bare parameter.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from fasttwin.model.limits import MAX_AXIS, MAX_UNITS
from fasttwin.model.network import POLICY_PARAMETERS, Model, policy_kind

_SCALAR_LOWS = {"reorder_point": None, "order_up_to": 0, "order_quantity": 1, "review_period": 1}


@dataclass(frozen=True)
class Axis:
    """One grid dimension: ``name`` is the cube's dim, ``node.param`` what it sets."""

    name: str
    node: str
    param: str
    values: tuple[int, ...]


@dataclass(frozen=True)
class NodePolicy:
    """A node's policy at every flat grid point (int64 arrays of length ``points``)."""

    kind: str
    reorder: np.ndarray
    up_to: np.ndarray
    quantity: np.ndarray
    review: np.ndarray
    initial: np.ndarray
    valid: np.ndarray


@dataclass(frozen=True)
class PolicyGrid:
    axes: tuple[Axis, ...]
    fixed: tuple[tuple[str, str, int], ...]

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(a.values) for a in self.axes)

    @property
    def dims(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.axes)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    def coords(self) -> dict:
        return {a.name: np.asarray(a.values, dtype=np.int64) for a in self.axes}

    def as_dict(self) -> dict:
        """The grid as a plain mapping (for provenance and TOML); ``resolve_policy`` reads it."""
        out: dict = {a.name: list(a.values) for a in self.axes}
        for node, param, value in self.fixed:
            out[f"{node}.{param}"] = value
        return out

    def values_of(self, node: str, param: str, base) -> np.ndarray | None:
        """The parameter's value at every flat point (``None`` if never set)."""
        for i, axis in enumerate(self.axes):
            if axis.node == node and axis.param == param:
                shape = [1] * len(self.axes)
                shape[i] = len(axis.values)
                vals = np.asarray(axis.values, np.int64).reshape(shape)
                return np.broadcast_to(vals, self.shape).reshape(-1).copy()
        for n, p, value in self.fixed:
            if n == node and p == param:
                return np.full(self.size, value, np.int64)
        if base is None:
            return None
        return np.full(self.size, base, np.int64)


def resolve_policy(model: Model, policy: Mapping | None) -> PolicyGrid:
    """Check a policy mapping against a model and return the grid it describes.

    Examples
    --------
    >>> import fasttwin as ft
    >>> m = ft.single_node(demand=ft.Poisson(mean=5.0))
    >>> g = resolve_policy(m, {"reorder_point": range(2), "order_up_to": 10})
    >>> g.dims, g.shape
    (('reorder_point',), (2,))
    >>> resolve_policy(m, {"reorder": 3})
    Traceback (most recent call last):
    ...
    ValueError: policy key 'reorder' names no parameter; use one of reorder_point, ...
    """
    if policy is None:
        policy = {}
    if not isinstance(policy, Mapping):
        raise ValueError(f"policy must be a mapping of parameter names to values, got {policy!r}")
    single = len(model.nodes) == 1
    names = model.node_names
    axes: list[Axis] = []
    fixed: list[tuple[str, str, int]] = []
    seen: set[tuple[str, str]] = set()
    for key, value in policy.items():
        node, param = _parse_key(key, names, single)
        if (node, param) in seen:
            raise ValueError(f"policy key {key!r} sets {node}.{param} a second time")
        seen.add((node, param))
        label = dim_name(node, param, single)
        low = _SCALAR_LOWS[param]
        if _is_sequence(value):
            if len(value) > MAX_AXIS:
                raise ValueError(
                    f"policy[{key!r}] has {len(value):,} values; an axis may have at most "
                    f"{MAX_AXIS:,} (fasttwin's limit)"
                )
            values = tuple(_check_int(f"policy[{key!r}]", v, low) for v in value)
            if not values:
                raise ValueError(f"policy[{key!r}] must hold at least one value, got none")
            if len(set(values)) != len(values):
                raise ValueError(f"policy[{key!r}] holds repeated values: {list(values)}")
            axes.append(Axis(label, node, param, values))
        else:
            fixed.append((node, param, _check_int(f"policy[{key!r}]", value, low)))
    return PolicyGrid(tuple(axes), tuple(fixed))


def dim_name(node: str, param: str, single: bool) -> str:
    """The cube's name of the axis that sets ``param`` at ``node``.

    Examples
    --------
    >>> dim_name("warehouse", "reorder_point", single=False)
    'warehouse_reorder_point'
    >>> dim_name("shop", "order_up_to", single=True)
    'order_up_to'
    """
    return param if single else f"{node}_{param}"


def _parse_key(key, names, single) -> tuple[str, str]:
    allowed = ", ".join(POLICY_PARAMETERS)
    if not isinstance(key, str):
        raise ValueError(f"policy keys must be strings, got {key!r}")
    if "." not in key and not (single and key in POLICY_PARAMETERS):
        # The cube's own dim name, "<node>_<parameter>" (runs and reports pass it back).
        for param in POLICY_PARAMETERS:
            node = key[: -len(param) - 1]
            if key.endswith("_" + param) and node in names:
                return node, param
    if "." in key:
        node, param = key.split(".", 1)
        if node not in names:
            raise ValueError(
                f"policy key {key!r} names unknown node {node!r}; nodes are {', '.join(names)}"
            )
    elif single:
        node, param = names[0], key
    else:
        raise ValueError(
            f"policy key {key!r} needs a node prefix in a network, e.g. '{names[0]}.{key}' "
            f"(or '{names[0]}_{key}')"
        )
    if param not in POLICY_PARAMETERS:
        hint = f" (optionally prefixed '{names[0]}.')" if single else ""
        raise ValueError(f"policy key {key!r} names no parameter; use one of {allowed}{hint}")
    return node, param


def _is_sequence(value) -> bool:
    if isinstance(value, str | bytes):
        return False
    if isinstance(value, np.ndarray):
        if value.ndim > 1:
            raise ValueError(
                f"policy values must be scalars or 1-D sequences, got shape {value.shape}"
            )
        return value.ndim == 1
    return isinstance(value, range | list | tuple)


def _check_int(field: str, value, low) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise ValueError(f"{field} must be integers{_low(low)}, got {value!r}")
    if low is not None and value < low:
        raise ValueError(f"{field} must be integers{_low(low)}, got {value!r}")
    if abs(value) > MAX_UNITS:
        raise ValueError(
            f"{field} must be integers{_low(low)}, at most {MAX_UNITS:,} in size (fasttwin's "
            f"limit), got {value!r}"
        )
    return int(value)


def _low(low) -> str:
    return "" if low is None else f" >= {low}"


def node_policy(model: Model, grid: PolicyGrid, name: str) -> NodePolicy:
    """Resolve one node's policy at every grid point; refuse impossible settings."""
    node = model.node(name)
    s = grid.values_of(name, "reorder_point", node.reorder_point)
    big_s = grid.values_of(name, "order_up_to", node.order_up_to)
    q = grid.values_of(name, "order_quantity", node.order_quantity)
    review = grid.values_of(name, "review_period", node.review_period)
    where = f"node {name!r}"
    if q is not None and big_s is not None:
        raise ValueError(
            f"{where}: set order_quantity (an (r, Q) policy) or order_up_to (an (s, S) or "
            "base-stock policy), not both"
        )
    if q is not None and s is None:
        raise ValueError(f"{where}: an (r, Q) policy needs reorder_point as well as order_quantity")
    if q is None and big_s is None:
        raise ValueError(
            f"{where} has no policy: set order_up_to (base-stock), reorder_point and "
            "order_up_to (s, S), or reorder_point and order_quantity (r, Q)"
        )
    kind = policy_kind(s, big_s, q)
    zeros = np.zeros(grid.size, np.int64)
    if kind == "rQ":
        valid = np.ones(grid.size, bool)
        up_to = zeros
        default_initial = s + q
    else:
        if kind == "base_stock":
            s = big_s - 1
        valid = s < big_s
        up_to = big_s
        q = zeros
        default_initial = big_s
        varies = {a.param for a in grid.axes if a.node == name}
        if not valid.all() and not ({"reorder_point", "order_up_to"} & varies):
            # Scalars only: an impossible pair is bad input, not an empty cell.
            raise ValueError(
                f"{where}: reorder_point must be < order_up_to ({int(big_s[0])}), got {int(s[0])}"
            )
    initial = (
        np.full(grid.size, node.initial_inventory, np.int64)
        if node.initial_inventory is not None
        else np.maximum(default_initial, 0)
    )
    return NodePolicy(kind, s, up_to, q, review, initial, valid)
