"""``simulate``: lower a model and a policy grid to arrays, run a kernel, build the cube."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from fasttwin.grid import PolicyGrid, node_policy, resolve_policy
from fasttwin.model.checks import check_number
from fasttwin.model.network import Model

#: Capacity used for "unlimited" (overflow never triggers).
UNLIMITED = 2**62


@dataclass(frozen=True)
class Run:
    """The validated run length, warm-up, seed and replication range."""

    reps: int
    periods: int
    warmup: int
    seed: int
    rep0: int = 0

    @property
    def measured(self) -> int:
        return self.periods - self.warmup

    def as_dict(self) -> dict:
        return {
            "reps": self.reps,
            "periods": self.periods,
            "warmup": self.warmup,
            "seed": self.seed,
            "rep0": self.rep0,
        }


def resolve_run(model: Model, reps, periods, warmup, seed, rep0=0) -> Run:
    """Fill defaults from the model (365 days, no warm-up, seed 0) and check ranges."""
    periods = model.periods if periods is None else periods
    periods = 365 if periods is None else periods
    warmup = model.warmup if warmup is None else warmup
    warmup = 0 if warmup is None else warmup
    seed = model.seed if seed is None else seed
    seed = 0 if seed is None else seed
    reps = check_number("reps", reps, low=1, integer=True)
    periods = check_number("periods", periods, low=1, integer=True)
    warmup = check_number("warmup", warmup, low=0, high=periods - 1, integer=True)
    seed = check_number("seed", seed, low=0, high=2**63 - 1, integer=True)
    rep0 = check_number("rep0", rep0, low=0, integer=True)
    return Run(reps, periods, warmup, seed, rep0)


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

    Returns
    -------
    xarray.Dataset
        Dims: the grid axes in the order given, ``scenario`` if a list was
        given, then ``rep``. Variables per :mod:`fasttwin.variables` (means
        per measured day), and ``valid``. A model of several nodes also gets
        the ``node_*`` variables, with a ``node`` dim before ``rep``; its
        system variables count customers only where they are about customers
        (``demand``, ``sales``, ``lost_sales``, ``backorders``,
        ``fill_rate``, ``cycle_service``) and sum over nodes otherwise.

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
    (('warehouse.reorder_point', 'node', 'rep'), ['warehouse', 'store_1', 'store_2', 'store_3'])
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
    if model.review == "continuous":
        from fasttwin.continuous import simulate_continuous

        return simulate_continuous(model, models, scenarios, grid, run, parallel)
    if len(model.nodes) == 1:
        return _simulate_single(model, models, scenarios, grid, run, parallel)
    from fasttwin.simulate_network import simulate_network

    return simulate_network(model, models, scenarios, grid, run, parallel)


def _simulate_single(model, models, scenarios, grid: PolicyGrid, run: Run, parallel: bool):
    from fasttwin.cube import build_dataset, provenance

    valid, values, names, spec = one_node_parts(
        model, models, scenarios, grid, run, lambda m, pol: single_node_sums(m, pol, run, parallel)
    )
    return build_dataset(grid, valid, values, run.rep0, provenance(model, spec), scenarios=names)


def one_node_parts(model, models, scenarios, grid: PolicyGrid, run: Run, sums, check=None):
    """What a one-node cube is built from, whichever kernel ``sums(model, policy)`` runs.

    Resolves the policy of every scenario's model (``check(model, policy)``
    may refuse it before anything runs), then returns ``(valid, values,
    scenario names, run spec)`` with values stacked along scenarios.
    """
    from fasttwin.cube import variables_from_sums

    name = model.nodes[0].name
    policies = [node_policy(m, grid, name) for m in models]
    valid = policies[0].valid
    if not valid.any():
        raise ValueError(
            "no grid point is a valid policy: every cell has reorder_point >= order_up_to"
        )
    if check is not None:
        for m, pol in zip(models, policies, strict=True):
            check(m, pol)
    parts = [
        variables_from_sums(sums(m, pol), run.measured, m.nodes[0])
        for m, pol in zip(models, policies, strict=True)
    ]
    spec = {**run.as_dict(), "policy": grid.as_dict()}
    if scenarios is None:
        return valid, parts[0], None, spec
    spec["scenarios"] = [sc.to_dict() for sc in scenarios]
    values = {k: np.stack([p[k] for p in parts]) for k in parts[0]}
    return valid, values, [sc.name for sc in scenarios], spec


def single_node_sums(model: Model, pol, run: Run, parallel: bool) -> np.ndarray:
    """Run the single-node kernel on the valid points; integer sums ``(N_SUMS, points, reps)``."""
    from fasttwin.kernels.layout import N_SUMS
    from fasttwin.kernels.periodic import periodic_single_kernel
    from fasttwin.lower import demand_plan, lead_time_plan
    from fasttwin.parallel import over_rep_blocks

    node = model.nodes[0]
    dplan = demand_plan(node.demand, run.periods)
    lplan = lead_time_plan(node.lead_time)
    v = pol.valid
    kernel = periodic_single_kernel(
        pol.kind == "rQ",
        node.lost_sales,
        node.capacity is not None,
        frozenset(np.unique(dplan.code).tolist()),
    )
    arrays = [
        np.ascontiguousarray(a[v])
        for a in (pol.reorder, pol.up_to, pol.quantity, pol.review, pol.initial)
    ]

    def block(first: int, reps: int) -> np.ndarray:
        out = np.zeros((N_SUMS, int(v.sum()), reps), np.int64)
        kernel(
            run.seed,
            0,
            first,
            reps,
            run.periods,
            run.warmup,
            *arrays,
            int(node.lost_sales),
            UNLIMITED if node.capacity is None else node.capacity,
            *dplan.arrays(),
            *lplan.arrays(),
            float(node.reliability),
            out,
        )
        return out

    return over_rep_blocks(block, run.rep0, run.reps, parallel)
