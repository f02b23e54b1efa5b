"""Widgets the pages share: model and policy inputs, run settings, errors, progress, CSV."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from fasttwin.app import jobs, models
from fasttwin.model.network import Model

PARAMETER_TEXT = {
    "reorder_point": "reorder point s",
    "order_up_to": "order-up-to level S",
    "order_quantity": "order quantity Q",
}


@contextmanager
def errors_shown() -> Iterator[None]:
    """Show a ValueError (bad input: the field and the allowed values) instead of a traceback."""
    try:
        yield
    except ValueError as err:
        st.error(str(err), icon=":material/error:")


def progress(label: str) -> jobs.Progress:
    """A progress bar and the callback that moves it."""
    bar = st.progress(0.0, text=label)

    def update(done: float, text: str) -> None:
        bar.progress(min(1.0, max(0.0, done)), text=f"{label}: {text}")

    return update


def numbers(table, ratios) -> dict:
    """``column_config`` for a numeric table: ratio columns as percentages, floats rounded."""
    from pandas.api.types import is_float_dtype

    config = {}
    for col in table.columns:
        if not is_float_dtype(table[col].dtype):
            continue
        base = col.removesuffix("_mean").removesuffix("_ci_low").removesuffix("_ci_high")
        ratio = any(base == r or base == f"node_{r}" for r in ratios)
        config[col] = st.column_config.NumberColumn(format="percent" if ratio else "%.3f")
    return config


def model_picker(prefix: str, sources=models.SOURCES) -> Model:
    """Choose a model: the retail twin, the one-node form, or a TOML file."""
    source = st.radio("Model", sources, horizontal=True, key=f"{prefix}_source")
    if source == "single node":
        d = models.SingleNodeForm()
        c = st.columns(6)
        form = models.SingleNodeForm(
            demand_mean=c[0].number_input(
                "Poisson demand per day",
                min_value=0.01,
                value=d.demand_mean,
                key=f"{prefix}_demand",
            ),
            lead_time=c[1].number_input(
                "lead time [days]", min_value=0, value=d.lead_time, key=f"{prefix}_lead"
            ),
            holding_cost=c[2].number_input(
                "holding cost per unit-day", min_value=0.0, value=d.holding_cost, key=f"{prefix}_h"
            ),
            shortage_cost=c[3].number_input(
                "shortage cost per unit (per day if backordered)",
                min_value=0.0,
                value=d.shortage_cost,
                key=f"{prefix}_p",
            ),
            order_cost=c[4].number_input(
                "fixed cost per order", min_value=0.0, value=d.order_cost, key=f"{prefix}_K"
            ),
            lost_sales=c[5].selectbox(
                "unmet demand", ("backordered", "lost"), key=f"{prefix}_unmet"
            )
            == "lost",
        )
        return models.load(source, form=form)
    if source == "TOML file":
        c1, c2 = st.columns(2)
        upload = c1.file_uploader("model TOML file", type=["toml"], key=f"{prefix}_upload")
        path = c2.text_input(
            "or its path on the server", key=f"{prefix}_path", placeholder="sweeps/single_node.toml"
        )
        text = upload.getvalue().decode("utf-8") if upload is not None else None
        return models.load(source, toml_text=text, path=path)
    return models.load(source)


def policy_inputs(model: Model, prefix: str) -> dict:
    """One number field per policy parameter of every node; returns ``policy=``."""
    fields = models.policy_fields(model)
    values: dict[str, dict[str, int]] = {}
    single = len(fields) == 1
    # One node: its parameters side by side; a network: a column per node.
    cols = st.columns(4 if single else min(4, len(fields)))
    for i, (node, params) in enumerate(fields.items()):
        values[node] = {}
        for j, (param, default) in enumerate(params.items()):
            box = cols[j % 4] if single else cols[i % len(cols)]
            who = "" if len(model.nodes) == 1 else f"{node}: "
            values[node][param] = box.number_input(
                f"{who}{PARAMETER_TEXT[param]}",
                value=int(default),
                step=1,
                key=f"{prefix}_{model.name}_{node}_{param}",
            )
    return models.policy_of(model, values)


def run_inputs(model: Model, prefix: str, reps: int) -> dict:
    """Replications, days, warm-up and seed (the model's defaults)."""
    d = models.run_defaults(model)
    c = st.columns(4)
    return {
        "reps": c[0].number_input("replications", min_value=1, value=reps, key=f"{prefix}_reps"),
        "periods": c[1].number_input(
            "days simulated", min_value=1, value=d["periods"], key=f"{prefix}_{model.name}_periods"
        ),
        "warmup": c[2].number_input(
            "warm-up days (not measured)",
            min_value=0,
            value=d["warmup"],
            key=f"{prefix}_{model.name}_warmup",
        ),
        "seed": c[3].number_input(
            "seed", min_value=0, value=d["seed"], key=f"{prefix}_{model.name}_seed"
        ),
    }


def show_table(frame, ratios=()) -> None:
    """A numeric table, ratios shown as percentages."""
    st.dataframe(frame, hide_index=True, column_config=numbers(frame, ratios))


def download(table, file_name: str, key: str, label: str = "Download this table (CSV)") -> None:
    st.download_button(
        label,
        jobs.csv_bytes(table),
        file_name=file_name,
        mime="text/csv",
        key=key,
        on_click="ignore",
        icon=":material/download:",
    )
