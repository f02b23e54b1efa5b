"""Exact periodic-review results for Poisson demand with backorders.

Periodic review, Poisson demand, backorders, fixed lead time ``L`` and the
order of events of DESIGN.md section 1: the end-of-day net inventory on day
``t + L`` is the inventory position after ordering on day ``t`` minus the
demand of the ``L + 1`` days ``t..t+L``. With ``G(y)`` the expected
holding-plus-backorder cost of one day when that position is ``y``, the
long-run cost per day of (s, S) is the renewal ratio (Zheng & Federgruen 1991)

    c(s, S) = (K + sum_{j=0}^{S-s-1} m(j) G(S - j)) / M(S - s) + c * mean,

where ``m(j)`` is the expected number of days a cycle spends at position
``S - j`` (``m(0) = 1 / (1 - p0)``, ``m(j) = sum_{l=1}^{j} p_l m(j - l) /
(1 - p0)``, ``p`` the one-day demand pmf) and ``M(n) = sum_{j<n} m(j)``.
"""

from __future__ import annotations

import numpy as np

from fasttwin.model.distributions import Poisson
from fasttwin.model.network import Model, Node


def _exact_node(model: Model) -> Node:
    if not isinstance(model, Model):
        raise ValueError(f"model must be a fasttwin Model, got {model!r}")
    if len(model.nodes) != 1:
        raise ValueError(f"exact formulas need a one-node model, got {len(model.nodes)} nodes")
    node = model.nodes[0]
    reasons = []
    if not isinstance(node.demand, Poisson) or not node.demand.is_stationary_default():
        reasons.append("demand must be stationary Poisson (no seasonality, trend or events)")
    if node.lost_sales:
        reasons.append("unmet demand must be backordered (lost_sales=False)")
    if not isinstance(node.lead_time, int):
        reasons.append("the lead time must be a fixed number of days")
    if node.reliability != 1.0:
        reasons.append("the supplier must be reliable (reliability=1)")
    if node.review_period != 1:
        reasons.append("the review period must be 1 day")
    if node.capacity is not None and node.overflow_cost > 0:
        reasons.append("there must be no overflow cost")
    if reasons:
        raise ValueError("the exact (s, S) formula does not apply: " + "; ".join(reasons))
    return node


def _poisson_pmf(mean: float, top: int) -> np.ndarray:
    from scipy import stats

    return stats.poisson.pmf(np.arange(top + 1), mean)


def _expected_cost_G(node: Node, ys: np.ndarray) -> np.ndarray:
    """G(y): expected one-day holding + backorder cost at position y (L+1 days of demand)."""
    from scipy import stats

    mu = node.demand.mean * (node.lead_time + 1)
    top = int(max(ys.max(), 0)) + 1
    k = np.arange(top + 1)
    pmf = stats.poisson.pmf(k, mu)
    # E[(y - D)^+] = sum_{k < y} (y - k) p_k, computed for all y at once.
    cdf = np.cumsum(pmf)
    partial_mean = np.cumsum(k * pmf)
    y = np.asarray(ys)
    pos = np.zeros(y.shape)
    idx = y > 0
    yi = y[idx].astype(int)
    pos[idx] = yi * cdf[yi - 1] - partial_mean[yi - 1]
    neg = mu - y + pos  # E[(D - y)^+]
    return node.holding_cost * pos + node.backorder_cost * neg


def ss_cost(model: Model, reorder_point: int, order_up_to: int) -> float:
    """Exact long-run cost per day of an (s, S) policy (periodic review).

    Examples
    --------
    >>> import fasttwin as ft
    >>> m = ft.single_node(demand=ft.Poisson(mean=10.0), holding_cost=1.0,
    ...                    backorder_cost=9.0, order_cost=64.0)
    >>> round(ss_cost(m, 6, 40), 3)   # Zheng & Federgruen (1991), mean 10: 35.022
    35.022
    """
    node = _exact_node(model)
    s, big_s = int(reorder_point), int(order_up_to)
    if s >= big_s:
        raise ValueError(f"reorder_point must be < order_up_to ({big_s}), got {s}")
    n = big_s - s
    p = _poisson_pmf(node.demand.mean, n)
    p0 = p[0]
    m = np.zeros(n)
    m[0] = 1.0 / (1.0 - p0)
    for j in range(1, n):
        m[j] = np.dot(p[1 : j + 1], m[j - 1 :: -1][:j]) / (1.0 - p0)
    g = _expected_cost_G(node, big_s - np.arange(n))
    return float((node.order_cost + m @ g) / m.sum() + node.unit_cost * node.demand.mean)
