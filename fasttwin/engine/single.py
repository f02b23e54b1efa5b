"""The single-node periodic-review engine: run the kernel on threads, build the cube."""

from __future__ import annotations

import numpy as np

from fasttwin.model.network import Model
from fasttwin.plan.grid import PolicyGrid, node_policy
from fasttwin.plan.run import UNLIMITED, Run


def simulate_single(model, models, scenarios, grid: PolicyGrid, run: Run, parallel: bool):
    from fasttwin.cube.build import build_dataset, provenance

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
    from fasttwin.cube.build import variables_from_sums

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

    return over_rep_blocks(block, run.rep0, run.reps, parallel)
