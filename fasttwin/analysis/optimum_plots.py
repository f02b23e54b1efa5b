"""Pictures of an optimiser store: the evaluated policies, and how the search progressed.

The evaluated policies are not a grid, so they are drawn as points of cost
against service (:func:`plot_search`), with the finalists' intervals on
fresh replications and the chosen policy; :func:`plot_search_progress` draws
the best policy found against the number of policies evaluated.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from fasttwin.analysis.intervals import estimates
from fasttwin.analysis.optimum import Optimum, mean_cost, worst_service
from fasttwin.analysis.plots import _STAR, SIZE, _figure, _save


def _finalist_points(opt: Optimum):
    """Cost (mean over scenarios, per replication) and lowest service of each finalist."""
    cube = opt.finalists
    cost = cube["cost"]
    cost = cost.mean("scenario") if "scenario" in cost.dims else cost
    c = estimates(np.ascontiguousarray(cost.transpose("candidate", "rep").values))
    return c, worst_service(_as_points(cube, opt), opt)


def _as_points(cube, opt: Optimum):
    """Means over replications named like the search cube's (``<var>_mean``)."""
    import xarray as xr

    names = [f"node_{opt.service}", opt.service]
    out = {f"{n}_mean": cube[n].mean("rep") for n in names if n in cube}
    if opt.scope == "worst_store" and f"node_{opt.service}" in cube:
        stores = [s["label"] for s in opt.result.get("service", [])]
        out[f"worst_store_{opt.service}_mean"] = (
            cube[f"node_{opt.service}"].sel(node=stores or slice(None)).min("node").mean("rep")
        )
    return xr.Dataset(out)


def plot_search(opt: Optimum, path, *, size: tuple[int, int] = SIZE) -> Path:
    """Every evaluated policy (cost against its lowest service), and a close-up of the best.

    Left: all policies, coloured by the batch that evaluated them; the start
    policy is a cross. Right: the policies near the chosen one, the finalists
    with 95 % intervals on fresh replications, the chosen policy (star) with
    its confirmation interval. Cost is the mean over the scenarios; service
    the lowest mean over the stores (or system) and scenarios.
    """
    pts = opt.points
    cost, serv = mean_cost(pts), worst_service(pts, opt)
    batch = np.asarray(pts["batch"].values)
    target = opt.result.get("target")
    res = opt.result
    fin_cost, fin_serv = _finalist_points(opt)
    chosen_cost = res["cost"]
    chosen_serv = min((s["mean"] for s in res.get("service", [])), default=np.nan)
    fig, axs = _figure(size, 1, 2)
    for k, ax in enumerate(axs[0]):
        if k == 1:
            keep = cost <= chosen_cost["mean"] * 1.08
            lo = min(np.nanmin(fin_serv), chosen_serv if np.isfinite(chosen_serv) else 1.0)
            keep &= serv >= lo - 0.01
        else:
            keep = np.ones(cost.size, bool)
        sc = ax.scatter(
            serv[keep],
            cost[keep],
            c=batch[keep],
            s=7,
            cmap="viridis",
            alpha=0.6,
            lw=0,
            vmin=0,
            vmax=max(1, batch.max()),
        )
        if k == 0:
            first = int(np.flatnonzero(batch == 0)[0])
            ax.scatter(
                [serv[first]],
                [cost[first]],
                marker="X",
                s=90,
                color="crimson",
                edgecolor="white",
                zorder=4,
                label="start (the model's policy)",
            )
        else:
            ax.errorbar(
                fin_serv,
                fin_cost["mean"],
                yerr=np.abs(
                    np.vstack(
                        [fin_cost["mean"] - fin_cost["low"], fin_cost["high"] - fin_cost["mean"]]
                    )
                ),
                fmt="o",
                color="black",
                ms=4,
                capsize=3,
                lw=1,
                label="finalists on fresh replications (95% CI)",
            )
        ax.errorbar(
            [chosen_serv],
            [chosen_cost["mean"]],
            yerr=[
                [chosen_cost["mean"] - chosen_cost["low"]],
                [chosen_cost["high"] - chosen_cost["mean"]],
            ],
            fmt="none",
            color="black",
            capsize=4,
            lw=1.2,
            zorder=5,
        )
        ax.scatter([chosen_serv], [chosen_cost["mean"]], label="chosen (confirmation)", **_STAR)
        if target is not None:
            ax.axvline(target, color="crimson", ls="--", lw=1, label=f"target {target:g}")
        ax.set_xlabel(f"lowest mean {opt.service} (stores × scenarios)")
        ax.grid(alpha=0.3)
    axs[0, 0].set_ylabel("mean cost per day (mean over the scenarios)")
    axs[0, 0].set_title(f"All {cost.size} evaluated policies", fontsize="medium")
    axs[0, 1].set_title("Close-up: the best policies", fontsize="medium")
    fig.colorbar(sc, ax=axs[0, 1], label="batch of the search")
    handles, labels = [], []
    for ax in axs[0]:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    fig.legend(handles, labels, loc="outside lower center", ncols=2, fontsize="small")
    return _save(fig, path)


def plot_search_progress(opt: Optimum, path, *, size: tuple[int, int] = SIZE) -> Path:
    """The best policy found so far against the number of policies evaluated.

    Top: the lowest total shortfall so far (0 once a policy meets the
    constraint). Bottom: the lowest cost so far among policies that meet it.
    Vertical lines mark batches; one batch is one kernel call per scenario.
    """
    pts = opt.points
    order = np.argsort(np.asarray(pts["batch"].values), kind="stable")
    objective = np.asarray(pts["objective"].values)[order]
    shortfall = np.asarray(pts["shortfall"].values)[order]
    batch = np.asarray(pts["batch"].values)[order]
    n = np.arange(1, objective.size + 1)
    best_short = np.minimum.accumulate(shortfall)
    feasible_cost = np.where(shortfall == 0, objective, np.inf)
    best_cost = np.minimum.accumulate(feasible_cost)
    fig, axs = _figure(size, 2, 1, sharex=True)
    axs[0, 0].step(n, best_short, where="post", color="C3")
    axs[0, 0].set_ylabel("lowest total\nshortfall so far")
    shown = np.isfinite(best_cost)
    axs[1, 0].step(n[shown], best_cost[shown], where="post", color="C0")
    axs[1, 0].set_ylabel("lowest cost so far\n(policies meeting it)")
    if shown.any():
        final = best_cost[-1]
        axs[1, 0].set_ylim(final * 0.99, min(np.max(best_cost[shown]), final * 1.5) * 1.01)
        axs[1, 0].axhline(final * 1.01, color="grey", ls=":", lw=1, label="within 1 % of the end")
        axs[1, 0].legend(loc="upper right", fontsize="small")
    for ax in axs[:, 0]:
        for b in np.flatnonzero(np.diff(batch)) + 1.5:
            ax.axvline(b, color="grey", lw=0.3, alpha=0.5)
        ax.grid(alpha=0.3)
    axs[1, 0].set_xlabel("policies evaluated (each on every search replication and scenario)")
    s = opt.result.get("search", {})
    axs[0, 0].set_title(
        f"Search progress: {s.get('evaluated', n.size)} policies in {s.get('batches', '?')} "
        f"batches, {s.get('reason', '')}",
        fontsize="medium",
    )
    return _save(fig, path)
