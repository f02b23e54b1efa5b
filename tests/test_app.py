"""The dashboard: its page logic on real cubes, and every page through Streamlit's AppTest."""

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from streamlit.testing.v1 import AppTest

import fasttwin as ft
from fasttwin.analysis import best_policy
from fasttwin.analysis.best import AVERAGE, WORST_CASE
from fasttwin.app import charts, compare, explore, formulas, jobs, models, optimise, tables
from fasttwin.cli import dashboard
from fasttwin.cli.main import build_parser, main

MODEL = models.single_node_model(models.SingleNodeForm())
GRID = {"reorder_point": list(range(30, 71, 5)), "order_up_to": list(range(80, 161, 10))}
SCENARIOS = ["baseline", "demand_surge"]
RUN = dict(reps=60, periods=150, warmup=20, seed=3)
#: Seconds an AppTest run may take: the first simulation of a kind compiles kernels.
COMPILE = 240


@pytest.fixture(scope="module")
def cube():
    return ft.simulate(MODEL, GRID, scenario=SCENARIOS, **RUN)


@pytest.fixture(scope="module")
def store(cube, tmp_path_factory):
    path = tmp_path_factory.mktemp("app") / "cube.zarr"
    cube.to_zarr(path, zarr_format=3, consolidated=False)
    return str(path)


def page_script(page, store):
    from fasttwin.app.ui.main import show

    show(page, store)


def open_page(page, store=None):
    at = AppTest.from_function(page_script, args=(page, store), default_timeout=COMPILE)
    return at.run()


def clean(at):
    """No traceback and no error box on the page."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def shown_policy(at, ds):
    """The recommended policy as the page's metrics show it."""
    labels = explore.axis_labels(ds)
    values = {m.label: m.value for m in at.metric}
    return {axis: int(values[text]) for axis, text in labels.items()}


# --- page logic, without Streamlit -------------------------------------------------------


def test_service_variables_are_the_ratios_of_the_cube(cube):
    names = explore.service_variables(cube)
    assert names[0] == "fill_rate"
    ratios = [
        v for v in cube.data_vars if "rep" in cube[v].dims and v.endswith(("rate", "service"))
    ]
    assert sorted(names) == sorted(ratios)
    # Stock levels are dimensionless too ("1"), but no ratio: the values tell.
    assert cube["on_hand"].attrs["units"] == "1" and "on_hand" not in names
    # A measure the page never heard of appears by itself.
    renamed = cube.rename({"ready_rate": "days_without_stockout"})
    assert "days_without_stockout" in explore.service_variables(renamed)
    assert {"ready_rate", "cycle_service"} <= set(names)
    assert explore.cost_variables(cube)[0] == "cost"
    assert set(explore.cost_variables(cube)) == {v for v in cube.data_vars if v.endswith("cost")}


@pytest.mark.parametrize("answer", [WORST_CASE, AVERAGE, *SCENARIOS])
@pytest.mark.parametrize("target", [0.9, 0.97])
def test_policy_table_recommends_what_best_policy_recommends(cube, answer, target):
    best = best_policy(cube, target, "fill_rate")
    choice = explore.choice_of(best, answer)
    table = explore.policy_table(cube, service="fill_rate", answer=answer, target=target)
    assert len(table) == int(cube["valid"].sum())
    row = table[table["recommended"]]
    assert len(row) == 1
    assert row[list(GRID)].iloc[0].to_dict() == choice.policy
    assert row["cost_mean"].item() == pytest.approx(choice.cost.mean, rel=1e-12)
    assert row["fill_rate_ci_low"].item() == pytest.approx(choice.service.low, rel=1e-12)
    assert int(table["feasible"].sum()) == choice.n_feasible
    if choice.feasible:
        assert row["cost_mean"].item() == table.loc[table["feasible"], "cost_mean"].min()


def test_worst_case_table_takes_the_most_expensive_scenario(cube):
    table = explore.policy_table(cube, service="fill_rate", answer=WORST_CASE, target=0.95)
    means = cube["cost"].mean("rep")
    for _, row in table.sample(5, random_state=1).iterrows():
        at = means.sel(reorder_point=row["reorder_point"], order_up_to=row["order_up_to"])
        assert row["cost_mean"] == pytest.approx(float(at.max()), rel=1e-12)
        assert row["cost_scenario"] == str(at["scenario"][int(at.argmax("scenario"))].item())


def test_node_table_and_convergence_at_a_policy():
    twin = ft.retail_twin()
    ds = ft.simulate(twin, {"warehouse.reorder_point": [800, 1000]}, reps=20, scenario=SCENARIOS)
    policy = {"warehouse_reorder_point": 1000}
    one = explore.node_table(ds, policy, ["node_fill_rate"], answer="demand_surge")
    x = ds["node_fill_rate"].sel(warehouse_reorder_point=1000, scenario="demand_surge")
    assert one["node"].tolist() == list(twin.node_names)
    np.testing.assert_allclose(one["node_fill_rate_mean"], x.mean("rep").values, rtol=1e-12)
    both = explore.node_table(ds, policy, ["node_fill_rate"], answer=WORST_CASE)
    assert len(both) == 2 * len(twin.nodes) and set(both["scenario"]) == set(SCENARIOS)
    cv = explore.convergence_frame(ds, policy, ["cost"], answer="baseline")
    last = cv[cv["n"] == 20]
    assert last["mean"].item() == pytest.approx(
        float(ds["cost"].sel(warehouse_reorder_point=1000, scenario="baseline").mean()), rel=1e-12
    )


def test_simulating_in_blocks_gives_the_cube_of_one_call():
    seen = []
    whole = ft.simulate(MODEL, GRID, scenario=SCENARIOS, **RUN)
    parts = jobs.simulate(
        MODEL,
        GRID,
        scenario=SCENARIOS,
        progress=lambda done, text: seen.append(done),
        block_work=200_000,
        **RUN,
    )
    assert len(seen) > 3 and seen == sorted(seen) and seen[-1] == 1.0
    xr.testing.assert_identical(whole.drop_attrs(), parts.drop_attrs())
    stamps = {"history", "date_created"}
    assert {k: v for k, v in whole.attrs.items() if k not in stamps} == {
        k: v for k, v in parts.attrs.items() if k not in stamps
    }


def test_runs_too_big_for_the_dashboard_are_refused_before_anything_runs():
    calls = []
    with pytest.raises(ValueError, match="the dashboard runs at most"):
        jobs.simulate(MODEL, GRID, reps=10**6, periods=10**4, progress=lambda *a: calls.append(a))
    assert calls == []


def test_models_and_policies():
    twin = ft.retail_twin()
    assert models.load("retail twin") == twin
    assert models.load("TOML file", toml_text=twin.to_toml()) == twin
    with pytest.raises(ValueError, match="not valid TOML"):
        models.load("TOML file", toml_text="nodes = [")
    with pytest.raises(ValueError, match="does not exist"):
        models.load("TOML file", path="no/such/model.toml")
    with pytest.raises(ValueError, match="model source must be one of"):
        models.load("csv")
    with pytest.raises(ValueError, match="demand_mean|mean"):
        models.single_node_model(models.SingleNodeForm(demand_mean=-1.0))
    assert models.policy_of(MODEL, {"node": {"reorder_point": 50}}) == {"reorder_point": 50}
    with pytest.raises(ValueError, match="node 'node': reorder_point must be < order_up_to"):
        models.policy_of(MODEL, {"node": {"reorder_point": 150}})


def test_grid_search_simulates_the_grid_it_is_asked_for():
    axes = (optimise.Axis("reorder_point", 40, 60, 10), optimise.Axis("order_up_to", 90, 110, 10))
    request = optimise.Request(MODEL, axes, {"reorder_point": 1, "order_up_to": 200}, **RUN)
    assert request.policy() == {"reorder_point": [40, 50, 60], "order_up_to": [90, 100, 110]}
    got = optimise.OPTIMISERS["grid search"](request, None)
    want = ft.simulate(MODEL, request.policy(), **RUN)
    xr.testing.assert_identical(got.drop_attrs(), want.drop_attrs())
    with pytest.raises(ValueError, match="at most 100 values"):
        optimise.Axis("order_up_to", 0, 1000, 1).values()
    with pytest.raises(ValueError, match="choose at least one"):
        optimise.Request(MODEL, ()).policy()
    assert optimise.search_keys(ft.retail_twin())[:2] == [
        "warehouse.reorder_point",
        "warehouse.order_up_to",
    ]


def test_scenario_differences_are_paired(cube):
    one = cube.sel(reorder_point=50, order_up_to=120)
    diff = compare.differences(one, ["cost"], "baseline")
    paired = (
        one["cost"].sel(scenario="demand_surge") - one["cost"].sel(scenario="baseline")
    ).values
    assert diff["mean"].item() == pytest.approx(paired.mean(), rel=1e-12)
    half = (diff["ci_high"] - diff["ci_low"]).item() / 2
    assert half == pytest.approx(2.0 * paired.std(ddof=1) / np.sqrt(paired.size), rel=0.05)
    text = compare.display(jobs.summary_table(one, ["cost", "fill_rate"]), ["fill_rate"])
    assert text.columns.tolist() == ["variable", "long_name", *SCENARIOS]
    assert text["variable"].tolist() == ["cost", "fill_rate"]
    assert text.loc[1, "baseline"].endswith("%)")


def test_formula_policies_next_to_simulation():
    rep = formulas.report(MODEL)
    rows = formulas.candidates(MODEL, rep)
    by = {r["policy"]: r for r in rows}
    assert (
        by["exact optimal (s, S)"]["reorder_point"],
        by["exact optimal (s, S)"]["order_up_to"],
    ) == (
        55,
        104,
    )
    assert by["exact optimal (s, S)"]["exact_cost"] == pytest.approx(
        ft.analytic.ss_cost(MODEL, 55, 104)
    )
    sim = formulas.simulated(MODEL, rows, reps=400, periods=730, warmup=100, seed=11)
    for _, r in sim.iterrows():
        # The renewal formula is exact: the simulated interval must hold it (seeded, so stable).
        width = r["cost_ci_high"] - r["cost_ci_low"]
        assert abs(r["cost_mean"] - r["exact_cost"]) < width, r["policy"]
    shown = formulas.display(sim).set_index("figure")
    assert shown.columns.tolist() == [r["policy"] for r in rows]
    assert shown.loc["(s, S)", "exact optimal (s, S)"] == "(55, 104)"
    assert shown.loc["fill_rate: simulated", "EOQ + safety stock"].endswith("%)")
    with pytest.raises(ValueError, match="one-node models"):
        formulas.report(ft.retail_twin())


def test_charts_are_valid_vega_lite(cube):
    table = explore.policy_table(cube, service="fill_rate", answer="baseline", target=0.95)
    part = explore.held_slice(table, {})
    titles = explore.axis_labels(cube)
    specs = [
        charts.heatmap(part, x="order_up_to", y="reorder_point", value="cost_mean", titles=titles),
        charts.curve(
            explore.held_slice(table, {"reorder_point": 50}),
            x="order_up_to",
            mean="cost_mean",
            low="cost_ci_low",
            high="cost_ci_high",
            titles=titles,
        ),
        charts.frontier(
            table,
            cost="cost",
            service="fill_rate",
            target=0.95,
            policy_columns=list(GRID),
            titles=titles,
        ),
        charts.convergence(
            explore.convergence_frame(
                cube, {"reorder_point": 50, "order_up_to": 120}, ["cost"], answer=WORST_CASE
            ),
            titles={},
        ),
        charts.intervals(
            jobs.summary_table(cube.sel(reorder_point=50, order_up_to=120), ["cost"]),
            category="scenario",
            titles={},
        ),
        charts.paths(
            jobs.trace_frame(ft.trace(MODEL, {"reorder_point": 50, "order_up_to": 120}, reps=2)),
            titles={},
        ),
    ]
    for chart in specs:
        spec = chart.to_dict()  # validates against the Vega-Lite schema
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    # The star marks the recommended cell.
    assert any("datum.recommended" in str(layer) for layer in specs[0].to_dict()["layer"])


def test_display_numbers():
    assert tables.interval(58.06, 57.99, 58.13, False) == "58.06 (57.99 – 58.13)"
    assert tables.percent(0.98765) == "98.77 %"


# --- the pages, through Streamlit's AppTest ----------------------------------------------


def test_explore_recommends_exactly_what_best_policy_does(cube, store):
    at = clean(open_page("explore", store))
    assert at.text_input(key="store").value == store
    assert shown_policy(at, cube) == best_policy(cube, 0.98).worst_case.policy
    for target in (0.9, 0.95):
        clean(at.slider(key="explore_target").set_value(target).run())
        assert shown_policy(at, cube) == best_policy(cube, target).worst_case.policy
    clean(at.selectbox(key="explore_scenario").set_value("baseline").run())
    assert shown_policy(at, cube) == best_policy(cube, 0.95).by_scenario["baseline"].policy
    clean(at.selectbox(key="explore_service").set_value("cycle_service").run())
    best = best_policy(cube, 0.95, "cycle_service")
    assert shown_policy(at, cube) == best.by_scenario["baseline"].policy
    # The current table, and its CSV, is the policy table of the current choice.
    want = explore.policy_table(cube, service="cycle_service", answer="baseline", target=0.95)
    pd.testing.assert_frame_equal(at.dataframe[0].value.reset_index(drop=True), want)
    csv = at.get("download_button")[0]
    assert csv.proto.label.startswith("Download")


def test_explore_shows_the_grid_of_the_optimise_page(cube):
    at = AppTest.from_function(page_script, args=("explore", None), default_timeout=COMPILE)
    at.session_state["optimise_cube"] = cube
    at.run()
    assert "Give the path of a cube" in at.info[0].value  # no store given: the store comes first
    clean(at.radio(key="explore_source").set_value("the grid of the Optimise page").run())
    assert shown_policy(at, cube) == best_policy(cube, 0.98).worst_case.policy


def test_explore_refuses_a_bad_store_with_its_path(tmp_path):
    at = open_page("explore", str(tmp_path / "nothing.zarr"))
    assert not at.exception
    assert "no Zarr store at" in at.error[0].value


def test_explore_a_network_cube_per_node(tmp_path):
    ds = ft.simulate(
        ft.retail_twin(),
        {"warehouse.reorder_point": [600, 1000], "warehouse.order_up_to": [2500, 3500]},
        reps=20,
    )
    path = tmp_path / "twin.zarr"
    ds.to_zarr(path, zarr_format=3, consolidated=False)
    at = clean(open_page("explore", str(path)))
    assert shown_policy(at, ds) == best_policy(ds, 0.98).recommended.policy
    assert "Per node" in [t.label for t in at.tabs]
    assert at.selectbox(key="explore_node").options == list(ft.retail_twin().node_names)
    clean(at.selectbox(key="explore_node").set_value("store_3").run())
    nodes = at.dataframe[0].value
    assert nodes["node"].tolist() == list(ft.retail_twin().node_names)


def test_run_page_simulates_one_policy_with_intervals():
    at = clean(open_page("run"))
    at.radio(key="run_source").set_value("single node").run()
    at.number_input(key="run_single_node_node_reorder_point").set_value(50)
    at.number_input(key="run_reps").set_value(500)
    clean(at.button(key="run_go").click().run())
    ds = ft.simulate(
        MODEL, {"reorder_point": 50, "order_up_to": 110}, reps=500, scenario="baseline"
    )
    cost = {m.label: m.value for m in at.metric}["mean total cost"]
    assert cost == tables.number(float(ds["cost"].mean()))
    assert "500 replications × 365 days" in at.success[0].value
    # The element's name changed across Streamlit versions.
    drawn = at.get("vega_lite_chart") + at.get("arrow_vega_lite_chart")
    assert drawn, "the daily paths are drawn"
    # Bad input: the field and the allowed values, no traceback.
    at.number_input(key="run_single_node_node_reorder_point").set_value(120)
    at.button(key="run_go").click().run()
    assert not at.exception
    assert "reorder_point must be < order_up_to (110), got 120" in at.error[0].value


def test_run_page_network_shows_nodes_and_their_daily_paths():
    at = clean(open_page("run"))
    at.number_input(key="run_reps").set_value(50)
    at.number_input(key="run_retail_twin_warehouse_reorder_point").set_value(900)
    clean(at.button(key="run_go").click().run())
    nodes = at.dataframe[1].value
    assert set(nodes["node"]) == set(ft.retail_twin().node_names)
    assert any("one column per node" in h.value for h in at.subheader)
    drawn = at.get("vega_lite_chart") + at.get("arrow_vega_lite_chart")
    assert drawn, "the network's daily paths are drawn"


def test_network_paths_frame_and_chart_have_a_column_per_node():
    twin = ft.retail_twin()
    tr = ft.trace(twin, {"warehouse.reorder_point": 900}, reps=2, periods=20)
    frame = jobs.trace_frame(tr)
    assert list(dict.fromkeys(frame["node"])) == list(twin.node_names)
    on_hand = frame[(frame["variable"] == "on_hand") & (frame["node"] == "store_2")]
    expected = tr["on_hand"].sel(node="store_2").values.ravel()
    assert on_hand.sort_values(["rep", "day"])["value"].tolist() == expected.tolist()
    spec = charts.paths(frame, titles={}).to_dict()
    assert spec["facet"]["column"]["field"] == "node"
    assert spec["facet"]["column"]["sort"] == list(twin.node_names)


def test_run_page_reads_a_toml_file():
    path = Path(__file__).resolve().parents[1] / "sweeps" / "continuous_twin.toml"
    at = clean(open_page("run"))
    at.radio(key="run_source").set_value("TOML file").run()
    clean(at.text_input(key="run_path").set_value(str(path)).run())
    at.number_input(key="run_reps").set_value(50)
    clean(at.button(key="run_go").click().run())
    assert ft.load_model(path).name in at.success[0].value
    assert any("periodic review only" in i.value for i in at.info)


def test_scenarios_page_side_by_side():
    at = clean(open_page("scenarios"))
    at.radio(key="scen_source").set_value("single node").run()
    at.multiselect(key="scen_names").set_value(["baseline", "demand_surge"])
    at.text_input(key="scen_more").set_value("demand_surge+supplier_delay")
    at.number_input(key="scen_reps").set_value(200)
    clean(at.button(key="scen_go").click().run())
    side = at.dataframe[0].value
    assert side.columns.tolist()[2:] == ["baseline", "demand_surge", "demand_surge+supplier_delay"]
    ds = ft.simulate(
        MODEL,
        {"reorder_point": 45, "order_up_to": 110},
        reps=200,
        scenario=["baseline", "demand_surge", "demand_surge+supplier_delay"],
    )
    mean = ds["cost"].sel(scenario="demand_surge").mean().item()
    assert (
        side.loc[side["variable"] == "cost", "demand_surge"].item().startswith(tables.number(mean))
    )
    # Bad input: an unknown scenario names the allowed ones.
    at.text_input(key="scen_more").set_value("hurricane").run()
    at.button(key="scen_go").click().run()
    assert not at.exception and "built-in scenarios are" in at.error[0].value


def test_optimise_page_chooses_what_best_policy_chooses():
    at = clean(open_page("optimise"))
    at.radio(key="opt_source").set_value("single node").run()
    for key, (start, stop, step) in {
        "reorder_point": (40, 70, 10),
        "order_up_to": (90, 150, 20),
    }.items():
        at.number_input(key=f"opt_{key}_from").set_value(start)
        at.number_input(key=f"opt_{key}_to").set_value(stop)
        at.number_input(key=f"opt_{key}_step").set_value(step)
    at.number_input(key="opt_reps").set_value(100)
    clean(at.button(key="opt_go").click().run())
    ds = ft.simulate(
        MODEL,
        {"reorder_point": [40, 50, 60, 70], "order_up_to": [90, 110, 130, 150]},
        reps=100,
        scenario="baseline",
    )
    for target in (0.95, 0.9):
        clean(at.slider(key="opt_target").set_value(target).run())
        assert shown_policy(at, ds) == best_policy(ds, target).recommended.policy
    # The chosen policy is the highlighted (recommended) row of the plotted table.
    table = at.dataframe[0].value
    assert table.loc[table["recommended"], ["reorder_point", "order_up_to"]].iloc[0].to_dict() == (
        best_policy(ds, 0.9).recommended.policy
    )
    at.number_input(key="opt_order_up_to_step").set_value(0)
    at.button(key="opt_go").click().run()
    assert "order_up_to: step must be an integer >= 1, got 0" in at.error[0].value


def test_formulas_page_next_to_simulation(tmp_path):
    at = clean(open_page("formulas"))
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["base-stock level"] == "70"
    assert "(55, 104)" in [m.value for m in at.metric]
    at.number_input(key="form_reps").set_value(300)
    clean(at.button(key="form_go").click().run())
    shown = at.dataframe[0].value
    assert shown.columns.tolist()[1] == "exact optimal (s, S)"
    path = tmp_path / "twin.toml"
    path.write_text(ft.retail_twin().to_toml())
    at.radio(key="form_source").set_value("TOML file").run()
    at.text_input(key="form_path").set_value(str(path)).run()
    assert not at.exception and "one-node models" in at.error[0].value


def test_the_entry_script_opens_the_explore_page():
    from fasttwin.app.ui.main import PAGES, parse

    at = AppTest.from_file(str(dashboard.script()), default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value == "Explore a cube"
    assert list(PAGES) == ["explore", "run", "scenarios", "optimise", "formulas"]
    assert parse(["--store", "x.zarr", "-q", "tests"]).store == "x.zarr"


# --- the command ---------------------------------------------------------------------------


def test_dashboard_command_line(store):
    args = build_parser().parse_args(["dashboard", store, "--port", "9999"])
    cmd = dashboard.command(args)
    assert cmd[:4] == [sys.executable, "-m", "streamlit", "run"]
    assert cmd[cmd.index("--server.address") + 1] == "127.0.0.1"
    assert cmd[cmd.index("--server.port") + 1] == "9999"
    assert cmd[-2:] == ["--store", store]
    args.port = 0
    with pytest.raises(ValueError, match=r"--port must be an integer in \[1, 65535\]"):
        dashboard.command(args)


def test_dashboard_refuses_a_missing_store(capsys, tmp_path):
    assert main(["dashboard", str(tmp_path / "none.zarr")]) == 2
    assert "no Zarr store at" in capsys.readouterr().err


def test_dashboard_without_streamlit_says_how_to_install(monkeypatch, capsys):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "streamlit" else real(name, *a),
    )
    assert main(["dashboard"]) == 2
    assert 'pip install "fasttwin[app]"' in capsys.readouterr().err


def test_fasttwin_and_its_other_commands_do_not_import_streamlit():
    code = """
import sys
import fasttwin
from fasttwin.cli.main import build_parser
build_parser().parse_args(["dashboard", "--port", "8600"])
assert "streamlit" not in sys.modules, "streamlit was imported"
"""
    subprocess.run([sys.executable, "-c", code], check=True)


def test_csv_bytes_round_trip(cube):
    table = explore.policy_table(cube, service="fill_rate", answer="baseline", target=0.95)
    back = pd.read_csv(io.BytesIO(jobs.csv_bytes(table)))
    assert back.columns.tolist() == table.columns.tolist() and len(back) == len(table)
