"""Scenarios on networks change what they should and nothing else."""

from dataclasses import fields

import numpy as np
import pytest

import fasttwin as ft
from fasttwin.model.scenarios import KINDS, Scenario

TWIN = ft.retail_twin()
STORES = ["store_1", "store_2", "store_3"]

EXPECTED = {
    "baseline": set(),
    "demand_spike": {(s, "demand") for s in STORES},
    "strong_seasonality": {(s, "demand") for s in STORES},
    "high_variability": {(s, "demand") for s in STORES},
    "demand_surge": {(s, "demand") for s in STORES},
    "supplier_delay": {("warehouse", "lead_time")},
    "lead_time_disruption": {("warehouse", "lead_time")},
    "unreliable_supplier": {("warehouse", "reliability")},
}


def _changes(a: ft.Model, b: ft.Model) -> set:
    return {
        (x.name, f.name)
        for x, y in zip(a.nodes, b.nodes, strict=True)
        for f in fields(x)
        if getattr(x, f.name) != getattr(y, f.name)
    }


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_scenario_changes_its_fields_only(kind):
    changed = Scenario.of(kind).apply(TWIN)
    assert _changes(TWIN, changed) == EXPECTED[kind]
    assert changed.node_names == TWIN.node_names


def test_scenario_values_on_the_twin():
    def apply(kind):
        return Scenario.of(kind).apply(TWIN)

    assert apply("supplier_delay").node("warehouse").lead_time == 14
    assert apply("lead_time_disruption").node("warehouse").lead_time == 11  # round(7 x 1.5)
    assert apply("unreliable_supplier").node("warehouse").reliability == 0.9
    surge = apply("demand_surge")
    for s in STORES:
        assert surge.node(s).demand.multiplier == pytest.approx(
            1.3 * TWIN.node(s).demand.multiplier
        )
        assert surge.node(s).demand.std == 10.0
    assert apply("high_variability").node("store_3").demand.std == 20.0
    assert apply("strong_seasonality").node("store_2").demand.amplitude == 0.5


def test_supplier_scenarios_keep_store_demand_paths_bit_identical():
    names = ["baseline", "supplier_delay", "unreliable_supplier", "lead_time_disruption"]
    ds = ft.simulate(TWIN, scenario=names, reps=40, seed=11)
    assert ds["node_demand"].dims == ("scenario", "node", "rep")
    assert ds["cost"].dims == ("scenario", "rep")
    demand = ds["node_demand"].sel(node=STORES)
    base = demand.sel(scenario="baseline").values
    for name in names[1:]:
        np.testing.assert_array_equal(demand.sel(scenario=name).values, base)
        np.testing.assert_array_equal(
            ds["demand"].sel(scenario=name).values, ds["demand"].sel(scenario="baseline").values
        )
        # ...while the supplier side did change what happened.
        assert not np.array_equal(
            ds["node_received"].sel(scenario=name, node="warehouse").values,
            ds["node_received"].sel(scenario="baseline", node="warehouse").values,
        )


def test_demand_spike_leaves_the_days_before_it_untouched():
    """Days 30-32 change; a run that stops before day 30 is bit-identical to the baseline."""
    names = ["baseline", "demand_spike"]
    short = ft.simulate(TWIN, scenario=names, reps=20, periods=30, seed=5)
    for var in ("node_demand", "node_cost", "node_orders"):
        np.testing.assert_array_equal(
            short[var].sel(scenario="demand_spike").values,
            short[var].sel(scenario="baseline").values,
        )
    longer = ft.simulate(TWIN, scenario=names, reps=20, periods=33, seed=5)
    spiked = longer["node_demand"].sel(scenario="demand_spike", node=STORES)
    base = longer["node_demand"].sel(scenario="baseline", node=STORES)
    # Days 30-32 of 33 (26 measured days) carry about 1.5x extra demand each.
    extra = (spiked - base).mean().item() * 26 / 3
    assert extra == pytest.approx(1.5 * float(base.mean()), rel=0.1)


def test_demand_surge_raises_customer_demand_by_its_factor():
    ds = ft.simulate(TWIN, scenario=["baseline", "demand_surge"], reps=200, seed=1)
    ratio = (
        ds["demand"].sel(scenario="demand_surge").mean()
        / ds["demand"].sel(scenario="baseline").mean()
    )
    assert float(ratio) == pytest.approx(1.3, abs=0.01)


def _sku(name, site):
    return (
        ft.Node(f"{name}_dc", lead_time=3, order_up_to=200),
        ft.Node(
            f"{name}_shop",
            parent=f"{name}_dc",
            demand=ft.Poisson(5.0),
            lead_time=1,
            order_up_to=30,
            location=site,
        ),
    )


def test_supplier_scenarios_apply_to_every_tree_unless_a_node_is_named():
    forest = ft.Model(nodes=_sku("a", "shop") + _sku("b", "shop"))
    delayed = Scenario.of("supplier_delay").apply(forest)
    assert _changes(forest, delayed) == {("a_dc", "lead_time"), ("b_dc", "lead_time")}
    one = Scenario(
        "one", (Scenario.from_dict("x", {"base": "supplier_delay", "node": "b_dc"}).changes)
    )
    assert _changes(forest, one.apply(forest)) == {("b_dc", "lead_time")}
    store = Scenario.from_dict("x", {"base": "supplier_delay", "node": "a_shop", "days": 2})
    assert store.apply(forest).node("a_shop").lead_time == 3
    bad = Scenario.from_dict("x", {"base": "unreliable_supplier", "node": "a_shop"})
    with pytest.raises(ValueError, match="reliability must be 1"):
        bad.apply(forest)
