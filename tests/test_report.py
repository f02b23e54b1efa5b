"""``fasttwin report``: a self-contained directory that a newcomer can read."""

from html.parser import HTMLParser

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
