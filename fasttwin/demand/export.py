"""``write_outputs``: everything ``fasttwin import-demand`` writes into its directory.

::

    DIR/network.toml          every product as one SKU (an independent one-node tree)
    DIR/models/NAME.toml      one model per product (its node is called NAME)
    DIR/sweeps/NAME.toml      a policy sweep spec of that model
    DIR/fits.csv              one row per product: class, chosen model, parameters and
                              standard errors, each family's AIC and KS p, status, policy
    DIR/forecast.csv          product, date, days, mean, lower, upper per forecast period
    DIR/index.html, figures/  the fit report (:mod:`fasttwin.demand.report`)

``NAME`` is the product's name made safe for files and nodes
(:func:`~fasttwin.demand.twin.node_names`). Files of the same names are
replaced.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from fasttwin.demand.families import FAMILIES
from fasttwin.demand.twin import (
    TwinSettings,
    network_model,
    node_names,
    product_model,
    sweep_toml,
)

#: Model parameters reported in fits.csv (with ``_se`` columns).
PARAMETERS = ("base", "trend", "amplitude", "period", "phase", "size", "shape", "std")


def write_outputs(
    fits: dict,
    out,
    settings: TwinSettings,
    *,
    horizon: int | None = None,
    level: float = 0.95,
    source: dict | None = None,
    report: bool = True,
) -> dict[str, Path]:
    """Write the fitted twin, the tables and (unless ``report=False``) the fit report.

    Parameters
    ----------
    fits
        ``{product: DemandFit}`` (:func:`~fasttwin.demand.fit_history`).
    out
        Output directory (created).
    settings
        Lead time, costs, policy target and run of every product's node.
    horizon, level
        Forecast periods (default: 91 days' worth) and interval level.
    source
        Description of the history for the report (``file``, ``layout``, ``frequency``).

    Returns
    -------
    dict
        Paths written: ``network``, ``fits``, ``forecast``, ``report`` (if any),
        and ``models/NAME``, ``sweeps/NAME`` per product.
    """
    out = Path(out)
    for folder in ("models", "sweeps"):
        (out / folder).mkdir(parents=True, exist_ok=True)
    names = node_names(fits)
    models = {p: product_model(fit, settings, name=names[p]) for p, fit in fits.items()}
    forecasts = {p: fit.forecast(horizon, level) for p, fit in fits.items()}
    written: dict[str, Path] = {}
    for product, model in models.items():
        name = names[product]
        path = out / "models" / f"{name}.toml"
        path.write_text(model.to_toml(), encoding="utf-8")
        written[f"models/{name}"] = path
        path = out / "sweeps" / f"{name}.toml"
        path.write_text(sweep_toml(model, f"../models/{name}.toml", settings), encoding="utf-8")
        written[f"sweeps/{name}"] = path
    written["network"] = out / "network.toml"
    written["network"].write_text(network_model(fits, settings).to_toml(), encoding="utf-8")
    written["fits"] = _write_fits(out / "fits.csv", fits, models, names)
    written["forecast"] = _write_forecast(out / "forecast.csv", forecasts)
    if report:
        from fasttwin.demand.report import write_report

        written["report"] = write_report(fits, forecasts, models, names, out, source or {})
    return written


def _write_fits(path: Path, fits: dict, models: dict, names: dict) -> Path:
    header = [
        "product", "node", "frequency", "first_date", "periods", "mean_per_period",
        "class", "adi", "cv2", "model", "description", "terms",
        *[c for p in PARAMETERS for c in (p, f"{p}_se")],
        *[f"aic_{k}" for k in FAMILIES], *[f"ks_p_{k}" for k in FAMILIES],
        "status", "window_days", "window_demand", "window_expected", "window_lower",
        "window_upper", "reorder_point", "order_up_to", "notes",
    ]  # fmt: skip
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for product, fit in fits.items():
            chosen = fit.families.get(fit.family)
            params = chosen.params if chosen else {}
            se = chosen.se if chosen else {}
            s = fit.status
            node = models[product].nodes[0]
            writer.writerow([
                product, names[product], fit.frequency, fit.start or "", fit.values.size,
                _num(np.mean(fit.values)), fit.intermittency.kind,
                _num(fit.intermittency.adi), _num(fit.intermittency.cv2),
                fit.family, fit.describe(), fit.terms if chosen else "",
                *[v for p in PARAMETERS for v in (_num(params.get(p)), _num(se.get(p)))],
                *[_num(fit.families[k].aic) if k in fit.families else "" for k in FAMILIES],
                *[_num(fit.gof.get(k)) for k in FAMILIES],
                s.flag if s else "", s.window_days if s else "", _num(s and s.observed),
                _num(s and s.expected), _num(s and s.lower), _num(s and s.upper),
                "" if node.reorder_point is None else node.reorder_point, node.order_up_to,
                "; ".join(fit.notes),
            ])  # fmt: skip
    return path


def _write_forecast(path: Path, forecasts: dict) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["product", "date", "days", "mean", "lower", "upper", "level"])
        for product, fc in forecasts.items():
            dim = next(iter(fc.dims))
            for i in range(fc.sizes[dim]):
                label = fc[dim].values[i]
                if dim == "date":
                    label = np.datetime_as_string(label, unit="D")
                writer.writerow([
                    product, label, int(fc["days"].values[i]), _num(fc["mean"].values[i]),
                    _num(fc["lower"].values[i]), _num(fc["upper"].values[i]),
                    fc.attrs["level"],
                ])  # fmt: skip
    return path


def _num(value) -> str:
    """A number for a CSV cell: 6 significant digits, empty when absent."""
    if value is None:
        return ""
    value = float(value)
    return "" if np.isnan(value) else f"{value:.6g}"
