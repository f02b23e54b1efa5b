"""The dashboard's charts, as Altair (Vega-Lite) specifications built from plain tables.

Each function takes a :mod:`pandas` table made by the page logic and returns
an ``altair`` chart; nothing here draws or needs Streamlit, so the charts are
checked as data in the tests. Altair comes with Streamlit (extra ``app``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

STAR = "★"
CROSS = "×"


def _alt():
    import altair as alt

    return alt


def _tooltip(columns: Sequence[str], fmt: Mapping[str, str] | None = None):
    alt = _alt()
    fmt = fmt or {}
    return [alt.Tooltip(c, format=fmt[c]) if c in fmt else alt.Tooltip(c) for c in columns]


def heatmap(
    table,
    *,
    x: str,
    y: str,
    value: str,
    titles: Mapping[str, str],
    percent: bool = False,
):
    """Cells over grid axes ``x`` and ``y`` coloured by ``value``.

    ``table`` is a policy table slice (:func:`fasttwin.app.explore.policy_table`):
    cells that miss the target carry a cross, the recommended policy a star.
    ``titles`` names the axes and the colour for readers; ``percent`` shows
    ``value`` as a percentage.
    """
    alt = _alt()
    fmt = ".2%" if percent else ",.4g"
    base = alt.Chart(table).encode(
        x=alt.X(f"{x}:O", title=titles.get(x, x)),
        y=alt.Y(f"{y}:O", title=titles.get(y, y), sort="descending"),
    )
    cells = base.mark_rect().encode(
        color=alt.Color(
            f"{value}:Q",
            title=titles.get(value, value),
            scale=alt.Scale(scheme="viridis"),
            legend=alt.Legend(format=fmt, orient="bottom", gradientLength=240),
        ),
        tooltip=_tooltip([x, y, value, "feasible"], {value: fmt}),
    )
    crosses = (
        base.transform_filter("!datum.feasible")
        .mark_text(text=CROSS, color="white", fontSize=14)
        .encode(tooltip=_tooltip([x, y, value], {value: fmt}))
    )
    star = (
        base.transform_filter("datum.recommended")
        .mark_text(text=STAR, color="gold", fontSize=24, stroke="black", strokeWidth=0.6)
        .encode(tooltip=_tooltip([x, y, value], {value: fmt}))
    )
    # A fixed height per row: an explicit chart height is not kept when the legend is below.
    return (cells + crosses + star).properties(width="container", height=alt.Step(30))


def curve(table, *, x: str, mean: str, low: str, high: str, titles: Mapping[str, str]):
    """One grid axis: the mean with its CI band, infeasible points crossed, the star."""
    alt = _alt()
    base = alt.Chart(table).encode(x=alt.X(f"{x}:Q", title=titles.get(x, x)))
    band = base.mark_area(opacity=0.25).encode(y=alt.Y(f"{low}:Q"), y2=alt.Y2(f"{high}:Q"))
    line = base.mark_line(point=True).encode(
        y=alt.Y(f"{mean}:Q", title=titles.get(mean, mean), scale=alt.Scale(zero=False)),
        tooltip=_tooltip([x, mean, low, high, "feasible"]),
    )
    crosses = (
        base.transform_filter("!datum.feasible")
        .mark_text(text=CROSS, color="crimson", fontSize=16)
        .encode(y=f"{mean}:Q")
    )
    star = (
        base.transform_filter("datum.recommended")
        .mark_text(text=STAR, color="gold", fontSize=26, stroke="black", strokeWidth=0.6)
        .encode(y=f"{mean}:Q")
    )
    return (band + line + crosses + star).properties(width="container", height=360)


def frontier(
    table,
    *,
    cost: str,
    service: str,
    target: float,
    policy_columns: Sequence[str],
    titles: Mapping[str, str],
):
    """Cost against service of every policy; the frontier with CIs, the target, the choice.

    ``table`` has ``<cost>_mean``/``_ci_low``/``_ci_high``, the same for
    ``service``, and the flags ``feasible``, ``frontier``, ``recommended``.
    """
    alt = _alt()
    cm, sm = f"{cost}_mean", f"{service}_mean"
    tips = _tooltip([*policy_columns, cm, sm, "feasible"], {sm: ".3%", cm: ",.4g"})
    x = alt.X(f"{sm}:Q", title=titles.get(service, service), scale=alt.Scale(zero=False))
    y = alt.Y(f"{cm}:Q", title=titles.get(cost, cost), scale=alt.Scale(zero=False))
    base = alt.Chart(table)
    points = base.mark_circle(size=40, opacity=0.5).encode(
        x=x,
        y=y,
        color=alt.Color(
            "feasible:N",
            title="meets the target",
            scale=alt.Scale(domain=[True, False], range=["#2a9d8f", "#9a9a9a"]),
        ),
        tooltip=tips,
    )
    front = base.transform_filter("datum.frontier")
    line = front.mark_line(color="#264653").encode(x=x, y=y, order=f"{sm}:Q")
    xerr = front.mark_rule(color="#264653").encode(
        x=f"{service}_ci_low:Q", x2=f"{service}_ci_high:Q", y=y
    )
    yerr = front.mark_rule(color="#264653").encode(
        y=f"{cost}_ci_low:Q", y2=f"{cost}_ci_high:Q", x=x
    )
    rule = (
        alt.Chart({"values": [{"target": target}]})
        .mark_rule(color="crimson", strokeDash=[6, 4])
        .encode(x="target:Q")
    )
    star = (
        base.transform_filter("datum.recommended")
        .mark_text(text=STAR, color="gold", fontSize=30, stroke="black", strokeWidth=0.8)
        .encode(x=x, y=y, tooltip=tips)
    )
    return (points + line + xerr + yerr + rule + star).properties(width="container", height=380)


def convergence(frame, *, titles: Mapping[str, str]):
    """Running mean and CI band versus replications, one panel per variable."""
    alt = _alt()
    colour = "scenario:N" if "scenario" in frame.columns else alt.value("#1f77b4")
    base = alt.Chart().encode(x=alt.X("n:Q", title="replications"), color=colour)
    layer = alt.layer(
        base.mark_area(opacity=0.2).encode(y=alt.Y("low:Q", title=None), y2="high:Q"),
        base.mark_line().encode(y=alt.Y("mean:Q", scale=alt.Scale(zero=False))),
        data=frame.assign(title=frame["variable"].map(lambda v: titles.get(v, v))),
    )
    panels = [titles.get(v, v) for v in dict.fromkeys(frame["variable"])]
    return (
        layer.properties(width=760, height=160)
        .facet(row=alt.Row("title:N", title=None, sort=panels))
        .resolve_scale(y="independent")
    )


def intervals(
    frame,
    *,
    category: str,
    titles: Mapping[str, str],
    colour: str | None = None,
    order: Sequence[str] | None = None,
):
    """Means with 95 % CI bars per ``category`` (scenario, node), one panel per variable.

    ``frame`` is long: ``category``, ``variable``, ``mean``, ``ci_low``,
    ``ci_high``; panels follow the variables' order, categories ``order``.
    """
    alt = _alt()
    enc = {"color": f"{colour}:N"} if colour else {}
    base = alt.Chart().encode(
        x=alt.X(
            f"{category}:N",
            title=titles.get(category, category),
            sort=list(order) if order is not None else "ascending",
            axis=alt.Axis(labelAngle=-30, labelLimit=160),
        )
    )
    panels = [titles.get(v, v) for v in dict.fromkeys(frame["variable"])]
    layer = alt.layer(
        base.mark_rule(strokeWidth=2).encode(y=alt.Y("ci_low:Q", title=None), y2="ci_high:Q"),
        base.mark_point(filled=True, size=80).encode(
            y=alt.Y("mean:Q", scale=alt.Scale(zero=False)),
            tooltip=_tooltip([category, "mean", "ci_low", "ci_high"]),
            **enc,
        ),
        data=frame.assign(title=frame["variable"].map(lambda v: titles.get(v, v))),
    )
    return (
        layer.properties(width=260, height=220)
        .facet(column=alt.Column("title:N", title=None, sort=panels))
        .resolve_scale(y="independent")
    )


def paths(frame, *, titles: Mapping[str, str]):
    """Daily paths of a few replications (long: ``day``, ``rep``, ``variable``, ``value``);
    a row per variable, and a column per node when the frame has ``node``."""
    alt = _alt()
    nodes = list(dict.fromkeys(frame["node"])) if "node" in frame else []
    chart = (
        alt.Chart(frame.assign(title=frame["variable"].map(lambda v: titles.get(v, v))))
        .mark_line(interpolate="step-after", strokeWidth=1.2)
        .encode(
            x=alt.X("day:Q", title="day"),
            y=alt.Y("value:Q", title=None),
            color=alt.Color("rep:N", title="replication"),
            tooltip=_tooltip([*(["node"] if nodes else []), "day", "rep", "variable", "value"]),
        )
        .properties(width=760 // max(1, len(nodes)) if nodes else 760, height=130)
    )
    panels = [titles.get(v, v) for v in dict.fromkeys(frame["variable"])]
    rows = {"row": alt.Row("title:N", title=None, sort=panels)}
    if nodes:
        rows["column"] = alt.Column("node:N", title=None, sort=nodes)
    return chart.facet(**rows).resolve_scale(y="independent")
