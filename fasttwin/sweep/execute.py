"""Run a sweep on Dask: a local cluster by default, or any scheduler.

The client validates the spec, checks or creates the store, and submits one
task per block of grid points x scenario. Each task runs the kernel on one
thread (``parallel=False``: one single-threaded worker process per core, so
nothing oversubscribes) and writes its own chunks straight from the worker, then
its completion flag. Progress comes from ``as_completed``, because
``dask.diagnostics.ProgressBar`` prints nothing under a distributed client.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time
import warnings
from dataclasses import dataclass

import numpy as np

from fasttwin.sweep.plan import Plan, Task, block_policy, make_plan, sub_grid, valid_mask
from fasttwin.sweep.spec import Spec, as_spec
from fasttwin.sweep.store import StoreRef

#: Re-runs of a task that raised (e.g. a flaky network store). Tasks whose
#: worker died are rescheduled by Dask itself (``distributed.scheduler.allowed-failures``).
RETRIES = 2
#: Seconds a Dask scheduler has to answer (a port that accepts but speaks another
#: protocol would otherwise hang the client for ever).
SCHEDULER_TIMEOUT = 20.0
#: Client memory per task (its Task, future and key), for the estimate.
CLIENT_BYTES_PER_TASK = 4096
#: What a worker process holds besides its task: Python, Numba, compiled kernels.
WORKER_BASE_BYTES = 600 * 2**20
FORCE_HINT = "--force (force=True) to run it anyway"


@dataclass(frozen=True)
class Job:
    """What every task of one sweep needs: spec, store and variable layout."""

    spec: Spec
    store: StoreRef
    layout: dict
    key: str


@dataclass(frozen=True)
class TaskResult:
    """``ran`` is False when a rerun found the task's flag already written."""

    index: int
    ran: bool
    valid_points: int = 0
    kernel_seconds: float = 0.0
    write_seconds: float = 0.0
    peak_rss_mb: float = math.nan


@dataclass(frozen=True)
class Summary:
    """What a sweep run did; ``line()`` is the one-line report the CLI prints.

    ``setup_seconds`` covers checks, connecting, the probe and the template;
    ``finish_seconds`` the closing of the cluster and metadata consolidation.
    """

    store: str
    points: int
    scenarios: int
    reps: int
    periods: int
    tasks: int
    tasks_run: int
    policy_replication_days: int
    wall_seconds: float
    setup_seconds: float
    finish_seconds: float
    kernel_seconds: float
    write_seconds: float
    workers: int
    peak_rss_mb: float

    @property
    def throughput(self) -> float:
        """Policy-replication-days simulated per second of wall time."""
        return self.policy_replication_days / self.wall_seconds if self.wall_seconds else 0.0

    def line(self) -> str:
        scen = f" x {self.scenarios} scenarios" if self.scenarios > 1 else ""
        return (
            f"{self.points:,} points{scen} x {self.reps:,} reps: "
            f"{self.tasks_run} of {self.tasks} tasks run, "
            f"{self.policy_replication_days:.3g} policy-replication-days in "
            f"{self.wall_seconds:.1f} s ({self.throughput / 1e6:.3g} M/s on "
            f"{self.workers} workers) -> {self.store}"
        )


def run_sweep(
    spec,
    store,
    client=None,
    *,
    workers: int | None = None,
    overwrite: bool = False,
    progress: bool = True,
    storage_options: dict | None = None,
    force: bool = False,
) -> Summary:
    """Run (or resume) a sweep into ``store``; see :func:`fasttwin.sweep`.

    Before anything starts: the spec is checked, the work and memory are
    estimated (refused beyond the limits unless ``force``), the output is
    checked, and the store's lock is taken (:mod:`fasttwin.sweep.lock`), so
    that a second run on the same store refuses at once, touching nothing.
    """
    from fasttwin.sweep.lock import take_lock

    t0 = time.perf_counter()
    spec = as_spec(spec)
    if workers is not None:
        from fasttwin.model.checks import check_number

        workers = check_number("workers", workers, low=1, integer=True)
        if workers > _cores() and not force:
            raise ValueError(
                f"--workers (workers=) {workers} is more than the {_cores()} cores of this "
                "machine: each worker is a process that runs one task at a time, so more "
                f"workers than cores only add memory and start-up time; use at most "
                f"{_cores()}, or {FORCE_HINT}"
            )
    ref = StoreRef.of(store, storage_options)
    local = isinstance(client, str | type(None)) and not (client or _scheduler_address(None))
    per_task = check_resources(spec, workers or _cores() if local else None, force)
    check_output(ref)
    lock = take_lock(ref, purpose=f"fasttwin sweep {spec.name!r}")
    try:
        return _run_locked(
            spec, ref, client, workers, overwrite, progress, force, lock, per_task, t0
        )
    finally:
        lock.release()


def check_resources(spec: Spec, local_workers: int | None, force: bool) -> int:
    """Refuse a sweep whose work or memory is beyond the limits; return one task's bytes.

    ``local_workers``: worker processes of the local cluster that will run it
    (``None`` for a given cluster, whose memory is checked once connected).
    """
    from fasttwin.engine.estimate import available_memory, check_memory, check_work, estimate

    n_scen = 1 if spec.scenarios is None else len(spec.scenarios)
    est = estimate(spec.model, spec.points * n_scen, spec.reps, spec.periods)
    check_work(est, force, FORCE_HINT)
    tasks = count_tasks(spec)
    check_memory(
        tasks * CLIENT_BYTES_PER_TASK,
        available_memory(),
        f"planning {tasks:,} tasks (on this machine)",
        force,
        "raise [execution] points_per_task, or " + FORCE_HINT,
    )
    per_task = est.peak_bytes(min(spec.points_per_task, spec.points)) + WORKER_BASE_BYTES
    if local_workers is not None:
        check_memory(
            per_task,
            available_memory() // local_workers,
            f"one task ({min(spec.points_per_task, spec.points):,} points x "
            f"{spec.reps:,} reps, in each of {local_workers} worker processes)",
            force,
            "lower [execution] points_per_task or reps, use fewer --workers, or " + FORCE_HINT,
        )
    return per_task


def check_output(ref: StoreRef) -> None:
    """Refuse a store inside another Zarr store; create a local store's parent folder."""
    if "://" in ref.url:
        return
    path = os.path.abspath(ref.url)
    for parent in reversed(list(_parents(path))):  # the outermost store first
        if _is_zarr(parent):
            raise ValueError(
                f"--out {ref.url!r} is inside the Zarr store {parent!r}; choose a path outside it"
            )
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
    except OSError as err:
        raise ValueError(
            f"cannot create the folder of the store {ref.url!r}: {err.strerror or err}"
        ) from None
    if os.path.isdir(path):
        probe = os.path.join(path, f".fasttwin-write-test-{os.getpid()}")
        try:
            with open(probe, "wb"):
                pass
            os.unlink(probe)
        except OSError as err:
            raise ValueError(
                f"cannot write into the store {ref.url!r}: {err.strerror or err}"
            ) from None


def _parents(path: str):
    parent = os.path.dirname(path)
    while parent and parent != path:
        yield parent
        path, parent = parent, os.path.dirname(parent)


def _is_zarr(path: str) -> bool:
    return any(os.path.exists(os.path.join(path, n)) for n in ("zarr.json", ".zgroup", ".zarray"))


def count_tasks(spec: Spec) -> int:
    """Tasks of :func:`~fasttwin.sweep.plan.make_plan` without building them."""
    from fasttwin.sweep.plan import block_shape

    chunks = block_shape(spec.shape, spec.points_per_task)
    blocks = math.prod(-(-n // c) for n, c in zip(spec.shape, chunks, strict=True))
    return blocks * (1 if spec.scenarios is None else len(spec.scenarios))


def _run_locked(spec, ref, client, workers, overwrite, progress, force, lock, per_task, t0):
    from fasttwin._version import __version__
    from fasttwin.sweep import store as st

    plan = make_plan(spec)
    identity = {
        "fasttwin_version": __version__,
        "sweep": spec.to_dict(),
        "model": spec.model_dict(),
    }
    found = st.inspect(ref)
    fresh = True
    if found.kind == "sweep" and not overwrite:
        diff = st.differences(found.attrs, identity)
        if diff:
            raise ValueError(
                f"store {ref.url!r} holds a different sweep; differences:\n  "
                + "\n  ".join(diff)
                + "\nUse another store, or --overwrite (overwrite=True) to replace it"
            )
        fresh = not found.template_complete
    elif found.kind in ("zarr", "other") and not overwrite:
        what = "a Zarr store of another kind" if found.kind == "zarr" else "not a Zarr store"
        raise ValueError(
            f"store {ref.url!r} exists and is {what}; choose another path"
            + (", or --overwrite (overwrite=True) to replace it" if found.kind == "zarr" else "")
        )
    elif found.kind == "other":
        raise ValueError(f"store {ref.url!r} exists and is not a Zarr store; refusing to delete it")
    say = _printer(progress)
    with connect(client, workers) as cl, _Interrupts() as stop:
        n_workers = _check_workers(cl, __version__)
        _check_worker_memory(cl, per_task, force)
        say(
            f"fasttwin sweep {spec.name!r}: {spec.points:,} points x "
            f"{len(spec.scenarios or [None])} scenario(s) x {spec.reps:,} reps in "
            f"{len(plan.tasks)} tasks on {n_workers} workers -> {ref.url}"
        )
        say(f"scheduler: {cl.scheduler_info().get('address')}  dashboard: {_dashboard(cl)}")
        tw = time.perf_counter()
        schema = _probe_everywhere(cl, spec, _fingerprint(identity), stop)
        say(f"workers ready (kernels loaded or compiled) in {time.perf_counter() - tw:.1f} s")
        if fresh:
            layout = _create(spec, plan, ref, identity, schema, replace=found.kind != "absent")
            done = np.zeros(len(plan.tasks), bool)
        else:
            layout = st.layout_of(ref)
            wanted = {name: list(dims) for name, dims, _, _ in schema.variables}
            if {k: list(v) for k, v in layout.items()} != wanted:
                raise ValueError(
                    f"store {ref.url!r} holds variables {sorted(layout)} but this fasttwin "
                    f"makes {sorted(wanted)}; use another store, or --overwrite to replace it"
                )
            done = st.read_done(ref)
            say(f"resuming: {int(done.sum())} of {len(plan.tasks)} tasks already done")
        key = f"fasttwin-sweep-{_fingerprint(identity)}"
        job = Job(spec, ref, layout, key)
        todo = [t for t in plan.tasks if not done[t.index]]
        t1 = time.perf_counter()
        results = _execute(cl, job, todo, len(plan.tasks), say if progress else None, lock, stop)
        t2 = time.perf_counter()
        lock.check()
        st.mark_complete(ref)
        st.consolidate(ref)
    t3 = time.perf_counter()
    times = {"wall": t3 - t0, "setup": t1 - t0, "finish": t3 - t2}
    summary = _summarise(spec, plan, ref, results, times, n_workers)
    say(f"done: {summary.line()}")
    return summary


def _probe_everywhere(cl, spec: Spec, fingerprint: str, stop=None):
    """Run the probe on every worker at once: it compiles the kernels the tasks
    need everywhere in parallel (not one worker after another as first tasks
    would, behind the probe), and gives the cube's schema."""
    workers = sorted(cl.scheduler_info()["workers"])
    futures = [
        cl.submit(
            probe,
            spec,
            key=f"fasttwin-probe-{fingerprint}-{i}",
            workers=[w],
            allow_other_workers=True,
            pure=False,
        )
        for i, w in enumerate(workers)
    ]
    try:
        _wait_all(futures, stop)
        return cl.gather(futures)[0]
    finally:
        cl.cancel(futures)


def _wait_all(futures, stop) -> None:
    """Wait for ``futures``, looking for Ctrl-C (``stop``) between short waits."""
    from distributed import wait

    while True:
        try:
            wait(futures, timeout=0.25)
            return
        except TimeoutError:
            if stop is not None:
                stop.check()


class _Interrupts:
    """Ctrl-C only sets a flag, which the sweep checks between waits.

    A KeyboardInterrupt raised inside Dask's client calls leaves tracebacks of
    half-done calls behind; raised from :meth:`check`, it unwinds cleanly (tasks
    cancelled, cluster closed, lock released) and the command says how to resume.
    """

    def __enter__(self):
        import signal
        import threading

        self.flag = threading.Event()
        self.old = None
        main = threading.current_thread() is threading.main_thread()
        if main and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            self.old = signal.signal(signal.SIGINT, lambda *_: self.flag.set())
        return self

    def check(self) -> None:
        if self.flag.is_set():
            raise KeyboardInterrupt

    def __exit__(self, *exc) -> None:
        import signal

        if self.old is not None:
            signal.signal(signal.SIGINT, self.old)


def _create(spec: Spec, plan: Plan, ref: StoreRef, identity: dict, schema, replace: bool) -> dict:
    """(Re)write the template from the probe's schema."""
    from fasttwin.cube.build import provenance
    from fasttwin.model.toml_io import dumps
    from fasttwin.sweep import store as st

    run = {"reps": spec.reps, "periods": spec.periods, "warmup": spec.warmup, "seed": spec.seed}
    run = {**run, "rep0": 0, "policy": spec.policy_grid.as_dict()}
    if spec.scenarios is not None:
        run["scenarios"] = [sc.to_dict() for sc in spec.scenarios]
    attrs = {
        **schema.attrs,
        **provenance(spec.model, run, f"sweep {spec.name}"),
        "title": f"fasttwin sweep {spec.name} of {spec.model.name or 'model'}",
        "sweep_toml": dumps(identity["sweep"]),
        # Set to True once every task is done (store.mark_complete).
        "sweep_complete": False,
    }
    if replace:
        st.remove(ref)
    return st.write_template(ref, spec, plan, schema, attrs)


def probe(spec: Spec):
    """Simulate one valid point, one rep: the cube's variables, dims, dtypes and attrs."""
    from fasttwin.engine.simulate import simulate
    from fasttwin.sweep.store import schema_of

    at = np.unravel_index(spec.first_valid_point, spec.shape)
    policy = {key: [values[int(i)]] for (key, values), i in zip(spec.grid, at, strict=True)}
    kwargs = {**spec.run_kwargs(), "reps": 1}
    ds = simulate(spec.model, {**policy, **dict(spec.fixed)}, parallel=False, **kwargs)
    return schema_of(ds, spec.dims)


def run_task(job: Job, task: Task) -> TaskResult:
    """Simulate one block for one scenario and write its region, then its flag."""
    from fasttwin.engine.simulate import simulate
    from fasttwin.sweep import store as st

    spec = job.spec
    t0 = time.perf_counter()
    valid = valid_mask(spec.model, sub_grid(spec.policy_grid, task.region))
    if st.is_done(job.store, task.index):
        # A rerun of a task whose worker died after writing its flag: written once only.
        return TaskResult(task.index, False, int(valid.sum()))
    block = None
    if valid.any():
        kwargs = spec.run_kwargs()
        if task.scenario is not None:
            kwargs["scenario"] = [spec.scenarios[task.scenario]]
        block = simulate(spec.model, block_policy(spec, task.region), parallel=False, **kwargs)
    t1 = time.perf_counter()
    rss = _peak_rss_mb()
    grid_values = [values for _, values in spec.grid]
    st.write_region(job.store, job.layout, spec.dims, grid_values, task, block)
    t2 = time.perf_counter()
    st.mark_done(job.store, task, (t1 - t0, t2 - t1, rss))
    return TaskResult(task.index, True, int(valid.sum()), t1 - t0, t2 - t1, rss)


def _execute(
    cl, job: Job, todo: list[Task], total: int, say, lock=None, stop=None
) -> list[TaskResult]:
    from distributed import as_completed

    futures = [
        cl.submit(run_task, job, t, key=f"{job.key}-{t.name}", pure=False, retries=RETRIES)
        for t in todo
    ]
    bar = _Progress(len(todo), total - len(todo), say)
    results = []
    try:
        for fut in _completed(as_completed(futures), stop):
            try:
                results.append(fut.result())
            except Exception as err:
                raise RuntimeError(
                    f"sweep task {fut.key} failed: {type(err).__name__}: {err}. The store "
                    "keeps every finished task: run the same command again to resume"
                ) from err
            if lock is not None:
                lock.check()
            bar.step()
    finally:
        cl.cancel(futures)
        bar.close()
    return results


def _completed(pending, stop):
    """Futures as they complete, looking for Ctrl-C (``stop``) between short waits."""
    while not pending.is_empty():
        batch = pending.next_batch(block=False)
        if not batch:
            if stop is not None:
                stop.check()
            time.sleep(0.05)
        yield from batch


@contextlib.contextmanager
def connect(client, workers: int | None):
    """Yield a Dask client: ``client`` itself, one for an address, or a local cluster.

    With no client and no address (neither ``client`` nor the
    ``DASK_SCHEDULER_ADDRESS`` setting), start a LocalCluster of ``workers``
    (default: one per core) single-threaded worker processes, and close it after.
    """
    from distributed import Client, LocalCluster

    if isinstance(client, Client):
        if workers is not None:
            raise ValueError("workers applies to the local cluster only, not to a given client")
        yield client
        return
    if client is not None and not isinstance(client, str):
        raise ValueError(f"client must be a distributed.Client or an address, got {client!r}")
    address = _scheduler_address(client)
    if address:
        if workers is not None:
            raise ValueError(
                "--workers (workers=) sizes the local cluster only; the cluster at "
                f"{address} has its own workers"
            )
        probe_scheduler(address)
        try:
            cl = Client(address, timeout=f"{SCHEDULER_TIMEOUT}s")
        except OSError as err:
            raise ConnectionError(f"cannot reach the Dask scheduler at {address}: {err}") from None
        with cl:
            yield cl
        return
    n = workers or _cores()
    with warnings.catch_warnings():
        # The dashboard moves to a free port when 8787 is taken; the link says where.
        warnings.filterwarnings("ignore", message="Port .* is already in use")
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True)
    with cluster, Client(cluster) as cl:
        cl.run(_leave_interrupts_to_the_client)
        yield cl


def _leave_interrupts_to_the_client() -> None:
    """In a local worker: ignore Ctrl-C, which the terminal sends to the whole process
    group; the client stops the cluster itself, and says how to resume, without a
    traceback from every worker. Cancelled tasks are not worth a warning either."""
    import logging
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.getLogger("distributed.worker.state_machine").setLevel(logging.ERROR)


def _scheduler_address(client) -> str | None:
    import dask

    return client or dask.config.get("scheduler-address", None)


def probe_scheduler(address: str, timeout: float | None = None) -> None:
    """Raise ``ConnectionError`` unless a Dask scheduler answers at ``address`` in time.

    ``distributed.Client`` waits for ever for the first message of a server
    that accepts connections but says nothing, and allocates whatever size a
    server speaking another protocol seems to announce; so ask the scheduler
    who it is first, with a deadline, on a thread of our own (its event loop
    is apart from any the caller runs).
    """
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    timeout = SCHEDULER_TIMEOUT if timeout is None else timeout
    if "://" in address and address.split("://", 1)[0] not in ("tcp", "tls", "ws", "wss"):
        return  # in-process (inproc://) and other transports: nothing foreign can listen there

    async def ask():
        from distributed.comm import connect as comm_connect
        from distributed.security import Security

        args = Security().get_connection_args("client")
        comm = await comm_connect(address, timeout=timeout, **args)
        try:
            await comm.write({"op": "identity", "reply": True})
            return await comm.read()
        finally:
            comm.abort()

    def run():
        return asyncio.run(asyncio.wait_for(ask(), timeout))

    with ThreadPoolExecutor(1) as pool:
        try:
            info = pool.submit(run).result()
        except (TimeoutError, asyncio.TimeoutError):
            raise ConnectionError(
                f"no Dask scheduler answered at {address} within {timeout:g} s: something "
                "may accept connections there without speaking Dask's protocol (a wrong port?)"
            ) from None
        except OSError as err:
            raise ConnectionError(f"cannot reach a Dask scheduler at {address}: {err}") from None
        except Exception as err:  # whatever the other end said, it was not a scheduler
            raise ConnectionError(
                f"the server at {address} does not answer as a Dask scheduler (a wrong port?): "
                f"Dask could not read its reply ({type(err).__name__})"
            ) from None
    if not isinstance(info, dict) or info.get("type") != "Scheduler":
        raise ConnectionError(f"the server at {address} is not a Dask scheduler")


def _check_worker_memory(cl, per_task: int, force: bool) -> None:
    """Refuse tasks larger than the smallest worker's memory limit (when the workers set one)."""
    from fasttwin.engine.estimate import check_memory

    limits = [int(w.get("memory_limit") or 0) for w in cl.scheduler_info()["workers"].values()]
    limits = [m for m in limits if m > 0]
    if limits:
        check_memory(
            per_task,
            min(limits),
            "one task (on a worker)",
            force,
            "lower [execution] points_per_task or reps, or " + FORCE_HINT,
        )


def _check_workers(cl, version: str) -> int:
    """Wait for a worker; refuse workers that cannot import this fasttwin version."""
    try:
        cl.wait_for_workers(1, timeout=60)
    except TimeoutError:
        address = cl.scheduler_info().get("address")
        raise ConnectionError(
            f"no Dask worker joined the scheduler at {address} within 60 s"
        ) from None
    try:
        found = cl.run(_worker_version)
    except Exception as err:
        raise RuntimeError(
            f"fasttwin cannot run on the Dask workers ({type(err).__name__}: {err}); install "
            f"fasttwin {version} where the workers run"
        ) from None
    wrong = {w: v for w, v in found.items() if v != version}
    if wrong:
        raise RuntimeError(
            f"workers run other fasttwin versions than this client ({version}): {wrong}; "
            "results would not be reproducible"
        )
    return len(found)


def _dashboard(cl) -> str:
    if "dashboard" not in cl.scheduler_info().get("services", {}):
        return "none"
    import importlib.util

    # Without bokeh the scheduler serves the page but not the plots.
    hint = "" if importlib.util.find_spec("bokeh") else " (pip install bokeh to see the plots)"
    return cl.dashboard_link + hint


def _worker_version() -> str:
    from fasttwin._version import __version__

    return __version__


def _cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def _peak_rss_mb() -> float:
    try:
        import resource
    except ImportError:  # Windows
        return math.nan
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def _fingerprint(identity: dict) -> str:
    import hashlib
    import json

    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:12]


def _summarise(spec, plan, ref, results, times: dict, n_workers) -> Summary:
    ran = [r for r in results if r.ran]
    days = sum(r.valid_points for r in results) * spec.reps * spec.periods
    rss = [r.peak_rss_mb for r in ran if not math.isnan(r.peak_rss_mb)]
    return Summary(
        store=ref.url,
        points=spec.points,
        scenarios=len(spec.scenarios or [None]),
        reps=spec.reps,
        periods=spec.periods,
        tasks=len(plan.tasks),
        tasks_run=len(results),
        policy_replication_days=days,
        wall_seconds=times["wall"],
        setup_seconds=times["setup"],
        finish_seconds=times["finish"],
        kernel_seconds=sum(r.kernel_seconds for r in ran),
        write_seconds=sum(r.write_seconds for r in ran),
        workers=n_workers,
        peak_rss_mb=max(rss, default=math.nan),
    )


def _printer(enabled: bool):
    def say(text: str) -> None:
        if enabled:
            print(text, file=sys.stderr, flush=True)

    return say


class _Progress:
    """Tasks done, rate and ETA on stderr: redrawn in place on a terminal, else every 10 %."""

    def __init__(self, todo: int, before: int, say):
        self.todo, self.before, self.say = todo, before, say
        self.done = 0
        self.start = time.perf_counter()
        self.tty = say is not None and sys.stderr.isatty()
        self.shown = -1

    def step(self) -> None:
        self.done += 1
        if self.say is None:
            return
        tenth = (10 * self.done) // max(self.todo, 1)
        if self.tty or tenth > self.shown:
            self.shown = tenth
            self._show()

    def _show(self) -> None:
        total = self.todo + self.before
        finished = self.done + self.before
        elapsed = time.perf_counter() - self.start
        rate = self.done / elapsed if elapsed > 0 else 0.0
        eta = (self.todo - self.done) / rate if rate > 0 else math.inf
        width = 30
        filled = int(width * finished / max(total, 1))
        eta_text = "--:--" if math.isinf(eta) else time.strftime("%H:%M:%S", time.gmtime(eta))
        line = (
            f"[{'#' * filled}{'.' * (width - filled)}] {finished}/{total} tasks  "
            f"{rate:.2f} tasks/s  ETA {eta_text}"
        )
        if self.tty:
            print("\r" + line, end="", file=sys.stderr, flush=True)
        else:
            self.say(line)

    def close(self) -> None:
        if self.tty and self.shown >= 0:
            print(file=sys.stderr, flush=True)
