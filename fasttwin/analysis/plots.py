"""Pictures of a cube: cost surface, frontier, convergence, scenarios, daily paths.

Every function draws on a fresh :class:`matplotlib.figure.Figure` (no
``pyplot``, no display, no global state), writes a PNG of exactly ``size``
pixels to ``path`` and returns the path. ``best`` takes a
:class:`~fasttwin.analysis.best.BestPolicy` already computed (the report
passes one); left out, it is computed from ``target``, ``service`` and ``rule``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from fasttwin.analysis.axes import (
    check_axis,
    check_cube,
    format_policy,
    grid_dims,
    is_ratio,
    label,
    point_index,
    point_values,
    scenarios,
    valid_mask,
)
from fasttwin.analysis.best import AVERAGE, WORST_CASE, best_policy, service_statistic
from fasttwin.analysis.intervals import estimates

#: Default picture size in pixels (width, height).
SIZE = (960, 640)
#: Half-widths named in the convergence picture: relative for costs, absolute for ratios.
RELATIVE_HALFWIDTH = 0.01
RATIO_HALFWIDTH = 0.001
_DPI = 100
_STAR = dict(marker="*", s=320, color="gold", edgecolor="black", linewidth=1.2, zorder=5)


def _figure(size, nrows=1, ncols=1, **kw):
    from matplotlib.figure import Figure

    if (
        len(size) != 2
        or not all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in size)
        or min(size) < 100
    ):
        raise ValueError(f"size must be (width, height) in whole pixels >= 100, got {size!r}")
    fig = Figure(figsize=(size[0] / _DPI, size[1] / _DPI), dpi=_DPI, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, **kw)
    return fig, axes


def _save(fig, path) -> Path:
    path = Path(path)
    fig.savefig(path, dpi=_DPI, format="png")
    return path


def _best(ds, best, target, service, cost, rule):
    if best is not None:
        return best
    return best_policy(ds, target, service, cost=cost, rule=rule)


def _scenario_index(ds, scenario) -> int | None:
    names = scenarios(ds)
    if scenario is None:
        return None
    if names is None:
        raise ValueError(f"scenario={scenario!r}, but the cube has no scenario dimension")
    if scenario not in names:
        raise ValueError(f"unknown scenario {scenario!r}; the cube's scenarios: {names}")
    return names.index(scenario)


def _ticks(ax, which: str, values) -> None:
    """Label cell positions with the axis values, at most about 12 of them."""
    n = len(values)
    step = max(1, int(np.ceil(n / 12)))
    pos = np.arange(0, n, step)
    labels = [str(v.item() if hasattr(v, "item") else v) for v in np.asarray(values)[pos]]
    if which == "x":
        ax.set_xticks(pos, labels, rotation=45 if n > 8 else 0)
    else:
        ax.set_yticks(pos, labels)


def _edges(values: np.ndarray) -> np.ndarray:
    """Cell edges halfway between sorted-or-not neighbouring values (one cell: ±0.5)."""
    if values.size == 1:
        return np.array([values[0] - 0.5, values[0] + 0.5])
    mid = (values[1:] + values[:-1]) / 2
    return np.concatenate([[2 * values[0] - mid[0]], mid, [2 * values[-1] - mid[-1]]])


def plot_cost_surface(
    ds,
    path,
    *,
    x: str | None = None,
    y: str | None = None,
    at: Mapping | None = None,
    target: float = 0.98,
    service: str = "fill_rate",
    cost: str = "cost",
    rule: str = "mean",
    scenario: str | None = None,
    best=None,
    size: tuple[int, int] = SIZE,
) -> Path:
    """Heat map of mean cost over grid axes ``x`` and ``y``, feasible region and best point.

    Cells whose service misses the target are hatched; invalid cells are
    grey; the recommended policy is a star. Other grid axes are held at
    ``at`` (default: the recommended policy's values). With scenarios and no
    ``scenario``, the surface is the worst case: highest mean cost over the
    scenarios, feasible only where every scenario meets the target. With one
    grid axis the picture is a cost curve with its confidence band.
    """
    check_cube(ds, cost, service, purpose="plot_cost_surface")
    axes = grid_dims(ds)
    if not axes:
        raise ValueError("a cost surface needs a grid axis; this cube holds a single policy")
    x = check_axis(ds, axes[0] if x is None else x, "x")
    if y is None and len(axes) > 1:
        y = next(a for a in axes if a != x)
    if y is not None:
        y = check_axis(ds, y, "y")
        if y == x:
            raise ValueError(f"x and y must be different grid axes, both are {x!r}")
    best = _best(ds, best, target, service, cost, rule)
    k = _scenario_index(ds, scenario)
    chosen = best.recommended if k is None else best.by_scenario[scenario]
    fixed = dict(chosen.policy)
    for key, value in (at or {}).items():
        if check_axis(ds, key, "at") in (x, y):
            raise ValueError(f"at fixes {key!r}, which is plotted; fix only the other grid axes")
        point_index(ds, {**fixed, key: value})  # refuses values off the grid
        fixed[key] = value
    c = estimates(point_values(ds, cost), best.confidence)
    s = estimates(point_values(ds, service), best.confidence)
    stat = service_statistic(s, best.rule)
    if k is not None:
        cmean, clow, chigh, sstat = c["mean"][:, k], c["low"][:, k], c["high"][:, k], stat[:, k]
    elif "scenario" in ds.dims:
        # Worst case; NaN (invalid cells) propagates without warnings.
        cmean, sstat = c["mean"].max(axis=1), stat.min(axis=1)
        clow = chigh = None
    else:
        cmean, clow, chigh, sstat = c["mean"][:, 0], c["low"][:, 0], c["high"][:, 0], stat[:, 0]
    shape = tuple(ds.sizes[a] for a in axes)
    where = tuple(
        slice(None) if a in (x, y) else int(np.flatnonzero(ds[a].values == fixed[a])[0])
        for a in axes
    )
    valid = valid_mask(ds, cost)[where]
    grid_mean = cmean.reshape(shape)[where]
    infeasible = valid & ~(sstat.reshape(shape)[where] >= best.target)
    star = all(chosen.policy[a] == fixed[a] for a in axes if a not in (x, y))
    need = f"mean {service}" if best.rule == "mean" else f"{service} CI low end"
    held = ", ".join(f"{a}={fixed[a]}" for a in axes if a not in (x, y))
    where_text = (
        "worst case over scenarios"
        if k is None and "scenario" in ds.dims
        else (f"scenario {scenario}" if k is not None else "")
    )
    sub = "; ".join(t for t in (where_text, held) if t)
    legend_text = f"{need} < {best.target:g}"
    fig, ax = _figure(size)
    ax = ax[0, 0]
    if y is None:
        band = None if clow is None else (clow.reshape(shape)[where], chigh.reshape(shape)[where])
        mark = (chosen.policy[x], chosen.cost.mean) if star else None
        _draw_curve(ax, ds[x].values, grid_mean, band, infeasible, mark, legend_text, best)
        ax.set_xlabel(x)
        ax.set_ylabel(label(ds, cost))
    else:
        x_first = [a for a in axes if a in (x, y)][0] == x
        mark = None
        if star:
            mark = (
                int(np.flatnonzero(ds[x].values == chosen.policy[x])[0]),
                int(np.flatnonzero(ds[y].values == chosen.policy[y])[0]),
            )
        _draw_heatmap(
            fig,
            ax,
            grid_mean.T if x_first else grid_mean,  # rows: y, columns: x
            infeasible.T if x_first else infeasible,
            mark,
            legend_text,
            f"mean {label(ds, cost)}",
        )
        _ticks(ax, "x", ds[x].values)
        _ticks(ax, "y", ds[y].values)
        ax.set_xlabel(x)
        ax.set_ylabel(y)
    ax.set_title(f"Mean {cost} per policy" + (f" ({sub})" if sub else ""))
    return _save(fig, path)


def plot_scenario_surfaces(
    ds,
    path,
    *,
    x: str | None = None,
    y: str | None = None,
    at: Mapping | None = None,
    target: float = 0.98,
    service: str = "fill_rate",
    cost: str = "cost",
    rule: str = "mean",
    best=None,
    size: tuple[int, int] = (1200, 960),
) -> Path:
    """Small multiples: the cost surface of every scenario, and the worst case, on one scale.

    Each panel is a heat map of mean cost over grid axes ``x`` and ``y``
    (other axes held at the recommendation, or ``at``), hatched where that
    scenario misses the target; the last panel is the worst case (highest
    cost over the scenarios, hatched unless every scenario meets the target).
    The star is the recommendation (the worst-case choice), the white dot
    each scenario's own best. One colour scale (:func:`colour_norm`) serves
    every panel, so panels compare.
    """
    import matplotlib as mpl
    from matplotlib.lines import Line2D

    check_cube(ds, cost, service, purpose="plot_scenario_surfaces")
    names = scenarios(ds)
    if names is None:
        raise ValueError("plot_scenario_surfaces needs a cube with a scenario dimension")
    axes = grid_dims(ds)
    if len(axes) < 2:
        raise ValueError("plot_scenario_surfaces needs two grid axes; use plot_cost_surface")
    x = check_axis(ds, axes[0] if x is None else x, "x")
    y = check_axis(ds, next(a for a in axes if a != x) if y is None else y, "y")
    if y == x:
        raise ValueError(f"x and y must be different grid axes, both are {x!r}")
    best = _best(ds, best, target, service, cost, rule)
    chosen = best.recommended
    fixed = dict(chosen.policy)
    for key, value in (at or {}).items():
        if check_axis(ds, key, "at") in (x, y):
            raise ValueError(f"at fixes {key!r}, which is plotted; fix only the other grid axes")
        point_index(ds, {**fixed, key: value})
        fixed[key] = value
    c = estimates(point_values(ds, cost), best.confidence)["mean"]
    stat = service_statistic(estimates(point_values(ds, service), best.confidence), best.rule)
    shape = tuple(ds.sizes[a] for a in axes)
    where = tuple(
        slice(None) if a in (x, y) else int(np.flatnonzero(ds[a].values == fixed[a])[0])
        for a in axes
    )
    x_first = [a for a in axes if a in (x, y)][0] == x
    valid = valid_mask(ds, cost).reshape(-1)

    def cells(v):
        v = v.reshape(shape)[where]
        return v.T if x_first else v

    panels = []
    for k, name in enumerate(names):
        panels.append((name, cells(c[:, k]), cells(valid & ~(stat[:, k] >= best.target))))
    worst_ok = (stat >= best.target).all(axis=1)
    panels.append(
        (
            "worst case",
            cells(np.max(np.where(np.isnan(c), -np.inf, c), axis=1)),
            cells(valid & ~worst_ok),
        )
    )
    panels = [(n, np.where(np.isfinite(z), z, np.nan), h) for n, z, h in panels]
    norm, extend, scale = colour_norm(np.concatenate([z.ravel() for _, z, _ in panels]))
    n = len(panels)
    cols = int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / cols))
    fig, axs = _figure(size, rows, cols, sharex=True, sharey=True)
    star = all(chosen.policy[a] == fixed[a] for a in axes if a not in (x, y))
    xi = lambda p: int(np.flatnonzero(ds[x].values == p[x])[0])  # noqa: E731
    yi = lambda p: int(np.flatnonzero(ds[y].values == p[y])[0])  # noqa: E731
    handles = []
    mesh = None
    for i, ax in enumerate(axs.ravel()):
        if i >= n:
            ax.set_visible(False)
            continue
        name, z, hatch = panels[i]
        mark = (xi(chosen.policy), yi(chosen.policy)) if star else None
        mesh, handles = _draw_heatmap(
            fig,
            ax,
            z,
            hatch,
            mark,
            f"misses {service} {best.target:g}",
            "",
            norm=norm,
            colorbar=False,
            legend=False,
        )
        own = best.by_scenario.get(name)
        if (
            own is not None
            and own.feasible
            and all(own.policy[a] == fixed[a] for a in axes if a not in (x, y))
        ):
            ax.scatter(
                [xi(own.policy)], [yi(own.policy)], s=30, color="white", edgecolor="black", zorder=6
            )
        ax.set_title(name, fontsize="medium")
        _ticks(ax, "x", ds[x].values)
        _ticks(ax, "y", ds[y].values)
    for ax in axs[-1, :]:
        ax.set_xlabel(x)
    for ax in axs[:, 0]:
        ax.set_ylabel(y)
    fig.colorbar(
        mpl.cm.ScalarMappable(norm=norm, cmap=mesh.cmap),
        ax=axs,
        label=f"mean {cost}",
        extend=extend,
        shrink=0.8,
    )
    handles.append(
        Line2D(
            [],
            [],
            marker="o",
            ls="",
            ms=6,
            mfc="white",
            mec="black",
            label="each scenario's own best",
        )
    )
    fig.legend(handles=handles, loc="outside lower center", ncols=4, fontsize="small")
    held = ", ".join(f"{a}={fixed[a]}" for a in axes if a not in (x, y))
    fig.suptitle(
        f"Mean {cost} per policy in every scenario ({scale}" + (f"; {held}" if held else "") + ")",
        fontsize="medium",
    )
    return _save(fig, path)


def _draw_curve(ax, xs, mean, band, infeasible, mark, legend_text, best) -> None:
    """One grid axis: the mean cost line, its CI band, infeasible spans, the best point."""
    from matplotlib.patches import Patch

    ax.plot(xs, mean, color="C0", marker="o", ms=3, label="mean")
    if band is not None:
        ax.fill_between(xs, *band, color="C0", alpha=0.25, label=f"{100 * best.confidence:g}% CI")
    edges = _edges(np.asarray(xs, dtype=np.float64))
    for i in np.flatnonzero(infeasible):
        ax.axvspan(edges[i], edges[i + 1], color="grey", alpha=0.25, lw=0)
    if mark is not None:
        ax.scatter([mark[0]], [mark[1]], label="recommended", **_STAR)
    handles, labels = ax.get_legend_handles_labels()
    handles.append(Patch(color="grey", alpha=0.25))
    labels.append(legend_text)
    ax.legend(handles, labels, loc="best")


#: Percentiles of the cell costs that the colour scale spans; cells beyond share the end colours.
COLOUR_PERCENTILES = (2, 98)
#: A log colour scale when the spanned costs differ by more than this factor.
LOG_RATIO = 3.0


def colour_norm(values):
    """A colour scale for costs that one expensive corner cannot flatten.

    It spans the 2nd to 98th percentile of the finite values (cells beyond
    share the end colours), on a log scale when those differ by more than a
    factor 3 and are positive. Returns ``(norm, extend, text)``; ``text``
    says so for captions.

    Examples
    --------
    >>> norm, extend, text = colour_norm(np.r_[np.linspace(10, 20, 198), 1e6, 2e6])
    >>> type(norm).__name__, extend, round(norm.vmax)
    ('Normalize', 'both', 20)
    """
    from matplotlib.colors import LogNorm, Normalize

    finite = np.asarray(values, np.float64)
    finite = finite[np.isfinite(finite)]
    if not finite.size:
        return Normalize(), "neither", ""
    lo, hi = (float(v) for v in np.percentile(finite, COLOUR_PERCENTILES))
    if hi <= lo:
        lo, hi = float(finite.min()), float(finite.max())
    below, above = finite.min() < lo, finite.max() > hi
    extend = {(True, True): "both", (True, False): "min", (False, True): "max"}.get(
        (bool(below), bool(above)), "neither"
    )
    span = (
        f"{_ordinal(COLOUR_PERCENTILES[0])} to {_ordinal(COLOUR_PERCENTILES[1])} percentile of "
        "the cells"
    )
    if lo > 0 and hi / lo > LOG_RATIO:
        return LogNorm(lo, hi), extend, f"colours: log scale over the {span}"
    return Normalize(lo, hi if hi > lo else lo + 1.0), extend, f"colours: the {span}"


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _draw_heatmap(
    fig,
    ax,
    z,
    infeasible,
    mark,
    legend_text,
    colour_label,
    norm=None,
    colorbar=True,
    legend=True,
):
    """Two grid axes: cells by index (rows y, columns x), hatched where infeasible."""
    import matplotlib as mpl
    from matplotlib.collections import PatchCollection
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, Rectangle

    extend = "neither"
    if norm is None:
        norm, extend, _ = colour_norm(z)
    mesh = ax.pcolormesh(
        np.arange(z.shape[1] + 1) - 0.5,
        np.arange(z.shape[0] + 1) - 0.5,
        np.ma.masked_invalid(z),
        cmap=mpl.colormaps["viridis"].with_extremes(bad="#d9d9d9"),
        norm=norm,
        shading="flat",
    )
    if colorbar:
        fig.colorbar(mesh, ax=ax, label=colour_label, extend=extend)
    rows, cols = np.nonzero(infeasible)
    if rows.size:
        cells = [Rectangle((c - 0.5, r - 0.5), 1, 1) for r, c in zip(rows, cols, strict=True)]
        ax.add_collection(
            PatchCollection(
                cells,
                facecolor=(1, 1, 1, 0.3),
                edgecolor=(1, 1, 1, 0.9),
                hatch="//",
                linewidth=0,
            )
        )
    handles = [Patch(facecolor="#777777", edgecolor="white", hatch="//", label=legend_text)]
    if not np.isfinite(z).all():
        handles.append(Patch(facecolor="#d9d9d9", label="no policy (invalid cell)"))
    if mark is not None:
        ax.scatter([mark[0]], [mark[1]], **_STAR)
        handles.append(
            Line2D([], [], marker="*", ls="", ms=16, mfc="gold", mec="black", label="recommended")
        )
    ax.set_xlim(-0.5, z.shape[1] - 0.5)
    ax.set_ylim(-0.5, z.shape[0] - 0.5)
    if legend is True:
        ax.legend(
            handles=handles, loc="upper left", bbox_to_anchor=(0, -0.12), ncols=3, frameon=False
        )
    return mesh, handles


def plot_frontier(
    ds,
    path,
    *,
    target: float = 0.98,
    service: str = "fill_rate",
    cost: str = "cost",
    rule: str = "mean",
    best=None,
    size: tuple[int, int] = SIZE,
) -> Path:
    """Cost against service: every policy (dots), the Pareto frontier with CIs, the target."""
    from fasttwin.analysis.frontier import frontier

    check_cube(ds, cost, service, purpose="plot_frontier")
    best = _best(ds, best, target, service, cost, rule)
    front = frontier(ds, service, cost=cost, confidence=best.confidence)
    idx = np.flatnonzero(valid_mask(ds, cost).reshape(-1))
    cm = estimates(point_values(ds, cost)[idx], best.confidence)["mean"]
    sm = estimates(point_values(ds, service)[idx], best.confidence)["mean"]
    names = scenarios(ds) or [None]
    # One panel per scenario (small multiples on shared axes): eight overlaid frontiers
    # and their legend would hide each other.
    cols = int(np.ceil(np.sqrt(len(names))))
    rows = int(np.ceil(len(names) / cols))
    fig, axs = _figure(size, rows, cols, sharex=True, sharey=True)
    axes = grid_dims(ds)
    starred = False
    for k, ax in enumerate(axs.ravel()):
        if k >= len(names):
            ax.set_visible(False)
            continue
        name = names[k]
        ax.scatter(sm[:, k], cm[:, k], s=8, color="C0", alpha=0.25, lw=0, label="every policy")
        f = front if name is None else front[front["scenario"] == name]
        xm, ym = f[f"{service}_mean"].to_numpy(), f[f"{cost}_mean"].to_numpy()
        xerr = np.abs(np.vstack([xm - f[f"{service}_ci_low"], f[f"{service}_ci_high"] - xm]))
        yerr = np.abs(np.vstack([ym - f[f"{cost}_ci_low"], f[f"{cost}_ci_high"] - ym]))
        ax.errorbar(
            xm,
            ym,
            xerr=xerr,
            yerr=yerr,
            color="C1",
            marker="o",
            ms=4,
            capsize=2,
            lw=1,
            label=f"Pareto frontier ({100 * best.confidence:g}% CIs)",
        )
        choice = best.recommended if name is None else best.by_scenario[name]
        if choice.feasible:
            starred = True
            ax.scatter([choice.service.mean], [choice.cost.mean], **_STAR)
        ax.axvline(best.target, color="crimson", ls="--", lw=1, label=f"target {best.target:g}")
        ax.grid(alpha=0.3)
        if name is not None:
            ax.set_title(name, fontsize="medium")
    if axs.size > 1:
        fig.supxlabel(f"mean {label(ds, service)}", fontsize="medium")
        fig.supylabel(f"mean {label(ds, cost)}", fontsize="medium")
    else:
        axs[0, 0].set_xlabel(f"mean {label(ds, service)}")
        axs[0, 0].set_ylabel(f"mean {label(ds, cost)}")
    handles, labels = axs[0, 0].get_legend_handles_labels()
    if starred:
        # Only when some panel has one: a legend must not name what is not drawn.
        handles.append(axs[0, 0].scatter([], [], **{**_STAR, "s": 120}))
        labels.append("cheapest policy meeting the target")
    fig.legend(handles, labels, loc="outside lower center", ncols=4, fontsize="small")
    grid_text = " × ".join(axes) or "one policy"
    fig.suptitle(f"Cost against {service} over the grid ({grid_text})", fontsize="medium")
    return _save(fig, path)


def plot_convergence(
    ds,
    path,
    *,
    policy: Mapping | None = None,
    variables: Sequence[str] | None = None,
    target: float = 0.98,
    service: str = "fill_rate",
    cost: str = "cost",
    rule: str = "mean",
    best=None,
    title: str | None = None,
    size: tuple[int, int] = SIZE,
) -> Path:
    """Running mean and CI band of each variable versus replications, for one policy.

    ``policy`` names a value for every grid axis; default the recommended one.
    ``title`` replaces the default title.
    """
    from fasttwin.analysis.convergence import convergence

    variables = [cost, service] if variables is None else list(variables)
    check_cube(ds, *variables, purpose="plot_convergence")
    if policy is None:
        policy = _best(ds, best, target, service, cost, rule).recommended.policy
    point_index(ds, policy)
    one = ds.sel(dict(policy)) if policy else ds
    # Ratios (fill rate, ...) get an absolute target, 0.1 percentage point: 1 % of a
    # fill rate near 1 would be wider than the distance to any sensible target.
    ratios = {v: RATIO_HALFWIDTH for v in variables if is_ratio(ds, v)}
    cv = convergence(one, variables, halfwidth=ratios, relative=RELATIVE_HALFWIDTH)
    names = scenarios(ds) or [None]
    fig, axs = _figure(size, len(variables), 1, sharex=True)
    n = cv["n"].values
    for ax, var in zip(axs[:, 0], variables, strict=True):
        for k, name in enumerate(names):
            sel = {} if name is None else {"scenario": k}
            mean = cv[f"{var}_mean"].isel(sel).values
            hw = cv[f"{var}_halfwidth"].isel(sel).values
            color = f"C{k % 10}"
            needed = cv[f"{var}_reps_needed"].isel(sel).values.item()
            note = (
                f"±{'0.1 pt' if var in ratios else '1%'} needs {int(needed)} reps"
                if np.isfinite(needed)
                else ""
            )
            tag = name or "running mean"
            ax.plot(n, mean, color=color, lw=1.2, label=f"{tag}: {note}" if note else tag)
            ax.fill_between(n, mean - hw, mean + hw, color=color, alpha=0.2, lw=0)
            if note and name is None:
                ax.annotate(
                    note,
                    xy=(0.99, 0.95),
                    xycoords="axes fraction",
                    ha="right",
                    va="top",
                    fontsize="small",
                    color=color,
                )
        ax.set_ylabel(label(ds, var))
        finite = cv[f"{var}_mean"].values
        finite = finite[np.isfinite(finite)]
        if finite.size:
            last = cv[f"{var}_mean"].isel(n=-1).values
            span = np.nanmax(
                np.abs(cv[f"{var}_halfwidth"].isel(n=slice(n.size // 10, None)).values)
            )
            if np.isfinite(span) and span > 0:
                ax.set_ylim(np.nanmin(last) - 3 * span, np.nanmax(last) + 3 * span)
        if len(names) > 1:
            # Beside the axes, not over the lines: eight scenarios would hide the data.
            ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize="x-small")
    axs[-1, 0].set_xlabel("replications")
    axs[0, 0].set_title(
        title or f"Running mean and {100 * cv.attrs['confidence']:g}% CI at {format_policy(policy)}"
    )
    return _save(fig, path)


def plot_scenarios(
    ds,
    path,
    *,
    policies: Mapping[str, Mapping] | None = None,
    target: float = 0.98,
    service: str = "fill_rate",
    cost: str = "cost",
    rule: str = "mean",
    best=None,
    size: tuple[int, int] = SIZE,
) -> Path:
    """Cost and service of chosen policies in every scenario, with CIs.

    ``policies`` maps a label to a policy (a value per grid axis); default:
    the worst-case and average choices and each scenario's own best.
    """
    check_cube(ds, cost, service, purpose="plot_scenarios")
    names = scenarios(ds)
    if names is None:
        raise ValueError("plot_scenarios needs a cube with a scenario dimension")
    if policies is None:
        best = _best(ds, best, target, service, cost, rule)
        policies = _default_policies(best)
    if not policies:
        raise ValueError("policies must name at least one policy")
    c = point_values(ds, cost)
    s = point_values(ds, service)
    conf = best.confidence if best is not None else 0.95
    fig, axs = _figure(size, 1, 2)
    xs = np.arange(len(names))
    width = 0.8 / len(policies)
    for j, (name, pol) in enumerate(policies.items()):
        i = point_index(ds, pol)
        for ax, values in ((axs[0, 0], c), (axs[0, 1], s)):
            e = estimates(values[i], conf)
            off = xs - 0.4 + width * (j + 0.5)
            ax.errorbar(
                off,
                e["mean"],
                yerr=np.abs(np.vstack([e["mean"] - e["low"], e["high"] - e["mean"]])),
                fmt="o",
                capsize=3,
                color=f"C{j % 10}",
                # One policy may be best for several scenarios: wrap its long label.
                label=textwrap.fill(f"{name}: {format_policy(pol)}", 90),
            )
    for ax, var in ((axs[0, 0], cost), (axs[0, 1], service)):
        ax.set_xticks(xs, names, rotation=20 if len(names) > 3 else 0)
        ax.set_ylabel(f"mean {label(ds, var)}")
        ax.grid(axis="y", alpha=0.3)
    axs[0, 1].axhline(target if best is None else best.target, color="crimson", ls="--", lw=1)
    axs[0, 0].set_title(f"{cost} by scenario ({100 * conf:g}% CIs)")
    axs[0, 1].set_title(f"{service} by scenario (dashed: target)")
    fig.legend(*axs[0, 0].get_legend_handles_labels(), loc="outside lower center", fontsize="small")
    return _save(fig, path)


def _default_policies(best) -> dict:
    """Worst-case, average and per-scenario choices, each distinct policy once."""
    out: dict = {}
    seen: dict = {}
    for c in [best.worst_case, best.average, *best.by_scenario.values()]:
        tag = c.label if c.label in (WORST_CASE, AVERAGE) else f"best for {c.label}"
        if not c.feasible:
            tag += " (closest)"
        key = tuple(sorted(c.policy.items()))
        if key in seen:
            old = seen[key]
            out[f"{old} = {tag}"] = out.pop(old)
            seen[key] = f"{old} = {tag}"
        else:
            out[tag] = c.policy
            seen[key] = tag
    return out


def plot_trajectories(
    trace,
    path,
    *,
    variables: Sequence[str] = ("on_hand", "pipeline", "backorders", "ordered"),
    size: tuple[int, int] = SIZE,
) -> Path:
    """Daily paths of a few replications (from :func:`fasttwin.trace`), one panel per variable.

    Levels are drawn as steps; ``ordered``/``orders`` as stems on the days
    of an order. Warm-up days are shaded. A network's trace (dims ``rep,
    day, node``) gets one column of panels per node, on shared day axes.
    """
    import xarray as xr

    if (
        not isinstance(trace, xr.Dataset)
        or not {"rep", "day"} <= set(trace.dims)
        or not (set(trace.dims) <= {"rep", "day", "node"})
    ):
        raise ValueError(
            "plot_trajectories takes the Dataset of ft.trace "
            "(dims rep, day; and node for a network)"
        )
    missing = [v for v in variables if v not in trace.data_vars]
    if missing:
        raise ValueError(
            f"the trace lacks variable(s) {missing}; it has {sorted(map(str, trace.data_vars))}"
        )
    nodes = [str(n) for n in trace["node"].values] if "node" in trace.dims else [None]
    width = int(size[0] * (1 if len(nodes) == 1 else min(len(nodes), 4) * 0.55))
    fig, axs = _figure((width, size[1]), len(variables), len(nodes), sharex=True)
    days = trace["day"].values
    warm = (~trace["measured"].values).sum() if "measured" in trace.coords else 0
    for col, node in enumerate(nodes):
        one = trace if node is None else trace.sel(node=node)
        for ax, var in zip(axs[:, col], variables, strict=True):
            for r, rep in enumerate(one["rep"].values):
                v = one[var].sel(rep=rep).values
                color = f"C{r % 10}"
                if var in ("ordered", "orders", "arrivals", "rejected"):
                    hit = v > 0
                    ax.vlines(days[hit], 0, v[hit], color=color, lw=1)
                    ax.plot(days[hit], v[hit], "o", ms=3, color=color, label=f"rep {rep}")
                else:
                    ax.step(days, v, where="post", color=color, lw=1, label=f"rep {rep}")
            if warm:
                ax.axvspan(days[0], days[warm - 1] + 1, color="grey", alpha=0.15, lw=0)
            if col == 0:
                ax.set_ylabel(label(trace, var).replace(" [", "\n["), fontsize="small")
        if node is not None:
            axs[0, col].set_title(node, fontsize="medium")
        axs[-1, col].set_xlabel("day")
    axs[0, -1].legend(loc="upper right", fontsize="small", ncols=min(4, trace.sizes["rep"]))
    a = trace.attrs
    title = "Daily paths"
    if "policy" in a:
        title += f" of {a['policy']}"
    if a.get("scenario") not in (None, "baseline"):
        title += f", scenario {a['scenario']}"
    if warm:
        title += " (shaded: warm-up, not measured)"
    if nodes == [None]:
        axs[0, 0].set_title(title)
    else:
        fig.suptitle(textwrap.fill(title, 110), fontsize="medium")
    return _save(fig, path)


def plot_nodes(
    ds,
    path,
    *,
    policy: Mapping | None = None,
    service: str = "fill_rate",
    target: float | None = None,
    confidence: float = 0.95,
    title: str | None = None,
    size: tuple[int, int] = SIZE,
) -> Path:
    """Per-node service, cost and stock of one policy of a network cube, with CIs.

    One panel each for ``node_<service>``, ``node_cost`` and
    ``node_on_hand``: a group of bars per node, one bar per scenario. The
    policy names a value for every grid axis (default: the only grid point).
    """
    names = [f"node_{service}", "node_cost", "node_on_hand"]
    check_cube(ds, *names, purpose="plot_nodes")
    axes = grid_dims(ds)
    if policy is None:
        if any(ds.sizes[a] != 1 for a in axes):
            raise ValueError("plot_nodes needs policy= (a value for every grid axis)")
        policy = {a: ds[a].values[0].item() for a in axes if a in ds.coords}
        one = ds.isel({a: 0 for a in axes})
    else:
        index = np.unravel_index(point_index(ds, policy), tuple(ds.sizes[a] for a in axes))
        one = ds.isel(dict(zip(axes, (int(i) for i in index), strict=True)))
    scen = scenarios(ds) or [None]
    nodes = [str(n) for n in one["node"].values]
    fig, axs = _figure(size, 1, 3)
    width = 0.8 / len(scen)
    xs = np.arange(len(nodes))
    for ax, var in zip(axs[0], names, strict=True):
        for k, name in enumerate(scen):
            x = one[var] if name is None else one[var].isel(scenario=k)
            e = estimates(np.asarray(x.transpose("node", "rep").values), confidence)
            ax.bar(
                xs - 0.4 + width * (k + 0.5),
                e["mean"],
                width,
                yerr=np.abs(np.vstack([e["mean"] - e["low"], e["high"] - e["mean"]])),
                color=f"C{k % 10}",
                capsize=2 if len(scen) < 5 else 0,
                label=name or "mean",
                error_kw={"lw": 0.8},
            )
        ax.set_xticks(xs, nodes, rotation=30 if len(nodes) > 3 else 0)
        ax.set_title(label(ds, var).split(" [")[0], fontsize="medium")
        ax.grid(axis="y", alpha=0.3)
        if var == names[0]:
            finite = one[var].values[np.isfinite(one[var].values)]
            low = float(finite.min()) if finite.size else 0.0
            top = 1.0 if target is None else max(1.0, target)
            ax.set_ylim(max(0.0, min(low, target or low) - 0.02), top + 0.005)
            if target is not None:
                ax.axhline(target, color="crimson", ls="--", lw=1, label=f"target {target:g}")
    handles, labels_ = axs[0, 0].get_legend_handles_labels()
    if len(labels_) > 1:
        fig.legend(
            handles,
            labels_,
            loc="outside lower center",
            ncols=min(5, len(labels_)),
            fontsize="small",
        )
    fig.suptitle(
        title or f"Per node at {format_policy(policy)} ({100 * confidence:g}% CIs)",
        fontsize="medium",
    )
    return _save(fig, path)
