"""``trace``: the daily paths of a few replications of one policy."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from fasttwin.model.network import Model


def trace(
    model: Model,
    policy: Mapping | None = None,
    *,
    reps: int = 3,
    periods: int | None = None,
    warmup: int | None = None,
    seed: int | None = None,
    scenario=None,
    rep0: int = 0,
):
    """Day-by-day paths of replications ``rep0 .. rep0 + reps - 1`` of one policy.

    Replication ``i`` is the replication ``i`` of :func:`fasttwin.simulate`
    with the same model, seed, periods and scenario: the same draws and the
    same day step, so its measured days add up to that cube's values exactly.

    Parameters
    ----------
    model
        A model: one node, or several (a network; see Returns).
    policy
        Scalars only, e.g. ``{"reorder_point": 40, "order_up_to": 120}``, or
        ``{"warehouse.reorder_point": 800}`` in a network; parameters left
        out come from the model.
    reps, rep0
        How many replications, and the label of the first.
    periods, warmup, seed
        As for :func:`fasttwin.simulate`; ``None`` takes the model's value.
        Every day is traced; the ``measured`` coordinate marks the days after
        the warm-up, the ones a cube's means are taken over.
    scenario
        ``None``, or one scenario name or :class:`~fasttwin.model.scenarios.Scenario`.

    Returns
    -------
    xarray.Dataset
        Dims ``(rep, day)``; variables of :data:`fasttwin.cube.variables.TRACE_VARIABLES`
        (``on_hand``, ``backorders``, ``pipeline``, ``orders``, ``ordered``,
        ``demand``, ``lost_sales``, ``cost``, ...), each the day's amount or
        end-of-day level. For a model of several nodes, dims ``(rep, day,
        node)`` and the variables of
        :data:`fasttwin.cube.variables.NODE_TRACE_VARIABLES` (per node: what
        was requested of it, what it shipped from stock at once, its stock,
        what it owes and is owed, its cost), plus ``stockout (rep, day)``;
        they come from the step kernel (:mod:`fasttwin.kernels.step`), whose
        day is the network kernel's.

    Examples
    --------
    >>> import fasttwin as ft
    >>> model = ft.single_node(demand=ft.Poisson(mean=5.0), lead_time=1,
    ...                        holding_cost=1.0, backorder_cost=9.0)
    >>> tr = ft.trace(model, {"reorder_point": 8, "order_up_to": 20}, reps=2, periods=10, seed=3)
    >>> tr["on_hand"].dims
    ('rep', 'day')
    >>> bool(((tr["on_hand"] - tr["backorders"] + tr["pipeline"])
    ...       == tr["inventory_position"]).all())
    True
    >>> net = ft.trace(ft.retail_twin(), {"warehouse.reorder_point": 800}, reps=2, periods=20)
    >>> net["on_hand"].dims, net.sizes["node"]
    (('rep', 'day', 'node'), 4)
    """
    import xarray as xr

    from fasttwin.cube.build import rep_coord
    from fasttwin.cube.variables import COORDINATE_ATTRS, TRACE_VARIABLES
    from fasttwin.kernels.trace import N_TRACE, trace_single_kernel
    from fasttwin.model.scenarios import Scenario
    from fasttwin.plan.grid import node_policy, resolve_policy
    from fasttwin.plan.lower import demand_plan, lead_time_plan
    from fasttwin.plan.run import UNLIMITED, resolve_run

    if not isinstance(model, Model):
        raise ValueError(
            f"model must be a fasttwin Model (e.g. ft.single_node(...)), got {model!r}"
        )
    if model.review != "periodic":
        raise ValueError(f"trace follows periodic review only; model.review is {model.review!r}")
    run = resolve_run(model, reps, periods, warmup, seed, rep0)
    grid = resolve_policy(model, policy)
    if grid.axes:
        names = ", ".join(a.name for a in grid.axes)
        raise ValueError(
            f"trace follows one policy: policy values must be scalars, got sequences for {names}"
        )
    if scenario is not None:
        if not isinstance(scenario, str | Scenario):
            raise ValueError(f"scenario must be one scenario name or Scenario, got {scenario!r}")
        model = Scenario.of(scenario).apply(model)
    attrs = {
        "model": model.name,
        "policy": ", ".join(
            f"{k}={v}" if len(model.nodes) == 1 else f"{n}.{k}={v}" for n, k, v in grid.fixed
        )
        or "model's policy",
        "seed": run.seed,
        "periods": run.periods,
        "warmup": run.warmup,
        "scenario": "baseline" if scenario is None else Scenario.of(scenario).name,
    }
    days = np.arange(run.periods, dtype=np.int64)
    coords = {
        "rep": rep_coord(run.rep0, run.reps),
        "day": ("day", days, COORDINATE_ATTRS["day"]),
        "measured": ("day", days >= run.warmup, COORDINATE_ATTRS["measured"]),
    }
    if len(model.nodes) > 1:
        return _trace_network(model, grid, run, coords, attrs)
    node = model.nodes[0]
    pol = node_policy(model, grid, node.name)
    dplan = demand_plan(node.demand, run.periods)
    lplan = lead_time_plan(node.lead_time)
    out = np.zeros((N_TRACE, run.reps, run.periods), np.int64)
    trace_single_kernel(pol.kind == "rQ")(
        run.seed,
        0,
        run.rep0,
        run.reps,
        run.periods,
        pol.reorder,
        pol.up_to,
        pol.quantity,
        pol.review,
        pol.initial,
        int(node.lost_sales),
        UNLIMITED if node.capacity is None else node.capacity,
        *dplan.arrays(),
        *lplan.arrays(),
        float(node.reliability),
        out,
    )
    values = _daily_values(out, node)
    data_vars = {
        name: (("rep", "day"), arr, _attrs(TRACE_VARIABLES[name])) for name, arr in values.items()
    }
    return xr.Dataset(data_vars, coords=coords, attrs={**attrs, "node": node.name})


def _attrs(var) -> dict:
    return {"units": var.units, "long_name": var.long_name, "description": var.description}


def _trace_network(model: Model, grid, run, coords: dict, attrs: dict):
    """The daily paths ``(rep, day, node)`` of a model of several nodes."""
    import xarray as xr

    from fasttwin.cube.variables import COORDINATE_ATTRS, NODE_TRACE_VARIABLES
    from fasttwin.kernels import network_layout as NL
    from fasttwin.kernels.step import trace_network
    from fasttwin.plan.network import network_plan, network_policy

    pol = network_policy(model, grid)
    if not pol.valid.all():
        raise ValueError("policy: reorder_point must be < order_up_to at every node")
    plan = network_plan(model, run.periods)
    n_nodes = len(model.nodes)
    rows = np.zeros((run.reps, run.periods, n_nodes, NL.N_NODE_SUMS), np.int64)
    shares = np.zeros((run.reps, run.periods, n_nodes))
    stockouts = np.zeros((run.reps, run.periods), np.int64)
    policy, initial = pol.kernel_arrays()
    trace_network(
        run.seed,
        run.rep0,
        run.reps,
        run.periods,
        *plan.kernel_arrays(),
        policy,
        initial,
        rows,
        shares,
        stockouts,
    )
    values = node_daily_values(rows, shares, model)
    data_vars = {
        name: (("rep", "day", "node"), arr, _attrs(NODE_TRACE_VARIABLES[name]))
        for name, arr in values.items()
    }
    data_vars["stockout"] = (("rep", "day"), stockouts, _attrs(NODE_TRACE_VARIABLES["stockout"]))
    names = np.asarray(model.node_names, dtype=object)
    coords = {**coords, "node": ("node", names, COORDINATE_ATTRS["node"])}
    return xr.Dataset(data_vars, coords=coords, attrs=attrs)


def node_daily_values(rows: np.ndarray, shares: np.ndarray, model) -> dict[str, np.ndarray]:
    """Named daily arrays ``(..., nodes)`` from the step kernel's day sums ``(..., nodes, K)``."""
    from fasttwin.kernels import network_layout as NL

    def per_node(field):
        return np.array([getattr(n, field) for n in model.nodes], np.float64)

    r = rows
    cost = (
        per_node("holding_cost") * r[..., NL.ON_HAND]
        + per_node("backorder_cost") * r[..., NL.BACKORDERS]
        + per_node("lost_sale_cost") * r[..., NL.LOST]
        + per_node("order_cost") * r[..., NL.ORDERS]
        + per_node("unit_cost") * r[..., NL.ORDERED]
        + per_node("overflow_cost") * shares
    )
    return {
        "demand": r[..., NL.DEMAND],
        "arrivals": r[..., NL.RECEIVED],
        "orders": r[..., NL.ORDERS],
        "ordered": r[..., NL.ORDERED],
        "rejected": r[..., NL.ORDERS] - (r[..., NL.ORDERED] > 0),
        "filled": r[..., NL.FILLED],
        "lost_sales": r[..., NL.LOST],
        "on_hand": r[..., NL.ON_HAND],
        "backorders": r[..., NL.BACKORDERS],
        "pipeline": r[..., NL.PIPELINE],
        "inventory_position": r[..., NL.ON_HAND] - r[..., NL.BACKORDERS] + r[..., NL.PIPELINE],
        "overflow": shares,
        "cost": cost,
    }


def _daily_values(out: np.ndarray, node) -> dict[str, np.ndarray]:
    """Named daily arrays ``(reps, periods)`` from the trace kernel's rows."""
    from fasttwin.kernels import trace as T

    cost = (
        node.holding_cost * out[T.ON_HAND]
        + node.backorder_cost * out[T.BACKORDERS]
        + node.lost_sale_cost * out[T.LOST]
        + node.order_cost * out[T.ORDERS]
        + node.unit_cost * out[T.ORDERED]
        + node.overflow_cost * out[T.OVERFLOW]
    )
    return {
        "demand": out[T.DEMAND],
        "arrivals": out[T.ARRIVED],
        "orders": out[T.ORDERS],
        "ordered": out[T.ORDERED],
        "rejected": out[T.REJECTED],
        "filled": out[T.FILLED],
        "lost_sales": out[T.LOST],
        "on_hand": out[T.ON_HAND],
        "backorders": out[T.BACKORDERS],
        "pipeline": out[T.PIPELINE],
        "inventory_position": out[T.ON_HAND] - out[T.BACKORDERS] + out[T.PIPELINE],
        "overflow": out[T.OVERFLOW],
        "cost": cost,
    }
