"""``summarize``: mean, standard error and confidence interval of every variable."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from fasttwin.analysis.axes import check_cube, check_fraction, grid_dims
from fasttwin.analysis.intervals import estimates

#: Suffixes of the summary variables made from each cube variable.
STATS = ("mean", "se", "ci_low", "ci_high")


def summarize(ds, variables: Sequence[str] | None = None, *, confidence: float = 0.95):
    """Per grid point (and scenario, node): mean, standard error and CI across replications.

    Parameters
    ----------
    ds
        A cube (in memory or ``xr.open_zarr``); only its data are needed.
    variables
        Variables to summarise; default every numeric variable with a ``rep``
        dimension (``node_*`` per-node variables keep their ``node`` dim).
    confidence
        Level of the Student-t intervals.

    Returns
    -------
    xarray.Dataset
        For each variable ``v``: ``v_mean``, ``v_se``, ``v_ci_low``,
        ``v_ci_high``; ``n_reps``, the number of replications with a value
        (counted on the first variable; in fasttwin cubes every variable of a
        cell has the same replications); ``valid`` when the cube has it.
        Invalid cells are NaN with ``n_reps == 0``. Lazy if the cube is.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> ds = xr.Dataset({"cost": (("s", "rep"), [[1.0, 3.0], [2.0, 2.0]])}, coords={"s": [5, 6]})
    >>> sm = summarize(ds)
    >>> sm["cost_mean"].values.tolist(), sm["cost_se"].values.tolist(), sm["n_reps"].values.tolist()
    ([2.0, 2.0], [1.0, 0.0], [2, 2])
    """
    import xarray as xr

    check_cube(ds, *(variables or ()), purpose="summarize")
    confidence = check_fraction("confidence", confidence, closed_top=False)
    grid_dims(ds)  # refuses stray dims early
    if variables is None:
        from fasttwin.cube.variables import VARIABLES

        # Registry order first (cost, its parts, ...), then the cube's own order.
        rank = {name: i for i, name in enumerate(VARIABLES)}
        variables = sorted(
            (
                str(name)
                for name, var in ds.data_vars.items()
                if "rep" in var.dims and np.issubdtype(var.dtype, np.number)
            ),
            key=lambda name: rank.get(name.removeprefix("node_"), len(rank)),
        )
    if not variables:
        raise ValueError("the cube has no numeric variable with a 'rep' dimension to summarise")
    out = {}
    count = None
    for name in variables:
        x = ds[name]
        if "rep" not in x.dims:
            raise ValueError(f"variable {name!r} has no 'rep' dimension to summarise over")
        n, mean, se, low, high = xr.apply_ufunc(
            _stats,
            x,
            input_core_dims=[["rep"]],
            output_core_dims=[[]] * 5,
            dask="parallelized",
            output_dtypes=[np.int64, float, float, float, float],
            dask_gufunc_kwargs={"allow_rechunk": True},
            kwargs={"confidence": confidence},
        )
        long_name = x.attrs.get("long_name", name)
        units = x.attrs.get("units")
        pct = f"{100 * confidence:g} %"
        for suffix, arr, what in (
            ("mean", mean, "mean across replications of"),
            ("se", se, "standard error of the mean of"),
            ("ci_low", low, f"lower end of the {pct} confidence interval of the mean of"),
            ("ci_high", high, f"upper end of the {pct} confidence interval of the mean of"),
        ):
            attrs = {"long_name": f"{what} {long_name}"}
            if units is not None:
                attrs["units"] = units
            out[f"{name}_{suffix}"] = arr.assign_attrs(attrs)
        if count is None:
            count = n.assign_attrs(long_name=f"replications with a value (of {name})", units="1")
    out["n_reps"] = count
    if "valid" in ds.data_vars:
        out["valid"] = ds["valid"]
    attrs = {**ds.attrs, "confidence": confidence}
    return xr.Dataset(out, attrs=attrs)


def _stats(x: np.ndarray, confidence: float):
    e = estimates(x, confidence)
    return e["n"], e["mean"], e["se"], e["low"], e["high"]


def to_frames(summary) -> dict:
    """The summary as tables for CSV: ``{"summary": ..., "summary_nodes": ...}``.

    ``summary`` holds the variables without a ``node`` dim, one row per valid
    grid point (and scenario); ``summary_nodes`` (only when the cube has
    per-node variables) one row per valid point, scenario and node.
    """
    has_node = [v for v in summary.data_vars if "node" in summary[v].dims]
    system = [v for v in summary.data_vars if v not in has_node and v != "valid"]
    frames = {"summary": _frame(summary, system)}
    if has_node:
        frames["summary_nodes"] = _frame(summary, ["n_reps", *has_node])
    return frames


def _frame(summary, names):
    import pandas as pd

    sub = summary[names]
    grid = list(grid_dims(summary))
    dims = [d for d in (*grid, "scenario", "node") if d in sub.dims]
    if dims:
        df = sub.to_dataframe(dim_order=dims).reset_index()
    else:
        df = pd.DataFrame({k: [sub[k].values.item()] for k in names})
    if "valid" in summary.data_vars and grid:
        valid = summary["valid"].to_dataframe(dim_order=grid).reset_index()[[*grid, "valid"]]
        df = df.merge(valid, on=grid, how="left")
        df = df[df["valid"].astype(bool)].drop(columns="valid").reset_index(drop=True)
    first = [c for c in (*dims, "n_reps") if c in df.columns]
    return df[[*first, *[c for c in df.columns if c not in first]]]
