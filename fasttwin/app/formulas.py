"""Closed forms next to the simulated truth (the Formulas page).

:func:`fasttwin.analytic.analytic_report` gives what the textbook formulas
say about a one-node model: the EOQ, the newsvendor base-stock level, the
EOQ + safety-stock (s, S) policy and the service it promises, and, where its
assumptions hold, the exact optimal (s, S) and base-stock policies with the
exact cost of any (s, S). :func:`candidates` turns those into policies;
:func:`simulated` simulates each on the same replications (common random
numbers), so the columns can be read side by side.
"""

from __future__ import annotations

import math

from fasttwin.app import jobs
from fasttwin.model.network import Model


def report(model: Model, cycle_service: float = 0.95) -> dict:
    """:func:`fasttwin.analytic.analytic_report` (one-node models; a ValueError names why not)."""
    from fasttwin.analytic.report import analytic_report

    if len(model.nodes) != 1:
        raise ValueError(
            f"the formulas are for one-node models; this model has {len(model.nodes)} nodes "
            f"({', '.join(model.node_names)}): pick 'single node' or a one-node TOML file"
        )
    return analytic_report(model, cycle_service=cycle_service)


def candidates(model: Model, rep: dict) -> list[dict]:
    """The policies the formulas propose, each with what the formulas promise.

    Rows: ``policy``, ``reorder_point``, ``order_up_to``, ``exact_cost`` (the
    renewal formula, NaN where its assumptions fail), ``promised_cycle_service``,
    ``promised_fill_rate`` (NaN where the formula promises none). Policies
    come from the exact optimum, the best base-stock level, the newsvendor
    critical ratio (base-stock; the critical ratio is the chance of no
    shortage per review), EOQ + safety stock, and the model's own policy.
    """
    from fasttwin.analytic.periodic import ss_cost

    exact = "not_applicable" not in rep["exact"]
    nan = math.nan
    rows = []

    def add(name, s, big_s, cycle=nan, fill=nan):
        cost = ss_cost(model, s, big_s) if exact else nan
        rows.append(
            {
                "policy": name,
                "reorder_point": int(s),
                "order_up_to": int(big_s),
                "exact_cost": cost,
                "promised_cycle_service": cycle,
                "promised_fill_rate": fill,
            }
        )

    if exact:
        s, big_s = rep["exact"]["optimal_ss"]["pairs"][0]
        add("exact optimal (s, S)", s, big_s)
        level = rep["exact"]["optimal_base_stock"]["levels"][0]
        add("best base-stock", level - 1, level)
    nv = rep["newsvendor"]
    if "not_applicable" not in nv:
        level = nv["base_stock_level"]
        add("newsvendor base-stock", level - 1, level, cycle=nv["critical_ratio"])
    ss = rep["safety_stock"]
    if "not_applicable" not in ss:
        add(
            "EOQ + safety stock",
            ss["reorder_point"],
            ss["order_up_to"],
            cycle=ss["promised_cycle_service"],
            fill=ss["promised_fill_rate"],
        )
    node = model.nodes[0]
    if node.policy_kind() == "sS":
        add("the model's own", node.reorder_point, node.order_up_to)
    elif node.policy_kind() == "base_stock":
        add("the model's own", node.order_up_to - 1, node.order_up_to)
    return rows


def simulated(
    model: Model,
    rows: list[dict],
    *,
    reps: int,
    periods: int | None = None,
    warmup: int | None = None,
    seed: int | None = None,
    progress: jobs.Progress | None = None,
):
    """``rows`` with simulated cost, service ratios and orders per day (mean and 95 % CI).

    Every policy runs on the same replications. Columns added per variable
    ``v``: ``v_mean``, ``v_ci_low``, ``v_ci_high`` for ``cost``, ``orders``
    and each service ratio the cube has.
    """
    import pandas as pd

    from fasttwin.app.explore import service_variables
    from fasttwin.app.jobs import summary_table

    node = model.nodes[0].name
    out = []
    for i, row in enumerate(rows):
        if progress is not None:
            progress(i / len(rows), f"simulating {row['policy']}")
        one = model.replace_node(
            node,
            reorder_point=row["reorder_point"],
            order_up_to=row["order_up_to"],
            order_quantity=None,
        )
        ds = jobs.simulate(one, reps=reps, periods=periods, warmup=warmup, seed=seed)
        ratios = service_variables(ds)
        table = summary_table(ds, ["cost", *ratios, "orders"]).set_index("variable")
        sim = dict(row)
        for var in table.index:
            for stat in ("mean", "ci_low", "ci_high"):
                sim[f"{var}_{stat}"] = table.loc[var, stat]
        out.append(sim)
    if progress is not None:
        progress(1.0, f"{len(rows)} policies simulated")
    frame = pd.DataFrame(out)
    frame.attrs["ratios"] = ratios if rows else []
    return frame


def display(table):
    """The table of :func:`simulated` for readers: a column per policy, a row per figure.

    Each formula's promise sits above the simulated figure it promises.
    """
    import pandas as pd

    from fasttwin.app.tables import interval, number, percent

    ratios = table.attrs.get("ratios", [])

    def sim(r, v, ratio):
        return interval(r[f"{v}_mean"], r[f"{v}_ci_low"], r[f"{v}_ci_high"], ratio)

    columns = {}
    for _, r in table.iterrows():
        col = {
            "(s, S)": f"({r['reorder_point']}, {r['order_up_to']})",
            "cost per day: exact": number(r["exact_cost"]),
            "cost per day: simulated": sim(r, "cost", False),
            "fill rate: promised": percent(r["promised_fill_rate"]),
        }
        col.update({f"{v}: simulated": sim(r, v, True) for v in ratios if v == "fill_rate"})
        col["cycle service: promised"] = percent(r["promised_cycle_service"])
        col.update({f"{v}: simulated": sim(r, v, True) for v in ratios if v != "fill_rate"})
        col["orders per day: simulated"] = sim(r, "orders", False)
        columns[r["policy"]] = col
    out = pd.DataFrame(columns)
    out.index.name = "figure"
    return out.reset_index()
