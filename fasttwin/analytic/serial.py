"""Exact costs of a two-stage serial system under base-stock policies (Clark & Scarf).

The system: the external supplier -> a warehouse (lead time ``L2`` days) ->
a store (lead time ``L1`` days from the warehouse) with stationary Poisson
demand of mean ``lam`` a day, backordered; daily review, base-stock levels
``S1`` at the store and ``S2`` at the warehouse (installation inventory
positions, as the simulator's nodes use them), a reliable supplier.

**Derivation, in the day order of DESIGN.md section 1.** With base stock
each node orders every day exactly what it was asked the day before, so the
warehouse's order on day ``t`` is the store's demand of day ``t - 1`` and its
net inventory at the end of day ``t`` is ``S2`` minus the ``L2`` days of
demand whose orders are still on their way. Its backorders at the end of day
``t`` are therefore ``B2 = (Y - S2)^+`` with ``Y ~ Poisson(lam * L2)``, and its
on-hand stock ``(S2 - Y)^+``. A store order placed on day ``u`` is shipped on
the day the warehouse has the units and arrives ``L1`` days later; at the
end of day ``t`` every order shipped by day ``t - L1`` has arrived and the
others have not, so the store's net inventory is

    NI1 = S1 - X - (Y' - S2)^+,

with ``X ~ Poisson(lam * (L1 + 1))`` the demand of days ``t - L1 .. t`` and
``Y'`` (distributed as ``Y``) the ``L2`` days before them: independent
windows. The long-run cost per day is then exact:

    C(S1, S2) = h2 E(S2 - Y)^+ + h1 E(NI1)^+ + p E(NI1)^- + (K1 + K2) P(D > 0)
                + (c1 + c2) lam,

(in-transit stock is not charged, as in the simulator). :func:`serial_cost`
evaluates it with the exact Poisson pmfs.

**The optimum.** With echelon level ``y2 = S1 + S2``, the store's effective
position is ``min(S1, y2 - Y)``, so ``C = h2 E(y2 - Y - X) + E G1(min(S1, y2 -
Y)) + const`` with the convex ``G1(y) = (h1 - h2) E(y - X) + (p + h1) E(X -
y)^+``. Clark & Scarf (1960): the best ``S1`` is the minimiser ``S1*`` of
``G1`` for every ``y2``, and the best ``y2`` minimises ``G2(y) = h2 (y - EY -
EX) + E G1(min(S1*, y - Y))``. :func:`optimal_serial_base_stock` computes
this recursion and converts back to installation levels (``S1 = min(S1*,
y2*)``, ``S2 = y2* - S1``); the optimum over installation base-stock levels
equals it (echelon and installation base-stock policies coincide in serial
systems), which the tests check against a grid of :func:`serial_cost`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from fasttwin.model.distributions import Poisson
from fasttwin.model.network import Model


@dataclass(frozen=True)
class SerialSystem:
    """The numbers of a two-stage serial model."""

    store: str
    warehouse: str
    lam: float
    store_lead_time: int
    warehouse_lead_time: int
    store_holding: float
    warehouse_holding: float
    backorder: float
    constant: float


@dataclass(frozen=True)
class SerialOptimum:
    """Optimal installation levels (``store``, ``warehouse``) and the cost per day."""

    store: int
    warehouse: int
    cost: float
    echelon_store: int
    echelon_warehouse: int


def serial_system(model: Model) -> SerialSystem:
    """Check that ``model`` is the serial system above and read its numbers.

    Examples
    --------
    >>> import fasttwin as ft
    >>> serial_system(ft.retail_twin())
    Traceback (most recent call last):
    ...
    ValueError: the serial formula needs exactly two nodes (a warehouse and one store), got 4
    """
    if not isinstance(model, Model):
        raise ValueError(f"model must be a fasttwin Model, got {model!r}")
    if len(model.nodes) != 2:
        raise ValueError(
            "the serial formula needs exactly two nodes (a warehouse and one store), "
            f"got {len(model.nodes)}"
        )
    roots = [n for n in model.nodes if n.parent is None]
    if len(roots) != 1:
        raise ValueError("the serial formula needs one warehouse and a store that orders from it")
    wh = roots[0]
    store = next(n for n in model.nodes if n is not wh)
    reasons = []
    if model.review != "periodic":
        reasons.append("periodic review")
    d = store.demand
    if not isinstance(d, Poisson) or not d.is_stationary_default() or d.mean <= 0:
        reasons.append("stationary Poisson demand with a positive mean at the store")
    if store.lost_sales:
        reasons.append("backorders at the store (lost_sales=False)")
    for n in (wh, store):
        if not isinstance(n.lead_time, int):
            reasons.append(f"a fixed lead time at {n.name}")
        if n.review_period != 1:
            reasons.append(f"daily review at {n.name}")
        if n.reliability != 1.0:
            reasons.append(f"a reliable supplier at {n.name}")
        if n.capacity is not None and n.overflow_cost > 0:
            reasons.append(f"no overflow cost at {n.name}")
    if reasons:
        raise ValueError("the serial formula needs " + "; ".join(reasons))
    lam = float(d.mean)
    p_order = 1.0 - math.exp(-lam)
    constant = (wh.order_cost + store.order_cost) * p_order + (wh.unit_cost + store.unit_cost) * lam
    return SerialSystem(
        store.name,
        wh.name,
        lam,
        int(store.lead_time),
        int(wh.lead_time),
        float(store.holding_cost),
        float(wh.holding_cost),
        float(store.backorder_cost),
        constant,
    )


def _pmf(mean: float, top: int) -> np.ndarray:
    from scipy import stats

    return stats.poisson.pmf(np.arange(top + 1), mean) if mean > 0 else np.eye(1, top + 1)[0]


def _top(mean: float) -> int:
    """A support cut where the Poisson tail mass is far below 1e-15."""
    return int(mean + 12 * math.sqrt(mean + 1) + 30)


def _positive_part(pmf: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """``E(y - Z)^+`` for each level ``y`` (``pmf`` of ``Z`` on 0, 1, ...)."""
    k = np.arange(pmf.size)
    cdf = np.concatenate([[0.0], np.cumsum(pmf)])
    first = np.concatenate([[0.0], np.cumsum(k * pmf)])
    y = np.clip(np.asarray(levels), 0, pmf.size)
    return y * cdf[y] - first[y] + np.maximum(np.asarray(levels) - pmf.size, 0)


def serial_cost(model: Model, store_level: int, warehouse_level: int) -> float:
    """Exact long-run cost per day of base-stock levels (``S1``, ``S2``) (installation).

    Examples
    --------
    >>> import fasttwin as ft
    >>> m = ft.Model(nodes=(ft.Node("wh", lead_time=3, order_up_to=30, holding_cost=0.5),
    ...     ft.Node("shop", parent="wh", lead_time=1, demand=ft.Poisson(5.0), order_up_to=15,
    ...             holding_cost=1.0, backorder_cost=9.0)))
    >>> round(serial_cost(m, 15, 20), 4)
    8.8276
    """
    s = serial_system(model)
    return float(serial_costs(s, np.array([store_level]), warehouse_level)[0])


def serial_costs(s: SerialSystem, store_levels: np.ndarray, warehouse_level: int) -> np.ndarray:
    """Exact costs of every store level in ``store_levels`` at one warehouse level."""
    mx, my = s.lam * (s.store_lead_time + 1), s.lam * s.warehouse_lead_time
    px, py = _pmf(mx, _top(mx)), _pmf(my, _top(my))
    s2 = int(warehouse_level)
    # W = (Y - S2)^+ and Z = X + W.
    w = np.zeros(max(py.size - s2, 1))
    w[0] = py[: s2 + 1].sum()
    if py.size > s2 + 1:
        w[1:] = py[s2 + 1 :]
    z = np.convolve(px, w)
    levels = np.asarray(store_levels, np.int64)
    hold1 = _positive_part(z, levels)
    short = hold1 - levels + float(np.arange(z.size) @ z)  # E(Z - S1)^+
    hold2 = float(_positive_part(py, np.array([s2]))[0])
    return s.warehouse_holding * hold2 + s.store_holding * hold1 + s.backorder * short + s.constant


def optimal_serial_base_stock(model: Model) -> SerialOptimum:
    """Optimal base-stock levels of the serial system by the Clark–Scarf recursion.

    Examples
    --------
    >>> import fasttwin as ft
    >>> m = ft.Model(nodes=(ft.Node("wh", lead_time=3, order_up_to=30, holding_cost=0.5),
    ...     ft.Node("shop", parent="wh", lead_time=1, demand=ft.Poisson(5.0), order_up_to=15,
    ...             holding_cost=1.0, backorder_cost=9.0)))
    >>> opt = optimal_serial_base_stock(m)
    >>> (opt.store, opt.warehouse), round(opt.cost, 4)
    ((15, 17), 8.3498)
    """
    s = serial_system(model)
    mx, my = s.lam * (s.store_lead_time + 1), s.lam * s.warehouse_lead_time
    px, py = _pmf(mx, _top(mx)), _pmf(my, _top(my))
    ys = np.arange(-py.size - 1, px.size + py.size + 2)
    ex = float(np.arange(px.size) @ px)
    ey = float(np.arange(py.size) @ py)
    pos = _positive_part(px, ys)  # E(y - X)^+; E(X - y)^+ = pos - (y - EX)
    g1 = (s.store_holding - s.warehouse_holding) * (ys - ex) + (s.backorder + s.store_holding) * (
        pos - (ys - ex)
    )
    i1 = int(np.argmin(g1))
    s1 = int(ys[i1])
    best, best_y2 = math.inf, s1
    for y2 in range(0, px.size + py.size + 1):
        eff = np.minimum(s1, y2 - np.arange(py.size))
        g = float(py @ g1[eff - ys[0]])
        g2 = s.warehouse_holding * (y2 - ey - ex) + g
        if g2 < best - 1e-12:
            best, best_y2 = g2, y2
    store = min(s1, best_y2)
    return SerialOptimum(store, best_y2 - store, best + s.constant, s1, best_y2)
