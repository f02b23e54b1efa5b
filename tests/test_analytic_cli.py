"""``fasttwin analytic``: the report of what applies to a model, and why the rest does not."""

import json

import pytest

import fasttwin as ft
from fasttwin.analytic import analytic_report, optimal_ss, ss_cost
from fasttwin.cli.main import main


def _write(tmp_path, model):
    path = tmp_path / "model.toml"
    path.write_text(model.to_toml())
    return path


def test_exact_model_report(tmp_path, capsys):
    model = ft.load_model("sweeps/single_node.toml")
    assert main(["analytic", "sweeps/single_node.toml"]) == 0
    text = capsys.readouterr().out
    best = optimal_ss(model)
    assert (
        f"optimal (s, S): ({best.reorder_point}, {best.order_up_to}); cost {best.cost:.4f}" in text
    )
    assert f"cost {ss_cost(model, 45, 110):.4f}/day" in text  # the model's own (45, 110)
    assert "does not apply" not in text
    assert main(["analytic", "sweeps/single_node.toml", "--json", "--budget", "50"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["exact"]["optimal_ss"]["pairs"][0] == [best.reorder_point, best.order_up_to]
    grid = report["suggested_grid"]
    assert len(grid["reorder_point"]) * len(grid["order_up_to"]) <= 50
    gap = report["exact"]["safety_stock_policy"]["excess_over_optimum"]
    assert gap > 0


def test_non_exact_model_says_why(tmp_path, capsys):
    model = ft.single_node(
        demand=ft.Normal(50.0, 10.0),
        lead_time=ft.Normal(5.0, 1.5),
        lost_sales=True,
        holding_cost=1.0,
        lost_sale_cost=20.0,
        order_cost=0.0,
    )
    assert main(["analytic", str(_write(tmp_path, model)), "--cycle-service", "0.9"]) == 0
    text = capsys.readouterr().out
    assert "EOQ\n  does not apply: order_cost must be a number > 0, got 0.0" in text
    assert "demand must be stationary Poisson" in text
    assert "unmet demand must be backordered" in text
    assert "the lead time must be a fixed number of days" in text
    assert "normal approximation" in text
    assert "target 0.9" in text
    report = analytic_report(model, cycle_service=0.9)
    assert report["safety_stock"]["exposure_days"] == 6.0
    assert report["newsvendor"]["critical_ratio"] == pytest.approx(20 / 21)


def test_cli_errors(tmp_path, capsys):
    net = ft.Model(
        nodes=(
            ft.Node("wh", order_up_to=50),
            ft.Node("store", parent="wh", demand=ft.Poisson(5.0), order_up_to=20),
        )
    )
    assert main(["analytic", str(_write(tmp_path, net))]) == 2
    assert "one-node models, got 2 nodes" in capsys.readouterr().err
    model = ft.single_node(demand=ft.Poisson(5.0), order_cost=5.0, backorder_cost=5.0)
    assert main(["analytic", str(_write(tmp_path, model)), "--cycle-service", "1"]) == 2
    err = capsys.readouterr().err
    assert "error: cycle_service must be a number in (0, 1), got 1.0" in err
    assert main(["analytic", str(_write(tmp_path, model)), "--budget", "0"]) == 2
    assert "budget must be an integer >= 1, got 0" in capsys.readouterr().err
