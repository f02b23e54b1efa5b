"""Conventions users rely on: CF attrs, axis names that keyword selection accepts, the CLI."""

import argparse
import re

import numpy as np
import pytest

import fasttwin as ft
from fasttwin.cli.main import COMMANDS, build_parser, main
from fasttwin.cube.variables import COORDINATE_ATTRS, VARIABLES

UDUNITS = {"1", "d-1", "d"}


@pytest.fixture(scope="module")
def twin_cube():
    policy = {"warehouse.reorder_point": [800, 1000], "store_1.order_up_to": [300, 330]}
    return ft.simulate(ft.retail_twin(), policy, reps=3, periods=20, warmup=2, seed=1)


def test_network_axes_are_identifiers_that_keyword_sel_and_plot_accept(twin_cube):
    ds = twin_cube
    assert ds["cost"].dims[:2] == ("warehouse_reorder_point", "store_1_order_up_to")
    assert all(d.isidentifier() for d in ds.dims)
    one = ds.sel(warehouse_reorder_point=1000, store_1_order_up_to=330)
    assert one["cost"].dims == ("rep",)
    np.testing.assert_array_equal(one["cost"], ds["cost"][1, 1])
    # xarray labels the axes from the coordinates' long_name and units.
    import matplotlib

    matplotlib.use("Agg")
    mesh = ds["cost"].mean("rep").plot(x="store_1_order_up_to")
    assert " ".join(mesh.axes.get_xlabel().split()) == "store_1 order-up-to level (S) [1]"
    assert " ".join(mesh.axes.get_ylabel().split()) == "warehouse reorder point (s or r) [1]"
    matplotlib.pyplot.close("all")


def test_axis_names_are_accepted_back_as_policy_keys(twin_cube):
    """A cube's dim names (and its run_toml policy) can be passed to simulate again."""
    again = ft.simulate(
        ft.retail_twin(),
        {"warehouse_reorder_point": [800, 1000], "store_1_order_up_to": [300, 330]},
        reps=3,
        periods=20,
        warmup=2,
        seed=1,
    )
    np.testing.assert_array_equal(again["cost"].values, twin_cube["cost"].values)
    with pytest.raises(ValueError, match="names unknown node 'depot'"):
        ft.simulate(ft.retail_twin(), {"depot.reorder_point": [1]}, reps=1)


def test_coordinates_carry_long_name_and_units(twin_cube):
    ds = twin_cube
    wh = ds["warehouse_reorder_point"].attrs
    assert wh == {
        "long_name": "warehouse reorder point (s or r)",
        "units": "1",
        "parameter": "reorder_point",
        "node": "warehouse",
    }
    assert ds["rep"].attrs == COORDINATE_ATTRS["rep"]
    assert ds["node"].attrs == COORDINATE_ATTRS["node"]
    single = ft.simulate(
        ft.single_node(demand=ft.Poisson(4.0), lead_time=1, backorder_cost=5.0),
        {"reorder_point": [2, 4], "review_period": [1, 2], "order_up_to": 20},
        scenario=["baseline", "demand_surge"],
        reps=2,
        periods=10,
    )
    assert single["reorder_point"].attrs["long_name"] == "reorder point (s or r)"
    assert single["review_period"].attrs["units"] == "d"
    assert "node" not in single["reorder_point"].attrs
    assert single["scenario"].attrs == COORDINATE_ATTRS["scenario"]


def test_units_are_udunits_strings():
    assert {v.units for v in VARIABLES.values()} <= UDUNITS
    from fasttwin.cube.variables import TRACE_VARIABLES

    assert {v.units for v in TRACE_VARIABLES.values()} <= UDUNITS


def test_dataset_attrs_follow_cf_and_acdd(twin_cube):
    a = twin_cube.attrs
    assert a["Conventions"] == "CF-1.11, ACDD-1.3"
    assert a["title"] == "fasttwin Monte Carlo cube of retail_twin"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", a["date_created"])
    assert a["history"] == f"{a['date_created']} fasttwin {ft.__version__}: simulate"
    assert a["source"].startswith(f"fasttwin {ft.__version__}")
    assert "3 replications of 20 simulated days" in a["summary"]
    assert a["rng"].startswith("splitmix64-stream-day/1:")


def test_trace_coordinates_carry_attrs():
    model = ft.single_node(demand=ft.Poisson(4.0), lead_time=1, backorder_cost=5.0)
    tr = ft.trace(model, {"reorder_point": 3, "order_up_to": 12}, reps=2, periods=6, warmup=1)
    assert tr["day"].attrs["units"] == "d" and tr["rep"].attrs["long_name"] == "replication"


def test_version_flag(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"fasttwin {ft.__version__}"


def _subparsers(parser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices
    raise AssertionError("no subcommands")


def test_every_option_has_help_and_no_developer_text():
    parser = build_parser()
    texts = [parser.format_help()]
    subs = _subparsers(parser)
    assert set(subs) == set(COMMANDS)
    for name, sub in subs.items():
        for action in sub._actions:
            assert action.help, f"fasttwin {name} {action.option_strings or action.dest}: no help"
        texts.append(sub.format_help())
    for text in texts:
        # reStructuredText roles and double backticks belong to docstrings, not --help.
        assert "``" not in text and ":func:" not in text and "module" not in text, text


def test_range_help_says_stop_is_excluded(capsys):
    with pytest.raises(SystemExit):
        main(["simulate", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "STOP is excluded" in out
