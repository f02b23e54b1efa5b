"""The newsvendor: one order against one period of random demand.

Ordering ``Q`` before demand ``D`` is seen costs ``Co`` per unit left over
and ``Cu`` per unit short, so the expected cost is
``Co E[(Q - D)+] + Cu E[(D - Q)+]``, minimised at the critical ratio
``F(Q*) = Cu / (Cu + Co)`` (for integer demand: the smallest ``Q`` with
``F(Q) >= Cu / (Cu + Co)``). With a selling price ``r``, a unit cost ``c``, a
salvage value ``v`` and a shortage penalty ``g``, ``Cu = r - c + g`` and
``Co = c - v``, and the expected profit is ``(r - c) E[D]`` minus the expected
cost.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fasttwin.analytic.moments import as_scipy, finite_moments, is_discrete
from fasttwin.model.checks import check_number


@dataclass(frozen=True)
class Newsvendor:
    """An order quantity and what it yields in expectation (one period).

    ``service_level`` is ``P(D <= Q)``, the chance of no shortage;
    ``fill_rate`` is ``E[min(D, Q)] / E[D]``. ``expected_profit`` is ``None``
    unless prices were given.
    """

    quantity: float
    critical_ratio: float
    underage_cost: float
    overage_cost: float
    service_level: float
    fill_rate: float
    expected_sales: float
    expected_leftover: float
    expected_shortage: float
    expected_cost: float
    expected_profit: float | None = None


def critical_ratio(underage_cost: float, overage_cost: float) -> float:
    """``Cu / (Cu + Co)``: the optimal chance of covering the period's demand.

    Examples
    --------
    >>> critical_ratio(underage_cost=9.0, overage_cost=1.0)
    0.9
    """
    cu = check_number("underage_cost", underage_cost, low=0, low_open=True)
    co = check_number("overage_cost", overage_cost, low=0, low_open=True)
    return cu / (cu + co)


def newsvendor(
    demand,
    *,
    underage_cost: float | None = None,
    overage_cost: float | None = None,
    price: float | None = None,
    unit_cost: float | None = None,
    salvage_value: float = 0.0,
    shortage_penalty: float = 0.0,
    quantity: float | None = None,
) -> Newsvendor:
    """The optimal newsvendor quantity (or a given one) and its expected cost.

    Parameters
    ----------
    demand
        The period's demand: a stationary fasttwin distribution
        (``ft.Normal(50, 8)`` is the textbook continuous normal,
        ``ft.Poisson(6)`` is on the integers, ...) or any frozen scipy.stats
        distribution with a finite mean.
    underage_cost, overage_cost
        ``Cu`` and ``Co``, both > 0; or give the prices instead:
    price, unit_cost, salvage_value, shortage_penalty
        ``Cu = price - unit_cost + shortage_penalty``, ``Co = unit_cost -
        salvage_value``; the expected profit is reported as well.
    quantity
        Evaluate this quantity instead of the optimal one.

    Examples
    --------
    Snyder & Shen, *Fundamentals of Supply Chain Theory*, Example 4.3
    (h = 0.18, p = 0.70, demand N(50, 8)):

    >>> import fasttwin as ft
    >>> nv = newsvendor(ft.Normal(50.0, 8.0), underage_cost=0.70, overage_cost=0.18)
    >>> round(nv.quantity, 2), round(nv.expected_cost, 4)
    (56.6, 1.9976)
    >>> newsvendor(ft.Poisson(6.0), underage_cost=4.0, overage_cost=1.0).quantity
    8
    """
    cu, co, profit_margin = _costs(
        underage_cost, overage_cost, price, unit_cost, salvage_value, shortage_penalty
    )
    frozen = as_scipy(demand)
    mean, _ = finite_moments(frozen, "the demand distribution")
    ratio = cu / (cu + co)
    discrete = is_discrete(frozen)
    if quantity is None:
        q = frozen.ppf(ratio)
        q = int(q) if discrete else float(q)
    else:
        q = check_number("quantity", quantity)
    leftover = _expected_leftover(frozen, q, discrete)
    shortage = leftover - (q - mean)  # E[(D-Q)+] = E[(Q-D)+] - (Q - E[D])
    sales = mean - shortage
    cost = co * leftover + cu * shortage
    return Newsvendor(
        quantity=q,
        critical_ratio=ratio,
        underage_cost=cu,
        overage_cost=co,
        service_level=float(frozen.cdf(q)),
        fill_rate=sales / mean if mean > 0 else 1.0,
        expected_sales=sales,
        expected_leftover=leftover,
        expected_shortage=shortage,
        expected_cost=cost,
        expected_profit=None if profit_margin is None else profit_margin * mean - cost,
    )


def _costs(underage_cost, overage_cost, price, unit_cost, salvage_value, shortage_penalty):
    """``(Cu, Co, price - unit_cost or None)`` from either way of giving the costs."""
    by_prices = price is not None or unit_cost is not None
    if by_prices == (underage_cost is not None or overage_cost is not None):
        raise ValueError(
            "give either underage_cost and overage_cost, or price and unit_cost "
            "(with optional salvage_value and shortage_penalty)"
        )
    if not by_prices:
        if underage_cost is None or overage_cost is None:
            raise ValueError("give both underage_cost and overage_cost")
        cu = check_number("underage_cost", underage_cost, low=0, low_open=True)
        co = check_number("overage_cost", overage_cost, low=0, low_open=True)
        return cu, co, None
    if price is None or unit_cost is None:
        raise ValueError("give both price and unit_cost")
    c = check_number("unit_cost", unit_cost, low=0)
    v = check_number("salvage_value", salvage_value, low=0, high=c, high_open=True)
    g = check_number("shortage_penalty", shortage_penalty, low=0)
    r = check_number("price", price, low=c - g, low_open=True)
    return r - c + g, c - v, r - c


def _expected_leftover(frozen, q: float, discrete: bool) -> float:
    """``E[(q - D)+]``, exactly for the normal and integer laws, by quadrature otherwise."""
    lo, _ = frozen.support()
    if discrete:
        if not np.isfinite(lo):
            lo = frozen.ppf(1e-16)
        k = np.arange(int(lo), int(np.ceil(q)))
        return float(np.sum((q - k) * frozen.pmf(k))) if k.size else 0.0
    if frozen.dist.name == "norm":
        mu, sigma = float(frozen.mean()), float(frozen.std())
        z = (q - mu) / sigma
        return sigma * _normal_partial(z)
    from scipy import integrate

    if not np.isfinite(lo):
        lo = frozen.ppf(1e-15)
    if q <= lo:
        return 0.0
    # E[(q - D)+] = integral of F from the bottom of the support to q.
    value, _ = integrate.quad(frozen.cdf, lo, q, limit=200)
    return float(value)


def _normal_partial(z: float) -> float:
    """``E[(z - Z)+]`` for a standard normal ``Z``: ``z Phi(z) + phi(z)``."""
    from scipy import stats

    return float(z * stats.norm.cdf(z) + stats.norm.pdf(z))


@dataclass(frozen=True)
class NewsvendorCurve:
    """Expected cost of ordering the ``alpha``-quantile, for a range of ``alpha``.

    The curve is convex around its minimum at the critical ratio: the cost of
    chasing a service level above (or settling below) the economic one.
    """

    service_level: np.ndarray
    quantity: np.ndarray
    expected_cost: np.ndarray
    fill_rate: np.ndarray
    optimum: Newsvendor

    def plot(self, ax=None):
        """Draw cost against service level, the optimum marked; returns the axes."""
        if ax is None:
            from matplotlib.figure import Figure

            ax = Figure().subplots()
        ax.plot(self.service_level, self.expected_cost, label="expected cost")
        ax.axvline(self.optimum.critical_ratio, linestyle=":", color="grey")
        ax.plot(
            [self.optimum.service_level],
            [self.optimum.expected_cost],
            "o",
            label=f"optimum Q = {self.optimum.quantity:g}",
        )
        ax.set_xlabel("service level P(D <= Q)")
        ax.set_ylabel("expected cost per period")
        ax.legend()
        return ax


def newsvendor_curve(
    demand,
    *,
    underage_cost: float,
    overage_cost: float,
    service_levels=None,
) -> NewsvendorCurve:
    """The cost-versus-service-level curve of the newsvendor.

    Parameters
    ----------
    demand, underage_cost, overage_cost
        As for :func:`newsvendor`.
    service_levels
        Targets ``alpha`` in (0, 1); default 0.01, 0.02, ..., 0.99. Each
        orders the ``alpha``-quantile of demand.

    Examples
    --------
    >>> import fasttwin as ft
    >>> curve = newsvendor_curve(ft.Normal(50.0, 8.0), underage_cost=0.7, overage_cost=0.18)
    >>> float(curve.service_level[curve.expected_cost.argmin()])   # critical ratio 0.795
    0.8
    """
    optimum = newsvendor(demand, underage_cost=underage_cost, overage_cost=overage_cost)
    if service_levels is None:
        levels = np.round(np.arange(1, 100) / 100.0, 2)
    else:
        levels = np.asarray(service_levels, dtype=float).reshape(-1)
        for i, a in enumerate(levels):
            check_number(
                f"service_levels[{i}]", float(a), low=0, high=1, low_open=True, high_open=True
            )
    frozen = as_scipy(demand)
    points = [
        newsvendor(
            frozen,
            underage_cost=underage_cost,
            overage_cost=overage_cost,
            quantity=float(frozen.ppf(a)),
        )
        for a in levels
    ]
    return NewsvendorCurve(
        service_level=levels,
        quantity=np.array([p.quantity for p in points]),
        expected_cost=np.array([p.expected_cost for p in points]),
        fill_rate=np.array([p.fill_rate for p in points]),
        optimum=optimum,
    )
