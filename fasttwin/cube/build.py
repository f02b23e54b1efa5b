"""Build result cubes (xarray Datasets) from kernel sums, per the variable registry."""

from __future__ import annotations

import datetime as _dt

import numpy as np

from fasttwin.cube.variables import (
    COORDINATE_ATTRS,
    SYSTEM_VARIABLES,
    VALID,
    attrs_of,
    grid_coordinate_attrs,
)
from fasttwin.kernels import layout as L

#: The random-number scheme of fasttwin.kernels.rng, recorded in every cube. fasttwin 0.2 hashed
#: the whole key for every day ("SplitMix64 sequence per key; key (seed, stream, rep, node, day)
#: hashed by chained SplitMix64 finalisers"): cubes made with it differ draw for draw.
RNG_SCHEME = (
    "splitmix64-stream-day/1: key (seed, stream, rep, node) hashed once by chained SplitMix64 "
    "finalisers; day t's state = mix64(key + t * golden gamma); draws follow the SplitMix64 "
    "sequence from that state"
)


def variables_from_sums(sums: np.ndarray, days: int, node) -> dict[str, np.ndarray]:
    """Per-day means and ratios from integer sums ``(N_SUMS, ...)`` for one node's costs."""
    s = sums.astype(np.float64)
    holding = node.holding_cost * s[L.ON_HAND] / days
    shortage = (node.backorder_cost * s[L.BACKORDERS] + node.lost_sale_cost * s[L.LOST]) / days
    ordering = (node.order_cost * s[L.ORDERS] + node.unit_cost * s[L.ORDERED]) / days
    overflow = node.overflow_cost * s[L.OVERFLOW] / days
    demand = s[L.DEMAND]
    with np.errstate(invalid="ignore", divide="ignore"):
        fill = np.where(demand > 0, s[L.FILLED] / demand, 1.0)
    return {
        "cost": holding + shortage + ordering + overflow,
        "holding_cost": holding,
        "shortage_cost": shortage,
        "ordering_cost": ordering,
        "overflow_cost": overflow,
        "demand": demand / days,
        "sales": (demand - s[L.LOST] - (s[L.BO_END] - s[L.BO_START])) / days,
        "lost_sales": s[L.LOST] / days,
        "backorders": s[L.BACKORDERS] / days,
        "on_hand": s[L.ON_HAND] / days,
        "orders": s[L.ORDERS] / days,
        "ordered": s[L.ORDERED] / days,
        "fill_rate": fill,
        "ready_rate": 1.0 - s[L.STOCKOUTS] / days,
        # The kernels count at least one cycle (the open one when none closes).
        "cycle_service": 1.0 - s[L.SHORT_CYCLES] / s[L.CYCLES],
    }


def build_dataset(grid, valid: np.ndarray, values: dict, rep0: int, attrs: dict, scenarios=None):
    """Scatter per-valid-point arrays into a labelled cube.

    ``values`` holds arrays ``(points_valid, reps)``, or ``(scenarios,
    points_valid, reps)`` when ``scenarios`` names them. Invalid grid cells
    get NaN; ``valid`` records which cells are policies.
    """
    import xarray as xr

    n_scen = 1 if scenarios is None else len(scenarios)
    scen_dims = () if scenarios is None else ("scenario",)
    dims = (*grid.dims, *scen_dims, "rep")
    reps = next(iter(values.values())).shape[-1]
    data_vars = {}
    for name, arr in values.items():
        if name not in SYSTEM_VARIABLES:
            raise KeyError(f"variable {name!r} is not in the registry")
        full = np.full((n_scen, grid.size, reps), np.nan)
        full[:, valid] = arr.reshape(n_scen, -1, reps)
        # (scenario, point, rep) -> (point, scenario, rep): grid axes come first.
        full = full.transpose(1, 0, 2).reshape(*grid.shape, *((n_scen,) if scenarios else ()), reps)
        data_vars[name] = (dims, full, attrs_of(name))
    data_vars[VALID.name] = (grid.dims, valid.reshape(grid.shape), attrs_of(VALID.name))
    coords = {**grid_coords(grid), "rep": rep_coord(rep0, reps)}
    if scenarios is not None:
        # Object strings: Zarr v3 stores them as variable-length UTF-8, a stable
        # encoding (fixed-width unicode raises UnstableSpecificationWarning).
        names = np.array([str(s) for s in scenarios], dtype=object)
        coords["scenario"] = ("scenario", names, COORDINATE_ATTRS["scenario"])
    return xr.Dataset(data_vars, coords=coords, attrs=attrs)


def grid_coords(grid) -> dict:
    """``{dim: (dims, values, attrs)}`` of a grid's axes, with CF ``long_name`` and ``units``."""
    out = {}
    for axis in grid.axes:
        node = None if axis.name == axis.param else axis.node
        values = np.asarray(axis.values, dtype=np.int64)
        out[axis.name] = ((axis.name,), values, grid_coordinate_attrs(node, axis.param))
    return out


def rep_coord(rep0: int, reps: int) -> tuple:
    """The ``rep`` coordinate: replication labels ``rep0 .. rep0 + reps - 1``."""
    return ("rep", np.arange(rep0, rep0 + reps, dtype=np.int64), COORDINATE_ATTRS["rep"])


def provenance(model, run: dict, action: str = "simulate") -> dict:
    """Dataset attrs that say where a cube came from (CF and ACDD global attributes too).

    ``action`` names what made the cube (``simulate``, ``sweep SPEC``, ...) for
    the CF ``history`` line.
    """
    from fasttwin._version import __version__
    from fasttwin.model.toml_io import dumps

    now = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    name = model.name or "model"
    return {
        "Conventions": "CF-1.11, ACDD-1.3",
        "title": f"fasttwin Monte Carlo cube of {name}",
        "summary": (
            f"{run['reps']} replications of {run['periods']} simulated days (the first "
            f"{run['warmup']} are warm-up) of inventory model {name!r} for every policy of a "
            "grid; each variable is a mean per measured day or a ratio."
        ),
        "source": f"fasttwin {__version__} (Numba kernels)",
        "history": f"{now} fasttwin {__version__}: {action}",
        "date_created": now,
        "fasttwin_version": __version__,
        "model_toml": model.to_toml(),
        "run_toml": dumps(run),
        "seed": run["seed"],
        "periods": run["periods"],
        "warmup": run["warmup"],
        "rng": RNG_SCHEME,
    }
