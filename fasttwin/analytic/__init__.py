"""Closed forms the simulator must agree with where they are exact.

Each function takes the same model objects as :func:`fasttwin.simulate` and
says which assumption fails when a model is outside its formula.
"""

from fasttwin.analytic.periodic import ss_cost

__all__ = ["ss_cost"]
