"""``write_optimum_report``: the page for an optimiser store (``fasttwin optimize``).

Like :func:`fasttwin.analysis.report.write_report`, it writes a directory
whose ``index.html`` links only files written there: the chosen policy and
how sure we are, which node limited service before, the per-node and
per-scenario picture of the chosen policy, every evaluated policy, and the
search's progress.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from fasttwin.analysis.intervals import estimates
from fasttwin.analysis.optimum import Optimum, mean_cost, open_optimum, worst_service
from fasttwin.analysis.report import _CSS, PARAMETER_HELP, _e


def write_optimum_report(store, out) -> Path:
    """Write the report of an optimiser store (a path or URL, or the
    :class:`~fasttwin.analysis.optimum.Optimum` opened from it) into directory
    ``out``; return ``index.html``.

    Files: ``index.html``, ``points.csv`` (every evaluated policy: batch,
    parameters, cost, lowest service, shortfall), ``finalists.csv``,
    ``service.csv`` (the chosen policy's service checks), ``nodes.csv`` (its
    per-node service, cost and stock per scenario), and the PNGs ``search``,
    ``search_progress``, ``nodes``, ``convergence``.
    """
    from fasttwin.analysis.optimum_plots import plot_search, plot_search_progress
    from fasttwin.analysis.plots import plot_convergence, plot_nodes

    opt = store if isinstance(store, Optimum) else open_optimum(store)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {str(out)!r} is a file; give a directory")
    out.mkdir(parents=True, exist_ok=True)
    res = opt.result
    figures: list[tuple[str, str, str]] = []
    tables: list[tuple[str, str]] = []

    frame = _points_frame(opt)
    frame.to_csv(out / "points.csv", index=False)
    tables.append(("points.csv", "every policy the search evaluated (means over its replications)"))
    import pandas as pd

    pd.DataFrame(res["finalists"]).to_csv(out / "finalists.csv", index=False)
    tables.append(("finalists.csv", "the finalists on fresh replications, with paired differences"))
    pd.DataFrame(res.get("service", [])).to_csv(out / "service.csv", index=False)
    tables.append(("service.csv", "the chosen policy's service at every store and scenario"))
    nodes = _nodes_frame(opt)
    if nodes is not None:
        nodes.to_csv(out / "nodes.csv", index=False)
        tables.append(("nodes.csv", "the chosen policy per node and scenario, with 95% CIs"))

    plot_search(opt, out / "search.png")
    figures.append(("search.png", "Every policy the search tried", _search_help(opt)))
    plot_search_progress(opt, out / "search_progress.png")
    figures.append(("search_progress.png", "How the search progressed", _progress_help()))
    if "node" in opt.confirm.dims:
        plot_nodes(
            opt.confirm,
            out / "nodes.png",
            service=opt.service,
            target=res.get("target"),
            title="The chosen policy per node, on the confirmation's replications (95% CIs)",
        )
        figures.append(("nodes.png", "The chosen policy, node by node", _nodes_help(opt)))
    plot_convergence(
        opt.confirm,
        out / "convergence.png",
        policy={"candidate": 0},
        variables=["cost", opt.service],
    )
    figures.append(("convergence.png", "Are there enough replications?", _convergence_help()))
    index = out / "index.html"
    index.write_text(_page(opt, nodes, figures, tables), encoding="utf-8")
    return index


def _points_frame(opt: Optimum):
    import pandas as pd

    pts = opt.points
    data = {"batch": pts["batch"].values}
    for name in opt.policy_dims:
        data[name] = pts[name].values
    data["cost_mean"] = mean_cost(pts)
    data[f"lowest_{opt.service}"] = worst_service(pts, opt)
    data["shortfall"] = pts["shortfall"].values
    return pd.DataFrame(data)


def _nodes_frame(opt: Optimum):
    """Per node and scenario: mean and 95% CI of service, cost and stock (confirmation)."""
    import pandas as pd

    cube = opt.confirm
    if "node" not in cube.dims:
        return None
    names = {f"node_{opt.service}": opt.service, "node_cost": "cost", "node_on_hand": "on_hand"}
    scen = [str(s) for s in cube["scenario"].values] if "scenario" in cube.dims else [None]
    rows = []
    for k, sc in enumerate(scen):
        for node in cube["node"].values:
            row = {"scenario": sc or "baseline", "node": str(node)}
            for var, short in names.items():
                x = cube[var].isel(candidate=0).sel(node=node)
                x = x.isel(scenario=k) if sc is not None else x
                e = estimates(np.asarray(x.values))
                row[f"{short}_mean"] = float(e["mean"])
                row[f"{short}_ci_low"] = float(e["low"])
                row[f"{short}_ci_high"] = float(e["high"])
            rows.append(row)
    return pd.DataFrame(rows)


# --- the page ------------------------------------------------------------------------------


def _pct(x) -> str:
    return "n/a" if x is None or not np.isfinite(x) else f"{100 * x:.2f} %"


def _money(x) -> str:
    return "n/a" if x is None or not np.isfinite(x) else f"{x:,.4g}"


def _policy_rows(opt: Optimum) -> str:
    res = opt.result
    start = res.get("start", {})
    rows = []
    for name, value in res["policy"].items():
        param = next((p for p in PARAMETER_HELP if name == p or name.endswith("_" + p)), "")
        node = name[: -len(param) - 1] if param and name != param else ""
        meaning = PARAMETER_HELP.get(param, name)
        if node:
            meaning = f"at {node}: {meaning}"
        before = start.get(name, "")
        rows.append(
            f"<tr><th>{_e(name)}</th><td><b>{_e(value)}</b></td><td>{_e(before)}</td>"
            f"<td>{_e(meaning)}</td></tr>"
        )
    head = "<tr><th>parameter</th><th>chosen</th><th>before (start)</th><th>meaning</th></tr>"
    return f"<table>{head}{''.join(rows)}</table>"


def _answer(opt: Optimum) -> str:
    res = opt.result
    c = res["cost"]
    pct = f"{100 * res['confidence']:g}%"
    target = res.get("target")
    service = opt.service.replace("_", " ")
    checks = res.get("service", [])
    lines = [
        f"<p>Expected cost: <b>{_money(c['mean'])} per day</b> ({pct} CI {_money(c['low'])} to "
        f"{_money(c['high'])}), the mean over the scenarios, from {c['n']} replications that "
        "neither the search nor the selection used (an unbiased estimate).</p>"
    ]
    ok = target is None or (res.get("feasible") and res.get("confirmed"))
    if target is not None and checks:
        worst = min(checks, key=lambda s: s["bound"])
        where = f"{worst['label']}" + (
            f" in scenario {worst['scenario']}" if worst["scenario"] else ""
        )
        if res.get("confirmed"):
            lines.append(
                f"<p>It reaches a {_e(service)} of at least {_pct(target)} at every store in "
                f"every scenario, <b>jointly with {pct} confidence</b> (each of the "
                f"{len(checks)} store-scenario pairs at its Bonferroni share). Tightest: "
                f"{_e(where)}, mean {_pct(worst['mean'])}, lower bound {_pct(worst['bound'])}."
                "</p>"
            )
        elif res.get("feasible"):
            lines.append(
                f"<p><b>Not confirmed</b>: on fresh replications the lower bound of "
                f"{_e(service)} at {_e(where)} is {_pct(worst['bound'])}, below the target "
                f"{_pct(target)} (mean {_pct(worst['mean'])}). Rerun with more search "
                'replications (reps) or rule = "confident".</p>'
            )
        else:
            lines.append(
                f"<p><b>No finalist met the target on fresh replications.</b> Closest: "
                f"{_e(where)} at {_pct(worst['mean'])}. Widen the space (higher reorder "
                "points, order-up-to levels) or lower the target.</p>"
            )
    sel = res.get("selection", {})
    if sel.get("eligible", 0) > 1:
        rel = res["delta"] / c["mean"] if c["mean"] else np.nan
        lines.append(
            f"<p>With {pct} confidence its expected cost is within <b>{_money(res['delta'])} per "
            f"day</b> ({100 * rel:.2g} % of its cost) of the cheapest of the "
            f"{sel['eligible']} finalists that met the target on fresh replications (two-stage "
            "selection with paired replications; "
            f"{sel['reps']} replications each"
            + (
                "; the second stage hit its cap, so the bound is wider than asked"
                if res.get("capped")
                else ""
            )
            + ").</p>"
        )
    box = "answer" if ok else "warning"
    head = "Use this policy" if ok else "Closest policy found"
    return (
        f'<div class="{box}"><p><b>{head}</b> for every node:</p>{_policy_rows(opt)}'
        + "".join(lines)
        + "</div>"
    )


def _before(opt: Optimum) -> str:
    res = opt.result
    rows_before = res.get("before", [])
    if not rows_before:
        return ""
    nodes = _nodes_frame(opt)
    now = {}
    if nodes is not None:
        for node, grp in nodes.groupby("node"):
            i = grp[f"{opt.service}_mean"].idxmin()
            now[node] = (grp.loc[i, f"{opt.service}_mean"], grp.loc[i, "scenario"])
    binding = res.get("binding_node")
    scen = [
        k.removeprefix("service_")
        for k in rows_before[0]
        if k.startswith("service_") and k not in ("service_worst", "service_mean")
    ]
    first = scen[0] if scen else None
    rows = []
    for r in rows_before:
        after = now.get(r["node"])
        mark = " (limited service)" if r["node"] == binding else ""
        role = "store" if r.get("store") else "supplies the stores"
        base = f"<td>{_pct(r.get(f'service_{first}'))}</td>" if first else ""
        rows.append(
            f"<tr><th>{_e(r['node'])}{_e(mark)}</th><td>{_e(role)}</td>{base}"
            f"<td>{_pct(r['service_worst'])} ({_e(r['scenario_worst'])})</td>"
            + (f"<td>{_pct(after[0])} ({_e(after[1])})</td>" if after else "<td></td>")
            + "</tr>"
        )
    service = opt.service.replace("_", " ")
    text = ""
    if binding:
        worst = next(r for r in rows_before if r["node"] == binding)
        text = (
            f"<p>With the model's own policy, <b>{_e(binding)}</b> limited service: its "
            f"{_e(service)} fell to {_pct(worst['service_worst'])} in scenario "
            f"{_e(worst['scenario_worst'])}, the lowest of the stores.</p>"
        )
        text += _diagnosis(opt, rows_before, first)
    head = (
        "<tr><th>node</th><th>role</th>"
        + (f"<th>{_e(service)} before, {_e(first)}</th>" if first else "")
        + "<th>before, worst scenario</th><th>now, worst scenario</th></tr>"
    )
    return f"<h2>Where service was lost before</h2>{text}<table>{head}{''.join(rows)}</table>"


def _diagnosis(opt: Optimum, rows, first) -> str:
    """Stores or their supplier? In the first scenario, compare the stores' service with what
    their supplier shipped at once, and each store's reorder point with its lead-time demand."""
    from fasttwin.analysis.report import lead_time_demand_of

    if first is None:
        return ""
    key = f"service_{first}"
    stores = [r for r in rows if r.get("store")]
    suppliers = [r for r in rows if not r.get("store")]
    if not suppliers or not stores:
        return ""
    supply = min(r[key] for r in suppliers)
    short = []
    for r in stores:
        found = lead_time_demand_of(opt.points, r["node"])
        if found and found[0] is not None and found[0] < found[2]:
            short.append(
                f"{r['node']}: {found[0]} against about {found[2]:.0f} units over {found[1]:g} days"
            )
    fills = ", ".join(f"{r['node']} {_pct(r[key])}" for r in stores)
    verdict = (
        "so the stores' own policies limited service"
        if supply >= max(r[key] for r in stores)
        else "so their supplier limited service too"
    )
    text = (
        f"In scenario {first}, the stores filled {fills} of demand while their supplier "
        f"shipped {_pct(supply)} of their orders at once, {verdict}"
    )
    if short:
        text += "; reorder points below the mean demand over lead time and review: " + "; ".join(
            short
        )
    return f"<p>{_e(text)}.</p>"


def _nodes_table(opt: Optimum, nodes) -> str:
    if nodes is None:
        return ""
    s = opt.service
    rows = []
    for node, grp in nodes.groupby("node", sort=False):
        i = grp[f"{s}_mean"].idxmin()
        rows.append(
            f"<tr><th>{_e(node)}</th><td>{_pct(grp.loc[i, f'{s}_mean'])} "
            f"({_e(grp.loc[i, 'scenario'])})</td><td>{_pct(grp[f'{s}_mean'].mean())}</td>"
            f"<td>{_money(grp['cost_mean'].mean())}</td>"
            f"<td>{_money(grp['on_hand_mean'].mean())}</td></tr>"
        )
    head = (
        f"<tr><th>node</th><th>{_e(s)}, worst scenario</th><th>{_e(s)}, mean over "
        "scenarios</th><th>cost per day, mean over scenarios</th><th>units on hand, mean over "
        "scenarios</th></tr>"
    )
    return (
        "<h2>The chosen policy, node by node</h2><p>From the confirmation's fresh replications; "
        "intervals per scenario are in nodes.csv.</p>"
        f"<table>{head}{''.join(rows)}</table>"
    )


def _scenario_table(opt: Optimum) -> str:
    cube = opt.confirm
    if "scenario" not in cube.dims:
        return ""
    checks = opt.result.get("service", [])
    rows = []
    for k, sc in enumerate(cube["scenario"].values):
        e = estimates(np.asarray(cube["cost"].isel(candidate=0, scenario=k).values))
        here = [c for c in checks if c["scenario"] == str(sc)]
        worst = min(here, key=lambda c: c["mean"]) if here else None
        serv = f"{_pct(worst['mean'])} ({_e(worst['label'])})" if worst else ""
        rows.append(
            f"<tr><th>{_e(sc)}</th><td>{_money(float(e['mean']))} ({_money(float(e['low']))} to "
            f"{_money(float(e['high']))})</td><td>{serv}</td></tr>"
        )
    head = "<tr><th>scenario</th><th>cost per day (95% CI)</th><th>lowest service (where)</th></tr>"
    return f"<h2>Scenario by scenario</h2><table>{head}{''.join(rows)}</table>"


def _method(opt: Optimum) -> str:
    spec, res = opt.spec, opt.result
    s = res.get("search", {})
    sel = res.get("selection", {})
    pct = f"{100 * res['confidence']:g}%"
    scen = len(spec.get("scenarios", [])) or 1
    rule = (
        f"the lower {pct} confidence bound (Bonferroni over stores and scenarios)"
        if spec.get("rule") == "confident"
        else "the mean"
    )
    return (
        "<h2>How this was computed</h2>"
        f"<p><b>Search.</b> {s.get('evaluated')} policies in {s.get('batches')} batches "
        f"({s.get('reason')}), each simulated on the same {spec.get('reps')} replications of "
        f"{spec.get('periods')} days in each of {scen} scenario(s): common random numbers, so "
        "differences between policies carry no independent noise, and one batch is one kernel "
        "call per scenario. A compass search on the lattice of the space: every parameter "
        "moved by 1, 2 and 4 steps, a node's reorder point and order-up-to level together, "
        "every pair of parameters, the best moves of all nodes combined; steps halve when no "
        f"move helps. A policy meets the constraint when {rule} of its service reaches the "
        f"target at every store in every scenario; cost is the mean over scenarios.</p>"
        f"<p><b>Selection.</b> The {sel.get('finalists')} best policies were simulated again on "
        f"{sel.get('first_stage_reps')} fresh replications; those meeting the constraint there "
        f"went on to {sel.get('reps')} replications (two-stage procedure of Clark and Yang / "
        "Nelson and Matejcik with Bonferroni: the number of replications is set from the "
        "spread of paired cost differences so that the cheapest is within the stated margin "
        f"of the best with {pct} confidence). <b>Confirmation:</b> the chosen policy on "
        f"{sel.get('confirm_reps')} more fresh replications gives its cost interval and the "
        "service test.</p>"
        f"<details><summary>Optimisation (TOML)</summary><pre>{_e(opt.points.attrs.get('optimize_toml', ''))}</pre></details>"  # noqa: E501
        f"<details><summary>Model (TOML)</summary><pre>{_e(opt.points.attrs.get('model_toml', ''))}</pre></details>"  # noqa: E501
    )


def _search_help(opt: Optimum) -> str:
    return (
        "Each dot is one policy the search simulated: the lowest mean service over the "
        "constraint's stores and the scenarios (right is better) against the mean cost over the "
        "scenarios (lower is better), coloured by the batch that tried it. Left of the dashed "
        "line the target is missed. The cross is the model's own policy, the star the chosen "
        "policy with its confirmation interval; on the right, the finalists with their 95% "
        "intervals on fresh replications. Dots are means over the search's replications; the "
        "best of many such means is a little optimistic, which is why the finalists are "
        "simulated again."
    )


def _progress_help() -> str:
    return (
        "Top: the lowest total shortfall below the target among the policies tried so far (0 "
        "once a policy meets the constraint). Bottom: the lowest cost among those that meet it. "
        "Thin vertical lines separate batches; the dotted line is 1 % above the final cost."
    )


def _nodes_help(opt: Optimum) -> str:
    return (
        f"The chosen policy on the confirmation's replications: each node's {opt.service} "
        "(at a warehouse, the share of store orders shipped at once), cost per day and units "
        "on hand, one bar per scenario, with 95% intervals. The dashed line is the target."
    )


def _convergence_help() -> str:
    return (
        "How the chosen policy's estimates settle as the confirmation's replications are "
        "added: the running mean per scenario and its 95% band."
    )


def _page(opt: Optimum, nodes, figures, tables) -> str:
    name = "model"
    from fasttwin.model.toml_io import tomllib

    try:
        name = tomllib.loads(opt.points.attrs.get("model_toml", "")).get("name", name)
    except ValueError:
        pass
    figs = "".join(
        f'<figure><h3>{_e(title)}</h3><img src="{_e(file)}" alt="{_e(title)}">'
        f"<figcaption>{_e(text)}</figcaption></figure>"
        for file, title, text in figures
    )
    files = "".join(f'<li><a href="{_e(f)}">{_e(f)}</a>: {_e(w)}</li>' for f, w in tables)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Optimised inventory policy: {_e(name)}</title>
<style>{_CSS}</style></head>
<body>
<h1>Optimised inventory policy: {_e(name)}</h1>
<p>fasttwin searched the policies of every node together for the cheapest one that reaches the
service target, simulating each candidate on many replications of random demand, then checked
the best candidates again on replications they had never seen. This page says which policy to
use, how sure that answer is, and where service was lost before.</p>
<h2>Recommendation</h2>
{_answer(opt)}
{_before(opt)}
{_nodes_table(opt, nodes)}
{_scenario_table(opt)}
<h2>Pictures</h2>
{figs}
<h2>Data</h2>
<ul>{files}</ul>
{_method(opt)}
<p class="small">Made by fasttwin.</p>
</body></html>
"""
