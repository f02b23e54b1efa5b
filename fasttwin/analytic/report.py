"""Every closed form that applies to a model, and why the others do not."""

from __future__ import annotations

from dataclasses import asdict

from fasttwin.model.checks import check_number
from fasttwin.model.network import Model


def analytic_report(model: Model, *, cycle_service: float = 0.95, budget: int = 400) -> dict:
    """The formula results for a one-node model, section by section.

    Each section is a dict of results, or ``{"not_applicable": reason}``
    naming the assumption that fails. Costs are per day.

    Sections: ``model`` (the inputs the formulas read), ``eoq``,
    ``newsvendor`` (the base-stock level at the critical ratio over the
    lead time plus review period; exact for Poisson demand with a fixed lead
    time), ``safety_stock`` (the EOQ + safety-stock policy for
    ``cycle_service`` and the service it promises), ``exact`` (optimal (s, S)
    and base-stock policies, the cost of the model's own (s, S)), and
    ``suggested_grid`` (for ``budget`` points).

    Examples
    --------
    >>> import fasttwin as ft
    >>> m = ft.single_node(demand=ft.Normal(20.0, 5.0), lead_time=2, lost_sales=True,
    ...                    holding_cost=1.0, lost_sale_cost=9.0, order_cost=50.0)
    >>> r = analytic_report(m)
    >>> round(r["eoq"]["quantity"], 1)
    44.7
    >>> r["exact"]["not_applicable"]
    'demand must be stationary Poisson (no seasonality, trend or events), got Normal; ...'
    """
    from fasttwin.analytic.moments import (
        demand_moments,
        lead_time_moments,
        single_demand_node,
    )

    node = single_demand_node(model)
    check_number("cycle_service", cycle_service, low=0, high=1, low_open=True, high_open=True)
    check_number("budget", budget, low=1, integer=True)
    d, sd = demand_moments(node.demand, model.periods or 365)
    lt, slt = lead_time_moments(node.lead_time)
    out: dict = {
        "model": {
            "name": model.name,
            "node": node.name,
            "demand": type(node.demand).__name__,
            "demand_mean": d,
            "demand_std": sd,
            "stationary_demand": node.demand.is_stationary_default(),
            "lead_time_mean": lt,
            "lead_time_std": slt,
            "review_period": node.review_period,
            "holding_cost": node.holding_cost,
            "shortage_cost": node.lost_sale_cost if node.lost_sales else node.backorder_cost,
            "lost_sales": node.lost_sales,
            "order_cost": node.order_cost,
            "unit_cost": node.unit_cost,
            "reliability": node.reliability,
        }
    }
    out["eoq"] = _section(_eoq, model)
    out["newsvendor"] = _section(_newsvendor, model)
    out["safety_stock"] = _section(_safety_stock, model, cycle_service)
    out["exact"] = _section(_exact, model)
    out["suggested_grid"] = _section(_grid, model, budget, cycle_service)
    return out


def _section(fn, *args) -> dict:
    try:
        return fn(*args)
    except ValueError as err:
        return {"not_applicable": str(err)}


def _eoq(model: Model) -> dict:
    from fasttwin.analytic.eoq import eoq
    from fasttwin.analytic.moments import demand_moments

    node = model.nodes[0]
    d, _ = demand_moments(node.demand, model.periods or 365)
    result = eoq(d, node.order_cost, node.holding_cost)
    return {
        "quantity": result.quantity,
        "cost_per_day": result.cost,
        "cycle_days": result.cycle_time,
    }


def _newsvendor(model: Model) -> dict:
    from scipy import stats

    from fasttwin.analytic.moments import lead_time_moments
    from fasttwin.analytic.newsvendor import newsvendor
    from fasttwin.analytic.safety_stock import formula_policy
    from fasttwin.model.distributions import Poisson

    node = model.nodes[0]
    shortage = node.lost_sale_cost if node.lost_sales else node.backorder_cost
    name = "lost_sale_cost" if node.lost_sales else "backorder_cost"
    if not shortage > 0 or not node.holding_cost > 0:
        raise ValueError(
            f"the newsvendor needs holding_cost > 0 and {name} > 0, got "
            f"{node.holding_cost} and {shortage}"
        )
    exposure = lead_time_moments(node.lead_time)[0] + node.review_period
    exact = (
        isinstance(node.demand, Poisson)
        and node.demand.is_stationary_default()
        and isinstance(node.lead_time, int)
    )
    if exact:
        demand = stats.poisson(node.demand.mean * exposure)
    else:
        policy = formula_policy(model)
        demand = stats.norm(policy.exposure_demand_mean, policy.exposure_demand_std)
    result = newsvendor(demand, underage_cost=shortage, overage_cost=node.holding_cost)
    return {
        "critical_ratio": result.critical_ratio,
        "base_stock_level": result.quantity,
        "expected_cost_per_day": result.expected_cost,
        "exposure_days": exposure,
        "demand_model": "Poisson (exact)" if exact else "normal approximation",
    }


def _safety_stock(model: Model, cycle_service: float) -> dict:
    from fasttwin.analytic.safety_stock import formula_policy

    return asdict(formula_policy(model, cycle_service=cycle_service))


def _exact(model: Model) -> dict:
    from fasttwin.analytic.periodic import exact_reasons, optimal_base_stock, optimal_ss, ss_cost
    from fasttwin.analytic.safety_stock import formula_policy

    reasons = exact_reasons(model)
    if reasons:
        raise ValueError("; ".join(reasons))
    node = model.nodes[0]
    best = optimal_ss(model)
    base = optimal_base_stock(model)
    out = {
        "optimal_ss": {"cost_per_day": best.cost, "pairs": [list(p) for p in best.pairs]},
        "optimal_base_stock": {"cost_per_day": base.cost, "levels": list(base.levels)},
    }
    # What the textbook policy costs, exactly: the price of the approximations.
    formula = formula_policy(model)
    cost = ss_cost(model, formula.reorder_point, formula.order_up_to)
    out["safety_stock_policy"] = {
        "reorder_point": formula.reorder_point,
        "order_up_to": formula.order_up_to,
        "cost_per_day": cost,
        "excess_over_optimum": cost / best.cost - 1.0,
    }
    kind = node.policy_kind()
    if kind in ("sS", "base_stock"):
        s = node.reorder_point if kind == "sS" else node.order_up_to - 1
        out["model_policy"] = {
            "reorder_point": s,
            "order_up_to": node.order_up_to,
            "cost_per_day": ss_cost(model, s, node.order_up_to),
        }
    return out


def _grid(model: Model, budget: int, cycle_service: float) -> dict:
    from fasttwin.analytic.grids import suggest_grid

    return suggest_grid(model, budget=budget, cycle_service=cycle_service)
