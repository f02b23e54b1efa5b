"""Search spaces: which node parameters the optimiser moves, over which lattice of values.

A space maps ``"<node>.<parameter>"`` keys (the form :func:`fasttwin.simulate`
takes; the prefix may be left out in a one-node model) to the ascending values
the parameter may take, like the axes of a sweep grid. Parameters are
``reorder_point``, ``order_up_to`` and ``order_quantity`` (whole units), or a
node's ``safety_factor`` ``k`` (any real values), which sets its reorder point
to ``round(mu + k sigma)`` of the demand over lead time plus review period
(``mu``, ``sigma`` from :mod:`fasttwin.analytic.moments`; the demand of every
customer below the node for inner nodes) and keeps the node's order quantity
``S - s`` (or ``Q``); for a base-stock node it sets ``S`` itself.

The optimiser moves on the *index* lattice: point ``x`` has
``values[i][x[i]]`` along dimension ``i``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from fasttwin.model.network import Model
from fasttwin.plan.grid import Axis, node_policy, resolve_policy

SAFETY_FACTOR = "safety_factor"
#: What a space may move, per node.
SEARCH_PARAMETERS = ("reorder_point", "order_up_to", "order_quantity", SAFETY_FACTOR)
#: Largest number of values along one dimension.
MAX_VALUES = 1_000_000


@dataclass(frozen=True)
class Dimension:
    """One searched parameter: ``key`` as simulate takes it, ``name`` as the cube names it."""

    key: str
    node: str
    param: str
    name: str
    values: tuple


@dataclass(frozen=True)
class PolicyPoints:
    """A list of policy points (not a Cartesian grid) in the form ``node_policy`` reads.

    ``axes`` hold each varied parameter's value at every point; ``fixed`` the
    ``(node, parameter, value)`` held at every point. Like
    :class:`fasttwin.plan.grid.PolicyGrid`, parameters set nowhere come from the model.
    """

    axes: tuple[Axis, ...]
    fixed: tuple[tuple[str, str, int], ...]
    size: int

    def values_of(self, node: str, param: str, base) -> np.ndarray | None:
        for axis in self.axes:
            if axis.node == node and axis.param == param:
                return np.asarray(axis.values, np.int64)
        for n, p, value in self.fixed:
            if n == node and p == param:
                return np.full(self.size, value, np.int64)
        return None if base is None else np.full(self.size, base, np.int64)


@dataclass(frozen=True)
class _Safety:
    """How a node's safety factor becomes its policy levels."""

    mean: float
    std: float
    kind: str  # "sS", "rQ" or "base_stock"
    gap: int  # S - s of an (s, S) node


@dataclass(frozen=True)
class Space:
    """A validated search space over a model's node parameters.

    Build one with :meth:`Space.of`. ``fixed`` holds parameters set at one value
    for every point (dotted keys).

    Examples
    --------
    >>> import fasttwin as ft
    >>> twin = ft.retail_twin()
    >>> space = Space.of(twin, {"store_1.reorder_point": range(100, 201, 50),
    ...                         "warehouse.order_up_to": [2000, 3000]})
    >>> [d.name for d in space.dims], space.shape
    (['store_1_reorder_point', 'warehouse_order_up_to'], (3, 2))
    >>> space.policies(np.array([[2, 0]]))
    {'store_1.reorder_point': array([200]), 'warehouse.order_up_to': array([2000])}
    >>> Space.of(twin, {"store_1.safety": [1, 2]})
    Traceback (most recent call last):
    ...
    ValueError: space key 'store_1.safety' names no parameter; use one of reorder_point, ...
    """

    model: Model
    dims: tuple[Dimension, ...]
    fixed: tuple[tuple[str, int], ...]
    safety: tuple[tuple[str, _Safety], ...] = ()

    @classmethod
    def of(cls, model: Model, space: Mapping, fixed: Mapping | None = None, periods: int = 365):
        """Check ``space`` (key -> ascending values) and ``fixed`` against ``model``.

        ``periods`` is the run length over which seasonal demand is summarised
        for safety factors.
        """
        if not isinstance(model, Model):
            raise ValueError(f"model must be a fasttwin Model, got {model!r}")
        if model.review != "periodic":
            raise ValueError(
                f"model.review must be 'periodic' for optimize (got {model.review!r}); "
                "continuous-review models can be swept with fasttwin sweep"
            )
        if not isinstance(space, Mapping) or not space:
            raise ValueError(
                "space must map at least one '<node>.<parameter>' key to the values it may "
                f"take, got {space!r}"
            )
        fixed = dict(fixed or {})
        single = len(model.nodes) == 1
        dims: list[Dimension] = []
        safety_nodes: list[str] = []
        for key, values in space.items():
            node, param = _parse_key(model, key)
            where = f"space[{key!r}]"
            values = _values(where, values, integer=param != SAFETY_FACTOR)
            if param == SAFETY_FACTOR:
                safety_nodes.append(node)
            else:
                # The policy parser checks the values (whole numbers, lower bounds).
                resolve_policy(model, {f"{node}.{param}": list(values)})
            name = param if single else f"{node}_{param}"
            dims.append(Dimension(f"{node}.{param}", node, param, name, values))
        keys = [(d.node, d.param) for d in dims]
        repeated = sorted({f"{n}.{p}" for n, p in keys if keys.count((n, p)) > 1})
        if repeated:
            raise ValueError(f"space sets {repeated[0]} twice (a key with and without prefix?)")
        checked = resolve_policy(model, fixed)
        fixed_items = tuple((f"{n}.{p}", v) for n, p, v in checked.fixed)
        if checked.axes:
            raise ValueError(
                f"fixed[{checked.axes[0].name!r}] must be a single value; put axes in space"
            )
        both = sorted({f"{n}.{p}" for n, p in keys} & {k for k, _ in fixed_items})
        if both:
            raise ValueError(f"{both[0]!r} is both searched (space) and fixed; keep one")
        for node in safety_nodes:
            own = [p for n, p in keys if n == node and p != SAFETY_FACTOR]
            own += [k.split(".", 1)[1] for k, _ in fixed_items if k.split(".", 1)[0] == node]
            clash = [p for p in own if p in ("reorder_point", "order_up_to")]
            if clash:
                raise ValueError(
                    f"space[{node}.safety_factor] sets {node}'s levels; it cannot be searched "
                    f"or fixed with {node}.{clash[0]} as well"
                )
        out = cls(model, tuple(dims), fixed_items)
        safety = tuple((n, _safety(model, n, dict(fixed_items), periods)) for n in safety_nodes)
        object.__setattr__(out, "safety", safety)
        # Lowering one point refuses a policy kind the node cannot have (e.g. order_quantity
        # on an (s, S) node) before anything runs.
        out.points(np.zeros((1, len(dims)), np.int64))
        return out

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(d.values) for d in self.dims)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(d.name for d in self.dims)

    @property
    def single(self) -> bool:
        return len(self.model.nodes) == 1

    def values(self, index: np.ndarray) -> list[np.ndarray]:
        """The lattice value of each dimension at points ``index`` ``(points, dims)``."""
        index = np.asarray(index, np.int64).reshape(-1, len(self.dims))
        return [np.asarray(d.values)[index[:, i]] for i, d in enumerate(self.dims)]

    def policies(self, index: np.ndarray) -> dict[str, np.ndarray]:
        """Kernel parameters (dotted keys, int64 per point) at points ``index``.

        Safety factors become the node's reorder point (and order-up-to level).
        """
        out: dict[str, np.ndarray] = {}
        safety = dict(self.safety)
        for d, v in zip(self.dims, self.values(index), strict=True):
            if d.param != SAFETY_FACTOR:
                out[d.key] = v.astype(np.int64)
                continue
            s = safety[d.node]
            level = np.round(s.mean + v * s.std).astype(np.int64)
            if s.kind == "base_stock":
                out[f"{d.node}.order_up_to"] = np.maximum(level, 0)
            else:
                out[f"{d.node}.reorder_point"] = level
                if s.kind == "sS":
                    out[f"{d.node}.order_up_to"] = np.maximum(level + s.gap, 0)
        return out

    def points(self, index: np.ndarray) -> PolicyPoints:
        """The :class:`PolicyPoints` of ``index`` (fixed parameters included)."""
        pol = self.policies(index)
        n = next(iter(pol.values())).size
        axes = tuple(
            Axis(key, *key.split(".", 1), tuple(int(x) for x in v)) for key, v in pol.items()
        )
        fixed = tuple((*k.split(".", 1), v) for k, v in self.fixed)
        points = PolicyPoints(axes, fixed, n)
        for name in self.model.node_names:
            node_policy(self.model, points, name)  # refuses impossible settings early
        return points

    def valid(self, index: np.ndarray) -> np.ndarray:
        """Which points are a policy at every node (``reorder_point < order_up_to``)."""
        points = self.points(index)
        ok = np.ones(points.size, bool)
        for name in self.model.node_names:
            ok &= node_policy(self.model, points, name).valid
        return ok

    def nearest(self, policy: Mapping) -> tuple[int, ...]:
        """The lattice point nearest to ``policy`` (dotted keys; missing ones: the model's).

        A safety factor's start is the one whose level is nearest to the node's
        current reorder point (or order-up-to level of a base-stock node).
        """
        out = []
        safety = dict(self.safety)
        for d in self.dims:
            values = np.asarray(d.values, np.float64)
            if d.key in policy:
                want = float(policy[d.key])
            elif d.param == SAFETY_FACTOR:
                s = safety[d.node]
                node = self.model.node(d.node)
                level = node.order_up_to if s.kind == "base_stock" else node.reorder_point
                want = 0.0 if level is None or s.std == 0 else (level - s.mean) / s.std
            else:
                current = getattr(self.model.node(d.node), d.param)
                want = float(values[len(values) // 2] if current is None else current)
            out.append(int(np.argmin(np.abs(values - want))))
        return tuple(out)

    def check_start(self, start: Mapping | None) -> tuple[int, ...]:
        """The start point's index: ``start`` (values on the lattice), else the model's policy."""
        if start is None:
            index = self.nearest({})
        else:
            if not isinstance(start, Mapping):
                raise ValueError(f"start must map space keys to values, got {start!r}")
            by_key = {}
            for key, value in start.items():
                node, param = _parse_key(self.model, key)
                dim = next((d for d in self.dims if (d.node, d.param) == (node, param)), None)
                if dim is None:
                    raise ValueError(f"start[{key!r}] names no dimension of the space")
                if value not in dim.values:
                    raise ValueError(
                        f"start[{key!r}] must be one of the space's values for it, got {value!r}"
                    )
                by_key[dim.key] = value
            index = self.nearest(by_key)
        if not self.valid(np.array([index]))[0]:
            policy = {d.key: d.values[i] for d, i in zip(self.dims, index, strict=True)}
            raise ValueError(
                f"start policy {policy} is no policy (a reorder point at or above its "
                "order-up-to level); give a start table or change the space"
            )
        return index

    def describe(self, index) -> dict:
        """``{cube name: value}`` of one point, as plain Python values."""
        return {d.name: d.values[int(i)] for d, i in zip(self.dims, np.ravel(index), strict=True)}

    def to_dict(self) -> dict:
        """The space as plain values (dotted keys), for TOML and provenance."""
        return {d.key: list(d.values) for d in self.dims}


def _parse_key(model: Model, key) -> tuple[str, str]:
    if not isinstance(key, str):
        raise ValueError(f"space keys must be strings, got {key!r}")
    names = model.node_names
    allowed = ", ".join(SEARCH_PARAMETERS)
    for param in SEARCH_PARAMETERS:
        for sep in (".", "_"):
            node = key[: -len(param) - 1]
            if key.endswith(sep + param) and node in names:
                return node, param
    if len(names) == 1 and key in SEARCH_PARAMETERS:
        return names[0], key
    if "." in key:
        node, param = key.split(".", 1)
        if node not in names:
            raise ValueError(
                f"space key {key!r} names unknown node {node!r}; nodes are {', '.join(names)}"
            )
        raise ValueError(f"space key {key!r} names no parameter; use one of {allowed}")
    if len(names) > 1 and key in SEARCH_PARAMETERS:
        raise ValueError(
            f"space key {key!r} needs a node prefix in a network, e.g. '{names[0]}.{key}'"
        )
    raise ValueError(f"space key {key!r} names no parameter; use one of {allowed}")


def _values(where: str, values, integer: bool) -> tuple:
    if isinstance(values, str | bytes | Mapping) or not hasattr(values, "__iter__"):
        raise ValueError(
            f"{where} must be a sequence of values (e.g. range(50, 401, 5)), got {values!r}"
        )
    out = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
            raise ValueError(f"{where} must hold finite numbers, got {v!r}")
        if integer:
            if not float(v).is_integer():
                raise ValueError(f"{where} must hold whole numbers, got {v!r}")
            out.append(int(v))
        else:
            out.append(float(v))
    if len(out) < 2:
        raise ValueError(f"{where} must hold at least two values to search over, got {out}")
    if len(out) > MAX_VALUES:
        raise ValueError(f"{where} holds {len(out)} values; at most {MAX_VALUES}")
    if any(b <= a for a, b in zip(out, out[1:], strict=False)):
        raise ValueError(f"{where} must be strictly increasing, got {out[:8]}...")
    return tuple(out)


def _safety(model: Model, name: str, fixed: dict, periods: int) -> _Safety:
    """Mean and std of the demand over lead time + review period below ``name``."""
    from fasttwin.analytic.moments import demand_moments, lead_time_moments
    from fasttwin.analytic.safety_stock import lead_time_demand

    node = model.node(name)
    parent = {n.name: n.parent for n in model.nodes}

    def below(n: str) -> bool:
        while n is not None:
            if n == name:
                return True
            n = parent[n]
        return False

    leaves = [n for n in model.nodes if n.demand is not None and below(n.name)]
    if not leaves:
        raise ValueError(f"space[{name}.safety_factor]: no customer demand reaches {name!r}")
    moments = [demand_moments(n.demand, periods) for n in leaves]
    mean = sum(m for m, _ in moments)
    std = math.sqrt(sum(s * s for _, s in moments))
    review = fixed.get(f"{name}.review_period", node.review_period)
    lt_mean, lt_std = lead_time_moments(node.lead_time)
    mu, sigma = lead_time_demand(mean, std, lt_mean + review, lt_std)
    s = fixed.get(f"{name}.reorder_point", node.reorder_point)
    big_s = fixed.get(f"{name}.order_up_to", node.order_up_to)
    q = fixed.get(f"{name}.order_quantity", node.order_quantity)
    if q is not None:
        return _Safety(mu, sigma, "rQ", 0)
    if big_s is None:
        raise ValueError(f"space[{name}.safety_factor]: node {name!r} has no policy to scale")
    if s is None:
        return _Safety(mu, sigma, "base_stock", 0)
    return _Safety(mu, sigma, "sS", int(big_s) - int(s))
