"""Policy grids centred where the formulas put the optimum, sized by a budget.

The centre is the exact optimum (:func:`~fasttwin.analytic.optimal_ss`,
:func:`~fasttwin.analytic.optimal_base_stock`) when the model is within the
exact assumptions, and the EOQ + safety-stock policy
(:func:`~fasttwin.analytic.formula_policy`) otherwise. Around it the grid
spans about two standard deviations of the exposure demand in the reorder
point and from half to twice the order quantity in the order-up-to level:
wide enough to contain the simulated optimum when the formulas are off,
since the cost is flat in the order quantity (EOQ: a factor of 2 costs 25 %).
"""

from __future__ import annotations

import math

from fasttwin.model.checks import check_number
from fasttwin.model.network import Model


def suggest_grid(model: Model, budget: int = 400, *, cycle_service: float = 0.95) -> dict:
    """A policy grid for :func:`fasttwin.simulate`, with at most ``budget`` points.

    Parameters
    ----------
    model
        A one-node model with customer demand.
    budget
        Most grid points (product of the axis lengths), >= 1. The centre is
        always a grid point; axes use step 1 when the budget allows.
    cycle_service
        Target cycle service level of the safety-stock centre (non-exact models).

    Returns
    -------
    dict
        ``{"reorder_point": [...], "order_up_to": [...]}`` for (s, S);
        ``{"order_up_to": [...]}`` for base-stock (``order_cost == 0``);
        ``{"reorder_point": [...], "order_quantity": [...]}`` when the node's
        policy is (r, Q).

    Examples
    --------
    >>> import fasttwin as ft
    >>> m = ft.single_node(demand=ft.Poisson(10.0), holding_cost=1.0,
    ...                    backorder_cost=9.0, order_cost=64.0)
    >>> grid = suggest_grid(m, budget=25)
    >>> grid["reorder_point"], grid["order_up_to"]
    ([-2, 2, 6, 10, 14], [14, 40, 66, 92, 118])
    """
    from fasttwin.analytic.moments import single_demand_node
    from fasttwin.analytic.periodic import exact_reasons, optimal_base_stock, optimal_ss
    from fasttwin.analytic.safety_stock import formula_policy

    node = single_demand_node(model)
    budget = check_number("budget", budget, low=1, integer=True)
    formula = formula_policy(model, cycle_service=cycle_service)
    spread = max(2.0 * formula.exposure_demand_std, 2.0)
    exact = not exact_reasons(model) and node.holding_cost > 0 and node.backorder_cost > 0
    if node.order_cost == 0 and node.policy_kind() != "rQ":
        level = optimal_base_stock(model).level if exact else formula.order_up_to
        return {"order_up_to": _axis(level, max(3.0 * spread / 2.0, 3.0), budget, low=0)}
    if exact:
        best = optimal_ss(model)
        s0, big_s0 = best.reorder_point, best.order_up_to
    else:
        s0, big_s0 = formula.reorder_point, formula.order_up_to
    q0 = big_s0 - s0
    n_first = max(1, math.isqrt(budget))
    s_axis = _axis(s0, spread, n_first)
    if node.policy_kind() == "rQ":
        q_axis = _axis(q0, q0 * 0.75, budget // len(s_axis), low=1, skew=2.0)
        return {"reorder_point": s_axis, "order_quantity": q_axis}
    big_s_axis = _axis(big_s0, q0 * 0.75, budget // len(s_axis), low=0, skew=2.0)
    return {"reorder_point": s_axis, "order_up_to": big_s_axis}


def _axis(
    centre: int, half_width: float, points: int, *, low: int | None = None, skew: float = 1.0
) -> list[int]:
    """At most ``points`` integers around ``centre`` (included), evenly spaced.

    The axis reaches ``half_width`` below the centre and ``skew x half_width``
    above (an order quantity is cheaper to overshoot than to undershoot).
    """
    below = max(1, math.ceil(half_width))
    above = max(1, math.ceil(skew * half_width))
    if low is not None:
        below = min(below, max(centre - low, 0))
    if below + above + 1 <= points:
        return list(range(centre - below, centre + above + 1))
    # The same step both sides; share the points in proportion to the reach.
    n_below = round((points - 1) * below / (below + above))
    n_above = points - 1 - n_below
    step = max(
        math.ceil(below / n_below) if n_below else 1,
        math.ceil(above / n_above) if n_above else 1,
    )
    if low is not None:
        n_below = min(n_below, (centre - low) // step)
    return [centre + step * k for k in range(-n_below, n_above + 1)]
