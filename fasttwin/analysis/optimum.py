"""Reading an optimiser's store (``fasttwin optimize``) without the model objects.

The root holds every evaluated policy's means and standard errors over the
search replications (dims ``candidate``, ``[scenario]``, ``[node]``; ``valid``
marks used slots); the groups ``finalists`` (and ``finalists_more``, more
replications of the same finalists) and ``confirm`` are ordinary cubes with a
``rep`` dimension; the attributes ``optimize_toml`` and
``optimize_result_toml`` hold the spec and the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

SPEC_ATTR = "optimize_toml"
RESULT_ATTR = "optimize_result_toml"


@dataclass(frozen=True)
class Optimum:
    """An optimiser store, opened: search ``points``, ``finalists``, ``confirm`` cubes,
    and the ``spec`` and ``result`` as plain dicts."""

    points: object
    finalists: object
    confirm: object
    spec: dict
    result: dict

    @property
    def scope(self) -> str:
        return self.spec.get("constraint", "every_store")

    @property
    def service(self) -> str:
        return self.spec.get("service", "fill_rate")

    @property
    def labels(self) -> list[str]:
        """The constraint's labels (stores, ``system`` or ``worst store``)."""
        labels = list(dict.fromkeys(s["label"] for s in self.result.get("service", [])))
        return labels or ["system"]

    @property
    def policy_dims(self) -> list[str]:
        """The searched parameters (coordinates along ``candidate``)."""
        return list(self.result.get("policy", {}))


def is_optimum(ds) -> bool:
    """Whether a dataset is the root of an optimiser store."""
    return SPEC_ATTR in ds.attrs


def open_optimum(store) -> Optimum:
    """Open an optimiser store (a path or URL); refuse one that has not finished."""
    import xarray as xr

    from fasttwin.model.toml_io import tomllib

    text = str(store)
    if "://" not in text and not Path(text).exists():
        raise ValueError(f"no Zarr store at {text!r}")
    points = _open(text, None)
    if SPEC_ATTR not in points.attrs:
        raise ValueError(f"{text!r} is no optimiser store (no {SPEC_ATTR} attribute)")
    if RESULT_ATTR not in points.attrs:
        raise ValueError(
            f"the optimisation in {text!r} has not finished: run the same fasttwin optimize "
            "command again to resume it, then report"
        )
    spec = tomllib.loads(points.attrs[SPEC_ATTR])
    result = tomllib.loads(points.attrs[RESULT_ATTR])
    valid = points["valid"].values.astype(bool)
    points = points.isel(candidate=np.flatnonzero(valid)).load()
    finalists = _open(text, "finalists").load()
    selection = result.get("selection", {})
    if selection.get("reps", 0) > selection.get("first_stage_reps", 0):
        more = _open(text, "finalists_more").load()
        finalists = xr.concat(
            [finalists, more],
            "rep",
            data_vars="minimal",
            coords="minimal",
            compat="override",
            join="outer",
        )
    confirm = _open(text, "confirm").load()
    return Optimum(points, finalists, confirm, spec, result)


def _open(store: str, group: str | None):
    import xarray as xr

    # chunks=None: lazily indexed NumPy arrays; a store of many small chunks loads several
    # times faster than through Dask's scheduler, and the report loads everything it opens.
    try:
        return xr.open_zarr(store, group=group, consolidated=True, chunks=None)
    except (KeyError, ValueError, FileNotFoundError):
        return xr.open_zarr(store, group=group, consolidated=False, chunks=None)


def worst_service(points, opt: Optimum) -> np.ndarray:
    """Each evaluated policy's lowest mean service over the constraint and the scenarios."""
    service = opt.service
    if opt.scope == "every_store" and f"node_{service}_mean" in points:
        x = points[f"node_{service}_mean"].sel(node=opt.labels)
        x = x.min("node")
    elif opt.scope == "worst_store" and f"worst_store_{service}_mean" in points:
        x = points[f"worst_store_{service}_mean"]
    else:
        x = points[f"{service}_mean"]
    if "scenario" in x.dims:
        x = x.min("scenario")
    return np.asarray(x.values, np.float64)


def mean_cost(points) -> np.ndarray:
    """Each evaluated policy's mean cost over the scenarios (what the search minimised)."""
    x = points["cost_mean"]
    return np.asarray((x.mean("scenario") if "scenario" in x.dims else x).values, np.float64)
