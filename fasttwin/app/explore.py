"""What a cube offers the Explore page, and the tables behind its pictures.

Everything here reads a cube alone (as :mod:`fasttwin.analysis` does): grid
axes from :func:`~fasttwin.analysis.axes.grid_dims`, labels from the
coordinates' ``long_name``/``units``, service variables from the data. The
answers of a cube with scenarios are each scenario, the worst case and the
average, as :func:`~fasttwin.analysis.best_policy` defines them; the policy
table uses the same definitions, so the recommended row is always the
cheapest feasible row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from fasttwin.analysis.axes import (
    grid_dims,
    is_ratio,
    label,
    point_policy,
    point_values,
    scenarios,
    valid_mask,
)
from fasttwin.analysis.best import AVERAGE, WORST_CASE, best_policy, service_statistic
from fasttwin.analysis.frontier import pareto_mask
from fasttwin.analysis.intervals import estimates

#: What the table says where a cube has no scenario dimension.
NO_SCENARIO = ""


def _system(ds, name) -> bool:
    """A per-replication float variable without a ``node`` dim (cost, fill_rate, ...)."""
    var = ds[name]
    return "rep" in var.dims and "node" not in var.dims and np.issubdtype(var.dtype, np.floating)


def _bounded(var) -> bool:
    lo, hi = float(var.min()), float(var.max())
    return 0.0 <= lo and hi <= 1.0


def service_variables(ds) -> list[str]:
    """The cube's system-level service measures, ``fill_rate`` first.

    A service measure is a ratio: units ``1`` with every value in [0, 1]
    (stock levels are dimensionless too, so the values decide). Read from the
    cube, never from a fixed list, so renamed or new measures appear by themselves.

    Examples
    --------
    >>> import xarray as xr
    >>> u = {"units": "1"}
    >>> ds = xr.Dataset({"on_hand": ("rep", [3.0, 4.0], u), "ready_rate": ("rep", [0.9, 1.0], u),
    ...                  "fill_rate": ("rep", [0.95, 0.99], u)})
    >>> service_variables(ds)
    ['fill_rate', 'ready_rate']
    """
    names = [str(n) for n in ds.data_vars if _system(ds, n) and is_ratio(ds, n) and _bounded(ds[n])]
    return sorted(names, key=lambda n: n != "fill_rate")


def cost_variables(ds) -> list[str]:
    """System-level costs per day (``cost`` and its parts), ``cost`` first."""
    from fasttwin.cube.variables import VARIABLES

    def per_day(name: str) -> bool:
        units = ds[name].attrs.get("units") or getattr(VARIABLES.get(name), "units", None)
        return units == "d-1"

    names = [str(n) for n in ds.data_vars if _system(ds, n) and n.endswith("cost") and per_day(n)]
    return sorted(names, key=lambda n: n != "cost")


def node_service_variable(ds, service: str) -> str | None:
    """The per-node twin of ``service`` (``node_fill_rate``) if the cube has it."""
    name = f"node_{service}"
    return name if name in ds.data_vars and "node" in ds[name].dims else None


def answers(ds) -> list[str]:
    """What a recommendation can be asked for: worst case, average and each scenario.

    A cube with one scenario has one answer, that scenario (its worst case and
    average are the same).
    """
    names = scenarios(ds)
    if names is None:
        return [NO_SCENARIO]
    return names if len(names) == 1 else [WORST_CASE, AVERAGE, *names]


def axis_labels(ds) -> dict[str, str]:
    """``{grid axis: "warehouse reorder point (s or r)"}`` from the coordinate attrs."""
    return {d: label(ds, d) for d in grid_dims(ds)}


def choice_of(best, answer: str):
    """The :class:`~fasttwin.analysis.Choice` of ``best`` for one answer."""
    if not best.by_scenario:
        return best.recommended
    if answer == WORST_CASE:
        return best.worst_case
    if answer == AVERAGE:
        return best.average
    if answer not in best.by_scenario:
        allowed = ", ".join([WORST_CASE, AVERAGE, *best.by_scenario])
        raise ValueError(f"scenario must be one of {allowed}, got {answer!r}")
    return best.by_scenario[answer]


def recommend(ds, *, target: float, service: str, cost: str = "cost", rule: str = "mean"):
    """:func:`~fasttwin.analysis.best_policy` with the page's arguments."""
    return best_policy(ds, target, service, cost=cost, rule=rule)


def policy_table(
    ds,
    *,
    service: str,
    cost: str = "cost",
    answer: str = NO_SCENARIO,
    target: float = 0.98,
    rule: str = "mean",
    select: Mapping | None = None,
    best=None,
):
    """One row per valid grid point: cost and service with CIs, feasible, frontier, recommended.

    ``answer`` picks a scenario, the worst case (cost of the most expensive
    scenario, service of the worst one, as in :func:`~fasttwin.analysis.best_policy`)
    or the average over scenarios (replication by replication). ``select``
    picks along other dims first, e.g. ``{"node": "store_1"}`` with
    ``service="node_fill_rate"``: feasibility is then that node's. ``best``
    (the cube's :class:`~fasttwin.analysis.BestPolicy`) marks the recommended
    row; by default it is computed from the same arguments.

    Examples
    --------
    >>> import xarray as xr
    >>> ds = xr.Dataset({"cost": (("S", "rep"), [[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]]),
    ...                  "fill_rate": (("S", "rep"), [[0.8, 0.8], [0.99, 0.99], [1.0, 1.0]])},
    ...                 coords={"S": [10, 20, 30]})
    >>> t = policy_table(ds, service="fill_rate", target=0.98)
    >>> t[["S", "feasible", "recommended"]].values.tolist()
    [[10, False, False], [20, True, True], [30, True, False]]
    """
    import pandas as pd

    names = scenarios(ds)
    _check_answer(ds, answer)
    if best is None:
        best = recommend(ds, target=target, service=service, cost=cost, rule=rule)
    conf = best.confidence
    axes = grid_dims(ds)
    idx = np.flatnonzero(valid_mask(ds, cost).reshape(-1))
    c = point_values(ds, cost)[idx]
    s = point_values(ds, service, select=select)[idx]
    extra: dict[str, list] = {}
    if names is None or answer not in (WORST_CASE, AVERAGE):
        k = 0 if names is None else names.index(answer)
        ce, se = estimates(c[:, k], conf), estimates(s[:, k], conf)
    elif answer == AVERAGE:
        ce, se = estimates(c.mean(axis=1), conf), estimates(s.mean(axis=1), conf)
    else:
        ce_all, se_all = estimates(c, conf), estimates(s, conf)
        stat = service_statistic(se_all, rule)
        wc = np.argmax(np.where(np.isnan(ce_all["mean"]), np.inf, ce_all["mean"]), axis=1)
        ws = np.argmin(np.where(np.isnan(stat), -np.inf, stat), axis=1)
        rows = np.arange(idx.size)
        ce = {k: v[rows, wc] for k, v in ce_all.items()}
        se = {k: v[rows, ws] for k, v in se_all.items()}
        extra = {
            "cost_scenario": [names[i] for i in wc],
            "service_scenario": [names[i] for i in ws],
        }
    policies = [point_policy(ds, i) for i in idx]
    chosen = choice_of(best, answer).policy
    data: dict[str, object] = {a: [p[a] for p in policies] for a in axes}
    for var, e in ((cost, ce), (service, se)):
        data[f"{var}_mean"] = e["mean"]
        data[f"{var}_ci_low"] = e["low"]
        data[f"{var}_ci_high"] = e["high"]
    data["n_reps"] = ce["n"].astype(np.int64)
    data["feasible"] = service_statistic(se, rule) >= target
    data["frontier"] = pareto_mask(ce["mean"], se["mean"])
    data["recommended"] = [p == chosen for p in policies]
    data.update(extra)
    return pd.DataFrame(data)


def _check_answer(ds, answer: str) -> None:
    allowed = answers(ds)
    if answer not in allowed:
        shown = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"scenario must be one of {shown}, got {answer!r}")


def held_slice(table, held: Mapping):
    """The rows of a policy table whose axes in ``held`` take the given values."""
    keep = np.ones(len(table), bool)
    for axis, value in held.items():
        keep &= (table[axis] == value).to_numpy()
    return table[keep].reset_index(drop=True)


def node_table(ds, policy: Mapping, variables: Sequence[str], *, answer: str = NO_SCENARIO):
    """Per-node mean and CI of ``variables`` (``node_*``) at one policy.

    A scenario answer selects it; the average averages the scenarios
    replication by replication; the worst case lists every scenario (column
    ``scenario``), since the worst scenario differs from node to node.
    """
    import pandas as pd

    _check_answer(ds, answer)
    one = ds.sel(dict(policy)) if policy else ds
    names = scenarios(ds)
    frames = []
    for var in variables:
        x = one[var]
        if names is not None and answer == AVERAGE:
            x = x.mean("scenario")
        elif names is not None and answer != WORST_CASE:
            x = x.sel(scenario=answer)
        keep = [d for d in ("scenario", "node") if d in x.dims]
        arr = np.asarray(x.transpose(*keep, "rep").values, dtype=np.float64)
        e = estimates(arr.reshape(-1, arr.shape[-1]))
        index = pd.MultiIndex.from_product([x[d].values for d in keep], names=keep)
        frames.append(
            pd.DataFrame(
                {f"{var}_mean": e["mean"], f"{var}_ci_low": e["low"], f"{var}_ci_high": e["high"]},
                index=index,
            )
        )
    return pd.concat(frames, axis=1).reset_index()


def convergence_frame(ds, policy: Mapping, variables: Sequence[str], *, answer: str = NO_SCENARIO):
    """Running mean and CI of ``variables`` at one policy versus replications, long form.

    Columns ``n``, ``variable``, ``scenario`` (when the cube has scenarios:
    the chosen one, or every scenario for the worst case and average),
    ``mean``, ``low``, ``high``.
    """
    import pandas as pd

    from fasttwin.analysis.convergence import convergence

    _check_answer(ds, answer)
    one = ds.sel(dict(policy)) if policy else ds
    names = scenarios(ds)
    if names is not None and answer not in (WORST_CASE, AVERAGE):
        one = one.sel(scenario=[answer])
    cv = convergence(one, list(variables))
    frames = []
    for var in variables:
        mean = cv[f"{var}_mean"]
        hw = cv[f"{var}_halfwidth"]
        df = mean.to_dataframe(name="mean").reset_index()
        df["low"] = df["mean"] - hw.values.reshape(-1)
        df["high"] = df["mean"] + hw.values.reshape(-1)
        df["variable"] = var
        frames.append(df)
    out = pd.concat(frames, ignore_index=True)
    cols = ["n", "variable", *(["scenario"] if "scenario" in out else []), "mean", "low", "high"]
    return out[cols]
