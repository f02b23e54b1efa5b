"""``fasttwin report``: a self-contained directory that a newcomer can read."""

from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

import fasttwin as ft
from fasttwin.analysis import best_policy
from fasttwin.analysis.report import open_cube, write_report
from fasttwin.cli.main import main

MODEL = ft.single_node(
    demand=ft.Poisson(mean=10.0), lead_time=1, holding_cost=1.0, backorder_cost=9.0, order_cost=64.0
)
GRID = {"reorder_point": list(range(8, 28, 4)), "order_up_to": list(range(40, 70, 6))}


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href", "data", "poster", "srcset", "action"):
                self.refs.append(value)


def references(index):
    parser = Links()
    parser.feed(index.read_text(encoding="utf-8"))
    return parser.refs


def check_self_contained(out, index):
    """Every link is a file of ``out`` the report wrote; every picture it wrote is shown."""
    written = {p.name for p in out.iterdir()}
    refs = references(index)
    assert refs
    for ref in refs:
        assert "/" not in ref and ":" not in ref and not ref.startswith(".")
        assert ref in written, ref
    assert {p for p in written if p.endswith(".png")} <= set(refs)
    return written, refs


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("cube") / "cube.zarr"
    ds = ft.simulate(MODEL, GRID, reps=30, periods=200, warmup=20, seed=4)
    ds.to_zarr(path, zarr_format=3, consolidated=False)
    return path


def test_report_command_on_a_zarr_store(store, tmp_path, capsys):
    out = tmp_path / "report"
    assert main(["report", str(store), "--out", str(out), "--target", "0.95"]) == 0
    index = out / "index.html"
    written, refs = check_self_contained(out, index)
    assert written == {
        "index.html",
        "summary.csv",
        "recommendation.csv",
        "frontier.csv",
        "cost_surface.png",
        "frontier.png",
        "convergence.png",
        "trajectories.png",
    }
    assert "summary.csv" in refs
    text = index.read_text(encoding="utf-8")
    cube = open_cube(store)
    best = best_policy(cube, 0.95)
    policy = best.recommended.policy
    assert "Use this policy" in text
    for key, value in policy.items():
        assert f"<th>{key}</th><td><b>{value}</b></td>" in text
    assert f"{best.recommended.cost.mean:.4g} (95% CI {best.recommended.cost.low:.4g}" in text
    assert "Model (TOML)" in text
    summary = pd.read_csv(out / "summary.csv")
    assert len(summary) == int(cube["valid"].sum())
    assert {"cost_mean", "cost_ci_low", "fill_rate_ci_high", "n_reps"} <= set(summary.columns)
    rec = pd.read_csv(out / "recommendation.csv")
    assert rec.loc[0, "reorder_point"] == policy["reorder_point"]
    assert "wrote" in capsys.readouterr().out


def test_report_with_scenarios_and_no_feasible_policy(tmp_path):
    ds = ft.simulate(
        MODEL, GRID, reps=10, periods=120, warmup=10, seed=4, scenario=["baseline", "demand_surge"]
    )
    # Fixed-width unicode coordinates have no Zarr v3 specification yet; store them as text.
    ds = ds.assign_coords(scenario=ds["scenario"].values.astype(object))
    ds.to_zarr(tmp_path / "s.zarr", zarr_format=3, consolidated=False)
    out = tmp_path / "r"
    index = write_report(open_cube(tmp_path / "s.zarr"), out, target=1.0)
    written, _ = check_self_contained(out, index)
    assert "scenarios.png" in written and "trajectories.png" in written
    text = index.read_text(encoding="utf-8")
    assert "No policy in the simulated grid reaches" in text
    assert "Scenario by scenario" in text
    assert pd.read_csv(out / "recommendation.csv")["answer"].tolist() == [
        "baseline",
        "demand_surge",
        "worst case",
        "average",
    ]


def test_report_without_the_model_says_why(store, tmp_path):
    cube = open_cube(store)
    cube.attrs = {}
    index = write_report(cube, tmp_path / "r", target=0.9)
    written, _ = check_self_contained(tmp_path / "r", index)
    assert "trajectories.png" not in written
    assert "does not carry its model" in index.read_text(encoding="utf-8")


def test_report_bad_input_writes_nothing(store, tmp_path, capsys):
    out = tmp_path / "never"
    assert main(["report", str(store), "--out", str(out), "--target", "1.5"]) == 2
    assert "target must be a number in (0, 1]" in capsys.readouterr().err
    assert main(["report", str(store), "--out", str(out), "--service", "speed"]) == 2
    assert "needs variable(s) speed" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "missing.zarr"), "--out", str(out)]) == 2
    assert "no Zarr store" in capsys.readouterr().err
    assert not out.exists()


# --- networks: per node, per scenario, advice that names the binding node ------------------

TWIN_GRID = {"warehouse.reorder_point": [800, 1600], "warehouse.order_up_to": [2400, 3300]}


@pytest.fixture(scope="module")
def twin_report(tmp_path_factory):
    """The retail twin's warehouse grid: no policy reaches 98 % (its stores cap fill)."""
    ds = ft.simulate(
        ft.retail_twin(),
        TWIN_GRID,
        reps=12,
        scenario=["baseline", "demand_surge", "supplier_delay"],
    )
    out = tmp_path_factory.mktemp("twin") / "r"
    return ds, out, write_report(ds, out, target=0.98)


def test_network_report_shows_nodes_and_every_scenario(twin_report):
    ds, out, index = twin_report
    written, _ = check_self_contained(out, index)
    assert {"nodes.png", "cost_surfaces.png", "summary_nodes.csv"} <= written
    assert "trajectories.png" in written  # daily paths, one column per node
    text = index.read_text(encoding="utf-8")
    assert "Node by node" in text
    for node in ("warehouse", "store_1", "store_2", "store_3"):
        assert f"<th>{node}</th>" in text
    assert "percentile of the cells" in text  # the colour scale is stated


def test_no_feasible_policy_names_the_binding_node(twin_report):
    from fasttwin.analysis.report import binding_node

    ds, _, index = twin_report
    best = best_policy(ds, 0.98)
    node, value, scenario, top = binding_node(ds, best)
    # The node of lowest fill at the closest policy, in its worst scenario.
    fill = ds["node_fill_rate"].sel(best.recommended.policy).mean("rep")
    stores = fill.sel(node=["store_1", "store_2", "store_3"]).min("scenario")
    assert node == str(stores.idxmin("node").item()) and value == pytest.approx(stores.min())
    assert scenario in ("baseline", "demand_surge", "supplier_delay") and top < 0.98
    text = index.read_text(encoding="utf-8")
    assert f"<b>{node} limits service</b>" in text
    assert "below its mean demand over lead time and review" in text
    assert "fasttwin optimize" in text


def test_frontier_legend_names_only_what_is_drawn(twin_report, tmp_path, monkeypatch):
    from fasttwin.analysis import plots

    ds, _, _ = twin_report
    figures = []
    monkeypatch.setattr(plots, "_save", lambda fig, path: figures.append(fig))
    plots.plot_frontier(ds, tmp_path / "f.png", target=0.98)
    plots.plot_frontier(ds, tmp_path / "g.png", target=0.5)
    texts = [[t.get_text() for lg in f.legends for t in lg.get_texts()] for f in figures]
    assert not any("meeting the target" in t for t in texts[0])
    assert any("meeting the target" in t for t in texts[1])
    # One panel per scenario; no legend inside any panel.
    assert sum(ax.get_visible() for ax in figures[0].axes) == 3
    assert all(ax.get_legend() is None for ax in figures[0].axes)


def test_colour_scale_is_not_flattened_by_one_corner():
    from matplotlib.colors import LogNorm

    from fasttwin.analysis.plots import colour_norm

    costs = np.r_[np.linspace(100, 130, 400), 1e5]
    norm, extend, text = colour_norm(costs)
    assert norm.vmax < 131 and extend == "both" and "percentile" in text
    wide = np.geomspace(10, 1e4, 400)
    assert isinstance(colour_norm(wide)[0], LogNorm) and "log" in colour_norm(wide)[2]


# --- optimiser stores ----------------------------------------------------------------------


def test_report_of_an_optimiser_store(tmp_path, capsys):
    from fasttwin.optimize.execute import run_optimize
    from fasttwin.optimize.spec import OptimizeSpec

    model = ft.retail_twin()
    space = {f"{s}.reorder_point": range(100, 301, 25) for s in ("store_1", "store_2", "store_3")}
    spec = OptimizeSpec(
        model,
        space,
        scenarios=["baseline", "demand_surge"],
        reps=10,
        budget=60,
        final_reps=10,
        max_final_reps=40,
        confirm_reps=20,
    )
    store = tmp_path / "o.zarr"
    run_optimize(spec, store, "inline")
    out = tmp_path / "r"
    assert main(["report", str(store), "--out", str(out)]) == 0
    assert "chosen policy: store_1_reorder_point=" in capsys.readouterr().out
    index = out / "index.html"
    written, _ = check_self_contained(out, index)
    assert {
        "search.png",
        "search_progress.png",
        "nodes.png",
        "convergence.png",
        "points.csv",
        "finalists.csv",
        "service.csv",
        "nodes.csv",
    } <= written
    text = index.read_text(encoding="utf-8")
    assert "Where service was lost before" in text and "limited service" in text
    points = pd.read_csv(out / "points.csv")
    assert len(points) == 60 and {"batch", "store_1_reorder_point", "shortfall"} <= set(points)
    assert pd.read_csv(out / "finalists.csv")["chosen"].sum() == 1
    # Its answer was searched for its own target: --target cannot change it silently.
    assert main(["report", str(store), "--out", str(tmp_path / "x"), "--target", "0.9"]) == 2
    assert "cannot change an optimiser store's answer" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_network_report_shows_daily_paths_per_node(tmp_path):
    """The daily-path picture of a network: one column per node, of the recommended policy."""
    from fasttwin.analysis.plots import plot_trajectories

    twin = ft.retail_twin()
    ds = ft.simulate(twin, {"store_1.reorder_point": [100, 200]}, reps=20, periods=40, seed=3)
    index = write_report(ds, tmp_path / "r", target=0.9)
    assert (tmp_path / "r" / "trajectories.png").stat().st_size > 20_000
    assert "one column per node" in index.read_text()
    tr = ft.trace(twin, {"store_1.reorder_point": 200}, reps=2, periods=40, seed=3)
    assert tr.attrs["policy"] == "store_1.reorder_point=200"
    with pytest.raises(ValueError, match="dims rep, day"):
        plot_trajectories(tr.expand_dims(extra=2), tmp_path / "x.png")
