"""Search over node policies with common-random-number batches, and a defended final choice.

``fasttwin.optimize(model, space, ...)`` (:func:`optimize`) searches; specs for
``fasttwin optimize SPEC --out STORE`` are :class:`OptimizeSpec`
(:func:`load_optimize_spec`). See :mod:`fasttwin.optimize.search` for the
proposal step and :mod:`fasttwin.optimize.select` for the guarantee.
(``fasttwin.optimize`` the attribute is this function once ``fasttwin`` is
imported, as ``fasttwin.sweep`` is; import names from the modules.)
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from fasttwin.optimize.spec import OptimizeSpec, load_optimize_spec


def optimize(
    model,
    space: Mapping,
    *,
    target: float | None = 0.98,
    service: str = "fill_rate",
    constraint: str = "every_store",
    rule: str = "confident",
    confidence: float = 0.95,
    scenario=None,
    reps: int = 200,
    budget: int = 4000,
    fixed: Mapping | None = None,
    start: Mapping | None = None,
    periods: int | None = None,
    warmup: int | None = None,
    seed: int | None = None,
    finalists: int = 8,
    final_reps: int = 200,
    max_final_reps: int = 4000,
    confirm_reps: int = 1000,
    delta: float = 0.005,
    batch_size: int | None = None,
    store: str | os.PathLike | None = None,
    client=None,
    workers: int | None = None,
    overwrite: bool = False,
    progress: bool = False,
):
    """The cheapest policy that meets a service target, searched over node parameters.

    Every policy of the search is simulated on the same ``reps`` replications
    (common random numbers) in batches: one kernel call per batch and
    scenario simulates all its policies on the same demand paths. The search
    (:mod:`fasttwin.optimize.search`) minimises the mean cost over scenarios
    subject to the service constraint in every scenario; its best policies
    (``finalists``) are then simulated on fresh replications and chosen by a
    two-stage selection with a stated guarantee, and the choice is confirmed
    on replications never used before (:mod:`fasttwin.optimize.select`).

    Parameters
    ----------
    model
        A periodic-review model (one node or a network).
    space
        ``{"<node>.<parameter>": values}``: the ascending values each searched
        parameter may take (``reorder_point``, ``order_up_to``,
        ``order_quantity``, or ``safety_factor``; see
        :mod:`fasttwin.optimize.space`). Parameters left out keep the
        model's values (or ``fixed``).
    target, service, constraint, rule, confidence
        The constraint: ``service`` (a ratio such as ``fill_rate``) >=
        ``target`` at ``"every_store"``, the ``"worst_store"`` per
        replication, or the ``"system"``; ``target=None`` (or
        ``constraint="none"``) minimises cost alone. ``rule="confident"``
        requires lower confidence bounds (Bonferroni over stores and
        scenarios) to meet it, ``"mean"`` the means.
    scenario
        A list of scenarios (names or objects); the constraint holds in each
        and the cost is their mean. ``None``: the model as it is.
    reps, budget
        Replications of every searched policy; most policies the search may evaluate.
    fixed, start
        Parameters held at one value; the start point (default: the model's policy).
    periods, warmup, seed
        The run (default: the model's).
    finalists, final_reps, max_final_reps, confirm_reps, delta
        The selection: how many of the search's best go on, their first-stage
        replications, the cap on the second stage, the confirmation's
        replications, and the indifference ``delta`` as a fraction of the
        best finalist's cost.
    batch_size
        Most policies per batch (default: the whole poll set, up to 128).
    store
        A Zarr store (path or fsspec URL) that receives every evaluated
        policy; rerunning the same call resumes it. ``None``: in memory.
    client
        A ``distributed.Client`` or scheduler address; ``None``: a local
        cluster when there is a store, else this process; ``"inline"``: this
        process, on all cores.
    workers, overwrite, progress
        Local cluster size; replace a store of something else; print progress.

    Returns
    -------
    fasttwin.optimize.result.OptimizeResult
        ``policy``, ``cost`` (with its interval), the service checks, the
        guarantee (``delta``, ``confidence``), the finalists, the start
        policy's per-node service and ``binding_node``, and ``points``, the
        cube of every evaluated policy.

    Examples
    --------
    >>> import fasttwin as ft
    >>> model = ft.single_node(demand=ft.Poisson(10.0), lead_time=2, reorder_point=20,
    ...                        order_up_to=60, holding_cost=1.0, lost_sales=True,
    ...                        lost_sale_cost=5.0)
    >>> res = ft.optimize(model, {"reorder_point": range(0, 80), "order_up_to": range(10, 120)},
    ...                   target=0.95, reps=40, periods=200, warmup=20, final_reps=40,
    ...                   confirm_reps=100)
    >>> res.feasible, res.confirmed, min(s.mean for s in res.service) >= 0.95
    (True, True, True)
    """
    from fasttwin.optimize.execute import run_optimize

    spec = OptimizeSpec(
        model,
        space,
        fixed=fixed or {},
        start=start,
        target=target,
        service=service,
        constraint=constraint,
        rule=rule,
        confidence=confidence,
        scenarios=scenario,
        reps=reps,
        periods=periods,
        warmup=warmup,
        seed=seed,
        budget=budget,
        batch_size=batch_size,
        finalists=finalists,
        final_reps=final_reps,
        max_final_reps=max_final_reps,
        confirm_reps=confirm_reps,
        delta=delta,
    )
    return run_optimize(
        spec, store, client, workers=workers, overwrite=overwrite, progress=progress
    )


__all__ = ["OptimizeSpec", "load_optimize_spec", "optimize"]
