"""Closed forms the simulator must agree with where they are exact.

Each function takes the same model objects as :func:`fasttwin.simulate` and
says which assumption fails when a model is outside its formula.
"""

from fasttwin.analytic.continuous import ChainResult, lost_sales_chain, rq_cost
from fasttwin.analytic.periodic import ss_cost

__all__ = ["ChainResult", "lost_sales_chain", "rq_cost", "ss_cost"]
