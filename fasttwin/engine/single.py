"""The single-node periodic-review engine: run the kernel on threads, build the cube."""

from __future__ import annotations

import numpy as np

from fasttwin.model.network import Model
from fasttwin.plan.grid import PolicyGrid, node_policy
from fasttwin.plan.run import UNLIMITED, Run


def simulate_single(model, models, scenarios, grid: PolicyGrid, run: Run, parallel: bool):
    from fasttwin.cube.build import provenance

    cube, spec = one_node_cube(
        model,
        models,
        scenarios,
        grid,
        run,
        lambda m, pol, sink: single_node_sums(m, pol, run, parallel, sink=sink),
    )
    return cube.dataset(run.rep0, provenance(model, spec))


def one_node_cube(model, models, scenarios, grid: PolicyGrid, run: Run, sums, check=None):
    """Build a one-node cube block by block, whichever kernel ``sums(model, policy, sink)`` runs.

    Resolves the policy of every scenario's model (``check(model, policy)``
    may refuse it before anything runs), then runs each scenario's kernel,
    whose blocks of sums ``sink(offset, sums)`` turns into variables and puts
    in the cube. Returns ``(cube, run spec)``: a
    :class:`~fasttwin.cube.build.CubeArrays` and the provenance's run table.
    """
    from fasttwin.cube.build import CubeArrays, variables_from_sums

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
    names = None if scenarios is None else [sc.name for sc in scenarios]
    cube = CubeArrays(grid, valid, run.reps, scenarios=names)
    for k, (m, pol) in enumerate(zip(models, policies, strict=True)):
        node = m.nodes[0]

        def sink(offset, block, k=k, node=node):
            cube.put(k, offset, variables_from_sums(block, run.measured, node))

        sums(m, pol, sink)
    spec = {**run.as_dict(), "policy": grid.as_dict()}
    if scenarios is not None:
        spec["scenarios"] = [sc.to_dict() for sc in scenarios]
    return cube, spec


def single_node_sums(model: Model, pol, run: Run, parallel: bool, sink=None) -> np.ndarray | None:
    """Run the single-node kernel on the valid points; integer sums ``(N_SUMS, points, reps)``.

    With a ``sink``, each block of replications' sums goes to ``sink(offset,
    sums)`` instead (see :func:`~fasttwin.engine.threads.over_rep_blocks`).
    """
    from fasttwin.engine.threads import over_rep_blocks
    from fasttwin.kernels.layout import N_SUMS
    from fasttwin.kernels.periodic import periodic_single_kernel
    from fasttwin.plan.lower import demand_plan, lead_time_plan

    node = model.nodes[0]
    dplan = demand_plan(node.demand, run.periods)
    lplan = lead_time_plan(node.lead_time)
    v = pol.valid
    arrays = [
        np.ascontiguousarray(a[v])
        for a in (pol.reorder, pol.up_to, pol.quantity, pol.review, pol.initial)
    ]
    kernel = periodic_single_kernel(
        pol.kind == "rQ",
        node.lost_sales,
        node.capacity is not None,
        frozenset(np.unique(dplan.code).tolist()),
        daily=bool(np.all(arrays[3] == 1)),
    )

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

    rep_bytes = N_SUMS * 8 * int(v.sum())
    return over_rep_blocks(block, run.rep0, run.reps, parallel, sink=sink, rep_bytes=rep_bytes)
