"""The fitted twin: it reproduces the histories, round-trips through TOML, runs, and the CLI.

The central check: each product's fitted model, simulated by the twin over
the history's span (``origin="history"``), gives replications whose mean and
variance (over the history's periods) bracket the history's own within 4
standard errors, the standard error being the spread of that statistic over
the replications (what a history of that length could look like under the
fit).
"""

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import fasttwin as ft
from fasttwin.cli.main import build_parser, main
from fasttwin.demand import (
    TwinSettings,
    fit_history,
    fit_series,
    load_history,
    network_model,
    product_model,
)
from fasttwin.sweep.spec import load_spec
from tests.test_demand_fit import TRUTH, draw, path

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = TwinSettings(lead_time=2, periods=120, warmup=10, reps=20, grid_points=12)


@pytest.fixture(scope="module")
def fits():
    rng = np.random.default_rng(77)
    mu = path(np.arange(365), **TRUTH)
    out = {
        kind: fit_series(draw(kind, mu, spread, rng), product=kind)
        for kind, spread in (
            ("poisson", None),
            ("negative_binomial", 6.0),
            ("normal", 6.0),
            ("gamma", 8.0),
        )
    }
    lumpy = np.where(rng.uniform(size=365) < 0.12, rng.poisson(40.0, 365), 0)
    out["lumpy"] = fit_series(lumpy, product="lumpy")
    weekly = draw("negative_binomial", path(np.arange(728), 20.0, 0.0005, 0.3, 3.0, 91.0), 3.0, rng)
    out["weekly"] = fit_series(weekly.reshape(-1, 7).sum(axis=1), days=np.full(104, 7),
                               product="weekly")  # fmt: skip
    assert out["lumpy"].family == "trace"
    return out


def test_simulated_twin_reproduces_each_history_mean_and_variance(fits):
    for product, fit in fits.items():
        model = product_model(fit, SETTINGS, origin="history")
        assert model.periods == fit.days.sum()
        tr = ft.trace(model, reps=400, seed=5)
        daily = tr["demand"].values.astype(float)  # (rep, day)
        totals = np.add.reduceat(daily, np.concatenate([[0], np.cumsum(fit.days)[:-1]]), axis=1)
        for stat in (np.mean, lambda x, **kw: np.var(x, ddof=1, **kw)):
            sim = stat(totals, axis=1)
            hist = stat(fit.values)
            assert abs(hist - sim.mean()) <= 4 * sim.std(ddof=1), (product, hist, sim.mean())


def test_models_round_trip_through_toml(fits, tmp_path):
    for product, fit in fits.items():
        for origin in ("forecast", "history"):
            model = product_model(fit, SETTINGS, origin=origin)
            path_ = tmp_path / f"{product}_{origin}.toml"
            path_.write_text(model.to_toml())
            assert ft.load_model(path_) == model
    net = network_model(fits, SETTINGS)
    (tmp_path / "net.toml").write_text(net.to_toml())
    assert ft.load_model(tmp_path / "net.toml") == net
    assert net.node_names == tuple(fits) and all(n.parent is None for n in net.nodes)


def test_network_twin_draws_each_products_forecast(fits):
    """Simulated forward, every SKU of the network draws its forecast's expected demand."""
    net = network_model(fits, SETTINGS)
    ds = ft.simulate(net, reps=200, seed=3)
    demand = ds["node_demand"]  # mean per day over the measured days, per rep
    for product, fit in fits.items():
        days = np.ones(SETTINGS.periods - SETTINGS.warmup, np.int64)
        expected = fit.expected_periods(int(fit.days.sum()) + SETTINGS.warmup, days).mean()
        sim = demand.sel(node=product).values
        assert abs(sim.mean() - expected) <= 4 * sim.std(ddof=1) / np.sqrt(sim.size), product


def test_policies_follow_the_formula_and_sweep_specs_load(fits, tmp_path):
    from fasttwin.analytic import formula_policy

    settings = TwinSettings(lead_time=3, order_cost=50.0, cycle_service=0.9, grid_points=30)
    model = product_model(fits["negative_binomial"], settings)
    node = model.nodes[0]
    expected = formula_policy(model, cycle_service=0.9)
    assert (node.reorder_point, node.order_up_to) == (expected.reorder_point, expected.order_up_to)
    from fasttwin.demand.twin import sweep_toml

    (tmp_path / "m.toml").write_text(model.to_toml())
    (tmp_path / "s.toml").write_text(sweep_toml(model, "m.toml", settings))
    spec = load_spec(tmp_path / "s.toml")
    assert spec.model == model and spec.reps == settings.reps
    grid = dict(spec.grid)
    assert set(grid) == {"reorder_point", "order_up_to"}
    assert node.reorder_point in grid["reorder_point"] and node.order_up_to in grid["order_up_to"]
    assert np.prod([len(v) for v in grid.values()]) <= 30


def test_example_history_is_the_scripts_and_fits_as_designed(tmp_path):
    sys.path.insert(0, str(ROOT / "sweeps"))
    try:
        import make_demand_history
    finally:
        sys.path.pop(0)
    written = make_demand_history.write(tmp_path / "h.csv")
    assert written.read_bytes() == (ROOT / "sweeps" / "demand_history.csv").read_bytes()
    fits = fit_history(load_history(ROOT / "sweeps" / "demand_history.csv"), seed=7)
    flags = {p: f.status.flag for p, f in fits.items()}
    assert flags == {
        "espresso_1kg": "normal",
        "oat_milk": "normal",
        "tea_sampler": "normal",
        "gift_box": "normal",
        "cold_brew": "surge",
        "paper_filters": "low velocity",
    }
    assert fits["gift_box"].family == "trace"
    assert fits["oat_milk"].families["poisson"].params["period"] == pytest.approx(7.0, abs=0.01)
    assert fits["espresso_1kg"].terms == "trend+season"
    assert fits["tea_sampler"].family == "normal" and fits["tea_sampler"].terms == "level"


def _small_history(tmp_path) -> Path:
    rng = np.random.default_rng(12)
    days = np.arange("2024-01-01", "2024-06-29", dtype="datetime64[D]")
    rows = ["\ufeffDate;SKU;Units"]  # a European spreadsheet export: BOM, semicolons
    mu = {"Café crème": 12.0, "Tea": 3.0, "Gift": 0.0}
    for i, day in enumerate(days):
        for product, m in mu.items():
            value = rng.poisson(m) if product != "Gift" else (20 if i % 17 == 0 else 0)
            rows.append(f"{day};{product};{value}")
    path_ = tmp_path / "history.csv"
    path_.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path_


def test_import_demand_command_writes_the_twin_and_report(tmp_path, capsys):
    src = _small_history(tmp_path)
    out = tmp_path / "out"
    code = main(["import-demand", str(src), "--out", str(out), "--product-column", "sku",
                 "--lead-time", "2", "--periods", "60", "--warmup", "5", "--reps", "10",
                 "--grid-points", "6", "--horizon", "14"])  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    assert "Café crème" in printed and "wrote" in printed
    net = ft.load_model(out / "network.toml")
    assert net.node_names == ("Cafe_creme", "Tea", "Gift")
    for name in net.node_names:
        assert ft.load_model(out / "models" / f"{name}.toml").nodes[0].name == name
        assert load_spec(out / "sweeps" / f"{name}.toml").model.name == name
    fits_csv = (out / "fits.csv").read_text(encoding="utf-8").splitlines()
    assert len(fits_csv) == 4 and fits_csv[1].startswith("Café crème,Cafe_creme,daily,2024-01-01")
    forecast = (out / "forecast.csv").read_text().splitlines()
    assert len(forecast) == 1 + 3 * 14 and forecast[1].startswith("Café crème,2024-06-29,1,")
    page = (out / "index.html").read_text(encoding="utf-8")
    links = re.findall(r"(?:href|src)='([^'#]+)'", page)
    assert len(links) == 3 * 4 and all((out / link).is_file() for link in links)
    assert all((out / "figures" / f"{n}_{k}.png").stat().st_size > 10_000
               for n in net.node_names for k in ("fit", "gof"))  # fmt: skip
    ds = ft.simulate(net, reps=5)
    assert set(ds["node"].values) == set(net.node_names)
    # the sweep spec runs as `fasttwin sweep` runs it (here on an in-process Dask cluster)
    from distributed import Client

    with Client(processes=False, n_workers=1, threads_per_worker=1, dashboard_address=":0") as cl:
        ft.sweep(out / "sweeps" / "Tea.toml", tmp_path / "tea.zarr", cl, progress=False)
    import xarray as xr

    cube = xr.open_zarr(tmp_path / "tea.zarr")
    assert cube.sizes["rep"] == 10 and bool(cube["valid"].any())
    # a second run into the same directory is refused, unless asked
    assert main(["import-demand", str(src), "--out", str(out), "--product-column", "sku"]) == 2
    assert "--overwrite" in capsys.readouterr().err


def test_import_demand_refuses_bad_files_with_their_line(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("date,product,demand\n2024-01-01,a,1\n2024-01-02,a,x\n")
    assert main(["import-demand", str(bad), "--out", str(tmp_path / "o")]) == 2
    assert "line 3: column 'demand' must be a number, got 'x'" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
    assert main(["import-demand", str(bad), "--out", str(tmp_path / "o"),
                 "--cycle-service", "2"]) == 2  # fmt: skip
    assert "cycle_service must be a number in (0, 1)" in capsys.readouterr().err


def test_every_option_has_user_help():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices["import-demand"]
    for action in sub._actions:
        assert action.help and len(action.help) > 10, action.dest
        assert not re.search(r"TODO|XXX|FIXME|debug|internal", action.help), action.help
    assert sub.description


def test_importing_the_package_stays_cheap():
    code = (
        "import sys, fasttwin; fasttwin.demand.load_history; "
        "heavy = [m for m in ('statsmodels', 'scipy', 'matplotlib', 'pandas', 'xarray', 'numba')"
        " if m in sys.modules]; assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
