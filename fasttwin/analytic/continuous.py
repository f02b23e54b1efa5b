"""Exact continuous-review results for Poisson unit demand.

**(s, S) with backorders and a fixed lead time** (``rq_cost``). Customers
arrive at rate ``lam`` per day and take one unit each, so the inventory
position ``IP`` steps down by one at each arrival and, on reaching ``s``, is
lifted to ``S`` at once: (s, S) is the (r, Q) policy with ``r = s`` and
``Q = S - s``, and in the long run ``IP`` is uniform on ``{s+1, ..., S}``.
Everything on order at ``t - L`` has arrived by ``t`` and nothing ordered later
has, so the net inventory is ``IL(t) = IP(t - L) - D``, with ``D`` the demand
in ``(t - L, t]``, Poisson with mean ``lam L`` and independent of
``IP(t - L)``. Hence the long-run cost per day

    c(s, S) = K lam / Q + c lam + (1 / Q) sum_{y=s+1}^{S} G(y),
    G(y) = h E[(y - D)^+] + p E[(D - y)^+]

(Hadley & Whitin 1963; Zipkin 2000, section 6.2).

**Lost sales, at most one order outstanding, exponential lead times**
(``lost_sales_chain``). The state ``(on hand, quantity on order)`` is a finite
continuous-time Markov chain: an arrival takes one unit (or is lost at 0),
the outstanding order arrives at rate ``1 / mean lead time``, and after
either event the node orders ``S - on hand`` if nothing is on order and the
stock is ``<= s``. Its stationary law gives the fill rate (by PASTA, the
stationary probability of stock on hand) and every cost rate. For
base-stock (``s = S - 1``) the order is always one unit and the chain is the
birth-death chain on ``{0, ..., S}`` with births at rate ``mu`` and deaths
at rate ``lam``: fill rate ``1 - 1 / sum_{i=0}^{S} (mu / lam)^i``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from fasttwin.model.distributions import Distribution, Exponential
from fasttwin.model.network import Model, Node


def _continuous_node(
    model: Model, formula: str, needs: Callable[[Node], list[tuple[bool, str]]]
) -> Node:
    """The model's node if the formula applies, else an error naming each failed assumption.

    ``needs(node)`` lists ``(holds, assumption)`` pairs beyond the common ones.
    """
    if not isinstance(model, Model):
        raise ValueError(f"model must be a fasttwin Model, got {model!r}")
    if model.review != "continuous":
        raise ValueError(
            f"the {formula} does not apply: model.review must be 'continuous', got "
            f"{model.review!r} (periodic review: fasttwin.analytic.ss_cost)"
        )
    node = model.nodes[0]
    reasons = []
    if not node.demand.is_stationary_default():
        reasons.append("demand must be stationary Poisson (no seasonality, trend or events)")
    if node.batch is not None:
        reasons.append("customers must take one unit each (batch=None)")
    if node.capacity is not None and node.overflow_cost > 0:
        reasons.append("there must be no overflow cost")
    reasons += [reason for holds, reason in needs(node) if not holds]
    if reasons:
        raise ValueError(f"the {formula} does not apply: " + "; ".join(reasons))
    return node


def _check_policy(reorder_point, order_up_to) -> tuple[int, int]:
    s, big_s = int(reorder_point), int(order_up_to)
    if s >= big_s:
        raise ValueError(f"reorder_point must be < order_up_to ({big_s}), got {s}")
    return s, big_s


def rq_cost(model: Model, reorder_point: int, order_up_to: int) -> float:
    """Exact long-run cost per day of (s, S) under continuous review (backorders, fixed lead time).

    Examples
    --------
    >>> import fasttwin as ft
    >>> m = ft.single_node(demand=ft.Poisson(mean=4.0), lead_time=0.0, review="continuous",
    ...                    holding_cost=1.0, order_cost=8.0)
    >>> rq_cost(m, 0, 8)   # K lam / Q + h (1 + ... + 8) / 8 = 4 + 4.5
    8.5
    """
    node = _continuous_node(
        model,
        "exact continuous (r, Q) formula",
        lambda n: [
            (not n.lost_sales, "unmet demand must be backordered (lost_sales=False)"),
            (
                not isinstance(n.lead_time, Distribution),
                "the lead time must be a fixed number of days",
            ),
            (n.max_outstanding is None, "max_outstanding must be None (no limit)"),
        ],
    )
    s, big_s = _check_policy(reorder_point, order_up_to)
    from scipy import stats

    lam = float(node.demand.mean)
    mu = lam * float(node.lead_time)
    ys = np.arange(s + 1, big_s + 1)
    top = int(max(big_s, 0)) + 1
    k = np.arange(top + 1)
    pmf = stats.poisson.pmf(k, mu)
    cdf = np.cumsum(pmf)
    partial_mean = np.cumsum(k * pmf)
    pos = np.zeros(ys.shape)  # E[(y - D)^+] = sum_{k < y} (y - k) p_k
    idx = ys > 0
    yi = ys[idx]
    pos[idx] = yi * cdf[yi - 1] - partial_mean[yi - 1]
    neg = mu - ys + pos  # E[(D - y)^+]
    g = node.holding_cost * pos + node.backorder_cost * neg
    q = big_s - s
    return float(node.order_cost * lam / q + node.unit_cost * lam + g.mean())


@dataclass(frozen=True)
class ChainResult:
    """Long-run rates of the lost-sales chain, in the units of the cube's variables."""

    fill_rate: float
    on_hand: float
    lost_sales: float
    orders: float
    ordered: float
    cost: float


def lost_sales_chain(model: Model, reorder_point: int, order_up_to: int) -> ChainResult:
    """Exact stationary results of (s, S) with lost sales, one outstanding order, exponential leads.

    Examples
    --------
    >>> import fasttwin as ft
    >>> m = ft.single_node(demand=ft.Poisson(mean=2.0), lead_time=ft.Exponential(1.0),
    ...                    review="continuous", lost_sales=True, max_outstanding=1)
    >>> r = lost_sales_chain(m, 1, 2)   # birth-death: 1 - 1 / (1 + 1/2 + 1/4)
    >>> round(r.fill_rate, 12) == round(1 - 1 / 1.75, 12)
    True
    """
    node = _continuous_node(
        model,
        "lost-sales chain",
        lambda n: [
            (n.lost_sales, "unmet demand must be lost (lost_sales=True)"),
            (n.max_outstanding == 1, "max_outstanding must be 1"),
            (isinstance(n.lead_time, Exponential), "the lead time must be Exponential(mean)"),
        ],
    )
    s, big_s = _check_policy(reorder_point, order_up_to)
    lam = float(node.demand.mean)
    mu = 1.0 / float(node.lead_time.mean)

    def review(i, q):
        """State after a review, and the units ordered (0: none)."""
        if q == 0 and i <= s:
            return (i, big_s - i), big_s - i
        return (i, q), 0

    start, _ = review(big_s, 0)
    index = {start: 0}
    todo = [start]
    moves = []  # (from, to, rate, units ordered, units lost)
    while todo:
        state = todo.pop()
        i, q = state
        targets = [(review(max(i - 1, 0), q), lam, 0 if i > 0 else 1)]
        if q > 0:
            targets.append((review(i + q, 0), mu, 0))
        for (nxt, units), rate, lost in targets:
            if nxt not in index:
                index[nxt] = len(index)
                todo.append(nxt)
            moves.append((index[state], index[nxt], rate, units, lost))
    n = len(index)
    gen = np.zeros((n, n))
    for a, b, rate, _, _ in moves:
        if a != b:
            gen[a, b] += rate
            gen[a, a] -= rate
    system = gen.T.copy()
    system[-1] = 1.0
    rhs = np.zeros(n)
    rhs[-1] = 1.0
    pi = np.linalg.solve(system, rhs)
    on_hand_of = np.zeros(n)
    for (i, _), k in index.items():
        on_hand_of[k] = i
    flows = [(pi[a] * rate, units, lost) for a, _, rate, units, lost in moves]
    orders = sum(f for f, units, _ in flows if units)
    ordered = sum(f * units for f, units, _ in flows)
    lost = sum(f * lost for f, _, lost in flows)
    on_hand = float(pi @ on_hand_of)
    cost = (
        node.holding_cost * on_hand
        + node.lost_sale_cost * lost
        + node.order_cost * orders
        + node.unit_cost * ordered
    )
    return ChainResult(
        fill_rate=float(pi[on_hand_of > 0].sum()),
        on_hand=on_hand,
        lost_sales=float(lost),
        orders=float(orders),
        ordered=float(ordered),
        cost=float(cost),
    )
