"""Optimise: the cheapest policy under a service constraint, cost against service."""

from __future__ import annotations

import streamlit as st

from fasttwin.analysis.axes import grid_dims, label
from fasttwin.app import charts, explore, models, optimise
from fasttwin.app.ui.common import (
    PARAMETER_TEXT,
    download,
    errors_shown,
    model_picker,
    policy_inputs,
    progress,
    run_inputs,
    show_table,
)
from fasttwin.app.ui.explore import recommendation


def page() -> None:
    st.title("Optimise a policy")
    with errors_shown():
        model = model_picker("opt")
        method = st.radio("Method", list(optimise.OPTIMISERS), horizontal=True, key="opt_method")
        st.subheader("Search over")
        keys = optimise.search_keys(model)
        chosen = st.multiselect(
            "Policy parameters",
            keys,
            default=optimise.default_keys(model),
            key=f"opt_{model.name}_keys",
        )
        axes = []
        for key in chosen:
            d = optimise.default_axis(model, key)
            node, _, param = key.rpartition(".")
            name = f"{node}: {PARAMETER_TEXT[param]}" if node else PARAMETER_TEXT[param]
            c = st.columns(3)
            axes.append(
                optimise.Axis(
                    key,
                    int(c[0].number_input(f"{name} from", value=d.start, key=f"opt_{key}_from")),
                    int(c[1].number_input("to", value=d.stop, key=f"opt_{key}_to")),
                    int(c[2].number_input("step", value=d.step, key=f"opt_{key}_step")),
                )
            )
        with st.expander("Other nodes' policies (held fixed)", expanded=False):
            fixed = policy_inputs(model, "opt")
        settings = run_inputs(model, "opt", reps=300)
        scenario = st.multiselect(
            "Scenarios (several: the policy must meet the target in each)",
            models.scenario_names(),
            default=["baseline"],
            key="opt_scenarios",
        )
        if st.button("Search", type="primary", key="opt_go"):
            if not scenario:
                raise ValueError("choose at least one scenario")
            request = optimise.Request(
                model,
                tuple(axes),
                fixed,
                scenario=scenario[0] if len(scenario) == 1 else scenario,
                **settings,
            )
            cube = optimise.OPTIMISERS[method](request, progress("Simulating the grid"))
            st.session_state["optimise_cube"] = cube
    if "optimise_cube" in st.session_state:
        with errors_shown():
            results(st.session_state["optimise_cube"])


def results(ds) -> None:
    st.subheader("Choose under a service constraint")
    names = explore.answers(ds)
    c = st.columns(3)
    service = c[0].selectbox(
        "Service measure",
        explore.service_variables(ds),
        format_func=lambda v: label(ds, v),
        key="opt_service",
    )
    answer = names[0]
    if len(names) > 1:
        answer = c[1].selectbox("Scenario", names, key="opt_answer")
    rule = c[2].radio("Feasible when", ("mean", "confident"), key="opt_rule", horizontal=True)
    target = st.slider(
        "Service target",
        min_value=0.5,
        max_value=1.0,
        value=0.95,
        step=0.005,
        format="%.3f",
        key="opt_target",
    )
    best = explore.recommend(ds, target=target, service=service, rule=rule)
    choice = explore.choice_of(best, answer)
    recommendation(ds, best, choice)
    table = explore.policy_table(
        ds, service=service, answer=answer, target=target, rule=rule, best=best
    )
    titles = {**explore.axis_labels(ds), "cost": label(ds, "cost"), service: label(ds, service)}
    st.altair_chart(
        charts.frontier(
            table,
            cost="cost",
            service=service,
            target=target,
            policy_columns=list(grid_dims(ds)),
            titles=titles,
        ),
    )
    st.caption(
        "Every simulated policy; green ones meet the target. The star is the cheapest of "
        "them, the line the cost-service frontier with 95 % intervals. The Explore page "
        "shows this grid too (heat maps, convergence)."
    )
    show_table(table, [service])
    download(table, "optimise_policies.csv", key="opt_csv")
