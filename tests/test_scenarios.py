"""Scenarios change what they should and nothing else."""

import numpy as np
import pytest

import fasttwin as ft
from fasttwin.model.scenarios import Scenario
from fasttwin.plan.lower import demand_plan

MODEL = ft.single_node(
    demand=ft.Normal(50.0, 10.0, amplitude=0.2, period=30.0),
    lead_time=2,
    holding_cost=2.0,
    lost_sale_cost=10.0,
    lost_sales=True,
    reliability=0.98,
    reorder_point=100,
    order_up_to=300,
)


def test_scenario_dimension_and_shared_paths():
    names = ["baseline", "supplier_delay", "unreliable_supplier", "demand_surge"]
    ds = ft.simulate(
        MODEL, {"reorder_point": [80, 120]}, scenario=names, reps=30, periods=90, warmup=7, seed=42
    )
    assert ds["cost"].dims == ("reorder_point", "scenario", "rep")
    demand = ds["demand"]
    base = demand.sel(scenario="baseline")
    # Supplier scenarios keep the demand distribution: identical demand paths.
    for name in ("supplier_delay", "unreliable_supplier"):
        np.testing.assert_array_equal(demand.sel(scenario=name).values, base.values)
        assert not np.array_equal(
            ds["cost"].sel(scenario=name).values, ds["cost"].sel(scenario="baseline").values
        )
    assert float(demand.sel(scenario="demand_surge").mean()) > 1.25 * float(base.mean())


def test_demand_spike_changes_only_its_days():
    spiked = Scenario.of("demand_spike").apply(MODEL)
    a = demand_plan(MODEL.nodes[0].demand, 90)
    b = demand_plan(spiked.nodes[0].demand, 90)
    changed = np.flatnonzero(a.p1 != b.p1)
    assert changed.tolist() == [30, 31, 32]
    np.testing.assert_allclose(b.p1[30:33], 2.5 * a.p1[30:33])


@pytest.mark.parametrize(
    "name, check",
    [
        ("strong_seasonality", lambda m: m.nodes[0].demand.amplitude == 0.5),
        ("high_variability", lambda m: m.nodes[0].demand.std == 20.0),
        ("demand_surge", lambda m: m.nodes[0].demand.multiplier == pytest.approx(1.3)),
        ("supplier_delay", lambda m: m.nodes[0].lead_time == 9),
        ("lead_time_disruption", lambda m: m.nodes[0].lead_time == 3),
        ("unreliable_supplier", lambda m: m.nodes[0].reliability == 0.9),
    ],
)
def test_each_builtin_changes_its_field_only(name, check):
    changed = Scenario.of(name).apply(MODEL)
    assert check(changed)
    differing = [
        f
        for f in (
            "demand",
            "lead_time",
            "reliability",
            "reorder_point",
            "order_up_to",
            "holding_cost",
            "lost_sale_cost",
        )
        if getattr(changed.nodes[0], f) != getattr(MODEL.nodes[0], f)
    ]
    assert len(differing) == 1


def test_user_scenarios_compose_and_validate():
    big = Scenario.from_dict("big", {"base": "demand_surge", "factor": 2.0})
    combo = Scenario.from_dict("combo", {"compose": ["big", "supplier_delay"]}, {"big": big})
    m = combo.apply(MODEL)
    assert m.nodes[0].demand.multiplier == 2.0 and m.nodes[0].lead_time == 9
    with pytest.raises(ValueError, match="unknown scenario 'surge'"):
        ft.simulate(MODEL, scenario=["baseline", "surge"], reps=2, periods=10)
    with pytest.raises(
        ValueError, match=r"scenario 'demand_surge' has no parameter\(s\) \['days'\]"
    ):
        Scenario.from_dict("x", {"base": "demand_surge", "days": 3})
    with pytest.raises(ValueError, match="scenario demand_spike.end must be an integer >= 30"):
        Scenario.from_dict("x", {"base": "demand_spike", "end": 3})
