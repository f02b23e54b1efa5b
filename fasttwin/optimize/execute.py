"""Run an optimisation: batches on Dask (or in this process), every point into a Zarr store.

The client proposes each batch (:mod:`fasttwin.optimize.search`) and submits
one task per scenario; each task simulates the whole batch in one kernel
call on one thread and, with a store, writes its chunks and then its
completion flag, as sweep tasks do. With a store, the client reads every
batch's results back from the store, so a rerun after an interruption replays
the same decisions from the same numbers: it re-proposes the finished
batches, checks them against the store, runs only the missing tasks and ends
with the same result. The selection phases (:mod:`fasttwin.optimize.select`)
run the same way into the store's groups.
"""

from __future__ import annotations

import contextlib
import math
import time
from dataclasses import dataclass, replace

import numpy as np

from fasttwin.optimize.scores import (
    confident_multiplier,
    cost_by_rep,
    needed_variables,
    statistics,
    with_scores,
)
from fasttwin.optimize.spec import OptimizeSpec, load_optimize_spec
from fasttwin.optimize.store import PHASES, RESULT_ATTR, SPEC_ATTR, phase_ref
from fasttwin.sweep.plan import Task
from fasttwin.sweep.store import StoreRef

#: Client value that runs every task in this process (threads over replications).
INLINE = "inline"


@dataclass(frozen=True)
class Job:
    """What every task of one phase needs."""

    spec: OptimizeSpec
    phase: str | None  # None: the search (summaries); else a selection phase (replications)
    store: StoreRef | None
    layout: dict | None
    slots: int
    rep0: int
    reps: int
    parallel: bool


def as_optimize_spec(spec) -> OptimizeSpec:
    import os

    if isinstance(spec, OptimizeSpec):
        return spec
    if isinstance(spec, str | os.PathLike):
        return load_optimize_spec(spec)
    raise ValueError(f"spec must be an OptimizeSpec or a TOML path, got {spec!r}")


# --- tasks (run on workers) --------------------------------------------------------------


def run_task(job: Job, task: Task, points: np.ndarray, batch: int):
    """Simulate ``points`` for one scenario.

    Search tasks return their summary block (the client needs it at once and
    writes the batch). Selection tasks write their region and flag into the
    store (and return None), else return their block.
    """
    from fasttwin.optimize.evaluate import evaluate, summarise
    from fasttwin.sweep import store as st

    spec = job.spec
    if job.store is not None and st.is_done(job.store, task.index):
        return None  # a rerun of a task whose worker died after its flag
    t0 = time.perf_counter()
    run = replace(spec.run, rep0=job.rep0, reps=job.reps)
    scenario = None if spec.scenarios is None else [spec.scenarios[task.scenario]]
    block = evaluate(spec.model, spec.space.points(points), scenario, run, job.parallel)
    if job.phase is None:
        block = summarise(block, spec.constraint.stores, spec.service)
    block = _label(block, spec, points, batch)
    if job.store is None:
        return block
    t1 = time.perf_counter()
    write(job.store, job.layout, task, block)
    st.mark_done(job.store, task, (t1 - t0, time.perf_counter() - t1, math.nan))
    return None


def write(ref: StoreRef, layout: dict, task: Task, block) -> None:
    """Write ``block`` (points of ``task``'s region; fewer: the rest is padding)."""
    from fasttwin.sweep import store as st

    region = task.region[0]
    padded = _pad(block, region)
    # Coordinates along candidate are arrays of the store, written like the data.
    padded = padded.reset_coords(_along(padded))
    st.write_region(ref, layout, ("candidate",), [np.arange(region[1])], task, padded)


def _label(block, spec: OptimizeSpec, points: np.ndarray, batch: int):
    """Coordinates along candidate: the batch and each searched parameter's value."""
    coords = {"batch": ("candidate", np.full(len(points), batch, np.int64))}
    for dim, values in zip(spec.space.dims, spec.space.values(points), strict=True):
        coords[dim.name] = ("candidate", values)
    block = block.assign_coords(coords)
    return block.assign(valid=("candidate", np.ones(len(points), bool)))


def _pad(block, region):
    """The block over the whole region (slots without a point: NaN, invalid)."""
    a, b = region
    block = block.assign_coords(candidate=np.arange(a, a + block.sizes["candidate"]))
    if block.sizes["candidate"] == b - a:
        return block
    full = block.reindex(candidate=np.arange(a, b))
    full["valid"] = full["valid"].fillna(False).astype(bool)
    # Slots without a point: integer coordinates read -1 (``valid`` is False there).
    ints = {
        n: full[n].fillna(-1).astype(block[n].dtype)
        for n in _along(block)
        if block[n].dtype.kind in "iu"
    }
    return full.assign_coords(ints)


def _along(block) -> list[str]:
    """Names of the coordinates along ``candidate`` (batch and the searched parameters)."""
    return [n for n, v in block.coords.items() if v.dims == ("candidate",) and n != "candidate"]


def probe(spec: OptimizeSpec):
    """One point, two replications, every scenario: the variables a phase writes."""
    from fasttwin.optimize.evaluate import evaluate, summarise

    index = np.array([spec.start], np.int64)
    run = replace(spec.run, reps=2)
    block = evaluate(spec.model, spec.space.points(index), _all(spec), run, False)
    summary = with_scores(summarise(block, spec.constraint.stores, spec.service), spec)
    return _label(block, spec, index, 0), _label(summary, spec, index, 0)


def _all(spec):
    return None if spec.scenarios is None else list(spec.scenarios)


# --- runners -----------------------------------------------------------------------------


class Inline:
    """Tasks run one after another in this process, each on all cores."""

    parallel = True
    workers = 1

    def run(self, job: Job, tasks) -> list:
        return [run_task(job, *t) for t in tasks]

    def probe(self, spec):
        return probe(spec)


class OnDask:
    """Tasks run on a Dask cluster, one thread each; progress from ``as_completed``."""

    parallel = False

    def __init__(self, client, workers: int, key: str):
        self.client, self.workers, self.key = client, workers, key

    def run(self, job: Job, tasks) -> list:
        from distributed import as_completed

        from fasttwin.sweep.execute import RETRIES

        phase = job.phase or "search"
        futures = [
            self.client.submit(
                run_task,
                job,
                *t,
                key=f"{self.key}-{phase}-{t[0].name}",
                pure=False,
                retries=RETRIES,
            )
            for t in tasks
        ]
        try:
            for fut in as_completed(futures):
                try:
                    fut.result()
                except Exception as err:
                    raise RuntimeError(
                        f"optimize task {fut.key} failed: {type(err).__name__}: {err}. The "
                        "store keeps every finished task: run the same command again to resume"
                    ) from err
            return self.client.gather(futures)
        finally:
            self.client.cancel(futures)

    def probe(self, spec):
        """Every worker compiles its kernels at once; the first answer gives the schema."""
        names = sorted(self.client.scheduler_info()["workers"])
        futures = [
            self.client.submit(
                probe,
                spec,
                key=f"{self.key}-probe-{i}",
                workers=[w],
                allow_other_workers=True,
                pure=False,
            )
            for i, w in enumerate(names)
        ]
        try:
            return self.client.gather(futures)[0]
        finally:
            self.client.cancel(futures)


@contextlib.contextmanager
def runner(client, workers: int | None, store, key: str):
    """``Inline`` for ``client="inline"`` (or no client and no store), else a Dask cluster."""
    from fasttwin.sweep.execute import _check_workers, connect

    if client == INLINE or (client is None and store is None):
        if workers is not None:
            raise ValueError("workers sizes a local Dask cluster; it does not apply inline")
        yield Inline()
        return
    from fasttwin._version import __version__

    with connect(client, workers) as cl:
        yield OnDask(cl, _check_workers(cl, __version__), key)


# --- the run -----------------------------------------------------------------------------


def run_optimize(
    spec,
    store=None,
    client=None,
    *,
    workers: int | None = None,
    overwrite: bool = False,
    progress: bool = False,
    storage_options: dict | None = None,
):
    """Run (or resume) an optimisation; see :func:`fasttwin.optimize`."""
    from fasttwin._version import __version__

    t0 = time.perf_counter()
    spec = as_optimize_spec(spec)
    if workers is not None:
        from fasttwin.model.checks import check_number

        workers = check_number("workers", workers, low=1, integer=True)
    if client is not None and client != INLINE and not isinstance(client, str):
        from distributed import Client

        if not isinstance(client, Client):
            raise ValueError(
                f"client must be a distributed.Client, a scheduler address, 'inline' or None, "
                f"got {client!r}"
            )
    identity = {
        "fasttwin_version": __version__,
        "sweep": spec.to_dict(),
        "model": spec.model_dict(),
    }
    ref = None if store is None else StoreRef.of(store, storage_options)
    if ref is None:
        return _run_locked(spec, ref, client, workers, overwrite, progress, identity, t0)
    from fasttwin.sweep.execute import check_output
    from fasttwin.sweep.lock import take_lock

    check_output(ref)
    # One run per store, as for sweeps: a second optimisation of the same store
    # refuses at once, naming the holder, and touches nothing.
    lock = take_lock(ref, purpose=f"fasttwin optimize {spec.name!r}")
    try:
        return _run_locked(spec, ref, client, workers, overwrite, progress, identity, t0)
    finally:
        lock.release()


def _run_locked(spec, ref, client, workers, overwrite, progress, identity, t0):
    from fasttwin.sweep import store as st
    from fasttwin.sweep.execute import _fingerprint, _printer

    fresh = True
    if ref is not None:
        fresh = _check_store(ref, identity, overwrite)
        if not fresh and not overwrite and RESULT_ATTR in st.inspect(ref).attrs:
            # A finished store: every batch and phase is read back, nothing is simulated,
            # so the answer is replayed without starting a cluster.
            client, workers = INLINE, None
    say = _printer(progress)
    key = f"fasttwin-optimize-{_fingerprint(identity)}"
    with runner(client, workers, ref, key) as ev:
        state = _State(spec, ref, ev, say)
        if ref is not None:
            state.prepare(fresh, identity)
        say(
            f"fasttwin optimize {spec.name!r}: {len(spec.space.dims)} parameters, "
            f"{spec.n_scenarios} scenario(s) x {spec.reps} reps, batches of up to "
            f"{spec.batch_size} on {ev.workers} worker(s)" + (f" -> {ref.url}" if ref else "")
        )
        return state.run(time.perf_counter() - t0)


def _check_store(ref: StoreRef, identity: dict, overwrite: bool) -> bool:
    """Refuse a store of something else; True when the template must be (re)written."""
    from fasttwin.optimize import store as ost
    from fasttwin.sweep import store as st

    found = st.inspect(ref)
    if found.kind in ("absent", "empty"):
        return True
    if found.kind == "zarr" and SPEC_ATTR in found.attrs and not overwrite:
        # The sweep store's comparison, reading the optimisation spec as its "sweep".
        diff = st.differences({**found.attrs, "sweep_toml": found.attrs[SPEC_ATTR]}, identity)
        if diff:
            raise ValueError(
                f"store {ref.url!r} holds a different optimisation; differences:\n  "
                + "\n  ".join(diff)
                + "\nUse another store, or --overwrite (overwrite=True) to replace it"
            )
        return not ost.exists(ref)
    if found.kind in ("sweep", "zarr") and overwrite:
        return True
    if found.kind == "other":
        raise ValueError(f"store {ref.url!r} exists and is not a Zarr store; refusing to delete it")
    what = "a sweep store" if found.kind == "sweep" else "a Zarr store of another kind"
    raise ValueError(
        f"store {ref.url!r} exists and is {what}; choose another path, or --overwrite "
        "(overwrite=True) to replace it"
    )


class _State:
    """The client side of one run: proposes batches, collects results, selects."""

    def __init__(self, spec: OptimizeSpec, ref, ev, say):
        self.spec, self.ref, self.ev, self.say = spec, ref, ev, say
        self.layout = None
        self.cube = None  # the root cube, opened lazily from the store
        self.blocks: list = []  # in-memory search summaries per batch
        self.done = None

    # -- store ------------------------------------------------------------------------

    def prepare(self, fresh: bool, identity: dict) -> None:
        from fasttwin.sweep import store as st

        if fresh:
            st.remove(self.ref)
            self.layout = self._create_root(identity)
        else:
            self.layout = st.layout_of(self.ref)
        self.done = st.read_done(self.ref)

    def _create_root(self, identity: dict) -> dict:
        from fasttwin.cube.build import provenance
        from fasttwin.model.toml_io import dumps
        from fasttwin.optimize import store as ost

        spec = self.spec
        _, summary = self.ev.probe(spec)
        capacity = spec.budget * spec.batch_size
        run = {**spec.run.as_dict(), "scenarios": [s.to_dict() for s in spec.scenarios or []]}
        attrs = {
            **provenance(spec.model, run),
            SPEC_ATTR: dumps(identity["sweep"]),
            "title": f"fasttwin optimisation {spec.name}",
        }
        variables, sizes, coords = _schema(summary, capacity)
        names = [f"b{k}" for k in range(spec.budget)]
        return ost.create(
            self.ref,
            variables,
            sizes,
            {"candidate": spec.batch_size},
            coords,
            attrs,
            spec.compression,
            names,
        )

    # -- the search -------------------------------------------------------------------

    def evaluate_batch(self, k: int, points: np.ndarray):
        """Simulate batch ``k`` (or read it from the store); its costs and shortfalls."""
        from fasttwin.sweep import store as st

        spec = self.spec
        slots = spec.batch_size
        task = Task(k, f"b{k}", (k,), ((k * slots, (k + 1) * slots),), None)
        stored = self.done is not None and self.done[k]
        if stored:
            block = self._read(k, len(points), points)
        else:
            t0 = time.perf_counter()
            job = Job(spec, None, None, None, slots, 0, spec.reps, self.ev.parallel)
            parts = [
                (Task(s, f"b{k}-s{s}", (k,), task.region, s if spec.scenarios else None), points, k)
                for s in range(spec.n_scenarios)
            ]
            block = with_scores(_concat(self.ev.run(job, parts), spec), spec)
            t1 = time.perf_counter()
            if self.ref is not None:
                write(self.ref, self.layout, task, block)
                st.mark_done(self.ref, task, (t1 - t0, time.perf_counter() - t1, math.nan))
        self.blocks.append(block)
        cost, violation = block["objective"].values, block["shortfall"].values
        best = int(np.lexsort((cost, violation))[0])
        self.say(
            f"batch {k}: {len(points)} policies"
            + (" (from the store)" if stored else "")
            + f"; best here cost {cost[best]:.6g}, shortfall {violation[best]:.4g}"
        )
        return cost, violation

    def _read(self, k: int, n: int, points: np.ndarray):
        import xarray as xr

        spec = self.spec
        if self.cube is None:
            self.cube = xr.open_zarr(
                self.ref.url,
                consolidated=False,
                storage_options=dict(self.ref.storage_options) or None,
            )
        a = k * spec.batch_size
        block = (
            self.cube[needed_variables(spec, summary=True)].isel(candidate=slice(a, a + n)).load()
        )
        stored = np.stack([block[d.name].values for d in spec.space.dims], axis=1)
        want = np.stack(spec.space.values(points), axis=1)
        if stored.shape != want.shape or not np.array_equal(stored, want):
            raise RuntimeError(
                f"store {self.ref.url!r}: batch {k} holds other policies than this search "
                "proposes (was it written by another fasttwin?); use --overwrite"
            )
        return block

    def run(self, setup_seconds: float):
        from fasttwin.optimize.search import batch_search

        spec = self.spec
        t0 = time.perf_counter()
        log, seen = batch_search(
            spec.space.shape,
            spec.start,
            self.evaluate_batch,
            valid=spec.space.valid,
            budget=spec.budget,
            batch_size=spec.batch_size,
            groups=spec.groups,
            blocks=spec.blocks,
        )
        t1 = time.perf_counter()
        self.say(f"search: {log.evaluated} policies in {len(log.batches)} batches, {log.reason}")
        points = self._points(log)
        selected = self._select(seen, log)
        t2 = time.perf_counter()
        search = {
            "batches": len(log.batches),
            "evaluated": log.evaluated,
            "converged": log.converged,
            "reason": log.reason,
            "policy_rep_days": int(log.evaluated * spec.n_scenarios * spec.reps * spec.periods),
            "seconds": round(t1 - t0 + setup_seconds, 3),
            "select_seconds": round(t2 - t1, 3),
        }
        return self._finish(log, points, selected, search)

    def _points(self, log):
        """The search cube: every evaluated point (in memory, or the store's root)."""
        import xarray as xr

        if self.ref is not None:
            return None  # the store's root, opened at the end
        ds = xr.concat([b.drop_vars("candidate") for b in self.blocks], "candidate")
        return ds.assign_coords(candidate=np.arange(ds.sizes["candidate"]))

    # -- the selection ----------------------------------------------------------------

    def _phase(self, phase: str, points: np.ndarray, rep0: int, reps: int):
        """Simulate ``points`` on replications ``rep0 ..`` into group ``phase``; return the cube."""
        spec = self.spec
        ref = None if self.ref is None else phase_ref(self.ref, phase)
        layout, done = None, None
        n_scen = spec.n_scenarios
        if ref is not None:
            layout, done = self._open_phase(ref, phase, points, rep0, reps)
        tasks = []
        for s in range(n_scen):
            task = Task(
                s, f"s{s}", (0,), ((0, len(points)),), None if spec.scenarios is None else s
            )
            if done is None or not done[s]:
                tasks.append((task, points, -1))
        job = Job(spec, phase, ref, layout, len(points), rep0, reps, self.ev.parallel)
        out = self.ev.run(job, tasks) if tasks else []
        if ref is None:
            return _concat(out, spec)
        import xarray as xr

        cube = xr.open_zarr(
            ref.url, consolidated=False, storage_options=dict(ref.storage_options) or None
        )
        return cube[needed_variables(spec, summary=False)].load()

    def _open_phase(self, ref, phase, points, rep0, reps):
        from fasttwin.cube.build import provenance
        from fasttwin.optimize import store as ost
        from fasttwin.sweep import store as st

        spec = self.spec
        if not ost.exists(ref):
            block, _ = self.ev.probe(spec)
            run = {**spec.run.as_dict(), "rep0": rep0, "reps": reps}
            attrs = {**provenance(spec.model, run), "phase": phase}
            variables, sizes, coords = _schema(block, len(points), reps=(rep0, reps))
            layout = ost.create(
                ref,
                variables,
                sizes,
                {"scenario": 1},
                coords,
                attrs,
                spec.compression,
                [f"s{s}" for s in range(spec.n_scenarios)],
            )
            return layout, np.zeros(spec.n_scenarios, bool)
        return st.layout_of(ref), st.read_done(ref)

    def _select(self, seen: dict, log) -> dict:
        from fasttwin.optimize.search import rank_key
        from fasttwin.optimize.select import choose, paired, screen, stage_one

        spec = self.spec
        ranked = sorted(seen, key=lambda p: rank_key(*seen[p], p))
        feasible = [p for p in ranked if seen[p][1] == 0]
        finalists = (feasible or ranked)[: spec.finalists]
        fin = np.array(finalists, np.int64)
        rep0, _ = spec.rep_ranges()["finalists"]
        first = self._phase("finalists", fin, rep0, spec.final_reps)
        cost1 = cost_by_rep(first)
        stat1 = statistics(first, spec)
        eligible = screen(stat1, spec.constraint.target)
        best_search = seen[finalists[0]][0]
        delta_abs = spec.delta * abs(best_search) if best_search else spec.delta
        stage = stage_one(cost1, eligible, delta_abs, spec.confidence, spec.max_final_reps)
        self.say(
            f"finalists: {len(finalists)}, {int(eligible.sum())} meet the constraint on "
            f"{spec.final_reps} fresh replications; second stage to {stage.reps} replications"
        )
        cost = cost1
        second = None
        if stage.reps > spec.final_reps:
            second = self._phase(
                "finalists_more", fin, rep0 + spec.final_reps, stage.reps - spec.final_reps
            )
            cost = np.concatenate([cost1, cost_by_rep(second)], axis=1)
        chosen, delta_hat = choose(cost, stage)
        if chosen is None:
            # Nobody meets the constraint: the finalist closest to it (on stage 1).
            short = spec.constraint.violation(stat1)
            chosen = int(np.lexsort((cost.mean(axis=1), short))[0])
        confirm_rep0, n_confirm = spec.rep_ranges()["confirm"]
        confirm = self._phase("confirm", fin[[chosen]], confirm_rep0, n_confirm)
        return {
            "finalists": finalists,
            "first": first,
            "second": second,
            "cost": cost,
            "stat1": stat1,
            "eligible": eligible,
            "stage": stage,
            "chosen": chosen,
            "delta": delta_hat,
            "delta_target": delta_abs,
            "diff": paired(cost, chosen, spec.confidence),
            "confirm": confirm,
            "seen": seen,
        }

    def _finish(self, log, points, sel: dict, search: dict):
        import xarray as xr

        from fasttwin.analysis.intervals import estimates
        from fasttwin.model.toml_io import dumps
        from fasttwin.optimize import store as ost
        from fasttwin.optimize.result import OptimizeResult, ServiceCheck

        spec = self.spec
        space = spec.space
        chosen = sel["chosen"]
        fin = sel["finalists"]
        point = fin[chosen]
        confirm = sel["confirm"]
        c = estimates(cost_by_rep(confirm)[0], spec.confidence)
        from fasttwin.analysis.intervals import Estimate

        cost = Estimate(
            *(float(c[k]) for k in ("mean", "se", "low", "high")), int(c["n"]), spec.confidence
        )
        checks = []
        pairs = spec.constraint.pairs(spec.n_scenarios)
        names = spec.scenario_names or ("",)
        feasible = bool(sel["eligible"].any())
        confirmed = None
        if spec.constraint.target is not None:
            reps = spec.constraint.from_reps(confirm)[0]  # (constraint, scenario, rep)
            n = reps.shape[-1]
            e = estimates(reps, spec.confidence)
            bound = e["mean"] - confident_multiplier(spec, n, pairs) * np.where(
                np.isfinite(e["se"]), e["se"], 0
            )
            for i, label in enumerate(spec.constraint.labels):
                for j, sc in enumerate(names):
                    checks.append(
                        ServiceCheck(
                            label,
                            sc,
                            float(e["mean"][i, j]),
                            float(e["se"][i, j]),
                            float(bound[i, j]),
                            bool(bound[i, j] >= spec.constraint.target),
                        )
                    )
            confirmed = feasible and all(ch.meets for ch in checks)
        finalists = _finalist_table(spec, sel)
        before, binding = _before(spec, sel["seen"], self, log)
        stage = sel["stage"]
        result = OptimizeResult(
            policy=space.describe(point),
            simulate_policy={k: int(v[0]) for k, v in space.policies(np.array([point])).items()},
            feasible=feasible,
            confirmed=confirmed,
            cost=cost,
            service=tuple(checks),
            delta=float(sel["delta"]) if np.isfinite(sel["delta"]) else math.nan,
            delta_target=float(sel["delta_target"]),
            capped=bool(stage.capped),
            confidence=spec.confidence,
            finalists=finalists,
            selection={
                "finalists": len(fin),
                "eligible": int(sel["eligible"].sum()),
                "first_stage_reps": spec.final_reps,
                "reps": int(sel["cost"].shape[1]),
                "h": float(stage.h),
                "confirm_reps": spec.confirm_reps,
            },
            start=space.describe(spec.start),
            before=before,
            binding_node=binding,
            search=search,
            points=points,
            store=None if self.ref is None else self.ref.url,
            target=spec.constraint.target,
            service_variable=spec.service,
        )
        if self.ref is not None:
            ost.shrink(self.ref, len(log.batches) * spec.batch_size, len(log.batches))
            ost.set_attrs(self.ref, {RESULT_ATTR: dumps(result.to_dict())})
            from fasttwin.sweep import store as st

            st.consolidate(self.ref)
            for phase in PHASES:
                if ost.exists(phase_ref(self.ref, phase)):
                    st.consolidate(phase_ref(self.ref, phase))
            result = replace(
                result,
                points=xr.open_zarr(
                    self.ref.url, storage_options=dict(self.ref.storage_options) or None
                ),
            )
        self.say(result.describe())
        return result


# --- helpers -----------------------------------------------------------------------------


def _concat(blocks, spec):
    import xarray as xr

    if spec.scenarios is None:
        return blocks[0]
    # Only what varies by scenario is stacked; the rest (valid, the policy) is shared.
    return xr.concat(
        blocks,
        "scenario",
        data_vars="minimal",
        coords="minimal",
        compat="override",
        join="exact",
    )


def _schema(block, slots: int, reps: tuple[int, int] | None = None):
    """Variables, sizes and fixed coordinates of a phase's template from a probe block."""
    sizes = {"candidate": slots}
    coords = {}
    for dim in ("scenario", "node"):
        if dim in block.dims:
            sizes[dim] = block.sizes[dim]
            coords[dim] = (dim, block[dim].values.astype(object), {})
    if reps is not None:
        sizes["rep"] = reps[1]
        coords["rep"] = ("rep", np.arange(reps[0], reps[0] + reps[1], dtype=np.int64), {})
    along = _along(block)
    variables = [(n, ("candidate",), block[n].dtype, dict(block[n].attrs)) for n in along]
    for name, var in block.data_vars.items():
        attrs = dict(var.attrs)
        if "candidate" in var.dims:
            attrs["coordinates"] = " ".join(along)
        variables.append((name, tuple(var.dims), var.dtype, attrs))
    return variables, {**sizes}, coords


def _finalist_table(spec, sel):
    import pandas as pd

    from fasttwin.analysis.intervals import estimates

    cost = sel["cost"]
    e = estimates(cost, spec.confidence)
    d = sel["diff"]
    rows = []
    for i, p in enumerate(sel["finalists"]):
        rows.append(
            {
                **spec.space.describe(p),
                "search_cost": sel["seen"][p][0],
                "search_shortfall": sel["seen"][p][1],
                "eligible": bool(sel["eligible"][i]),
                "chosen": i == sel["chosen"],
                "cost_mean": float(e["mean"][i]),
                "cost_ci_low": float(e["low"][i]),
                "cost_ci_high": float(e["high"][i]),
                "diff_mean": float(d["mean"][i]),
                "diff_ci_low": float(d["low"][i]) if i != sel["chosen"] else 0.0,
                "diff_ci_high": float(d["high"][i]) if i != sel["chosen"] else 0.0,
                "service_statistic": float(np.min(sel["stat1"][i])),
                "n_reps": int(cost.shape[1]),
            }
        )
    return pd.DataFrame(rows)


def _before(spec, seen, state, log):
    """The start policy's service per node and scenario, and the binding demand node.

    One row per node: ``service_worst`` and ``scenario_worst`` (its lowest mean
    service over the scenarios), ``service_mean``, and ``service_<scenario>``
    for every scenario.
    """
    import pandas as pd

    first = state.blocks[0]
    node_var = f"node_{spec.service}_mean"
    if node_var in first.data_vars:
        x = first[node_var].isel(candidate=0)
    else:
        x = (
            first[f"{spec.service}_mean"]
            .isel(candidate=0)
            .expand_dims(node=[spec.model.nodes[0].name])
        )
    if "scenario" not in x.dims:
        x = x.expand_dims(scenario=["baseline"])
    names = [str(v) for v in x["scenario"].values]
    rows = []
    for node in x["node"].values:
        v = np.asarray(x.sel(node=node).transpose("scenario").values, np.float64)
        worst = int(np.argmin(v))
        rows.append(
            {
                "node": str(node),
                "store": str(node) in spec.constraint.stores,
                "service_worst": float(v[worst]),
                "scenario_worst": names[worst],
                "service_mean": float(v.mean()),
                **{f"service_{n}": float(val) for n, val in zip(names, v, strict=True)},
            }
        )
    frame = pd.DataFrame(rows)
    stores = frame[frame["store"]]
    binding = None
    if spec.constraint.target is not None and not stores.empty:
        binding = str(stores.loc[stores["service_worst"].idxmin(), "node"])
    return frame, binding
