"""Evaluate a batch of policy points in one kernel call, and what the search reads from it.

The kernels take a flat list of policy points, so a batch of arbitrary points
(not a Cartesian grid) runs in one day loop on the same demand paths: common
random numbers, and the demand drawn once for the whole batch. The batch cube
has dims ``(candidate, [scenario], [node], rep)`` and the variables of
:mod:`fasttwin.cube.variables`, exactly those :func:`fasttwin.simulate` gives
for the same policies.
"""

from __future__ import annotations

import numpy as np

from fasttwin.optimize.space import PolicyPoints

#: Summary statistics kept for the search (over replications).
STATS = ("mean", "se")


def evaluate(model, points: PolicyPoints, scenarios, run, parallel: bool):
    """The cube of ``points`` (every one must be a policy) for each scenario.

    ``scenarios`` is a list of :class:`~fasttwin.model.scenarios.Scenario` or
    ``None`` (no scenario dim); ``run`` a :class:`~fasttwin.plan.run.Run`.

    Examples
    --------
    >>> import fasttwin as ft
    >>> from fasttwin.optimize.space import Space
    >>> from fasttwin.plan.run import resolve_run
    >>> model = ft.single_node(demand=ft.Poisson(10.0), lead_time=1, order_up_to=40)
    >>> space = Space.of(model, {"reorder_point": [10, 20]})
    >>> run = resolve_run(model, 5, 50, 10, 3)
    >>> ds = evaluate(model, space.points(np.array([[1], [0]])), None, run, True)
    >>> ref = ft.simulate(model, {"reorder_point": [20, 10]}, reps=5, periods=50, warmup=10, seed=3)
    >>> bool((ds["cost"].values == ref["cost"].values).all()), ds["cost"].dims
    (True, ('candidate', 'rep'))
    """
    import xarray as xr

    from fasttwin.cube.variables import attrs_of

    models = [model] if scenarios is None else [sc.apply(model) for sc in scenarios]
    parts = [_one(m, points, run, parallel) for m in models]
    system = {k: np.stack([p[0][k] for p in parts], axis=1) for k in parts[0][0]}
    data = {}
    for name, arr in system.items():  # (candidate, scenario, rep)
        data[name] = (("candidate", "scenario", "rep"), arr, attrs_of(name))
    coords = {
        "candidate": np.arange(points.size, dtype=np.int64),
        "rep": np.arange(run.rep0, run.rep0 + run.reps, dtype=np.int64),
    }
    if parts[0][1]:
        for name in parts[0][1]:  # (candidate, node, rep) per scenario
            arr = np.stack([p[1][name] for p in parts], axis=1)
            data[name] = (("candidate", "scenario", "node", "rep"), arr, attrs_of(name))
        coords["node"] = np.asarray(model.node_names, dtype=object)
    ds = xr.Dataset(data, coords=coords)
    if scenarios is None:
        return ds.squeeze("scenario", drop=True)
    return ds.assign_coords(scenario=np.array([sc.name for sc in scenarios], dtype=object))


def _one(model, points: PolicyPoints, run, parallel: bool) -> tuple[dict, dict]:
    """System arrays ``(points, reps)`` and node arrays ``(points, nodes, reps)`` of one model."""
    if len(model.nodes) == 1:
        from fasttwin.cube.build import variables_from_sums
        from fasttwin.engine.single import single_node_sums
        from fasttwin.plan.grid import node_policy

        pol = node_policy(model, points, model.nodes[0].name)
        _all_valid(pol.valid)
        sums = single_node_sums(model, pol, run, parallel)
        return variables_from_sums(sums, run.measured, model.nodes[0]), {}
    from fasttwin.cube.network import network_variables
    from fasttwin.engine.network import network_sums
    from fasttwin.plan.network import network_policy

    pol = network_policy(model, points)
    _all_valid(pol.valid)
    return network_variables(network_sums(model, pol, run, parallel), run.measured, model)


def _all_valid(valid: np.ndarray) -> None:
    if not valid.all():
        raise ValueError(
            f"{int((~valid).sum())} point(s) of the batch are no policy (reorder_point >= "
            "order_up_to); the search submits policies only"
        )


def summarise(ds, demand_nodes, service: str):
    """Mean and standard error over ``rep`` of every variable: ``<var>_mean``, ``<var>_se``.

    Adds ``worst_store_<service>``, the replication's lowest service over the
    demand nodes (of a network), before summarising.
    """
    import xarray as xr

    from fasttwin.analysis.intervals import moments

    ds = with_worst_store(ds, demand_nodes, service)
    out = {}
    for name, var in ds.data_vars.items():
        axis = var.dims.index("rep")
        count, mean, sd = moments(var.values, axis=axis)
        se = np.divide(sd, np.sqrt(count), out=np.full(mean.shape, np.nan), where=count > 0)
        dims = tuple(d for d in var.dims if d != "rep")
        long_name = var.attrs.get("long_name", name)
        units = var.attrs.get("units")
        unit = {} if units is None else {"units": units}
        out[f"{name}_mean"] = (dims, mean, {"long_name": f"mean of {long_name}", **unit})
        out[f"{name}_se"] = (
            dims,
            se,
            {"long_name": f"standard error of the mean of {long_name}", **unit},
        )
    coords = {k: v for k, v in ds.coords.items() if "rep" not in v.dims}
    return xr.Dataset(out, coords=coords, attrs={"reps": int(ds.sizes["rep"])})


def with_worst_store(ds, demand_nodes, service: str):
    """``ds`` with ``worst_store_<service>``: each replication's lowest demand-node service."""
    name = f"node_{service}"
    if name not in ds.data_vars:
        return ds
    worst = ds[name].sel(node=list(demand_nodes)).min("node")
    worst.attrs = {
        "long_name": f"lowest {service} over the demand nodes",
        "units": ds[name].attrs.get("units", "1"),
        "description": f"Each replication's lowest {service} over the demand nodes.",
    }
    return ds.assign({f"worst_store_{service}": worst})
