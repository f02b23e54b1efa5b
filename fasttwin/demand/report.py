"""The fit report: ``index.html`` with a table of products and, per product, two pictures.

- ``figures/<node>_fit.png``: the history per period (dots), the fitted mean
  (line) with the band of 95 % of the fitted twin's demand over the history,
  the forecast and its band after the end, and the status window shaded
  with its flag;
- ``figures/<node>_gof.png``: goodness of fit, one panel per family: the
  histogram of the randomized probability integral transform (PIT) of the
  history's periods under that family's fit, flat (at the dashed line) when
  the family describes the data; titled with its AIC above the best one and
  the p-value of a Kolmogorov–Smirnov test of flatness; the chosen family
  is drawn in colour.

Pictures are drawn on :class:`matplotlib.figure.Figure` with the Agg canvas
(no display needed). The page links only files in its directory.
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np

from fasttwin.demand.families import FAMILIES
from fasttwin.demand.periods import period_start

_DPI = 100
#: Level of the bands drawn over the history and the forecast.
BAND_LEVEL = 0.95


def _canvas(width: int, height: int):
    """A figure of ``width`` x ``height`` pixels on the Agg canvas (no display)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width / _DPI, height / _DPI), dpi=_DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _dates(fit, index: np.ndarray):
    """Dates of periods ``index`` of a fit's history (period numbers without dates)."""
    if fit.start is None:
        return np.asarray(index)
    return np.array(
        [period_start(int(i), fit.frequency, fit.start) for i in index], dtype="datetime64[D]"
    )


#: Periods of history and of forecast in the zoomed panel of the fit picture.
ZOOM_HISTORY = 56
ZOOM_FORECAST = 28


def plot_fit(fit, forecast, path) -> Path:
    """History, fitted mean and band, forecast band and status window of one product.

    Left: the whole history and forecast; right: a zoom on the last 56
    periods and the first 28 forecast periods, where short cycles show.
    """
    from matplotlib.gridspec import GridSpec

    fig = _canvas(960, 440)
    grid = GridSpec(1, 2, figure=fig, width_ratios=(3, 2))
    whole, zoom = fig.add_subplot(grid[0]), fig.add_subplot(grid[1])
    n = fit.values.size
    h = forecast.sizes[next(iter(forecast.dims))]
    x = _dates(fit, np.arange(n))
    fx = _dates(fit, np.arange(n, n + h))
    low, high = fit.history_band(BAND_LEVEL)
    mean = fit.expected_periods(0, fit.days)
    for ax, past, ahead in (
        (whole, slice(None), slice(None)),
        (zoom, slice(max(n - ZOOM_HISTORY, 0), None), slice(0, ZOOM_FORECAST)),
    ):
        first = ax is whole
        ax.fill_between(
            x[past],
            low[past],
            high[past],
            step="mid",
            color="tab:blue",
            alpha=0.18,
            label=f"fitted twin, {BAND_LEVEL:.0%} of periods" if first else None,
        )
        ax.plot(
            x[past], mean[past], color="tab:blue", lw=1.2, label="fitted mean" if first else None
        )
        ax.plot(
            x[past], fit.values[past], ".", color="black", ms=3, label="history" if first else None
        )
        ax.fill_between(
            fx[ahead],
            forecast["lower"][ahead],
            forecast["upper"][ahead],
            step="mid",
            color="tab:orange",
            alpha=0.25,
            label=f"forecast, {forecast.attrs['level']:.0%} interval" if first else None,
        )
        ax.plot(
            fx[ahead],
            forecast["mean"][ahead],
            color="tab:orange",
            lw=1.2,
            label="forecast mean" if first else None,
        )
        if fit.status is not None:
            ax.axvspan(
                x[n - fit.status.window_periods],
                x[-1],
                color="red" if fit.status.flag != "normal" else "grey",
                alpha=0.12,
                label=f"last {fit.status.window_days} days: {fit.status.flag}" if first else None,
            )
        ax.set_ylim(bottom=0)
        ax.tick_params(axis="x", labelsize=8, labelrotation=20)
    unit = {"daily": "day", "weekly": "week", "monthly": "month"}[fit.frequency]
    whole.set_ylabel(f"demand per {unit}")
    zoom.set_title("zoom: the end of the history and the forecast", fontsize=9)
    fig.suptitle(f"{fit.product}: {fit.describe()}", fontsize=10)
    fig.legend(fontsize=8, ncols=6, loc="outside lower center")
    fig.savefig(path, dpi=_DPI, format="png")
    return Path(path)


def plot_gof(fit, path) -> Path:
    """Randomized-PIT histogram of every fitted family (module docstring)."""
    fig = _canvas(960, 300)
    axes = fig.subplots(1, len(FAMILIES), squeeze=False)
    best = fit.best.aic if fit.families else 0.0
    bins = 10
    for ax, kind in zip(axes[0], FAMILIES, strict=True):
        if kind not in fit.pit:
            ax.set_axis_off()
            continue
        chosen = kind == fit.family
        ax.hist(
            fit.pit[kind],
            bins=bins,
            range=(0, 1),
            density=True,
            color="tab:blue" if chosen else "lightgrey",
            edgecolor="white",
        )
        ax.axhline(1.0, color="black", ls="--", lw=1)
        delta = fit.families[kind].aic - best
        ax.set_title(
            f"{kind}\nΔAIC {delta:.1f}, KS p {fit.gof[kind]:.2g}",
            fontsize=9,
            fontweight="bold" if chosen else "normal",
        )
        ax.set_xlabel("PIT")
        ax.set_xlim(0, 1)
    axes[0, 0].set_ylabel("density (flat = good fit)")
    if fit.family == "trace":
        fig.suptitle(
            "no family fits this sparse history: the twin bootstraps the history", fontsize=10
        )
    fig.savefig(path, dpi=_DPI, format="png")
    return Path(path)


def _cell(value) -> str:
    return f"<td>{html.escape(str(value))}</td>"


def _params_table(fit) -> str:
    if not fit.families:
        return "<p>No demand in the history: the twin draws none.</p>"
    best = fit.best.aic
    rows = []
    for kind, f in fit.families.items():
        params = ", ".join(f"{k} {v:.4g} ± {f.se[k]:.2g}" for k, v in f.params.items())
        mark = " (chosen)" if kind == fit.family else ""
        rows.append(
            "<tr>"
            + _cell(kind + mark)
            + _cell(params)
            + _cell(f"{f.aic:.1f}")
            + _cell(f"{f.aic - best:.1f}")
            + _cell(f"{fit.gof[kind]:.3g}")
            + "</tr>"
        )
    head = (
        "<tr><th>family</th><th>parameters ± standard error</th><th>AIC</th><th>ΔAIC</th>"
        "<th>KS p (PIT)</th></tr>"
    )
    return f"<table>{head}{''.join(rows)}</table>"


def write_report(fits: dict, forecasts: dict, models: dict, names: dict, out, source: dict) -> Path:
    """Write ``index.html`` and ``figures/`` into ``out``; return the page's path.

    ``forecasts``, ``models`` and ``names`` are keyed by product like ``fits``
    (forecast Datasets, one-node models, node names); ``source`` describes
    the history (``file``, ``layout``, ``frequency``).
    """
    out = Path(out)
    figures = out / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    summary, sections = [], []
    for product, fit in fits.items():
        name = names[product]
        plot_fit(fit, forecasts[product], figures / f"{name}_fit.png")
        plot_gof(fit, figures / f"{name}_gof.png")
        node = models[product].nodes[0]
        cls = fit.intermittency
        status = fit.status.describe() if fit.status else "no flag (history too short)"
        fc = forecasts[product]
        total = (
            f"{fc.attrs['total_mean']:.0f} [{fc.attrs['total_lower']:.0f}, "
            f"{fc.attrs['total_upper']:.0f}]"
        )
        policy = (
            f"S = {node.order_up_to}"
            if node.reorder_point is None
            else f"(s, S) = ({node.reorder_point}, {node.order_up_to})"
        )
        summary.append(
            "<tr>"
            + f"<td><a href='#{name}'>{html.escape(product)}</a></td>"
            + _cell(f"{fit.values.size} × {fit.frequency}")
            + _cell(f"{np.mean(fit.values):.3g}")
            + _cell(f"{cls.kind} (ADI {cls.adi:.2f}, CV² {cls.cv2:.2f})")
            + _cell(fit.describe())
            + _cell(status)
            + _cell(total)
            + _cell(policy)
            + f"<td><a href='models/{name}.toml'>model</a> · "
            f"<a href='sweeps/{name}.toml'>sweep</a></td></tr>"
        )
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in fit.notes)
        if fit.criteria:
            crit = ", ".join(f"{k} {v:.1f}" for k, v in fit.criteria.items())
            terms = f"<p>Mean-path terms: <b>{fit.terms}</b> (criterion, lowest wins: {crit}).</p>"
        else:
            terms = ""
        sections.append(
            f"<h2 id='{name}'>{html.escape(product)}</h2>"
            f"<p>{html.escape(fit.describe())}. Status: {html.escape(status)}.</p>"
            + terms
            + (f"<ul>{notes}</ul>" if notes else "")
            + f"<img src='figures/{name}_fit.png' alt='history, fit and forecast of "
            f"{html.escape(product)}'>"
            + "<p class='cap'>Dots: the history. Blue: the fitted mean and the range of 95 % "
            "of the fitted twin's demand per period (fit uncertainty included): about 1 dot in "
            "20 should fall outside it. Orange: the forecast and its interval. Shaded: the "
            "window the status flag judges.</p>"
            + f"<img src='figures/{name}_gof.png' alt='goodness of fit of {html.escape(product)}'>"
            + "<p class='cap'>Each panel: where each period's demand fell within that family's "
            "fitted distribution (randomized PIT). A good fit is flat at the dashed line; a U "
            "shape means too little spread, a hump too much, a slope a biased mean. ΔAIC: "
            "how far the family's AIC is above the best; KS p: a test of flatness (below 0.01: "
            "the family does not fit).</p>" + _params_table(fit)
        )
    page = _PAGE.format(
        source=html.escape(str(source.get("file", ""))),
        layout=html.escape(str(source.get("layout", ""))),
        frequency=html.escape(str(source.get("frequency", ""))),
        products=len(fits),
        rows="".join(summary),
        sections="".join(sections),
    )
    index = out / "index.html"
    index.write_text(page, encoding="utf-8")
    return index


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Demand fit report</title>
<style>
body {{ font-family: sans-serif; max-width: 1000px; margin: 2em auto; color: #222; }}
table {{ border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0 1.5em; }}
td, th {{ border: 1px solid #ccc; padding: 3px 6px; text-align: left; vertical-align: top; }}
img {{ max-width: 100%; }} .cap {{ font-size: 0.85em; color: #555; }}
</style></head><body>
<h1>Demand fit report</h1>
<p>History <code>{source}</code> ({layout} layout, {frequency}), {products} products.
Each product's demand is fitted to the twin's daily demand model; <code>network.toml</code> holds
every product as one SKU, <code>models/</code> and <code>sweeps/</code> one model and one policy
sweep per product, <code>fits.csv</code> and <code>forecast.csv</code> the numbers.</p>
<table><tr><th>product</th><th>history</th><th>mean per period</th>
<th>demand class</th><th>fitted model (daily)</th><th>status</th>
<th>forecast total [interval]</th><th>starting policy</th><th>files</th></tr>
{rows}</table>
<h2>How demand is fitted</h2>
<ul>
<li><b>Units and periods.</b> Values are rounded to whole units. A weekly or monthly history is
the sum of independent days of the twin's daily demand: Poisson(m) totals come from Poisson days,
negative binomial of size n·k from days of size k, gamma of shape n·a from days of shape a,
normal of spread s·√n from days of spread s (n days in the period).</li>
<li><b>Class.</b> Syntetos–Boylan: ADI (periods per period with demand) ≥ 1.32 is intermittent
(CV² of the non-zero demands &lt; 0.49) or lumpy (≥ 0.49); below 1.32 smooth or erratic.</li>
<li><b>Trend and season.</b> The mean path is
base × (1 + trend·t) × (1 + amplitude·sin(2π(t + phase)/period)), t in days. Candidate cycles come
from a periodogram (at least two cycles in the history), starting values from a robust STL
decomposition; level, trend, season and both are fitted with the negative binomial family and
the lowest BIC is kept, a seasonal path paying 2·ln K more for the K periods its cycle was
searched among.</li>
<li><b>Family.</b> Poisson, negative binomial, normal and gamma are fitted by maximum likelihood
with those terms; the lowest AIC wins. An intermittent or lumpy daily history that the winner
fails to fit (KS p &lt; 0.01) is bootstrapped instead (blocks of 7 days of the history).</li>
<li><b>Status.</b> The fit is repeated without the last 4 weeks (last month of a monthly
history); their total above the 99 % interval of what that fit predicts is a <i>surge</i>, below
it <i>low velocity</i>, inside it <i>normal</i>.</li>
<li><b>Starting policy.</b> Textbook base-stock (EOQ + safety stock when ordering costs),
at the cycle service level asked; sweep it with <code>fasttwin sweep sweeps/NAME.toml</code>.</li>
</ul>
{sections}
</body></html>
"""
