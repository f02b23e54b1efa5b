"""Network models: TOML round trips, the shipped retail twin, traces, and bad input."""

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given

import fasttwin as ft
from fasttwin.model.toml_io import dumps, model_from_toml, model_to_dict
from tests.strategies import network_cases

ROOT = Path(__file__).resolve().parents[1]


@given(network_cases())
def test_network_round_trip(case):
    model, _, _ = case
    text = model.to_toml()
    back = model_from_toml(text)
    assert back == model
    assert back.to_toml() == text


def test_shipped_retail_twin_is_the_packaged_one():
    sweeps = ROOT / "sweeps" / "retail_twin.toml"
    packaged = ROOT / "fasttwin" / "data" / "retail_twin.toml"
    assert sweeps.read_text() == packaged.read_text()
    assert ft.load_model(sweeps) == ft.retail_twin()
    assert model_from_toml(ft.retail_twin().to_toml()) == ft.retail_twin()


def test_retail_twin_has_the_numbers_of_the_design():
    twin = ft.retail_twin()
    assert (twin.periods, twin.warmup, twin.seed) == (90, 7, 42)
    wh = twin.node("warehouse")
    assert wh.parent is None and wh.lead_time == 7 and wh.reliability == 0.98
    assert (wh.reorder_point, wh.order_up_to, wh.initial_inventory) == (1000, 3000, 5000)
    assert wh.holding_cost == 2.0 and wh.order_cost == 0.0
    for name, m, s, big_s, initial in [
        ("store_1", 1.0, 100, 300, 500),
        ("store_2", 1.2, 120, 360, 600),
        ("store_3", 1.5, 150, 450, 750),
    ]:
        node = twin.node(name)
        assert node.parent == "warehouse" and node.lead_time == 2 and node.lost_sales
        assert (node.reorder_point, node.order_up_to, node.initial_inventory) == (s, big_s, initial)
        assert node.holding_cost == 2.0 and node.lost_sale_cost == 10.0 and node.order_cost == 0.0
        d = node.demand
        assert isinstance(d, ft.Normal) and (d.mean, d.std, d.multiplier) == (50.0, 10.0, m)
        t = np.arange(90)
        expected = 50.0 * m * (1 + 0.2 * np.sin(2 * math.pi * t / 30))
        np.testing.assert_allclose(d.mean_path(90), expected, rtol=1e-12)


def test_trace_round_trips_and_reads_csv_relative_to_the_toml(tmp_path):
    (tmp_path / "sales.csv").write_text("day,units,other\n2024-03-01,3,x\n2024-03-02,0,y\n")
    doc = model_to_dict(ft.single_node(demand=ft.Trace([1.0]), order_up_to=5))
    doc["nodes"][0]["demand"] = {
        "dist": "trace",
        "csv": "sales.csv",
        "column": "units",
        "date_column": "day",
        "mode": "bootstrap",
        "block": 2,
    }
    (tmp_path / "m.toml").write_text(dumps(doc))
    model = ft.load_model(tmp_path / "m.toml")
    assert model.nodes[0].demand == ft.Trace([3, 0], mode="bootstrap", block=2)
    assert model_from_toml(model.to_toml()) == model


@pytest.mark.parametrize(
    "text, match",
    [
        ("units\n3\n4\n\n\n", None),  # blank lines at the end are no days
        ("units\n3\n\n4\n", r"line 3: column 'units' is empty \(a gap\)"),
        ("units\n3\n-1\n", "line 3: column 'units' must be a finite number >= 0, got '-1'"),
        ("units\n3\nnan\n", "line 3: column 'units' must be a finite number >= 0, got 'nan'"),
        ("units,x\n3,1\n,2\n", r"line 3: column 'units' is empty \(a gap\)"),
        ("units\n3\nlots\n", "line 3: column 'units' must be a number, got 'lots'"),
        ("a,b\n1,2\n", r"has columns \['a', 'b'\]: name the demand column"),
        ("units\n", "holds no days"),
    ],
)
def test_trace_csv_refuses_gaps_negatives_and_nan(tmp_path, text, match):
    path = tmp_path / "t.csv"
    path.write_text(text)
    if match is None:
        assert ft.Trace.from_csv(path).values == (3.0, 4.0)
        return
    with pytest.raises(ValueError, match=match):
        ft.Trace.from_csv(path, None if text.startswith("a,b") else "units")


def test_trace_csv_refuses_missing_days(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("day,units\n2024-01-01,3\n2024-01-02,4\n2024-01-04,5\n")
    with pytest.raises(ValueError, match="line 4: date 2024-01-04 does not follow 2024-01-02"):
        ft.Trace.from_csv(path, "units", date_column="day")
    with pytest.raises(ValueError, match="has no column 'sold'"):
        ft.Trace.from_csv(path, "sold")
    with pytest.raises(ValueError, match="does not exist"):
        ft.Trace.from_csv(tmp_path / "nope.csv")


@pytest.mark.parametrize(
    "values, kwargs, match",
    [
        ([], {}, "at least one day"),
        ([1, float("nan")], {}, r"Trace.values\[1\] must be a number >= 0, got NaN"),
        ([1, -2], {}, r"Trace.values\[1\] must be a number >= 0"),
        ([1, 2], {"mode": "loop"}, "Trace.mode must be one of"),
        ([1, 2], {"block": 0}, "Trace.block must be an integer >= 1"),
    ],
)
def test_bad_traces(values, kwargs, match):
    with pytest.raises(ValueError, match=match):
        ft.Trace(values, **kwargs)


def test_replay_longer_than_the_history_is_refused_before_running():
    model = ft.single_node(demand=ft.Trace([1, 2, 3]), order_up_to=5)
    with pytest.raises(ValueError, match="Trace has 3 days but the run has 10 periods"):
        ft.simulate(model, reps=2, periods=10)


def _twin_with(**changes):
    nodes = list(ft.retail_twin().nodes)
    for name, fields in changes.items():
        k = [n.name for n in nodes].index(name)
        nodes[k] = ft.Node(**{**nodes[k].__dict__, **fields})
    return ft.Model(nodes=tuple(nodes))


@pytest.mark.parametrize(
    "changes, match",
    [
        (
            {"warehouse": {"demand": ft.Poisson(3.0)}},
            r"node 'warehouse' has child nodes \['store_1', 'store_2', 'store_3'\] and a demand",
        ),
        ({"store_1": {"parent": "depot"}}, "node 'store_1': parent must be one of"),
        ({"warehouse": {"parent": "store_1"}}, "the parents form a cycle"),
        ({"store_2": {"reliability": 0.5}}, "node 'store_2': reliability must be 1"),
        ({"warehouse": {"lost_sales": True}}, "node 'warehouse': lost_sales must be left"),
        ({"warehouse": {"backorder_cost": 1.0}}, "node 'warehouse': backorder_cost must be left"),
        (
            {"store_1": {"location": "mall", "capacity": 100}, "store_2": {"location": "mall"}},
            "nodes 'store_1' and 'store_2' share location 'mall', so they must give the same "
            "capacity; got 100 and None",
        ),
        ({"store_1": {"lead_time": ft.Gamma(2.0, 1.0)}}, "periodic review takes whole days"),
        ({"store_1": {"lead_time": ft.Trace([1, 2])}}, "periodic review takes whole days"),
        ({"store_1": {"location": ""}}, "location must be a non-empty string"),
    ],
)
def test_bad_networks(changes, match):
    with pytest.raises(ValueError, match=match):
        _twin_with(**changes)


@pytest.mark.parametrize(
    "policy, kwargs, match",
    [
        ({"reorder_point": [1, 2]}, {}, "needs a node prefix in a network"),
        ({"depot.reorder_point": [1, 2]}, {}, "unknown node 'depot'"),
        ({"warehouse.safety_stock": [1, 2]}, {}, "names no parameter"),
        (
            {"store_1.reorder_point": 400},
            {},
            r"node 'store_1': reorder_point must be < order_up_to",
        ),
        (
            {"warehouse.reorder_point": [3000, 4000], "warehouse.order_up_to": 2000},
            {},
            "no grid point is a valid policy",
        ),
        ({}, {"scenario": ["baseline", "surge"]}, "unknown scenario 'surge'"),
        ({}, {"scenario": ["high_variability+demand_surge", "x"]}, "unknown scenario 'x'"),
    ],
)
def test_bad_network_runs(policy, kwargs, match):
    with pytest.raises(ValueError, match=match):
        ft.simulate(ft.retail_twin(), policy, reps=2, periods=20, **kwargs)


def test_network_errors_come_before_any_compilation(tmp_path):
    (tmp_path / "bad.csv").write_text("units\n3\n-4\n")
    code = f"""
import sys
import fasttwin as ft
twin = ft.retail_twin()
bad_runs = [
    dict(policy={{"warehouse.reorder_point": [9000], "warehouse.order_up_to": 10}}),
    dict(policy={{"nope.order_up_to": 1}}),
    dict(scenario=["baseline", "no_such_scenario"]),
]
for kwargs in bad_runs:
    try:
        ft.simulate(twin, reps=2, **kwargs)
    except ValueError:
        pass
    else:
        raise SystemExit("no error")
try:
    ft.Trace.from_csv({str(tmp_path / "bad.csv")!r})
except ValueError:
    pass
else:
    raise SystemExit("no error")
assert "numba" not in sys.modules, "numba was imported"
"""
    subprocess.run([sys.executable, "-c", code], check=True)
