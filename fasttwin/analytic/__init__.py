"""Closed forms the simulator must agree with where they are exact.

- :mod:`~fasttwin.analytic.newsvendor`: critical ratio, optimal quantity,
  expected cost/profit, the cost-versus-service-level curve;
- :mod:`~fasttwin.analytic.eoq`: the economic order quantity and its cost;
- :mod:`~fasttwin.analytic.safety_stock`: safety stock and reorder point
  under demand and lead-time variability, the service they promise, and the
  EOQ + safety-stock policy of a model;
- :mod:`~fasttwin.analytic.periodic`: exact (s, S) cost, optimal (s, S) and
  base-stock policies for Poisson demand with backorders (periodic review);
- :mod:`~fasttwin.analytic.serial`: exact cost and Clark–Scarf optimum of a two-stage
  serial system (warehouse -> store) under base-stock policies;
- :mod:`~fasttwin.analytic.grids`: policy grids centred on those results;
- :mod:`~fasttwin.analytic.report`: everything that applies to a model.

Functions that take a model (as :func:`fasttwin.simulate` does) say which
assumption fails when the model is outside their formula. Nothing here
imports scipy until a function needs it.
"""

from fasttwin.analytic.continuous import ChainResult, lost_sales_chain, rq_cost
from fasttwin.analytic.eoq import EOQ, eoq, eoq_cost
from fasttwin.analytic.grids import suggest_grid
from fasttwin.analytic.newsvendor import (
    Newsvendor,
    NewsvendorCurve,
    critical_ratio,
    newsvendor,
    newsvendor_curve,
)
from fasttwin.analytic.periodic import (
    OptimalBaseStock,
    OptimalSS,
    exact_reasons,
    optimal_base_stock,
    optimal_ss,
    ss_cost,
)
from fasttwin.analytic.report import analytic_report
from fasttwin.analytic.safety_stock import (
    FormulaPolicy,
    SafetyStock,
    cycle_service,
    fill_rate,
    formula_policy,
    lead_time_demand,
    normal_loss,
    safety_stock,
)
from fasttwin.analytic.serial import SerialOptimum, optimal_serial_base_stock, serial_cost

__all__ = [
    "ChainResult",
    "lost_sales_chain",
    "rq_cost",
    "EOQ",
    "FormulaPolicy",
    "Newsvendor",
    "NewsvendorCurve",
    "OptimalBaseStock",
    "OptimalSS",
    "SafetyStock",
    "SerialOptimum",
    "analytic_report",
    "critical_ratio",
    "cycle_service",
    "eoq",
    "eoq_cost",
    "exact_reasons",
    "fill_rate",
    "formula_policy",
    "lead_time_demand",
    "newsvendor",
    "newsvendor_curve",
    "normal_loss",
    "optimal_base_stock",
    "optimal_serial_base_stock",
    "optimal_ss",
    "safety_stock",
    "serial_cost",
    "ss_cost",
    "suggest_grid",
]
