"""``simulate``: lower a model and a policy grid to arrays, run a kernel, build the cube."""

from __future__ import annotations

import os
from collections.abc import Mapping

from fasttwin.model.network import Model
from fasttwin.plan.grid import resolve_policy
from fasttwin.plan.run import resolve_run


def simulate(
    model: Model,
    policy: Mapping | None = None,
    *,
    scenario=None,
    reps: int = 1000,
    periods: int | None = None,
    warmup: int | None = None,
    seed: int | None = None,
    rep0: int = 0,
    parallel: bool = True,
    force: bool = False,
):
    """Simulate every policy of a grid for ``reps`` replications.

    Parameters
    ----------
    model
        A model, e.g. from :func:`fasttwin.single_node`.
    policy
        ``{"reorder_point": range(30, 80), "order_up_to": 120, ...}``: a
        sequence makes a dimension of the cube, a scalar fixes the parameter;
        parameters left out come from the model's nodes.
    scenario
        ``None``; a scenario name (``"demand_surge"``, ``"a+b"`` composes) or
        :class:`~fasttwin.model.scenarios.Scenario`, applied to the model; or a
        list of them, which adds a ``scenario`` dimension.
    reps
        Replications, labelled ``rep0 .. rep0 + reps - 1``. Replication ``i``
        sees the same random numbers whatever else is simulated, so a cube can
        be extended with more replications later.
    periods, warmup, seed
        Days simulated, leading days left out of the accounting, and the
        random seed; ``None`` takes the model's value (else 365, 0, 0).
    parallel
        Run blocks of replications on all cores (``numba.get_num_threads()``
        threads); ``False`` uses one thread, as inside Dask workers. Results
        are bit-identical either way and for any thread count.
    force
        Run even when the estimated work or memory is beyond fasttwin's
        limits (:mod:`fasttwin.engine.estimate`); without it such a run is
        refused with the estimate before anything is computed.

    Returns
    -------
    xarray.Dataset
        Dims: the grid axes in the order given, ``scenario`` if a list was
        given, then ``rep``. Variables per :mod:`fasttwin.cube.variables` (means
        per measured day), and ``valid``. A model of several nodes also gets
        the ``node_*`` variables, with a ``node`` dim before ``rep``; its
        system variables count customers only where they are about customers
        (``demand``, ``sales``, ``lost_sales``, ``backorders``,
        ``fill_rate``, ``ready_rate``, ``cycle_service``) and sum over nodes
        otherwise.

    Examples
    --------
    >>> import fasttwin as ft
    >>> model = ft.single_node(demand=ft.Poisson(mean=20.0), lead_time=2,
    ...                        holding_cost=1.0, backorder_cost=9.0, order_cost=64.0)
    >>> ds = ft.simulate(model, policy={"reorder_point": [40, 50], "order_up_to": [100, 120]},
    ...                  reps=20, periods=200, warmup=20, seed=7)
    >>> ds["cost"].dims
    ('reorder_point', 'order_up_to', 'rep')
    >>> ds2 = ft.simulate(model, {"reorder_point": 40, "order_up_to": 100}, reps=5,
    ...                   scenario=["baseline", "demand_surge"])
    >>> ds2["cost"].dims, ds2["scenario"].values.tolist()
    (('scenario', 'rep'), ['baseline', 'demand_surge'])
    >>> twin = ft.retail_twin()
    >>> ds3 = ft.simulate(twin, {"warehouse.reorder_point": [800, 1000]}, reps=4)
    >>> ds3["node_cost"].dims, ds3["node"].values.tolist()
    (('warehouse_reorder_point', 'node', 'rep'), ['warehouse', 'store_1', 'store_2', 'store_3'])
    """
    from fasttwin.model.scenarios import resolve_scenarios

    if not isinstance(model, Model):
        raise ValueError(
            f"model must be a fasttwin Model (e.g. ft.single_node(...)), got {model!r}"
        )
    run = resolve_run(model, reps, periods, warmup, seed, rep0)
    grid = resolve_policy(model, policy)
    scenarios = resolve_scenarios(scenario)
    models = [model] if scenarios is None else [sc.apply(model) for sc in scenarios]
    check_run(model, models, grid, run, force)
    if model.review == "continuous":
        from fasttwin.engine.continuous import simulate_continuous

        return simulate_continuous(model, models, scenarios, grid, run, parallel)
    if len(model.nodes) == 1:
        from fasttwin.engine.single import simulate_single

        return simulate_single(model, models, scenarios, grid, run, parallel)
    from fasttwin.engine.network import simulate_network

    return simulate_network(model, models, scenarios, grid, run, parallel)


def check_run(model: Model, models: list[Model], grid, run, force: bool) -> None:
    """Refuse a run beyond fasttwin's limits before anything is allocated or computed."""
    from fasttwin.engine.estimate import available_memory, check_memory, check_work, estimate
    from fasttwin.plan.limits import check_sums

    est = estimate(model, grid.size * len(models), run.reps, run.periods)
    hint = "pass force=True (--force) to run it anyway"
    check_work(est, force, hint)
    check_memory(
        # Every core's thread may hold blocks (Numba's default thread count); asking
        # Numba itself would import it before bad input is refused.
        est.peak_bytes(threads=os.cpu_count() or 1),
        available_memory(),
        f"simulating this cube in memory ({est.describe()})",
        force,
        "run it as a sweep (fasttwin sweep), which streams the cube to disk, or " + hint,
    )
    check_sums(models, grid, run.periods)
