"""Every plot writes a PNG of the asked size with something drawn on it."""

import struct

import numpy as np
import pytest
from matplotlib.image import imread

import fasttwin as ft
from fasttwin.analysis import plots
from tests.test_analysis import cube, scenario_cube

SIZE = (640, 480)


def check_png(path, size=SIZE):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == size
    pixels = imread(path)
    assert pixels.shape[:2] == (size[1], size[0])
    # Not a blank canvas: many distinct colours were drawn.
    flat = pixels.reshape(-1, pixels.shape[-1])
    assert len(np.unique(flat, axis=0)) > 20


def test_cost_surface(tmp_path):
    ds = cube()
    out = plots.plot_cost_surface(ds, tmp_path / "s.png", size=SIZE)
    check_png(out)
    check_png(plots.plot_cost_surface(ds, tmp_path / "t.png", x="S", y="s", size=SIZE))
    # One grid axis: a cost curve with its band.
    check_png(plots.plot_cost_surface(ds.sel(S=50), tmp_path / "c.png", size=SIZE))
    # Scenarios: a chosen one, and the worst case.
    sc = scenario_cube()
    check_png(plots.plot_cost_surface(sc, tmp_path / "w.png", size=SIZE))
    check_png(plots.plot_cost_surface(sc, tmp_path / "h.png", scenario="hi", size=SIZE))


def test_cost_surface_with_a_third_axis_held(tmp_path):
    ds = cube().expand_dims(review_period=[1, 2]).transpose("review_period", "s", "S", "rep")
    out = plots.plot_cost_surface(
        ds, tmp_path / "s.png", x="s", y="S", at={"review_period": 2}, size=SIZE
    )
    check_png(out)


def test_frontier_convergence_scenarios(tmp_path):
    check_png(plots.plot_frontier(cube(), tmp_path / "f.png", size=SIZE))
    check_png(plots.plot_frontier(scenario_cube(), tmp_path / "fs.png", size=SIZE))
    check_png(plots.plot_convergence(cube(), tmp_path / "c.png", size=SIZE))
    check_png(
        plots.plot_convergence(
            scenario_cube(), tmp_path / "cs.png", policy={"S": 2}, variables=["cost"], size=SIZE
        )
    )
    check_png(plots.plot_scenarios(scenario_cube(), tmp_path / "sc.png", size=SIZE))
    check_png(
        plots.plot_scenarios(
            scenario_cube(), tmp_path / "sp.png", policies={"mine": {"S": 1}}, size=SIZE
        )
    )


def test_trajectories(tmp_path):
    model = ft.single_node(
        demand=ft.Poisson(mean=5.0), lead_time=2, holding_cost=1.0, backorder_cost=9.0
    )
    tr = ft.trace(model, {"reorder_point": 8, "order_up_to": 25}, reps=3, periods=60, warmup=10)
    check_png(plots.plot_trajectories(tr, tmp_path / "t.png", size=SIZE))
    check_png(plots.plot_trajectories(tr, tmp_path / "d.png", size=(1200, 900)), (1200, 900))


def test_default_size(tmp_path):
    check_png(plots.plot_frontier(cube(), tmp_path / "f.png"), plots.SIZE)


def test_plot_bad_input(tmp_path):
    ds = cube()
    with pytest.raises(ValueError, match="x 'order_up_to' is no grid axis.*grid axes: s, S"):
        plots.plot_cost_surface(ds, tmp_path / "x.png", x="order_up_to")
    with pytest.raises(ValueError, match="x and y must be different"):
        plots.plot_cost_surface(ds, tmp_path / "x.png", x="s", y="s")
    with pytest.raises(ValueError, match="policy s=99 is not on the grid"):
        plots.plot_convergence(ds, tmp_path / "x.png", policy={"s": 99, "S": 40})
    with pytest.raises(ValueError, match="missing"):
        plots.plot_convergence(ds, tmp_path / "x.png", policy={"s": 10})
    with pytest.raises(ValueError, match="scenario dimension"):
        plots.plot_scenarios(ds, tmp_path / "x.png")
    with pytest.raises(ValueError, match="unknown scenario 'mid'"):
        plots.plot_cost_surface(scenario_cube(), tmp_path / "x.png", scenario="mid")
    with pytest.raises(ValueError, match="target must be"):
        plots.plot_frontier(ds, tmp_path / "x.png", target=2)
    with pytest.raises(ValueError, match="size must be"):
        plots.plot_frontier(ds, tmp_path / "x.png", size=(10, 10))
    with pytest.raises(ValueError, match="ft.trace"):
        plots.plot_trajectories(ds, tmp_path / "x.png")
    with pytest.raises(ValueError, match="single policy"):
        plots.plot_cost_surface(ds.sel(s=20, S=50), tmp_path / "x.png")
    assert not list(tmp_path.iterdir())
