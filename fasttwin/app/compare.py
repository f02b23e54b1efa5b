"""One policy under several scenarios, side by side (the Scenarios page).

Replication ``i`` of every scenario starts from the same random keys, and a
scenario that leaves a distribution alone leaves its draws alone (DESIGN.md
section 2). So scenarios are compared replication by replication: the
interval of the paired difference is much narrower than the two intervals
side by side suggest.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from fasttwin.analysis.intervals import estimates


def _scenario_rep(ds, var: str) -> np.ndarray:
    """``var`` as ``(scenario, rep)`` from a one-policy cube with a scenario dim."""
    x = ds[var]
    extra = [d for d in x.dims if d not in ("scenario", "rep")]
    if extra:
        raise ValueError(
            f"variable {var!r} has dims {extra} besides scenario and rep: compare one policy"
        )
    return np.asarray(x.transpose("scenario", "rep").values, dtype=np.float64)


def side_by_side(ds, variables: Sequence[str]):
    """Rows: variables; per scenario the mean and its 95 % CI, as numbers.

    Columns ``variable``, ``long_name`` and, for each scenario ``sc``,
    ``sc mean``, ``sc ci_low``, ``sc ci_high``.
    """
    import pandas as pd

    names = [str(s) for s in ds["scenario"].values]
    rows = []
    for var in variables:
        e = estimates(_scenario_rep(ds, var))
        row = {"variable": var, "long_name": ds[var].attrs.get("long_name", var)}
        for k, sc in enumerate(names):
            row[f"{sc} mean"] = e["mean"][k]
            row[f"{sc} ci_low"] = e["low"][k]
            row[f"{sc} ci_high"] = e["high"][k]
        rows.append(row)
    return pd.DataFrame(rows)


def differences(ds, variables: Sequence[str], reference: str):
    """Each scenario minus ``reference``, replication by replication: mean and 95 % CI.

    Examples
    --------
    >>> import xarray as xr
    >>> ds = xr.Dataset({"cost": (("scenario", "rep"), [[1.0, 2.0, 3.0], [2.0, 3.1, 3.9]])},
    ...                 coords={"scenario": ["a", "b"]})
    >>> d = differences(ds, ["cost"], "a")
    >>> d[["scenario", "variable"]].values.tolist(), round(float(d["mean"][0]), 3)
    ([['b', 'cost']], 1.0)
    """
    import pandas as pd

    names = [str(s) for s in ds["scenario"].values]
    if reference not in names:
        raise ValueError(f"reference scenario must be one of {', '.join(names)}, got {reference!r}")
    k0 = names.index(reference)
    rows = []
    for var in variables:
        x = _scenario_rep(ds, var)
        e = estimates(x - x[k0])
        for k, sc in enumerate(names):
            if k != k0:
                rows.append(
                    {
                        "scenario": sc,
                        "variable": var,
                        "mean": e["mean"][k],
                        "ci_low": e["low"][k],
                        "ci_high": e["high"][k],
                    }
                )
    return pd.DataFrame(rows, columns=["scenario", "variable", "mean", "ci_low", "ci_high"])


def display(summary, ratios):
    """Rows: variables; one column per scenario reading ``mean (95 % CI)``.

    ``summary`` is :func:`fasttwin.app.jobs.summary_table` of a one-policy
    cube with scenarios; rows and columns keep its order. ``ratios`` read as
    percentages.
    """
    from fasttwin.app.tables import merged_rows

    text = merged_rows(summary, ratios)
    scenarios = list(dict.fromkeys(text["scenario"]))
    variables = list(dict.fromkeys(text["variable"]))
    wide = text.pivot(index=["variable", "long_name"], columns="scenario", values="mean (95 % CI)")
    wide = wide.reindex(variables, level="variable")[scenarios]
    wide.columns.name = None
    return wide.reset_index()
