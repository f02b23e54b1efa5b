"""Build result cubes (xarray Datasets) from kernel sums, per the variable registry."""

from __future__ import annotations

import datetime as _dt

import numpy as np

from fasttwin.cube.variables import (
    COORDINATE_ATTRS,
    NODE_VARIABLES,
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


class CubeArrays:
    """A cube's arrays, allocated once in their final layout and filled block by block.

    Kernels hand their sums over one block of replications at a time; each
    block's variables go straight into place (:meth:`put`), so building a cube
    holds the cube itself plus the blocks in flight, never a second copy of the
    whole. Invalid grid cells stay NaN. Blocks may be put from several threads
    at once: each writes only its own replications.

    Parameters
    ----------
    grid
        The :class:`~fasttwin.plan.grid.PolicyGrid`.
    valid
        Which flat grid points are policies (bool, C order); values are put
        for these points only, in this order.
    reps
        Replications of the cube.
    scenarios
        Scenario names (adds a ``scenario`` dim after the grid dims), or None.
    nodes
        Node names, for the per-node variables (a ``node`` dim before
        ``rep``), or None for a cube without them.

    Examples
    --------
    >>> import numpy as np
    >>> from fasttwin.plan.grid import Axis, PolicyGrid
    >>> grid = PolicyGrid((Axis("reorder_point", "node", "reorder_point", (1, 2, 3)),), ())
    >>> cube = CubeArrays(grid, np.array([True, False, True]), reps=4)
    >>> cube.put(0, 0, {"cost": np.array([[1.0, 2.0], [3.0, 4.0]])})
    >>> cube.put(0, 2, {"cost": np.array([[5.0, 6.0], [7.0, 8.0]])})
    >>> ds = cube.dataset(0, {})
    >>> ds["cost"].values.tolist()
    [[1.0, 2.0, 5.0, 6.0], [nan, nan, nan, nan], [3.0, 4.0, 7.0, 8.0]]
    """

    def __init__(self, grid, valid: np.ndarray, reps: int, scenarios=None, nodes=None):
        self.grid = grid
        self.valid = np.asarray(valid, bool).reshape(-1)
        self.reps = int(reps)
        self.scenarios = None if scenarios is None else [str(s) for s in scenarios]
        self.nodes = None if nodes is None else [str(n) for n in nodes]
        # Writing a slice is much faster than fancy indexing: use one when every point is valid.
        self._rows = slice(None) if self.valid.all() else np.flatnonzero(self.valid)
        n_scen = 1 if self.scenarios is None else len(self.scenarios)
        # (point, scenario, [node], rep): a view of the cube's (*grid, [scenario], [node], rep).
        # Allocated before any block runs, so that threads never race to create one.
        self._arrays = {
            name: np.full((grid.size, n_scen, self.reps), np.nan) for name in SYSTEM_VARIABLES
        }
        if self.nodes is not None:
            shape = (grid.size, n_scen, len(self.nodes), self.reps)
            self._arrays.update({name: np.full(shape, np.nan) for name in NODE_VARIABLES})
        self._put: set[str] = set()

    def put(self, scenario: int, first: int, values: dict, node_values: dict | None = None):
        """Put one block: ``values[name]`` holds ``(valid points, reps)`` (system
        variables), ``node_values[name]`` ``(valid points, nodes, reps)``, for
        replications ``first .. first + reps - 1`` (counted from the cube's first)
        of scenario number ``scenario`` (0 without scenarios)."""
        for name, block in (*values.items(), *(node_values or {}).items()):
            arr = self._arrays.get(name)
            if arr is None:
                raise KeyError(f"variable {name!r} is not in the registry (or not in this cube)")
            arr[self._rows, scenario, ..., first : first + block.shape[-1]] = block
            self._put.add(name)

    def dataset(self, rep0: int, attrs: dict):
        """The labelled cube (no copy of the arrays): dims the grid axes,
        ``scenario``, ``node`` (per-node variables), ``rep``; plus ``valid``.
        Variables never put are left out."""
        import xarray as xr

        grid = self.grid
        scen = () if self.scenarios is None else (len(self.scenarios),)
        scen_dims = () if self.scenarios is None else ("scenario",)
        data_vars = {}
        for name, arr in self._arrays.items():
            if name not in self._put:
                continue
            node = ("node",) if name in NODE_VARIABLES else ()
            shape = (*grid.shape, *scen, *arr.shape[2:])
            data_vars[name] = ((*grid.dims, *scen_dims, *node, "rep"), arr.reshape(shape))
        # Registry order: system variables, valid, then per-node variables.
        order = [*SYSTEM_VARIABLES, VALID.name, *NODE_VARIABLES]
        data_vars[VALID.name] = (grid.dims, self.valid.reshape(grid.shape))
        data_vars = {
            name: (*data_vars[name], attrs_of(name)) for name in order if name in data_vars
        }
        coords = {**grid_coords(grid), "rep": rep_coord(rep0, self.reps)}
        if self.scenarios is not None:
            # Object strings: Zarr v3 stores them as variable-length UTF-8, a stable
            # encoding (fixed-width unicode raises UnstableSpecificationWarning).
            names = np.array(self.scenarios, dtype=object)
            coords["scenario"] = ("scenario", names, COORDINATE_ATTRS["scenario"])
        if self.nodes is not None:
            names = np.array(self.nodes, dtype=object)
            coords["node"] = ("node", names, COORDINATE_ATTRS["node"])
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
