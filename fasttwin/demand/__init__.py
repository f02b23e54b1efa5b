"""Demand histories: import them, fit and forecast them, and build the fitted twin::

    import fasttwin as ft

    history = ft.demand.load_history("sweeps/demand_history.csv")   # (product, date)
    fits = ft.demand.fit_history(history)                           # {product: DemandFit}
    ft.simulate(ft.demand.network_model(fits, ft.demand.TwinSettings()), reps=100)

The same, with files and a report: ``fasttwin import-demand HISTORY.csv --out DIR``.

Importing this package is cheap: scipy, statsmodels, xarray and matplotlib
are imported by the functions that need them.
"""

from fasttwin.demand.fit import DemandFit, fit_history, fit_series
from fasttwin.demand.history import load_history
from fasttwin.demand.intermittency import Intermittency, classify
from fasttwin.demand.predict import Status
from fasttwin.demand.twin import TwinSettings, network_model, node_names, product_model

__all__ = [
    "DemandFit",
    "Intermittency",
    "Status",
    "TwinSettings",
    "classify",
    "fit_history",
    "fit_series",
    "load_history",
    "network_model",
    "node_names",
    "product_model",
]
