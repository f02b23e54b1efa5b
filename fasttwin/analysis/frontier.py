"""``frontier``: the cost-versus-service Pareto set, with confidence intervals."""

from __future__ import annotations

import numpy as np

from fasttwin.analysis.axes import (
    check_cube,
    check_fraction,
    check_roles,
    grid_dims,
    point_policy,
    point_values,
    scenarios,
    valid_mask,
)
from fasttwin.analysis.intervals import estimates


def pareto_mask(cost: np.ndarray, service: np.ndarray) -> np.ndarray:
    """True where no other point has cost <= and service >= with one of them strict.

    Points with equal (cost, service) keep each other on the frontier; NaN
    points are never on it.

    Examples
    --------
    >>> pareto_mask(np.array([1.0, 2.0, 2.0, 3.0]), np.array([0.5, 0.9, 0.8, 0.9])).tolist()
    [True, True, False, False]
    """
    cost = np.asarray(cost, dtype=np.float64)
    service = np.asarray(service, dtype=np.float64)
    ok = np.isfinite(cost) & np.isfinite(service)
    out = np.zeros(cost.shape, bool)
    pts = np.flatnonzero(ok)
    # Cheapest first, best service first among equal costs.
    order = pts[np.lexsort((-service[pts], cost[pts]))]
    best_cheaper = -np.inf  # best service among strictly cheaper points
    i = 0
    while i < order.size:
        j = i
        while j < order.size and cost[order[j]] == cost[order[i]]:
            j += 1
        group = order[i:j]
        top = service[group[0]]
        if top > best_cheaper:
            out[group[service[group] == top]] = True
        best_cheaper = max(best_cheaper, top)
        i = j
    return out


def frontier(
    ds,
    service: str = "fill_rate",
    *,
    cost: str = "cost",
    confidence: float = 0.95,
):
    """Grid points on the cost-versus-service Pareto frontier of mean values.

    A valid point is on the frontier when no other point is at least as cheap
    and at least as good in mean service, and strictly better in one. With
    scenarios, each scenario has its own frontier.

    Returns
    -------
    pandas.DataFrame
        One row per frontier point, by scenario then increasing cost: the
        ``scenario`` (if any), the grid coordinates, ``<cost>_mean``,
        ``<cost>_ci_low``, ``<cost>_ci_high``, the same for ``<service>``, and
        ``n_reps``.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> ds = xr.Dataset({"cost": (("S", "rep"), [[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]]),
    ...                  "fill_rate": (("S", "rep"), [[0.8, 0.8], [0.9, 0.9], [0.85, 0.85]])},
    ...                 coords={"S": [10, 20, 30]})
    >>> frontier(ds)["S"].tolist()
    [10, 20]
    """
    import pandas as pd

    check_cube(ds, cost, service, purpose="frontier")
    check_roles(ds, cost, service)
    confidence = check_fraction("confidence", confidence, closed_top=False)
    idx = np.flatnonzero(valid_mask(ds, cost).reshape(-1))
    c = point_values(ds, cost)[idx]
    s = point_values(ds, service)[idx]
    names = scenarios(ds)
    rows = []
    for k in range(c.shape[1]):
        ce = estimates(c[:, k], confidence)
        se = estimates(s[:, k], confidence)
        on = np.flatnonzero(pareto_mask(ce["mean"], se["mean"]))
        on = on[np.lexsort((on, -se["mean"][on], ce["mean"][on]))]
        for i in on:
            row = {} if names is None else {"scenario": names[k]}
            row.update(point_policy(ds, idx[i]))
            for var, e in ((cost, ce), (service, se)):
                row[f"{var}_mean"] = e["mean"][i]
                row[f"{var}_ci_low"] = e["low"][i]
                row[f"{var}_ci_high"] = e["high"][i]
            row["n_reps"] = int(ce["n"][i])
            rows.append(row)
    columns = [*(["scenario"] if names else []), *grid_dims(ds)]
    for var in (cost, service):
        columns += [f"{var}_mean", f"{var}_ci_low", f"{var}_ci_high"]
    return pd.DataFrame(rows, columns=[*columns, "n_reps"])
