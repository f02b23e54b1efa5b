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

The optimum is found by the algorithm of Zheng & Federgruen (1991), "Finding
optimal (s, S) policies is about as simple as evaluating a single policy",
Operations Research 39(4), 654-665; its bounds then delimit the search for
every other pair that ties with it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fasttwin.model.distributions import Poisson
from fasttwin.model.network import Model, Node

#: Pairs whose cost is within this relative distance of the optimum are optimal too.
TIE_RTOL = 1e-9


def exact_reasons(model: Model) -> list[str]:
    """Why the exact periodic (s, S) formulas do not apply to ``model`` (empty: they do).

    Examples
    --------
    >>> import fasttwin as ft
    >>> exact_reasons(ft.single_node(demand=ft.Normal(10.0, 3.0), lost_sales=True))
    ['demand must be stationary Poisson (no seasonality, trend or events), got Normal', \
'unmet demand must be backordered (lost_sales=False)']
    """
    if not isinstance(model, Model):
        raise ValueError(
            f"model must be a fasttwin Model (e.g. ft.single_node(...)), got {model!r}"
        )
    if len(model.nodes) != 1:
        return [f"the model must have one node, got {len(model.nodes)}"]
    node = model.nodes[0]
    reasons = []
    if model.review != "periodic":
        reasons.append(f"the model must be periodic review, got {model.review!r}")
    if not isinstance(node.demand, Poisson) or not node.demand.is_stationary_default():
        got = type(node.demand).__name__ if node.demand is not None else "no demand"
        reasons.append(
            f"demand must be stationary Poisson (no seasonality, trend or events), got {got}"
        )
    elif node.demand.mean <= 0:
        reasons.append(f"the demand mean must be > 0, got {node.demand.mean}")
    if node.lost_sales:
        reasons.append("unmet demand must be backordered (lost_sales=False)")
    if not isinstance(node.lead_time, int):
        reasons.append(
            f"the lead time must be a fixed number of days, got {type(node.lead_time).__name__}"
        )
    if node.reliability != 1.0:
        reasons.append(f"the supplier must be reliable (reliability=1), got {node.reliability}")
    if node.review_period != 1:
        reasons.append(f"the review period must be 1 day, got {node.review_period}")
    if node.capacity is not None and node.overflow_cost > 0:
        reasons.append("there must be no overflow cost (capacity with overflow_cost > 0)")
    return reasons


def _exact_node(model: Model) -> Node:
    reasons = exact_reasons(model)
    if reasons:
        raise ValueError("the exact (s, S) formula does not apply: " + "; ".join(reasons))
    return model.nodes[0]


def _renewal_m(pmf: np.ndarray, n: int) -> np.ndarray:
    """``m(0..n-1)``: expected days a cycle spends ``j`` units below S."""
    m = np.zeros(n)
    q = 1.0 - pmf[0]
    m[0] = 1.0 / q
    for j in range(1, n):
        m[j] = np.dot(pmf[1 : j + 1], m[j - 1 :: -1][:j]) / q
    return m


def _expected_cost_G(node: Node, ys: np.ndarray) -> np.ndarray:
    """G(y): expected one-day holding + backorder cost at position y (L+1 days of demand)."""
    from scipy import stats

    mu = node.demand.mean * (node.lead_time + 1)
    y = np.asarray(ys)
    top = int(max(y.max(), 0)) + 1
    k = np.arange(top + 1)
    pmf = stats.poisson.pmf(k, mu)
    # E[(y - D)^+] = sum_{k < y} (y - k) p_k, computed for all y at once.
    cdf = np.cumsum(pmf)
    partial_mean = np.cumsum(k * pmf)
    pos = np.zeros(y.shape)
    idx = y > 0
    yi = y[idx].astype(int)
    pos[idx] = yi * cdf[yi - 1] - partial_mean[yi - 1]
    neg = mu - y + pos  # E[(D - y)^+]
    return node.holding_cost * pos + node.backorder_cost * neg


def ss_cost(model: Model, reorder_point: int, order_up_to: int) -> float:
    """Exact long-run cost per day of an (s, S) policy (periodic review).

    Parameters
    ----------
    model
        A one-node model with stationary Poisson demand, backorders, a fixed
        lead time, a reliable supplier and daily review; anything else is
        refused with the assumption that fails.
    reorder_point, order_up_to
        The policy: order ``S - IP`` when the inventory position ``IP <= s``.

    Returns
    -------
    float
        Holding + backorder + ordering cost per day, ``unit_cost x mean``
        included, in the long run.

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
    m = _renewal_m(_poisson_pmf(node.demand.mean, n), n)
    g = _expected_cost_G(node, big_s - np.arange(n))
    return float((node.order_cost + m @ g) / m.sum() + node.unit_cost * node.demand.mean)


def _poisson_pmf(mean: float, top: int) -> np.ndarray:
    from scipy import stats

    return stats.poisson.pmf(np.arange(top + 1), mean)


@dataclass(frozen=True)
class OptimalSS:
    """The optimal long-run cost per day and every (s, S) pair that reaches it.

    ``pairs[0]`` is the pair found by the Zheng-Federgruen algorithm; the
    others, sorted by ``order_up_to`` then ``reorder_point``, tie with it:
    their cost is within a relative ``1e-9`` of the optimum. Wide ties are
    common when the daily demand almost surely exceeds ``S - s``: every order
    cycle then lasts one day whatever ``s`` is.
    """

    cost: float
    pairs: tuple[tuple[int, int], ...]

    @property
    def reorder_point(self) -> int:
        """``s`` of the first optimal pair."""
        return self.pairs[0][0]

    @property
    def order_up_to(self) -> int:
        """``S`` of the first optimal pair."""
        return self.pairs[0][1]


@dataclass(frozen=True)
class OptimalBaseStock:
    """The optimal base-stock cost per day and every level that reaches it."""

    cost: float
    levels: tuple[int, ...]

    @property
    def level(self) -> int:
        """The smallest optimal base-stock level."""
        return self.levels[0]


class _Costs:
    """G and c(s, S) on a growing window of positions, for the optimisers."""

    def __init__(self, node: Node):
        self.node = node
        self.mean = node.demand.mean
        self.lo = self.hi = 0
        self.g = np.zeros(0)
        self.m = np.zeros(0)
        self.cum_m = np.zeros(1)

    def G(self, y: int) -> float:
        if not self.lo <= y < self.hi:
            self._grow_g(y)
        return float(self.g[y - self.lo])

    def G_range(self, lo: int, hi: int) -> np.ndarray:
        """G(lo..hi-1)."""
        self.G(lo)
        self.G(hi - 1)
        return self.g[lo - self.lo : hi - self.lo]

    def _grow_g(self, y: int) -> None:
        width = max(self.hi - self.lo, 64)
        lo = min(self.lo, y - width) if self.g.size else y - width
        hi = max(self.hi, y + width) if self.g.size else y + width
        self.g = _expected_cost_G(self.node, np.arange(lo, hi))
        self.lo, self.hi = lo, hi

    def _grow_m(self, n: int) -> None:
        n = max(n, 2 * self.m.size, 64)
        self.m = _renewal_m(_poisson_pmf(self.mean, n), n)
        self.cum_m = np.concatenate([[0.0], np.cumsum(self.m)])

    def c(self, s: int, big_s: int) -> float:
        """Cost per day of (s, S) without the constant ``unit_cost x mean``."""
        n = big_s - s
        if n > self.m.size:
            self._grow_m(n)
        g = self.G_range(s + 1, big_s + 1)[::-1]  # G(S), G(S-1), ..., G(s+1)
        return float((self.node.order_cost + self.m[:n] @ g) / self.cum_m[n])

    def c_all_s(self, s_lo: int, s_hi: int, big_s: int) -> np.ndarray:
        """c(s, S) for s = s_lo..s_hi at once (cumulative sums over the cycle)."""
        n_max = big_s - s_lo
        if n_max > self.m.size:
            self._grow_m(n_max)
        g = self.G_range(s_lo + 1, big_s + 1)[::-1]
        num = self.node.order_cost + np.cumsum(self.m[:n_max] * g)
        n = big_s - np.arange(s_lo, s_hi + 1)
        return num[n - 1] / self.cum_m[n]


def _check_costs(node: Node) -> None:
    for name in ("holding_cost", "backorder_cost"):
        value = getattr(node, name)
        if not value > 0:
            raise ValueError(
                f"node {node.name!r}: {name} must be > 0 for an optimal policy to exist, "
                f"got {value}"
            )


def _minimiser(costs: _Costs) -> int:
    """The smallest integer minimiser y* of the convex G (the newsvendor level)."""
    from scipy import stats

    node = costs.node
    mu = node.demand.mean * (node.lead_time + 1)
    fractile = node.backorder_cost / (node.backorder_cost + node.holding_cost)
    # G(y+1) - G(y) = h - (h + p) P(D > y) >= 0 from the critical fractile on.
    y = int(stats.poisson.ppf(fractile, mu))
    while y > 0 and costs.G(y - 1) <= costs.G(y):
        y -= 1
    while costs.G(y + 1) < costs.G(y):
        y += 1
    return y


def optimal_base_stock(model: Model) -> OptimalBaseStock:
    """The optimal base-stock level(s) and their exact cost per day.

    A base-stock policy orders every day it sells (``s = S - 1``), so its cost
    is ``G(S) + K P(demand > 0) + c x mean``; the level minimises ``G``, the
    newsvendor problem over ``L + 1`` days of demand at the critical fractile
    ``p / (p + h)``. Levels whose cost ties (a flat optimum) are all returned.

    Examples
    --------
    >>> import fasttwin as ft
    >>> m = ft.single_node(demand=ft.Poisson(10.0), lead_time=2,
    ...                    holding_cost=1.0, backorder_cost=9.0)
    >>> best = optimal_base_stock(m)
    >>> best.levels, round(best.cost, 4)
    ((37,), 9.9532)
    """
    node = _exact_node(model)
    _check_costs(node)
    costs = _Costs(node)
    y = _minimiser(costs)
    g_star = costs.G(y)
    levels = [y]
    while costs.G(levels[-1] + 1) <= g_star + TIE_RTOL * abs(g_star):
        levels.append(levels[-1] + 1)
    p0 = float(np.exp(-node.demand.mean))
    extra = node.order_cost * (1.0 - p0) + node.unit_cost * node.demand.mean
    return OptimalBaseStock(cost=g_star + extra, levels=tuple(levels))


def optimal_ss(model: Model) -> OptimalSS:
    """The optimal (s, S) policy: its exact cost per day and every pair reaching it.

    Zheng & Federgruen (1991): starting from the minimiser ``y*`` of ``G``,
    find the best ``s`` for ``S = y*``, then raise ``S`` while ``G(S)`` stays
    below the best cost, improving ``s`` whenever ``S`` improves. Every
    optimal pair satisfies ``G(s + 1) <= c* <= G(s)`` and ``y* <= S`` with
    ``G(S) <= c*``; all pairs in that box are evaluated to return the ties
    (costs equal within a relative 1e-9) as well.

    Parameters
    ----------
    model
        A one-node model within the assumptions of :func:`ss_cost`, with
        ``holding_cost > 0`` and ``backorder_cost > 0``.

    Returns
    -------
    OptimalSS
        ``cost`` (per day, ``unit_cost x mean`` included) and ``pairs``.

    Examples
    --------
    >>> import fasttwin as ft
    >>> m = ft.single_node(demand=ft.Poisson(10.0), holding_cost=1.0,
    ...                    backorder_cost=9.0, order_cost=64.0)
    >>> best = optimal_ss(m)
    >>> best.pairs, round(best.cost, 3)
    (((6, 40),), 35.022)
    """
    node = _exact_node(model)
    _check_costs(node)
    costs = _Costs(node)
    y_star = _minimiser(costs)
    # Zheng & Federgruen (1991), section 3.
    s = y_star - 1
    big_s0 = y_star
    while costs.c(s, big_s0) > costs.G(s):
        s -= 1
    c0 = costs.c(s, big_s0)
    big_s = big_s0 + 1
    while costs.G(big_s) <= c0:
        if costs.c(s, big_s) < c0:
            big_s0 = big_s
            while s + 1 < big_s0 and costs.c(s, big_s0) <= costs.G(s + 1):
                s += 1
            c0 = costs.c(s, big_s0)
        big_s += 1
    pairs, c_star = _ties(costs, y_star, c0)
    if (s, big_s0) in pairs:  # the pair the algorithm found comes first
        pairs = ((s, big_s0), *(p for p in pairs if p != (s, big_s0)))
    return OptimalSS(cost=c_star + node.unit_cost * node.demand.mean, pairs=pairs)


def _ties(costs: _Costs, y_star: int, c0: float) -> tuple[tuple[tuple[int, int], ...], float]:
    """Every pair within the tie tolerance of the best cost ``c0``, and the best cost."""
    tol = TIE_RTOL * abs(c0)
    # Positions where G <= c*: an interval [a, b] around y* (G is convex).
    a = y_star
    while costs.G(a - 1) <= c0 + tol:
        a -= 1
    b = y_star
    while costs.G(b + 1) <= c0 + tol:
        b += 1
    # Optimal s: G(s + 1) <= c* <= G(s), so s in [a - 1, b - 1]; optimal S in [y*, b].
    s_lo, s_hi = a - 1, b - 1
    found = []
    for big_s in range(y_star, b + 1):
        hi = min(s_hi, big_s - 1)
        if hi < s_lo:
            continue
        c = costs.c_all_s(s_lo, hi, big_s)
        for s in np.flatnonzero(c <= c0 + tol):
            found.append((float(c[s]), (int(s_lo + s), big_s)))
    best = min(c for c, _ in found)
    pairs = tuple(pair for c, pair in found if c <= best + TIE_RTOL * abs(best))
    return tuple(sorted(pairs, key=lambda p: (p[1], p[0]))), best
