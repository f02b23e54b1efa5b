"""Formulas: newsvendor, EOQ, safety stock and exact (s, S) next to the simulated truth."""

from __future__ import annotations

import streamlit as st

from fasttwin.app import formulas
from fasttwin.app.ui.common import download, errors_shown, model_picker, progress, run_inputs


@st.cache_data(max_entries=16, show_spinner="Solving the formulas ...")
def _report(model_toml: str, cycle_service: float) -> dict:
    from fasttwin.model.toml_io import model_from_toml

    return formulas.report(model_from_toml(model_toml), cycle_service)


def page() -> None:
    st.title("Formulas and the simulated truth")
    with errors_shown():
        model = model_picker("form", sources=("single node", "TOML file"))
        target = st.number_input(
            "cycle service target of the safety-stock formula",
            min_value=0.5,
            max_value=0.9999,
            value=0.95,
            step=0.01,
            format="%.4f",
            key="form_cycle_service",
        )
        rep = _report(model.to_toml(), float(target))
        sections(rep)
        rows = formulas.candidates(model, rep)
        settings = run_inputs(model, "form", reps=2000)
        if st.button("Simulate these policies", type="primary", key="form_go"):
            st.session_state["form_result"] = formulas.simulated(
                model, rows, progress=progress("Simulating"), **settings
            )
        if "form_result" in st.session_state:
            table = st.session_state["form_result"]
            st.subheader("What the formulas promise, and what simulation finds")
            st.dataframe(formulas.display(table), hide_index=True)
            st.caption(
                "Exact cost: the renewal formula (Zheng & Federgruen 1991), where its "
                "assumptions hold (n/a elsewhere); promised: what the formula promises; "
                "simulated: means with 95 % intervals, every policy on the same replications."
            )
            download(table, "formulas.csv", key="form_csv")


def sections(rep: dict) -> None:
    """Each closed form's figures, or the assumption it lacks."""
    c = st.columns(4)
    with c[0]:
        st.markdown("**EOQ**")
        e = rep["eoq"]
        if "not_applicable" in e:
            st.info(e["not_applicable"])
        else:
            st.metric("order quantity Q*", f"{e['quantity']:.1f}")
            st.caption(
                f"ordering + holding {e['cost_per_day']:.2f} per day; an order every "
                f"{e['cycle_days']:.2f} days"
            )
    with c[1]:
        st.markdown("**Newsvendor (base-stock)**")
        n = rep["newsvendor"]
        if "not_applicable" in n:
            st.info(n["not_applicable"])
        else:
            st.metric("base-stock level", n["base_stock_level"])
            st.caption(
                f"critical ratio {n['critical_ratio']:.3f} over {n['exposure_days']:g} days of "
                f"exposure ({n['demand_model']}); expected holding + shortage "
                f"{n['expected_cost_per_day']:.2f} per day"
            )
    with c[2]:
        st.markdown("**Safety stock (EOQ + safety stock)**")
        s = rep["safety_stock"]
        if "not_applicable" in s:
            st.info(s["not_applicable"])
        else:
            st.metric("(s, S)", f"({s['reorder_point']}, {s['order_up_to']})")
            st.caption(
                f"safety stock {s['safety_stock']:.1f}; promises cycle service "
                f"{100 * s['promised_cycle_service']:.1f} % and fill rate "
                f"{100 * s['promised_fill_rate']:.1f} %"
            )
    with c[3]:
        st.markdown("**Exact optimal (s, S)**")
        x = rep["exact"]
        if "not_applicable" in x:
            st.info(f"Not exact for this model: {x['not_applicable']}")
        else:
            s_, big_s = x["optimal_ss"]["pairs"][0]
            st.metric("(s, S)", f"({s_}, {big_s})")
            st.caption(f"{x['optimal_ss']['cost_per_day']:.3f} per day (Zheng & Federgruen 1991)")
