"""Simulations for the pages: in blocks of replications with progress, and their tables.

Replication ``i`` draws the same random numbers whatever else is simulated
(DESIGN.md section 2), so simulating replications ``0..n-1`` in blocks and
concatenating them gives exactly the cube of one call; only its provenance
timestamps differ. Blocks let a long run report progress between them; a
short run is one block. Each block runs on all threads (``ft.simulate``'s
default), and the compiled kernels stay in the dashboard's process, so only
the first run of a kind of model compiles.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from fasttwin.model.network import Model

#: Policy-replication-node-days per block: about a quarter of a second warm on two cores.
BLOCK_WORK = 20_000_000
#: The most work one page run may ask for (policy-replication-node-days): a few minutes.
MAX_WORK = 20_000_000_000
MAX_BLOCKS = 50

Progress = Callable[[float, str], None]


def work(model: Model, points: int, scenarios: int, reps: int, periods: int) -> int:
    """Policy-replication-node-days of a run."""
    return points * scenarios * reps * periods * len(model.nodes)


def check_work(total: int) -> None:
    """Refuse a run far bigger than a dashboard should start (``fasttwin sweep`` is for those)."""
    if total > MAX_WORK:
        raise ValueError(
            f"the run asks for {total:.3g} policy-replication-node-days; the dashboard runs at "
            f"most {MAX_WORK:.3g}: use fewer replications, days or grid points (or "
            "`fasttwin sweep` for big grids)"
        )


def blocks(reps: int, total: int, block_work: int = BLOCK_WORK) -> list[tuple[int, int]]:
    """``[(first_rep, n_reps), ...]`` covering ``0 .. reps-1`` in blocks of about ``block_work``.

    Examples
    --------
    >>> blocks(10, 100, block_work=40)
    [(0, 3), (3, 3), (6, 4)]
    >>> blocks(10, 100, block_work=1000)
    [(0, 10)]
    """
    n = int(min(reps, MAX_BLOCKS, max(1, -(-total // block_work))))
    edges = np.linspace(0, reps, n + 1).astype(np.int64)
    return [(int(a), int(b - a)) for a, b in zip(edges[:-1], edges[1:], strict=True)]


def simulate(
    model: Model,
    policy=None,
    *,
    scenario=None,
    reps: int = 1000,
    periods: int | None = None,
    warmup: int | None = None,
    seed: int | None = None,
    progress: Progress | None = None,
    block_work: int = BLOCK_WORK,
):
    """:func:`fasttwin.simulate` in blocks of replications, calling ``progress(done, text)``.

    The cube equals one call's (same values, coordinates and attributes but
    the creation time). Arguments are checked by one replication's run before
    any block starts, so bad input is refused at once.
    """
    import xarray as xr

    from fasttwin.cube.build import provenance
    from fasttwin.engine.simulate import simulate as ft_simulate
    from fasttwin.model.scenarios import resolve_scenarios
    from fasttwin.model.toml_io import tomllib
    from fasttwin.plan.grid import resolve_policy
    from fasttwin.plan.run import resolve_run

    run = resolve_run(model, reps, periods, warmup, seed, 0)
    grid = resolve_policy(model, policy)
    names = resolve_scenarios(scenario)
    total = work(model, int(np.prod(grid.shape)), len(names or [None]), run.reps, run.periods)
    check_work(total)
    parts = []
    plan = blocks(run.reps, total, block_work)
    for k, (first, n) in enumerate(plan):
        if progress is not None:
            progress(k / len(plan), f"replications {first:,}-{first + n - 1:,} of {run.reps:,}")
        parts.append(
            ft_simulate(
                model,
                policy,
                scenario=scenario,
                reps=n,
                periods=run.periods,
                warmup=run.warmup,
                seed=run.seed,
                rep0=first,
            )
        )
    if progress is not None:
        progress(1.0, f"{run.reps:,} replications done")
    if len(parts) == 1:
        return parts[0]
    ds = xr.concat(parts, dim="rep", data_vars="minimal", coords="minimal", compat="override")
    spec = tomllib.loads(parts[0].attrs["run_toml"])
    spec.update(reps=run.reps, rep0=0)
    ds.attrs = provenance(model, spec)
    return ds


def summary_table(ds, variables: Sequence[str] | None = None):
    """Mean, 95 % CI and units of the system variables of a one-policy cube, one row each."""
    return _summary(ds, variables, node=False)


def node_summary_table(ds, variables: Sequence[str] | None = None):
    """The same per node (``node_*`` variables), one row per node and variable."""
    return _summary(ds, variables, node=True)


def _summary(ds, variables, node: bool):
    import pandas as pd

    from fasttwin.analysis.intervals import estimates
    from fasttwin.cube.variables import display_units

    if variables is None:
        variables = [
            str(v)
            for v, x in ds.data_vars.items()
            if "rep" in x.dims and ("node" in x.dims) == node
        ]
    rows = []
    for var in variables:
        x = ds[var]
        keep = [d for d in x.dims if d != "rep"]
        arr = np.asarray(x.transpose(*keep, "rep").values, dtype=np.float64)
        e = estimates(arr.reshape(-1, arr.shape[-1]))
        labels = [dict(zip(keep, k, strict=True)) for k in np.ndindex(*arr.shape[:-1])]
        for i, at in enumerate(labels):
            row = {d: _plain(x[d].values[j]) for d, j in at.items()}
            row.update(
                variable=var,
                long_name=x.attrs.get("long_name", var),
                mean=e["mean"][i],
                ci_low=e["low"][i],
                ci_high=e["high"][i],
                units=display_units(x.attrs.get("units", "")),
            )
            rows.append(row)
    df = pd.DataFrame(rows)
    first = [c for c in ("scenario", "node") if c in df.columns]
    return df[[*first, *[c for c in df.columns if c not in first]]]


#: Trace variables drawn as daily paths (those that are not zero throughout).
TRACE_SHOWN = ("on_hand", "pipeline", "backorders", "lost_sales", "ordered")


def trace_frame(tr, variables: Sequence[str] = TRACE_SHOWN):
    """Daily paths of :func:`fasttwin.trace`, long form: ``rep``, ``day``, ``variable``, ``value``
    (and ``node`` first for a network's trace, nodes in model order).

    Variables that stay zero on every day are left out (lost sales under
    backorders, backorders under lost sales).
    """
    keep = [v for v in variables if v in tr.data_vars and bool((tr[v] != 0).any())]
    ids = ["node", "rep", "day"] if "node" in tr.dims else ["rep", "day"]
    frame = tr[keep].to_dataframe().reset_index()
    return frame.melt(id_vars=ids, value_vars=keep, var_name="variable")


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def csv_bytes(table) -> bytes:
    """A table as UTF-8 CSV for a download button."""
    return table.to_csv(index=False).encode("utf-8")
