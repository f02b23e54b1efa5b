"""Scenarios: the same policy under chosen scenarios, side by side with intervals."""

from __future__ import annotations

import streamlit as st

from fasttwin.app import charts, compare, explore, jobs, models, tables
from fasttwin.app.ui.common import (
    download,
    errors_shown,
    model_picker,
    policy_inputs,
    progress,
    run_inputs,
)

DEFAULT = ["baseline", "demand_surge", "lead_time_disruption"]


def page() -> None:
    st.title("Compare scenarios")
    st.caption(
        "One policy under several scenarios. Every scenario replays the same replications "
        "(common random numbers), so differences are measured replication by replication."
    )
    with errors_shown():
        model = model_picker("scen")
        st.subheader("Policy per node")
        policy = policy_inputs(model, "scen")
        st.subheader("Scenarios")
        chosen = st.multiselect(
            "Built-in scenarios", models.scenario_names(), default=DEFAULT, key="scen_names"
        )
        more = st.text_input(
            "More, comma-separated ('+' composes built-ins)",
            key="scen_more",
            placeholder="demand_surge+supplier_delay",
        )
        names = chosen + [m.strip() for m in more.split(",") if m.strip()]
        settings = run_inputs(model, "scen", reps=2000)
        if st.button("Compare", type="primary", key="scen_go"):
            if not names:
                raise ValueError("choose at least one scenario")
            ds = jobs.simulate(
                model, policy, scenario=names, progress=progress("Simulating"), **settings
            )
            st.session_state["scen_result"] = {"cube": ds, "policy": policy}
    if "scen_result" in st.session_state:
        results(st.session_state["scen_result"])


def results(r: dict) -> None:
    ds = r["cube"]
    ratios = explore.service_variables(ds)
    variables = ["cost", *ratios]
    others = [v for v in ("lost_sales", "backorders", "on_hand", "orders") if v in ds]
    summary = jobs.summary_table(ds, [*variables, *others])
    names = [str(s) for s in ds["scenario"].values]
    titles = {v: ds[v].attrs.get("long_name", v) for v in variables}
    st.altair_chart(
        charts.intervals(
            summary[summary["variable"].isin(variables)],
            category="scenario",
            titles=titles,
            order=names,
        )
    )
    st.subheader("Side by side: means per day with 95 % confidence intervals")
    st.dataframe(compare.display(summary, ratios), hide_index=True)
    download(compare.side_by_side(ds, [*variables, *others]), "scenarios.csv", key="scen_csv")
    if len(names) > 1:
        st.subheader(f"Difference from {names[0]}, replication by replication")
        diff = compare.differences(ds, variables, names[0])
        st.dataframe(tables.merged_rows(diff, ratios), hide_index=True)
        st.caption(
            "An interval that excludes 0 means the scenario changes the measure, at 95 % "
            "confidence; ratios differ in percentage points."
        )
