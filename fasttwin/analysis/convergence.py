"""``convergence``: how means and interval half-widths settle as replications grow."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from fasttwin.analysis.axes import check_cube, check_fraction, grid_dims, point_values, scenarios
from fasttwin.analysis.intervals import moments, t_multiplier


def running_estimates(x: np.ndarray, confidence: float = 0.95):
    """Mean and CI half-width over the first ``n`` replications, for every ``n``.

    ``x`` has replications on its last axis; NaN values are skipped (they
    leave ``n`` unchanged). Returns ``(count, mean, halfwidth)`` shaped like ``x``.

    Examples
    --------
    >>> n, mean, hw = running_estimates(np.array([1.0, 3.0, 2.0]))
    >>> mean.tolist(), hw[1:].round(6).tolist()
    ([1.0, 2.0, 2.0], [12.706205, 2.484138])
    """
    x = np.asarray(x, dtype=np.float64)
    finite = np.isfinite(x)
    count = np.cumsum(finite, axis=-1)
    # Centre on the overall mean first so the running sums of squares do not cancel.
    _, centre, _ = moments(x)
    centre = np.where(np.isfinite(centre), centre, 0.0)[..., None]
    y = np.where(finite, x - centre, 0.0)
    s1 = np.cumsum(y, axis=-1)
    s2 = np.cumsum(y * y, axis=-1)
    nan = np.full(x.shape, np.nan)
    mean = centre + np.divide(s1, count, out=nan.copy(), where=count > 0)
    ss = np.maximum(s2 - np.divide(s1 * s1, count, out=nan.copy(), where=count > 0), 0.0)
    var = np.divide(ss, count - 1, out=nan.copy(), where=count > 1)
    se = np.sqrt(np.divide(var, count, out=nan.copy(), where=count > 1))
    return count, mean, t_multiplier(count, confidence) * se


def reps_needed(sd, halfwidth, confidence: float = 0.95) -> np.ndarray:
    """Smallest ``n >= 2`` with ``t(n-1) * sd / sqrt(n) <= halfwidth`` (NaN if unknown).

    Examples
    --------
    >>> reps_needed(np.array([1.0, 0.0, 2.0]), np.array([1.0, 0.5, 0.1])).tolist()
    [7.0, 2.0, 1540.0]
    """
    from scipy import stats

    sd = np.asarray(sd, dtype=np.float64)
    h = np.broadcast_to(np.asarray(halfwidth, dtype=np.float64), sd.shape)
    known = np.isfinite(sd) & np.isfinite(h) & (h > 0)
    z = stats.norm.ppf(0.5 + confidence / 2)
    ratio = np.divide(sd, h, out=np.zeros(sd.shape), where=known)
    # The normal quantile gives a lower bound; t(n-1) > z, so step up from there.
    n = np.maximum(np.ceil((z * ratio) ** 2), 2.0)
    short = known & (t_multiplier(n, confidence) * ratio / np.sqrt(n) > 1.0)
    while short.any():
        n = n + short
        short = known & (t_multiplier(n, confidence) * ratio / np.sqrt(n) > 1.0)
    return np.where(known, n, np.nan)


def convergence(
    ds,
    variables: Sequence[str] = ("cost", "fill_rate"),
    *,
    halfwidth: Mapping[str, float] | None = None,
    relative: float = 0.01,
    confidence: float = 0.95,
):
    """Running mean and CI half-width versus the number of replications.

    Parameters
    ----------
    ds
        A cube; replications are taken in the cube's ``rep`` order.
    variables
        System-level variables (dims grid, [scenario], rep).
    halfwidth
        Target half-width per variable, in its units (e.g. ``{"cost": 0.5,
        "fill_rate": 0.005}``); variables not named get ``relative`` times the
        absolute value of their mean at each point.
    relative
        Relative target half-width for variables not in ``halfwidth``.
    confidence
        Level of the intervals.

    Returns
    -------
    xarray.Dataset
        Dims (*grid, [scenario], ``n``) with ``n = 1 .. reps``: ``v_mean`` and
        ``v_halfwidth`` over the first ``n`` replications (NaN half-width for
        ``n < 2``); and per point ``v_target_halfwidth`` and ``v_reps_needed``,
        the replications the target needs, estimated from the standard
        deviation over all replications.

    Examples
    --------
    >>> import xarray as xr
    >>> ds = xr.Dataset({"cost": (("S", "rep"), [[1.0, 3.0, 2.0]])}, coords={"S": [30]})
    >>> cv = convergence(ds, ["cost"], halfwidth={"cost": 1.0})
    >>> cv["cost_mean"].values.tolist(), cv["cost_reps_needed"].values.tolist()
    ([[1.0, 2.0, 2.0]], [7.0])
    """
    import xarray as xr

    if isinstance(variables, str):
        variables = [variables]
    check_cube(ds, *variables, purpose="convergence")
    confidence = check_fraction("confidence", confidence, closed_top=False)
    halfwidth = dict(halfwidth or {})
    for name, h in halfwidth.items():
        if name not in variables:
            raise ValueError(
                f"halfwidth names {name!r}, which is not among the variables {list(variables)}"
            )
        if isinstance(h, bool) or not isinstance(h, int | float) or not h > 0:
            raise ValueError(f"halfwidth[{name!r}] must be a number > 0, got {h!r}")
    if isinstance(relative, bool) or not isinstance(relative, int | float) or not relative > 0:
        raise ValueError(f"relative must be a number > 0, got {relative!r}")
    axes = grid_dims(ds)
    names = scenarios(ds)
    shape = tuple(ds.sizes[d] for d in axes) + ((len(names),) if names else ())
    point_dims = (*axes, *(("scenario",) if names else ()))
    reps = ds.sizes["rep"]
    data = {}
    for name in variables:
        x = point_values(ds, name)  # (points, scenarios, reps)
        _, mean, hw = running_estimates(x, confidence)
        _, overall, sd = moments(x)
        target = (
            np.full(overall.shape, float(halfwidth[name]))
            if name in halfwidth
            else (relative * np.abs(overall))
        )
        needed = reps_needed(sd, target, confidence)
        attrs = {k: v for k, v in ds[name].attrs.items() if k in ("units",)}
        long_name = ds[name].attrs.get("long_name", name)
        data[f"{name}_mean"] = (
            (*point_dims, "n"),
            mean.reshape(*shape, reps),
            {**attrs, "long_name": f"mean of {long_name} over the first n replications"},
        )
        data[f"{name}_halfwidth"] = (
            (*point_dims, "n"),
            hw.reshape(*shape, reps),
            {
                **attrs,
                "long_name": f"{100 * confidence:g} % CI half-width of that mean",
            },
        )
        data[f"{name}_target_halfwidth"] = (point_dims, target.reshape(shape), attrs)
        data[f"{name}_reps_needed"] = (
            point_dims,
            needed.reshape(shape),
            {"long_name": "replications needed for the target half-width", "units": "1"},
        )
    coords = {d: ds[d].values for d in axes}
    if names:
        coords["scenario"] = ds["scenario"].values
    coords["n"] = np.arange(1, reps + 1)
    return xr.Dataset(data, coords=coords, attrs={"confidence": confidence})
