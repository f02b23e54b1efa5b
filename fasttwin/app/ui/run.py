"""Run: one policy of a model, thousands of replications, intervals and daily paths."""

from __future__ import annotations

import time

import streamlit as st

from fasttwin.app import charts, explore, jobs, models, tables
from fasttwin.app.ui.common import (
    download,
    errors_shown,
    model_picker,
    policy_inputs,
    progress,
    run_inputs,
)

TRACE_REPS = 3
#: Measured days in the daily paths, and warm-up days shown before them.
TRACE_DAYS = 90
TRACE_LEAD_IN = 10


def page() -> None:
    st.title("Run a simulation")
    st.caption(
        "Simulate one policy for thousands of replications on every core; the kernels stay "
        "compiled while the dashboard runs, so only the first run of a kind of model waits "
        "for the compiler."
    )
    with errors_shown():
        model = model_picker("run")
        st.subheader("Policy per node")
        policy = policy_inputs(model, "run")
        st.subheader("Run")
        settings = run_inputs(model, "run", reps=2000)
        scenario = st.selectbox(
            "Scenario", models.scenario_names(), key="run_scenario", help="built-in scenarios"
        )
        if st.button("Simulate", type="primary", key="run_go"):
            st.session_state["run_result"] = simulate(model, policy, scenario, settings)
    if "run_result" in st.session_state:
        results(st.session_state["run_result"])


def simulate(model, policy, scenario, settings) -> dict:
    """Simulate, time it, and trace a few replications (periodic review: one node or a network)."""
    from fasttwin.engine.trace import trace

    bar = progress("Simulating")
    start = time.perf_counter()
    ds = jobs.simulate(model, policy, scenario=scenario, progress=bar, **settings)
    seconds = time.perf_counter() - start
    paths = None
    if model.review == "periodic":
        warmup = settings["warmup"]
        paths = trace(
            model,
            policy,
            reps=min(TRACE_REPS, settings["reps"]),
            periods=min(settings["periods"], warmup + TRACE_DAYS),
            warmup=warmup,
            seed=settings["seed"],
            scenario=scenario,
        ).isel(day=slice(max(0, warmup - TRACE_LEAD_IN), None))
    return {
        "model": model.name,
        "review": model.review,
        "policy": policy,
        "scenario": scenario,
        "settings": settings,
        "seconds": seconds,
        "cube": ds,
        "paths": paths,
    }


def results(r: dict) -> None:
    s = r["settings"]
    ds = r["cube"]
    policy = ", ".join(f"{k}={v}" for k, v in r["policy"].items()) or "the model's policy"
    st.success(
        f"{r['model']}, {policy}, scenario {r['scenario']}: {s['reps']:,} replications × "
        f"{s['periods']:,} days in {r['seconds']:.2f} s",
        icon=":material/timer:",
    )
    system = jobs.summary_table(ds)
    head = system.set_index("variable")
    ratios = explore.service_variables(ds)
    shown = ["cost", *ratios]
    for col, var in zip(st.columns(len(shown)), shown, strict=True):
        row = head.loc[var]
        ratio = var in ratios
        f = tables.percent if ratio else tables.number
        col.metric(f"mean {row['long_name']}", f(row["mean"]))
        col.caption(f"95 % CI {f(row['ci_low'])} – {f(row['ci_high'])}")
    st.subheader("Means per day with 95 % confidence intervals")
    st.dataframe(tables.merged_rows(system, ratios), hide_index=True)
    download(system, f"{r['model']}_run.csv", key="run_csv")
    if "node" in ds.dims:
        nodes = jobs.node_summary_table(ds)
        st.subheader("Per node")
        node_ratios = [f"node_{v}" for v in ratios]
        st.dataframe(tables.merged_rows(nodes, node_ratios), hide_index=True)
        download(
            nodes,
            f"{r['model']}_run_nodes.csv",
            key="run_nodes_csv",
            label="Download the per-node table (CSV)",
        )
    if r["paths"] is None:
        st.info(f"Daily paths follow periodic review only; this model's review is {r['review']}.")
    if r["paths"] is not None:
        tr = r["paths"]
        per_node = ", one column per node" if "node" in tr.dims else ""
        st.subheader(f"Daily paths of {tr.sizes['rep']} replications{per_node}")
        titles = {v: tr[v].attrs.get("long_name", v) for v in tr.data_vars}
        st.altair_chart(charts.paths(jobs.trace_frame(tr), titles=titles))
        st.caption(
            f"The same replications as the table (0, 1, ...). Days before day "
            f"{tr.attrs['warmup']} are warm-up, left out of the means."
            if tr.attrs["warmup"]
            else "The same replications as the table (0, 1, ...); no warm-up."
        )
