"""Simulate models of several nodes: lower, run the network kernel, build the cube."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fasttwin.model.network import Model
from fasttwin.plan.grid import PolicyGrid
from fasttwin.plan.network import NetworkPolicy, network_plan, network_policy


@dataclass(frozen=True)
class NetworkSums:
    """What the network kernel returns, on the valid points only.

    ``nodes``: integer sums ``(nodes, N_NODE_SUMS, points, reps)`` (rows in
    :mod:`fasttwin.kernels.network_layout`); ``overflow``: each node's share
    of its location's overflow units, summed ``(nodes, points, reps)``;
    ``stockout_days``: days with a customer stockout anywhere ``(points, reps)``.
    """

    nodes: np.ndarray
    overflow: np.ndarray
    stockout_days: np.ndarray


def network_sums(
    model: Model, pol: NetworkPolicy, run, parallel: bool, plan=None, sink=None
) -> NetworkSums | None:
    """Run the network kernel for every point of ``pol`` (which must all be valid).

    With a ``sink``, each block of replications' :class:`NetworkSums` goes to
    ``sink(offset, sums)`` instead (see
    :func:`~fasttwin.engine.threads.over_rep_blocks`).
    """
    from fasttwin.engine.threads import over_rep_blocks
    from fasttwin.kernels import network_layout as NL
    from fasttwin.kernels.network import network_kernel

    plan = network_plan(model, run.periods) if plan is None else plan
    n_nodes, n_points = pol.reorder.shape
    model_arrays = plan.kernel_arrays()
    policy, initial = pol.kernel_arrays()
    kernel = network_kernel()

    def block(first: int, reps: int):
        out = np.zeros((reps, n_nodes, NL.N_NODE_SUMS, n_points), np.int64)
        share = np.zeros((reps, n_nodes, n_points))
        system = np.zeros((reps, n_points), np.int64)
        kernel(
            run.seed,
            first,
            reps,
            run.periods,
            run.warmup,
            *model_arrays,
            policy,
            initial,
            out,
            share,
            system,
        )
        return out, share, system

    rep_bytes = 8 * n_points * (n_nodes * (NL.N_NODE_SUMS + 1) + 1)
    if sink is not None:
        return over_rep_blocks(
            block,
            run.rep0,
            run.reps,
            parallel,
            sink=lambda offset, parts: sink(offset, _as_sums(*parts)),
            rep_bytes=rep_bytes,
        )
    return _as_sums(*over_rep_blocks(block, run.rep0, run.reps, parallel, 0, rep_bytes=rep_bytes))


def _as_sums(out, share, system) -> NetworkSums:
    """The kernel's replication-major arrays, viewed with replications last."""
    return NetworkSums(out.transpose(1, 2, 3, 0), share.transpose(1, 2, 0), system.T)


def simulate_network(model, models, scenarios, grid: PolicyGrid, run, parallel: bool):
    """The cube of a model of several nodes (one model per scenario in ``models``),
    built block by block of replications."""
    from fasttwin.cube.build import CubeArrays, provenance
    from fasttwin.cube.network import network_variables

    policies = [network_policy(m, grid) for m in models]
    valid = policies[0].valid
    if not valid.any():
        raise ValueError(
            "no grid point is a valid policy: every cell has reorder_point >= order_up_to "
            "at some node"
        )
    points = np.flatnonzero(valid)
    # Lower every scenario before running any, so that bad input stops the run early.
    plans = [network_plan(m, run.periods) for m in models]
    names = None if scenarios is None else [sc.name for sc in scenarios]
    cube = CubeArrays(grid, valid, run.reps, scenarios=names, nodes=model.node_names)
    for k, (m, pol, plan) in enumerate(zip(models, policies, plans, strict=True)):

        def sink(offset, sums, k=k, m=m):
            cube.put(k, offset, *network_variables(sums, run.measured, m))

        network_sums(m, pol.on(points), run, parallel, plan, sink=sink)
    spec = {**run.as_dict(), "policy": grid.as_dict()}
    if scenarios is not None:
        spec["scenarios"] = [sc.to_dict() for sc in scenarios]
    return cube.dataset(run.rep0, provenance(model, spec))
