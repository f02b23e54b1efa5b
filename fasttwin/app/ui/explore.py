"""Explore a cube: the recommended policy for a service target, heat maps, frontier, more."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from fasttwin.analysis.axes import grid_dims, is_ratio, label
from fasttwin.app import charts, explore, tables
from fasttwin.app.ui.common import download, errors_shown, show_table

STORE = "Zarr store"
OPTIMISED = "the grid of the Optimise page"


@st.cache_resource(max_entries=4, show_spinner="Reading the cube ...")
def _open(path: str, stamp: float):
    """The cube in memory (``stamp``: the store's modification time, so a rewrite reloads)."""
    from fasttwin.analysis.report import open_cube

    return open_cube(path).load()


def _stamp(path: str) -> float:
    meta = Path(path) / "zarr.json"
    return meta.stat().st_mtime if meta.exists() else 0.0


def page() -> None:
    st.title("Explore a cube")
    source = STORE
    if "optimise_cube" in st.session_state:
        source = st.radio("Cube", (STORE, OPTIMISED), horizontal=True, key="explore_source")
    with errors_shown():
        if source == OPTIMISED:
            ds = st.session_state["optimise_cube"]
        else:
            path = st.text_input(
                "Zarr store",
                key="store",
                help="a cube written by `fasttwin sweep` or `fasttwin simulate --out` "
                "(a path on the server, or an fsspec URL)",
            )
            if not path:
                st.info(
                    "Give the path of a cube, e.g. `out/retail.zarr` from "
                    "`fasttwin sweep sweeps/retail_sweep.toml --out out/retail.zarr`."
                )
                return
            ds = _open(path, _stamp(path))
            st.caption(ds.attrs.get("summary", ""))
        cube(ds)


def cube(ds) -> None:
    """Everything below the choice of cube."""
    services = explore.service_variables(ds)
    costs = explore.cost_variables(ds)
    if not services or not costs:
        raise ValueError(
            "the cube needs a service ratio (units 1, values in [0, 1]) and a cost per day; "
            f"it has {', '.join(map(str, ds.data_vars))}"
        )
    names = explore.answers(ds)
    c = st.columns(4)
    service = c[0].selectbox(
        "Service measure", services, format_func=lambda v: label(ds, v), key="explore_service"
    )
    cost = c[1].selectbox(
        "Cost to minimise", costs, format_func=lambda v: label(ds, v), key="explore_cost"
    )
    answer = names[0]
    if len(names) > 1:
        answer = c[2].selectbox(
            "Scenario",
            names,
            key="explore_scenario",
            help="worst case: the policy must meet the target in every scenario and is "
            "judged by its most expensive one; average: over the scenarios, replication by "
            "replication",
        )
    rule = c[3].radio(
        "Feasible when",
        ("mean", "confident"),
        format_func=lambda r: (
            "mean service meets the target" if r == "mean" else "lower end of its 95 % CI does"
        ),
        key="explore_rule",
    )
    target = st.slider(
        "Service target",
        min_value=0.5,
        max_value=1.0,
        value=0.98,
        step=0.005,
        format="%.3f",
        key="explore_target",
    )
    best = explore.recommend(ds, target=target, service=service, cost=cost, rule=rule)
    choice = explore.choice_of(best, answer)
    recommendation(ds, best, choice)
    table = explore.policy_table(
        ds, service=service, cost=cost, answer=answer, target=target, rule=rule, best=best
    )
    titles = {**explore.axis_labels(ds), cost: label(ds, cost), service: label(ds, service)}
    tabs = ["Heat maps", "Frontier", "Convergence"]
    if "node" in ds.dims:
        tabs.append("Per node")
    tabs.append("Table")
    shown = dict(zip(tabs, st.tabs(tabs), strict=True))
    with shown["Heat maps"]:
        maps(ds, table, choice.policy, cost, service, titles)
    with shown["Frontier"]:
        st.altair_chart(
            charts.frontier(
                table,
                cost=cost,
                service=service,
                target=target,
                policy_columns=list(grid_dims(ds)),
                titles=titles,
            ),
        )
        st.caption(
            "Each dot is a policy (mean over replications); the line joins the policies no "
            "other beats in both cost and service, with 95 % intervals; dashed: the target; "
            "star: the recommendation."
        )
    with shown["Convergence"]:
        frame = explore.convergence_frame(ds, choice.policy, [cost, service], answer=answer)
        st.altair_chart(charts.convergence(frame, titles=titles))
        st.caption("Running mean and 95 % interval of the recommended policy as replications grow.")
    if "Per node" in shown:
        with shown["Per node"]:
            per_node(ds, table, choice.policy, cost, service, answer, target, rule, best, titles)
    with shown["Table"]:
        show_table(table, explore.service_variables(ds))
        name = Path(str(st.session_state.get("store") or "cube")).stem or "cube"
        suffix = f"_{answer.replace(' ', '_')}" if answer else ""
        download(table, f"{name}_policies{suffix}.csv", key="explore_csv")


def recommendation(ds, best, choice) -> None:
    """The answer in words and in figures."""
    text = best.describe(choice)
    if choice.feasible:
        st.success(text, icon=":material/check_circle:")
    else:
        st.warning(text, icon=":material/warning:")
    policy = choice.policy
    cols = st.columns(max(1, len(policy)) + 2)
    for col, (axis, value) in zip(cols, policy.items(), strict=False):
        col.metric(label(ds, axis), value)
    for col, var, e in (
        (cols[-2], best.cost_variable, choice.cost),
        (cols[-1], best.service_variable, choice.service),
    ):
        f = tables.percent if is_ratio(ds, var) else tables.number
        col.metric(f"mean {label(ds, var)}", f(e.mean))
        col.caption(f"95 % CI {f(e.low)} – {f(e.high)}")


def maps(ds, table, policy, cost, service, titles) -> None:
    """Cost and service over two grid axes (others held), or along one axis."""
    axes = list(grid_dims(ds))
    if not axes:
        st.info("The cube holds a single policy: nothing to map.")
        return
    if len(axes) == 1:
        a = axes[0]
        left, right = st.columns(2)
        for col, var in ((left, cost), (right, service)):
            col.altair_chart(
                charts.curve(
                    table,
                    x=a,
                    mean=f"{var}_mean",
                    low=f"{var}_ci_low",
                    high=f"{var}_ci_high",
                    titles={a: titles[a], f"{var}_mean": f"mean {titles[var]}"},
                ),
            )
        return
    c = st.columns(2 + max(0, len(axes) - 2))
    x = c[0].selectbox("x axis", axes, index=1, format_func=titles.get, key="explore_x")
    y = c[1].selectbox(
        "y axis", [a for a in axes if a != x], format_func=titles.get, key="explore_y"
    )
    held = {}
    for col, a in zip(c[2:], [a for a in axes if a not in (x, y)], strict=False):
        values = ds[a].values.tolist()
        held[a] = col.selectbox(
            f"hold {titles[a]} at",
            values,
            index=values.index(policy[a]),
            key=f"explore_hold_{a}",
        )
    part = explore.held_slice(table, held)
    left, right = st.columns(2)
    for col, var in ((left, cost), (right, service)):
        col.altair_chart(
            charts.heatmap(
                part,
                x=x,
                y=y,
                value=f"{var}_mean",
                titles={**titles, f"{var}_mean": f"mean {titles[var]}"},
                percent=is_ratio(ds, var),
            ),
        )
    st.caption(
        "× : the policy misses the target; ★ : the recommendation; blank cells are no "
        "policy (s ≥ S)."
    )


def per_node(ds, table, policy, cost, service, answer, target, rule, best, titles) -> None:
    """Service of each node at the recommendation, and one node's service over the grid."""
    node_service = explore.node_service_variable(ds, service) or "node_fill_rate"
    variables = [v for v in (node_service, "node_cost") if v in ds.data_vars]
    nodes = [str(n) for n in ds["node"].values]
    node = st.selectbox("Node", nodes, key="explore_node")
    at = explore.node_table(ds, policy, variables, answer=answer)
    st.dataframe(tables.merged(at, lambda v: v == node_service), hide_index=True)
    long = []
    for var in variables:
        part = at[[c for c in at.columns if not c.startswith("node_")]].copy()
        part["variable"] = var
        part["mean"] = at[f"{var}_mean"]
        part["ci_low"] = at[f"{var}_ci_low"]
        part["ci_high"] = at[f"{var}_ci_high"]
        long.append(part)
    import pandas as pd

    st.altair_chart(
        charts.intervals(
            pd.concat(long, ignore_index=True),
            category="node",
            titles={v: label(ds, v) for v in variables},
            colour="scenario" if "scenario" in at.columns else None,
        )
    )
    axes = list(grid_dims(ds))
    if len(axes) >= 2:
        node_table = explore.policy_table(
            ds,
            service=node_service,
            cost=cost,
            answer=answer,
            target=target,
            rule=rule,
            select={"node": node},
            best=best,
        )
        held = {a: policy[a] for a in axes[2:]}
        st.altair_chart(
            charts.heatmap(
                explore.held_slice(node_table, held),
                x=axes[1],
                y=axes[0],
                value=f"{node_service}_mean",
                titles={**titles, f"{node_service}_mean": f"{node}: {label(ds, node_service)}"},
                percent=True,
            ),
        )
        st.caption(f"× : {node} misses the target; ★ : the recommendation (system-wide).")
