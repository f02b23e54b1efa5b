"""``write_report``: pictures, CSV tables and an ``index.html`` that explains a cube.

The page is written for a reader who never ran fasttwin: it says which policy
to use, how sure we are, and how to read each picture. It links only files
that this function wrote into the output directory, so the directory can be
zipped or served as it is.
"""

from __future__ import annotations

import html
import os
from pathlib import Path

import numpy as np

from fasttwin.analysis.axes import check_cube, format_policy, grid_dims, is_ratio, scenarios
from fasttwin.analysis.best import best_policy

#: What a policy parameter means, for the page.
PARAMETER_HELP = {
    "reorder_point": "reorder point: an order is placed when the inventory position "
    "(on hand + on order − backorders) is at or below it",
    "order_up_to": "order-up-to level: an order lifts the inventory position back to it",
    "order_quantity": "order quantity: orders are whole multiples of it",
    "review_period": "review period: days between two looks at the stock",
}

#: Days after the warm-up in the daily-path picture, and warm-up days shown before them.
TRACE_DAYS = 60
TRACE_LEAD_IN = 10


def open_cube(store):
    """Open a Zarr cube (a path or an fsspec URL), with or without consolidated metadata."""
    import xarray as xr

    text = str(store)
    if "://" not in text and not Path(text).exists():
        raise ValueError(f"no Zarr store at {text!r}")
    try:
        return xr.open_zarr(text, consolidated=True)
    except (KeyError, ValueError):
        # Zarr v3 stores are written without consolidated metadata by default.
        try:
            return xr.open_zarr(text, consolidated=False)
        except (KeyError, ValueError, FileNotFoundError) as err:
            raise ValueError(f"{text!r} is not a readable Zarr cube: {err}") from None


def write_report(
    ds,
    out,
    *,
    target: float = 0.98,
    service: str = "fill_rate",
    cost: str = "cost",
    rule: str = "mean",
    model=None,
    trace_reps: int = 3,
) -> Path:
    """Write the report of a cube into directory ``out``; return the ``index.html`` path.

    Parameters
    ----------
    ds
        A cube (e.g. :func:`open_cube` of a store written by ``fasttwin
        simulate`` or ``fasttwin sweep``).
    out
        Output directory (created; files of the same names are replaced).
    target, service, cost, rule
        As for :func:`~fasttwin.analysis.best_policy`.
    model
        The model, for the daily-path picture; default: rebuilt from the
        cube's ``model_toml`` attribute. Without one the picture is left out
        and the page says why.
    trace_reps
        Replications drawn in the daily-path picture.

    Files: ``index.html``, ``summary.csv`` (every variable per policy and
    scenario: mean, standard error, CI, replications), ``summary_nodes.csv``
    (per-node variables, when present), ``recommendation.csv``,
    ``frontier.csv``, and the PNGs ``cost_surface``, ``frontier``,
    ``convergence``, ``scenarios`` (with scenarios) and ``trajectories``.
    """
    from fasttwin.analysis.frontier import frontier
    from fasttwin.analysis.plots import (
        colour_norm,
        plot_convergence,
        plot_cost_surface,
        plot_frontier,
        plot_nodes,
        plot_scenario_surfaces,
        plot_scenarios,
        plot_trajectories,
    )
    from fasttwin.analysis.summaries import summarize, to_frames

    check_cube(ds, cost, service, purpose="the report")
    if isinstance(trace_reps, bool) or not isinstance(trace_reps, int) or trace_reps < 1:
        raise ValueError(f"trace_reps must be an integer >= 1, got {trace_reps!r}")
    best = best_policy(ds, target, service, cost=cost, rule=rule)  # checks the arguments
    out = check_report_dir(out)
    out.mkdir(parents=True, exist_ok=True)
    ds = ds.load()
    notes: list[str] = []
    figures: list[tuple[str, str, str]] = []  # (file, title, how to read it)
    tables: list[tuple[str, str]] = []  # (file, what it holds)

    for name, frame in to_frames(summarize(ds, confidence=best.confidence)).items():
        frame.to_csv(out / f"{name}.csv", index=False)
        what = "per-node variables" if name == "summary_nodes" else "every variable"
        tables.append((f"{name}.csv", f"{what} per policy: mean, standard error, 95% CI, reps"))
    best.to_frame().to_csv(out / "recommendation.csv", index=False)
    tables.append(("recommendation.csv", "the recommended policy (per scenario) with CIs"))
    frontier(ds, service, cost=cost, confidence=best.confidence).to_csv(
        out / "frontier.csv", index=False
    )
    tables.append(("frontier.csv", "policies on the cost-service frontier"))

    common = dict(target=target, service=service, cost=cost, rule=rule, best=best)
    if grid_dims(ds):
        plot_cost_surface(ds, out / "cost_surface.png", **common)
        shown = ds[cost].mean("rep")
        shown = shown.max("scenario") if "scenario" in shown.dims else shown
        scale = colour_norm(shown.values)[2] if len(grid_dims(ds)) > 1 else ""
        figures.append(("cost_surface.png", "Cost of every policy", _surface_help(ds, best, scale)))
        if scenarios(ds) and len(grid_dims(ds)) > 1:
            plot_scenario_surfaces(ds, out / "cost_surfaces.png", **common)
            figures.append(
                (
                    "cost_surfaces.png",
                    "Cost of every policy in every scenario",
                    _surfaces_help(best, scale),
                )
            )
    nodes = _node_table(ds, best)
    if nodes:
        plot_nodes(
            ds,
            out / "nodes.png",
            policy=best.recommended.policy,
            service=service,
            target=target,
            confidence=best.confidence,
        )
        figures.append(("nodes.png", "The recommended policy, node by node", _nodes_help(best)))
    plot_frontier(ds, out / "frontier.png", **common)
    figures.append(("frontier.png", "Cost against service", _frontier_help(best)))
    plot_convergence(ds, out / "convergence.png", **common)
    figures.append(("convergence.png", "Are there enough replications?", _convergence_help()))
    if scenarios(ds):
        plot_scenarios(ds, out / "scenarios.png", **common)
        figures.append(("scenarios.png", "Policies across scenarios", _scenarios_help()))
    trace, why = _trace(ds, best, model, trace_reps)
    if trace is not None:
        first = max(0, trace.attrs["warmup"] - TRACE_LEAD_IN)
        trace = trace.isel(day=slice(first, None))
        plot_trajectories(trace, out / "trajectories.png")
        figures.append(("trajectories.png", "A few simulated days", _trajectory_help(trace)))
    else:
        notes.append(f"The daily-path picture is left out: {why}")

    page = _page(ds, best, figures, tables, notes, nodes)
    index = out / "index.html"
    index.write_text(page, encoding="utf-8")
    return index


def check_report_dir(out) -> Path:
    """Check the report's directory: not a file, a Zarr store or a folder inside one.

    Checked before anything is computed, by writing and removing a file in it
    (or in its nearest existing parent), so an unwritable place is found at
    once; nothing is left behind.
    """
    out = Path(out).absolute()
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {str(out)!r} is a file; give a directory")
    for folder in (*reversed(out.parents), out):  # the outermost store first
        if any((folder / name).exists() for name in ("zarr.json", ".zgroup", ".zarray")):
            where = "is" if folder == out else f"is inside the Zarr store {str(folder)!r}, which is"
            raise ValueError(
                f"--out {str(out)!r} {where} a Zarr store: the report would write files into "
                "it; give a directory outside any store"
            )
    existing = next(p for p in (out, *out.parents) if p.exists())
    if not existing.is_dir():
        raise ValueError(f"--out {str(out)!r}: {str(existing)!r} is a file, not a directory")
    try:
        probe = existing / f".fasttwin-write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        raise ValueError(
            f"cannot write the report into {str(out)!r}: {err.strerror or err}"
        ) from None
    return out


# --- daily paths -----------------------------------------------------------------------


def _trace(ds, best, model, reps):
    """The daily paths of the recommended policy, or ``(None, reason)``."""
    from fasttwin.engine.trace import trace as trace_model
    from fasttwin.model.network import Model
    from fasttwin.model.toml_io import model_from_toml, tomllib

    run = {}
    if "run_toml" in ds.attrs:
        try:
            run = tomllib.loads(ds.attrs["run_toml"])
        except ValueError as err:
            return None, f"the cube's run description (run_toml) does not parse: {err}"
    if model is None:
        if "model_toml" not in ds.attrs:
            return None, "the cube does not carry its model (no model_toml attribute)."
        try:
            model = model_from_toml(ds.attrs["model_toml"])
        except ValueError as err:
            return None, f"the cube's model (model_toml) does not load: {err}"
    if not isinstance(model, Model):
        raise ValueError(f"model must be a fasttwin Model, got {model!r}")
    if model.review == "continuous":
        return None, "continuous review has no daily paths (its events are not days)."
    policy = {k: v for k, v in run.get("policy", {}).items() if not isinstance(v, list)}
    policy.update(best.recommended.policy)
    periods = int(run.get("periods", ds.attrs.get("periods", model.periods or 365)))
    warmup = int(run.get("warmup", ds.attrs.get("warmup", model.warmup or 0)))
    seed = int(run.get("seed", ds.attrs.get("seed", model.seed or 0)))
    scenario = None
    names = scenarios(ds)
    if names:
        scenario = _scenario(names[0], run)
        if scenario is None:
            return None, f"scenario {names[0]!r} is not described in the cube's run_toml."
    try:
        trace = trace_model(
            model,
            policy,
            reps=min(reps, ds.sizes["rep"]),
            periods=min(periods, warmup + TRACE_DAYS),
            warmup=warmup,
            seed=seed,
            scenario=scenario,
            rep0=int(ds["rep"].values[0]),
        )
    except ValueError as err:
        return None, f"the model could not be traced: {err}"
    return trace, ""


def _scenario(name: str, run: dict):
    from fasttwin.model.scenarios import Change, Scenario

    for item in run.get("scenarios", []):
        if item.get("name") == name:
            changes = tuple(
                Change(c["kind"], tuple((k, v) for k, v in c.items() if k != "kind"))
                for c in item.get("changes", [])
            )
            return Scenario(name, changes)
    try:
        return Scenario.of(name)
    except ValueError:
        return None


# --- the page --------------------------------------------------------------------------

_CSS = """
body { font-family: system-ui, sans-serif; max-width: 1000px; margin: 2em auto; padding: 0 1em;
       color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; } h2 { margin-top: 2em; border-bottom: 1px solid #ddd; }
.answer { border: 2px solid #2a7; background: #f1fbf5; padding: 1em 1.2em; border-radius: 6px; }
.warning { border: 2px solid #c60; background: #fff6ec; padding: 1em 1.2em; border-radius: 6px; }
table { border-collapse: collapse; margin: 0.8em 0; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; }
th { background: #f4f4f4; }
figure { margin: 1.5em 0; } img { max-width: 100%; border: 1px solid #eee; }
figcaption { color: #444; font-size: 0.95em; }
pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; }
.small { color: #666; font-size: 0.9em; }
"""


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _fmt(ds, name, value) -> str:
    if not np.isfinite(value):
        return "n/a"
    if is_ratio(ds, name):
        return f"{100 * value:.2f} %"
    return f"{value:.4g}"


def _interval(ds, name, e) -> str:
    return f"{_fmt(ds, name, e.mean)} (95% CI {_fmt(ds, name, e.low)} to {_fmt(ds, name, e.high)})"


def _units(ds, name) -> str:
    from fasttwin.cube.variables import VARIABLES, display_units

    units = ds[name].attrs.get("units") or getattr(VARIABLES.get(name), "units", "")
    words = display_units(units)
    return f" {words}" if words else ""


def _policy_html(ds, policy: dict) -> str:
    if not policy:
        return "<p>The cube holds a single policy.</p>"
    rows = []
    for k, v in policy.items():
        # Grid coordinates say which node and parameter they set; older cubes named
        # network axes "<node>.<parameter>".
        attrs = ds[k].attrs if k in ds.coords else {}
        param = attrs.get("parameter", k.rsplit(".", 1)[-1])
        node = attrs.get("node", k.rsplit(".", 1)[0] if "." in k else "")
        meaning = PARAMETER_HELP.get(param, "")
        if node and meaning:
            meaning = f"at {node}: {meaning}"
        rows.append(f"<tr><th>{_e(k)}</th><td><b>{_e(v)}</b></td><td>{_e(meaning)}</td></tr>")
    return "<table>" + "".join(rows) + "</table>"


def _name(ds, var) -> str:
    """The variable's long name (``fill rate``), for sentences."""
    from fasttwin.cube.variables import VARIABLES

    reg = VARIABLES.get(var)
    return ds[var].attrs.get("long_name") or (reg.long_name if reg else var)


def _answer_html(ds, best) -> str:
    c = best.recommended
    cost, service = best.cost_variable, best.service_variable
    cost_name, service_name = _name(ds, cost), _name(ds, service)
    pct = f"{100 * best.confidence:g}%"
    target = _fmt(ds, service, best.target)
    need = f"{service_name} of at least {target}" + (
        f" (lower end of its {pct} interval)" if best.rule == "confident" else " (on average)"
    )
    scope = ""
    if best.by_scenario:
        scope = (
            f" in <b>every</b> scenario ({_e(', '.join(best.by_scenario))}). The figures below "
            f"are its worst: its cost in scenario <b>{_e(c.cost_scenario)}</b> (its most "
            f"expensive) and its service in scenario <b>{_e(c.service_scenario)}</b> (its "
            "least served)"
        )
    if not c.feasible:
        return (
            f'<div class="warning"><p><b>No policy in the simulated grid reaches a {_e(need)}'
            f"{scope}.</b></p><p>The closest is:</p>{_policy_html(ds, c.policy)}"
            f"<p>with {_e(service_name)} {_e(_interval(ds, service, c.service))}, short of the "
            f"target by {_e(_fmt(ds, service, c.shortfall))}, at {_e(cost_name)} "
            f"{_e(_interval(ds, cost, c.cost))}{_e(_units(ds, cost))}.</p>"
            + _advice(ds, best)
            + "</div>"
        )
    others = [p for p in c.indistinguishable if p != c.policy]
    close = (
        f"<p>{len(others)} other polic{'y' if len(others) == 1 else 'ies'} meeting the target "
        f"cannot be told apart from it in {_e(cost_name)} at {pct} confidence (compared "
        "replication "
        "by replication on the same simulated demand); on present evidence they are as good: "
        + _e("; ".join(format_policy(p) for p in others[:10]))
        + (f"; and {len(others) - 10} more (see recommendation.csv)" if len(others) > 10 else "")
        + ".</p>"
        if others
        else f"<p>It is cheaper than every other policy that meets the target, at {pct} "
        "confidence (compared replication by replication on the same simulated demand).</p>"
    )
    return (
        f'<div class="answer"><p><b>Use this policy</b>: the cheapest of the {c.n_policies} '
        f"simulated policies with a {_e(need)}{scope}.</p>{_policy_html(ds, c.policy)}"
        f"<p>Expected {_e(cost_name)}: <b>{_e(_interval(ds, cost, c.cost))}</b>"
        f"{_e(_units(ds, cost))}"
        f"<br>Expected {_e(service_name)}: <b>{_e(_interval(ds, service, c.service))}</b>"
        f"<br>{c.n_feasible} of {c.n_policies} policies meet the target; estimates from "
        f"{c.cost.n} replications.</p>{close}</div>"
    )


def _advice(ds, best) -> str:
    """What to change when nothing meets the target: name the node that limits service."""
    found = binding_node(ds, best)
    if found is None:
        return (
            "<p>Widen the grid (e.g. higher reorder points or order-up-to levels) or lower the "
            "target, and run again.</p>"
        )
    node, value, scen, top = found
    where = f" in scenario {scen}" if scen else ""
    service = _name(ds, best.service_variable)
    varied = [d for d in grid_dims(ds) if d.startswith((f"{node}.", f"{node}_"))]
    if top < best.target and not varied:
        fix = (
            f"No policy of this grid lifts it above {_fmt(ds, best.service_variable, top)}: the "
            f"grid does not vary {node}'s policy. Add {node}'s reorder point and order-up-to "
            "level to the grid, or search every node's policy at once with fasttwin optimize."
        )
    else:
        fix = (
            f"Widen the grid where it helps {node} (higher levels), or search every node's "
            "policy at once with fasttwin optimize."
        )
    return (
        f"<p><b>{_e(node)} limits service</b>: its {_e(service)} is "
        f"{_e(_fmt(ds, best.service_variable, value))}{_e(where)}, the lowest of the demand "
        f"nodes.{_e(_lead_time_demand(ds, node))} {_e(fix)}</p>"
    )


def _scenario_table(ds, best) -> str:
    if not best.by_scenario:
        return ""
    cost, service = best.cost_variable, best.service_variable
    head = (
        f"<tr><th>answer</th><th>policy</th><th>meets target</th><th>{_e(_name(ds, cost))}</th>"
        f"<th>{_e(_name(ds, service))}</th></tr>"
    )
    rows = []
    for c in best.choices:
        label = c.label if c.label in ("worst case", "average") else f"scenario {c.label}"
        rows.append(
            f"<tr><td>{_e(label)}</td><td>{_e(format_policy(c.policy))}</td>"
            f"<td>{'yes' if c.feasible else 'no (closest shown)'}</td>"
            f"<td>{_e(_interval(ds, cost, c.cost))}</td>"
            f"<td>{_e(_interval(ds, service, c.service))}</td></tr>"
        )
    return (
        "<h2>Scenario by scenario</h2><p>The best policy for each scenario alone; the "
        "<b>worst case</b> (meets the target in every scenario, judged by its cost in its most "
        "expensive one; this is the recommendation above) and the <b>average</b> (cost and "
        "service averaged over the scenarios with equal weights).</p>"
        f"<table>{head}{''.join(rows)}</table>"
    )


def _node_table(ds, best) -> str:
    """Per node at the recommended policy: service (worst scenario), cost, stock; '' if none."""
    service = f"node_{best.service_variable}"
    if "node" not in ds.dims or service not in ds or "node_cost" not in ds:
        return ""
    from fasttwin.analysis.intervals import estimates

    at = {k: v for k, v in best.recommended.policy.items()}
    one = ds.sel(at) if at else ds
    rows = []
    for node in one["node"].values:
        x = one.sel(node=node)
        cells = []
        for var in (service, "node_cost", "node_on_hand"):
            if var not in x:
                cells.append("<td>n/a</td>")
                continue
            v = x[var]
            if "scenario" in v.dims:
                e = estimates(np.asarray(v.transpose("scenario", "rep").values), best.confidence)
                k = int(np.argmin(e["mean"])) if var == service else None
                if k is None:
                    mean = float(np.mean(e["mean"]))
                    cells.append(f"<td>{_e(_fmt(ds, var, mean))} (mean over scenarios)</td>")
                    continue
                where = f" in {scenarios(ds)[k]}"
                e = {key: val[k] for key, val in e.items()}
            else:
                e = estimates(np.asarray(v.values), best.confidence)
                where = ""
            cells.append(
                f"<td>{_e(_fmt(ds, var, float(e['mean'])))} ({_e(_fmt(ds, var, float(e['low'])))}"
                f" to {_e(_fmt(ds, var, float(e['high'])))}){_e(where)}</td>"
            )
        rows.append(f"<tr><th>{_e(node)}</th>{''.join(cells)}</tr>")
    label = "worst scenario, 95% CI" if "scenario" in ds.dims else "95% CI"
    head = (
        f"<tr><th>node</th><th>{_e(_name(ds, service))} ({label})</th>"
        f"<th>{_e(_name(ds, 'node_cost'))} per day</th><th>{_e(_name(ds, 'node_on_hand'))}</th>"
        "</tr>"
    )
    return (
        "<h2>Node by node</h2><p>The recommended policy at every node of the network "
        "(at a warehouse, service is the share of store orders shipped at once).</p>"
        f"<table>{head}{''.join(rows)}</table>"
    )


def binding_node(ds, best):
    """The demand node with the lowest service at the closest policy, and how high any
    policy of the grid lifts it: ``(node, its service, scenario, best over the grid)``.

    ``None`` for cubes without per-node service. Demand nodes come from the
    cube's model (``model_toml``); without it every node counts.
    """
    var = f"node_{best.service_variable}"
    if "node" not in ds.dims or var not in ds:
        return None
    stores = _demand_nodes(ds)
    x = ds[var].sel(node=stores).mean("rep")
    at = best.recommended.policy
    here = x.sel(at) if at else x
    if "scenario" in here.dims:
        worst_scen = here.idxmin("scenario")
        here = here.min("scenario")
        x = x.min("scenario")
    else:
        worst_scen = None
    node = str(here.idxmin("node").item())
    scen = None if worst_scen is None else str(worst_scen.sel(node=node).item())
    best_grid = float(x.sel(node=node).max().item())
    return node, float(here.sel(node=node).item()), scen, best_grid


def _demand_nodes(ds) -> list[str]:
    from fasttwin.model.toml_io import tomllib

    names = [str(n) for n in ds["node"].values]
    try:
        nodes = tomllib.loads(ds.attrs.get("model_toml", "")).get("nodes", [])
    except ValueError:
        nodes = []
    demand = [n["name"] for n in nodes if "demand" in n and n.get("name") in names]
    return demand or names


def lead_time_demand_of(ds, node: str):
    """``(reorder point, days, mean demand over them)`` of a demand node of the cube's model,
    over its lead time plus review period; ``None`` when the cube does not say."""
    from fasttwin.analytic.moments import demand_moments, lead_time_moments
    from fasttwin.model.toml_io import model_from_toml

    try:
        model = model_from_toml(ds.attrs["model_toml"])
        n = model.node(node)
        mean, _ = demand_moments(n.demand, model.periods or 365)
        days = lead_time_moments(n.lead_time)[0] + n.review_period
    except (KeyError, ValueError, AttributeError, TypeError):
        return None
    return n.reorder_point, days, mean * days


def _lead_time_demand(ds, node: str) -> str:
    """``its reorder point R is below its mean lead-time demand of about D units``, if so."""
    found = lead_time_demand_of(ds, node)
    axis = [d for d in grid_dims(ds) if d in (f"{node}.reorder_point", f"{node}_reorder_point")]
    if found is None or axis or found[0] is None or found[0] >= found[2]:
        return ""
    s, days, units = found
    return (
        f" Its reorder point ({s}, held fixed by the grid) is below its mean demand over lead "
        f"time and review ({days:g} days, about {units:.0f} units)."
    )


def _surface_help(ds, best, scale: str = "") -> str:
    axes = grid_dims(ds)
    over = " and ".join(axes[:2])
    held = (
        f" Other grid axes are held at the recommended values ({', '.join(axes[2:])})."
        if len(axes) > 2
        else ""
    )
    agg = (
        " With scenarios, each cell shows the policy's worst case: its highest cost over the "
        "scenarios, hatched unless it meets the target in all of them."
        if best.by_scenario
        else ""
    )
    scale = f" Colours: {scale.removeprefix('colours: ')}." if scale else ""
    return (
        f"Mean {best.cost_variable} of each policy over {over} (darker is cheaper).{scale} "
        "Hatched cells "
        f"miss the {best.service_variable} target of {best.target:g}; grey cells are no policy "
        f"(e.g. a reorder point not below the order-up-to level). The star is the "
        f"recommendation.{held}{agg}"
    )


def _surfaces_help(best, scale: str) -> str:
    return (
        f"The same surface scenario by scenario (small multiples on one colour scale; {scale}), "
        f"and last the worst case. Hatched cells miss the {best.service_variable} target in that "
        "panel's scenario. The star is the recommendation (worst case), the white dot each "
        "scenario's own cheapest policy that meets the target."
    )


def _nodes_help(best) -> str:
    return (
        f"The recommended policy node by node: each node's {best.service_variable}, cost per "
        "day and units on hand, one bar per scenario, with 95% confidence intervals; the "
        "dashed line is the target. A store well below the target here limits the system "
        "whatever its supplier does."
    )


def _frontier_help(best) -> str:
    some = any(c.feasible for c in best.choices)
    star = (
        " The star is the cheapest policy right of it."
        if some
        else " No policy meets the target, so there is no star."
    )
    per = " One panel per scenario, on shared axes." if best.by_scenario else ""
    return (
        f"Each faint dot is one policy: its mean {best.service_variable} (right is better) and "
        f"mean {best.cost_variable} (lower is better). The joined points are the Pareto frontier: "
        "no other policy is both cheaper and better served. Bars are 95% confidence intervals. "
        f"Left of the dashed line the target is missed.{star}{per}"
    )


def _convergence_help() -> str:
    return (
        "How the estimate for the recommended policy settles as replications are added: the line "
        "is the running mean, the band its 95% confidence interval. A band that has narrowed to "
        "a small range means more replications would not change the answer much; the notes say "
        "how many replications an interval of ±1% of the cost, or ±0.1 percentage point of the "
        "service, needs."
    )


def _scenarios_help() -> str:
    return (
        "Cost (left) and service (right) of the chosen policies in each scenario, with 95% "
        "confidence intervals. The dashed line is the service target."
    )


def _trajectory_help(trace) -> str:
    sc = trace.attrs.get("scenario", "baseline")
    return (
        f"Day-by-day stock of {trace.sizes['rep']} of the simulated replications of the "
        f"recommended policy (scenario {sc}; days {int(trace['day'][0])} to "
        f"{int(trace['day'][-1])})"
        + (", one column per node" if "node" in trace.dims else "")
        + ": stock on hand, "
        "units ordered but not yet arrived, customers' backorders, and the orders placed. The "
        "shaded start is the warm-up, left out of all averages. These are the same replications "
        "that the averages above are made of."
    )


def _glossary(ds, best) -> str:
    from fasttwin.cube.variables import VARIABLES

    rows = []
    for name in (best.cost_variable, best.service_variable):
        var = VARIABLES.get(name)
        desc = ds[name].attrs.get("description") or (var.description if var else "")
        if desc:
            rows.append(f"<tr><th>{_e(name)}</th><td>{_e(desc)}</td></tr>")
    rows.append(
        "<tr><th>95% CI</th><td>Student-t confidence interval of the mean across independent "
        "replications: with 95% confidence the long-run mean lies in it.</td></tr>"
    )
    rows.append(
        "<tr><th>replication</th><td>One independent simulated run of the whole horizon. All "
        "policies see the same demand in a given replication, which makes comparisons between "
        "them sharp.</td></tr>"
    )
    return "<table>" + "".join(rows) + "</table>"


def _provenance(ds) -> str:
    a = ds.attrs
    items = [
        ("grid", " × ".join(f"{d} ({ds.sizes[d]})" for d in grid_dims(ds)) or "one policy"),
        ("scenarios", ", ".join(scenarios(ds) or []) or "none"),
        ("replications", ds.sizes["rep"]),
    ]
    for key in ("periods", "warmup", "seed", "fasttwin_version", "date_created"):
        if key in a:
            items.append((key, a[key]))
    rows = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in items)
    model = (
        f"<details><summary>Model (TOML)</summary><pre>{_e(a['model_toml'])}</pre></details>"
        if "model_toml" in a
        else ""
    )
    run = (
        f"<details><summary>Run (TOML)</summary><pre>{_e(a['run_toml'])}</pre></details>"
        if "run_toml" in a
        else ""
    )
    return f"<table>{rows}</table>{model}{run}"


def _page(ds, best, figures, tables, notes, nodes: str = "") -> str:
    name = "model"
    if "model_toml" in ds.attrs:
        from fasttwin.model.toml_io import tomllib

        try:
            name = tomllib.loads(ds.attrs["model_toml"]).get("name", name)
        except ValueError:
            pass
    rule = (
        "its mean service over the replications meets the target"
        if best.rule == "mean"
        else "the lower end of its 95% service interval meets the target"
    )
    figs = "".join(
        f'<figure><h3>{_e(title)}</h3><img src="{_e(file)}" alt="{_e(title)}">'
        f"<figcaption>{_e(help_text)}</figcaption></figure>"
        for file, title, help_text in figures
    )
    files = "".join(f'<li><a href="{_e(f)}">{_e(f)}</a>: {_e(what)}</li>' for f, what in tables)
    note_html = "".join(f'<p class="small">Note: {_e(n)}</p>' for n in notes)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Inventory policy report: {_e(name)}</title>
<style>{_CSS}</style></head>
<body>
<h1>Inventory policy report: {_e(name)}</h1>
<p>Many inventory policies were each simulated over many independent replications of random
demand. This page says which policy reaches the service target at least cost, and how sure
that answer is. A policy counts as meeting the target when {_e(rule)}.</p>
<h2>Recommendation</h2>
{_answer_html(ds, best)}
{_scenario_table(ds, best)}
{nodes}
<h2>Pictures</h2>
{figs}
{note_html}
<h2>Data</h2>
<ul>{files}</ul>
<h2>Terms</h2>
{_glossary(ds, best)}
<h2>How this was computed</h2>
{_provenance(ds)}
<p class="small">Made by fasttwin.</p>
</body></html>
"""
