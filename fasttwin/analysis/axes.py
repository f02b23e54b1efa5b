"""What a cube's dimensions and variables mean, read from the cube alone.

A cube's *grid axes* are all its dimensions except ``scenario``, ``node`` and
``rep`` (DESIGN.md section 4); the boolean ``valid`` variable, when present,
spans exactly the grid axes and marks the cells that are policies. Nothing
here needs model objects or fasttwin-specific attributes.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence

import numpy as np

#: Dimensions that are not grid axes.
NON_GRID_DIMS = ("scenario", "node", "rep")


def check_cube(ds, *variables: str, purpose: str = "this analysis") -> None:
    """Refuse a dataset that is no cube, or lacks ``variables``."""
    import xarray as xr

    if not isinstance(ds, xr.Dataset):
        raise ValueError(f"expected an xarray.Dataset cube, got {type(ds).__name__}")
    if "rep" not in ds.dims:
        raise ValueError(
            f"the cube has no 'rep' dimension (dims: {', '.join(map(str, ds.dims))}); "
            "analysis needs replications"
        )
    complete = ds.attrs.get("sweep_complete")
    if complete is not None and not bool(complete):
        raise ValueError(
            f"the cube is an unfinished sweep (sweep_complete is false): some of its tasks never "
            f"ran and their cells read as NaN, so {purpose} would cover part of the grid only; "
            "run the same fasttwin sweep command again to finish it (it resumes)"
        )
    missing = [v for v in variables if v not in ds.data_vars]
    if missing:
        have = ", ".join(sorted(str(v) for v in ds.data_vars)) or "none"
        raise ValueError(
            f"{purpose} needs variable(s) {', '.join(missing)}, which the cube lacks; "
            f"it has: {have}"
        )


def check_roles(ds, cost: str, service: str) -> None:
    """Refuse a ``service`` that is no ratio, or a ``cost`` that is one.

    Examples
    --------
    >>> import xarray as xr
    >>> ds = xr.Dataset({"cost": ("rep", [1.0]), "fill_rate": ("rep", [0.9])})
    >>> check_roles(ds, "fill_rate", "fill_rate")
    Traceback (most recent call last):
    ...
    ValueError: cost must be a quantity to minimise, not a ratio: one of cost; got 'fill_rate'
    """

    def of_kind(ratio: bool) -> str:
        names = [
            str(v)
            for v, x in ds.data_vars.items()
            if "rep" in x.dims and x.dtype.kind == "f" and is_ratio(ds, v) == ratio
        ]
        return ", ".join(sorted(names)) or "none"

    if not is_ratio(ds, service):
        raise ValueError(
            f"service must be a ratio (a share between 0 and 1): one of {of_kind(True)}; "
            f"got {service!r}"
        )
    if is_ratio(ds, cost):
        raise ValueError(
            f"cost must be a quantity to minimise, not a ratio: one of {of_kind(False)}; "
            f"got {cost!r}"
        )


def grid_dims(ds) -> tuple[str, ...]:
    """The grid axes of a cube, in the order of ``valid`` (else of the variables).

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> ds = xr.Dataset({"cost": (("s", "scenario", "rep"), np.zeros((2, 1, 3)))})
    >>> grid_dims(ds)
    ('s',)
    """
    order: list[str] = []
    for var in ds.data_vars.values():
        order.extend(str(d) for d in var.dims if d not in order)
    order.extend(str(d) for d in ds.dims if d not in order)
    axes = tuple(d for d in order if d not in NON_GRID_DIMS)
    if "valid" in ds.data_vars:
        marked = tuple(str(d) for d in ds["valid"].dims)
        stray = [d for d in axes if d not in marked]
        if stray or any(d in NON_GRID_DIMS for d in marked):
            raise ValueError(
                f"'valid' has dims {marked}, but a cube's grid axes are all its dims except "
                f"{', '.join(NON_GRID_DIMS)}: {axes}"
            )
        return marked
    return axes


def check_axis(ds, name, what: str = "axis") -> str:
    """Return ``name`` if it is a grid axis of ``ds``, else raise a ValueError listing them."""
    axes = grid_dims(ds)
    if name not in axes:
        listed = ", ".join(axes) or "none (the cube holds one policy)"
        raise ValueError(f"{what} {name!r} is no grid axis of the cube; its grid axes: {listed}")
    return str(name)


def check_fraction(name: str, value, *, closed_top: bool) -> float:
    """A number in (0, 1] (``closed_top``) or (0, 1)."""
    bad = isinstance(value, bool) or not isinstance(value, numbers.Real)
    if not bad:
        value = float(value)
        bad = not (0.0 < value < 1.0 or (closed_top and value == 1.0))
    if bad:
        top = "1]" if closed_top else "1)"
        raise ValueError(f"{name} must be a number in (0, {top}, got {value!r}")
    return value


def check_choice(name: str, value, allowed: Sequence[str]) -> str:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def scenarios(ds) -> list[str] | None:
    """The scenario labels when ``scenario`` is a dimension, else ``None``."""
    if "scenario" not in ds.dims:
        return None
    return [str(s) for s in ds["scenario"].values]


def valid_mask(ds, variable: str = "cost") -> np.ndarray:
    """Grid-shaped booleans: the ``valid`` variable, else cells where ``variable`` has a value."""
    axes = grid_dims(ds)
    if "valid" in ds.data_vars:
        return np.asarray(ds["valid"].transpose(*axes).values, dtype=bool)
    x = ds[variable]
    other = [d for d in x.dims if d not in axes]
    return np.asarray(x.notnull().any(other).transpose(*axes).values, dtype=bool)


def point_values(ds, variable: str, *, select: Mapping | None = None) -> np.ndarray:
    """``variable`` as an array ``(points, scenarios, reps)`` over the flattened grid.

    Points follow the grid in C order (the order of :func:`point_policy`);
    a cube without a ``scenario`` dimension has one scenario. ``select``
    picks along other non-grid dims first (e.g. ``{"node": "store"}``).
    """
    x = ds[variable]
    if select:
        x = x.sel(select)
    axes = grid_dims(ds)
    has_scenario = "scenario" in x.dims
    allowed = {*axes, "scenario", "rep"}
    extra = [d for d in x.dims if d not in allowed]
    if extra:
        raise ValueError(
            f"variable {variable!r} has dims {extra} beyond the grid, scenario and rep; "
            f"select one value first, e.g. ds.sel({extra[0]}=...)"
        )
    if "rep" not in x.dims:
        raise ValueError(f"variable {variable!r} has no 'rep' dimension")
    # A variable that does not vary along some grid axis holds for all of it.
    missing = [d for d in axes if d not in x.dims]
    if missing:
        x = x.expand_dims({d: ds.sizes[d] for d in missing})
    x = x.transpose(*axes, *(("scenario",) if has_scenario else ()), "rep")
    arr = np.asarray(x.values, dtype=np.float64)
    shape = tuple(ds.sizes[d] for d in axes)
    n_points = int(np.prod(shape, dtype=np.int64))
    return arr.reshape(n_points, -1 if has_scenario else 1, ds.sizes["rep"])


def point_policy(ds, index: int) -> dict:
    """The grid coordinates of flat point ``index`` as plain Python values."""
    axes = grid_dims(ds)
    shape = tuple(ds.sizes[d] for d in axes)
    where = np.unravel_index(int(index), shape) if axes else ()
    return {d: ds[d].values[i].item() for d, i in zip(axes, where, strict=True)}


def point_index(ds, policy: Mapping) -> int:
    """The flat index of the grid point that ``policy`` names (every grid axis)."""
    axes = grid_dims(ds)
    if not isinstance(policy, Mapping):
        raise ValueError(f"policy must be a mapping of grid axis to value, got {policy!r}")
    for key in policy:
        check_axis(ds, key, "policy key")
    left = [d for d in axes if d not in policy]
    if left:
        raise ValueError(f"policy must give a value for every grid axis; missing: {left}")
    where = []
    for d in axes:
        values = ds[d].values
        hits = np.flatnonzero(values == policy[d])
        if hits.size == 0:
            raise ValueError(
                f"policy {d}={policy[d]!r} is not on the grid; values: {values.tolist()}"
            )
        where.append(int(hits[0]))
    shape = tuple(ds.sizes[d] for d in axes)
    return int(np.ravel_multi_index(tuple(where), shape)) if axes else 0


def label(ds, name: str) -> str:
    """``long_name [units]`` from the cube's attrs, else the variable registry, else the name.

    Units are written in words (``d-1`` -> ``per day``) for readers of pictures.
    """
    from fasttwin.cube.variables import VARIABLES, display_units

    attrs = ds[name].attrs if name in ds.variables else {}
    reg = VARIABLES.get(name)
    long_name = attrs.get("long_name") or (reg.long_name if reg else name)
    units = display_units(attrs.get("units") or (reg.units if reg else ""))
    return f"{long_name} [{units}]" if units else long_name


def is_ratio(ds, name: str) -> bool:
    """Whether a variable is a dimensionless ratio (units ``1``), like ``fill_rate``."""
    from fasttwin.cube.variables import VARIABLES

    units = ds[name].attrs.get("units") or getattr(VARIABLES.get(name), "units", None)
    return units == "1"


def format_policy(policy: Mapping) -> str:
    """``reorder_point=40, order_up_to=120`` (``the single policy`` without axes)."""
    return ", ".join(f"{k}={v}" for k, v in policy.items()) or "the single policy"
