"""Continuous-review models: validation, TOML round trip, scenarios and cube attrs."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import given

import fasttwin as ft
from fasttwin.cube.variables import CONTINUOUS_DESCRIPTIONS, attrs_of
from fasttwin.model.lead_times import lead_time_moments
from fasttwin.model.scenarios import Scenario
from fasttwin.model.toml_io import model_from_toml
from tests.continuous_strategies import continuous_cases

GOOD = dict(demand=ft.Poisson(mean=5.0), lead_time=1.5, review="continuous", backorder_cost=4.0)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(demand=ft.Normal(5.0, 1.0)), "continuous review needs Poisson demand"),
        (dict(review_period=2), "review_period must be 1 under continuous review"),
        (dict(reliability=0.9), "reliability must be 1 under continuous review"),
        (dict(max_outstanding=0), "max_outstanding must be an integer >= 1"),
        (dict(max_outstanding=1.5), "max_outstanding must be an integer >= 1"),
        (dict(batch=ft.UniformInt(0, 2)), "batch sizes must be >= 1"),
        (dict(batch=ft.Empirical((0, 2))), "batch sizes must be >= 1"),
        (dict(batch=ft.Poisson(2.0)), "batch must be UniformInt"),
        (dict(lead_time=-0.5), "lead_time must be a number >= 0"),
        (dict(lead_time=float("inf")), "lead_time must be a number >= 0 and finite"),
        (dict(lead_time=ft.NegativeBinomial(3.0, 2.0)), "lead_time must be a number of days"),
        (dict(demand=ft.Exponential(2.0)), "demand must be a distribution on whole units"),
        (dict(review="sometimes"), "model.review must be one of 'periodic', 'continuous'"),
        (dict(review="periodic"), "lead_time must be an integer >= 0 for periodic review"),
        (
            dict(review="periodic", lead_time=ft.Uniform(1.0, 2.0)),
            "Uniform is not a periodic-review lead time; periodic review takes whole days",
        ),
        (
            dict(review="periodic", lead_time=1, max_outstanding=1),
            "max_outstanding applies to review='continuous' only",
        ),
        (
            dict(review="periodic", lead_time=1, batch=ft.UniformInt(1, 2)),
            "batch \\(compound demand\\) applies to review='continuous' only",
        ),
    ],
)
def test_bad_fields_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ft.single_node(**{**GOOD, **kwargs})


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: ft.Uniform(2.0, 1.0), "Uniform.high must be a number >= 2.0"),
        (lambda: ft.Uniform(-1.0, 1.0), "Uniform.low must be a number >= 0"),
        (lambda: ft.Exponential(0.0), "Exponential.mean must be a number > 0"),
        (lambda: ft.Exponential(1.0, multiplier=2.0), "Exponential has no mean path"),
    ],
)
def test_bad_lead_time_distributions(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_continuous_review_is_one_node():
    nodes = (
        ft.Node("w", order_up_to=10),
        ft.Node("s", parent="w", demand=ft.Poisson(1.0), order_up_to=5),
    )
    with pytest.raises(ValueError, match="continuous review simulates one node, got 2"):
        ft.Model(nodes=nodes, review="continuous")


def test_grid_errors_come_before_any_compilation():
    code = textwrap.dedent(
        """
        import sys
        import fasttwin as ft
        m = ft.single_node(demand=ft.Poisson(5.0), lead_time=1.5, review="continuous")
        for bad, match in (
            ({"order_up_to": 9, "review_period": [1, 2]}, "review_period does not apply"),
            ({"reorder_point": [9, 12], "order_up_to": 5}, "no grid point is a valid policy"),
            ({"order_up_to": 2**31}, "and initial_inventory below"),
        ):
            try:
                ft.simulate(m, bad, reps=2, periods=10)
            except ValueError as err:
                assert match in str(err), err
            else:
                raise SystemExit("no error")
        huge = ft.single_node(demand=ft.Poisson(1e9), review="continuous")
        try:
            ft.simulate(huge, {"order_up_to": 5}, reps=2, periods=10)
        except ValueError as err:
            assert "a day's demand" in str(err), err
        else:
            raise SystemExit("no error")
        assert "numba" not in sys.modules, "numba was imported"
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@given(continuous_cases())
def test_round_trip(case):
    model, _, _ = case
    text = model.to_toml()
    back = model_from_toml(text)
    assert back == model
    assert back.to_toml() == text


MODEL = ft.single_node(
    demand=ft.Poisson(4.0),
    lead_time=ft.Uniform(1.0, 3.0),
    review="continuous",
    holding_cost=1.0,
    backorder_cost=6.0,
    reorder_point=8,
    order_up_to=25,
)


def test_demand_surge_and_lead_time_disruption_apply():
    ds = ft.simulate(
        MODEL,
        scenario=["baseline", "demand_surge", "lead_time_disruption"],
        reps=60,
        periods=200,
        warmup=20,
        seed=4,
    )
    demand = ds["demand"]
    base = demand.sel(scenario="baseline")
    # The arrival stream does not depend on the lead time: identical customers.
    np.testing.assert_array_equal(demand.sel(scenario="lead_time_disruption").values, base.values)
    assert float(demand.sel(scenario="demand_surge").mean()) == pytest.approx(5.2, rel=0.03)
    # Longer, more variable lead times with the same policy: more backorders.
    later = ds["backorders"].sel(scenario="lead_time_disruption").mean()
    assert float(later) > 1.5 * float(ds["backorders"].sel(scenario="baseline").mean())


@pytest.mark.parametrize(
    "lead_time",
    [2.5, ft.Uniform(1.0, 3.0), ft.Exponential(2.0), ft.Normal(1.0, 1.0), ft.UniformInt(1, 4)],
)
def test_lead_time_disruption_scales_mean_and_variance(lead_time):
    model = MODEL.replace_node("node", lead_time=lead_time)
    changed = Scenario.of("lead_time_disruption").apply(model).nodes[0].lead_time
    mean, var = lead_time_moments(lead_time)
    new_mean, new_var = lead_time_moments(changed)
    assert new_mean == pytest.approx(1.5 * mean, rel=1e-12)
    assert new_var == pytest.approx(2.0 * var, rel=1e-12, abs=1e-15)


def test_normal_lead_time_is_truncated_not_rounded():
    from scipy import stats

    mean, _ = lead_time_moments(ft.Normal(0.5, 1.0))
    assert mean == pytest.approx(0.5 + stats.norm.pdf(0.5) / stats.norm.cdf(0.5), rel=1e-12)


def test_supplier_delay_shifts_what_it_can():
    delay = Scenario.of("supplier_delay")
    assert delay.apply(MODEL).nodes[0].lead_time == ft.Uniform(8.0, 10.0)
    assert delay.apply(MODEL.replace_node("node", lead_time=1.5)).nodes[0].lead_time == 8.5
    with pytest.raises(ValueError, match="supplier_delay cannot add days exactly to the Expon"):
        delay.apply(MODEL.replace_node("node", lead_time=ft.Exponential(2.0)))
    with pytest.raises(ValueError, match="reliability must be 1 under continuous review"):
        Scenario.of("unreliable_supplier").apply(MODEL)


def test_cube_schema_and_attrs():
    policy = {"reorder_point": [4, 8], "order_up_to": [20, 30]}
    run = dict(reps=4, periods=30, seed=1)
    cont = ft.simulate(MODEL, policy, **run)
    periodic = ft.simulate(
        ft.single_node(demand=ft.Poisson(4.0), lead_time=2, backorder_cost=6.0), policy, **run
    )
    assert set(cont.data_vars) == set(periodic.data_vars)
    assert cont["cost"].dims == periodic["cost"].dims
    for name, text in CONTINUOUS_DESCRIPTIONS.items():
        assert cont[name].attrs["description"] == text
        assert periodic[name].attrs["description"] == attrs_of(name)["description"] != text
    assert 'review = "continuous"' in cont.attrs["model_toml"]


def test_example_sweep_file_loads_and_runs(tmp_path):
    from pathlib import Path

    from fasttwin.cli.main import main

    path = Path(__file__).resolve().parents[1] / "sweeps" / "continuous_twin.toml"
    model = ft.load_model(path)
    assert model.review == "continuous" and model.nodes[0].max_outstanding == 1
    out = tmp_path / "cube.zarr"
    args = [str(path), "--grid", "reorder_point=20,40", "--reps", "3", "--periods", "40"]
    assert main(["simulate", *args, "--out", str(out)]) == 0
    import xarray as xr

    cube = xr.open_zarr(out, consolidated=False)
    assert cube["cost"].dims == ("reorder_point", "rep")
    assert "continuous review" in cube.attrs["rng"]
