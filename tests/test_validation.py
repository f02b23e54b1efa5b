"""Bad input is refused with an error naming the field, before anything compiles."""

import subprocess
import sys
import textwrap

import pytest

import fasttwin as ft

GOOD = dict(demand=ft.Poisson(mean=5.0), lead_time=1, backorder_cost=4.0)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(holding_cost=-1.0), "holding_cost must be a number >= 0"),
        (dict(order_cost=float("nan")), "order_cost must be a number >= 0, got NaN"),
        (dict(lead_time=-2), "lead_time must be an integer >= 0"),
        (dict(lead_time=1.5), "lead_time must be an integer >= 0"),
        (dict(reliability=1.5), r"reliability must be a number in \[0, 1\]"),
        (dict(reorder_point=10, order_up_to=5), r"reorder_point must be < order_up_to \(5\)"),
        (dict(reorder_point=3), "reorder_point needs order_up_to"),
        (dict(order_up_to=10, order_quantity=5, reorder_point=1), "not both"),
        (dict(capacity=-1), "capacity must be an integer >= 0"),
        (dict(review_period=0), "review_period must be an integer >= 1"),
    ],
)
def test_bad_model_fields(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ft.single_node(**{**GOOD, **kwargs})


@pytest.mark.parametrize(
    "demand, match",
    [
        (lambda: ft.Poisson(mean=-1.0), "Poisson.mean must be a number >= 0"),
        (
            lambda: ft.Normal(mean=5.0, std=float("nan")),
            "Normal.std must be a number >= 0, got NaN",
        ),
        (
            lambda: ft.NegativeBinomial(mean=9.0, std=2.0),
            "NegativeBinomial.std must be a number > 3",
        ),
        (
            lambda: ft.Poisson(mean=5.0, amplitude=2.0),
            r"Poisson.amplitude must be a number in \[0, 1\]",
        ),
        (lambda: ft.UniformInt(5, 2), "UniformInt.high must be an integer >= 5"),
        (lambda: ft.Empirical(values=(1, 2), probs=(1.0,)), "one entry per value"),
    ],
)
def test_bad_distributions(demand, match):
    with pytest.raises(ValueError, match=match):
        demand()


MODEL = ft.single_node(**GOOD)


@pytest.mark.parametrize(
    "policy, run, match",
    [
        ({"reorder_point": 9, "order_up_to": 5}, {}, r"reorder_point must be < order_up_to"),
        ({"reorder": [1, 2], "order_up_to": 5}, {}, "policy key 'reorder' names no parameter"),
        ({"order_up_to": [5, 5]}, {}, "repeated values"),
        ({"order_up_to": []}, {}, "at least one value"),
        ({"order_up_to": [5.5]}, {}, "must be integers"),
        ({"order_up_to": [float("nan")]}, {}, "must be integers"),
        ({"order_up_to": -3}, {}, "must be integers >= 0"),
        ({"order_quantity": [0], "reorder_point": 1}, {}, "must be integers >= 1"),
        ({"other.order_up_to": 5}, {}, "unknown node 'other'"),
        (
            {"reorder_point": [20, 30], "order_up_to": [5, 10]},
            {},
            "no grid point is a valid policy",
        ),
        ({"order_up_to": 5}, {"reps": 0}, "reps must be an integer >= 1"),
        (
            {"order_up_to": 5},
            {"periods": 10, "warmup": 10},
            r"warmup must be an integer in \[0, 9\]",
        ),
        ({"order_up_to": 5}, {"seed": -1}, "seed must be an integer"),
        (
            {"order_up_to": 5},
            {"periods": 2**31},
            r"periods must be an integer in \[1, 2147483647\]",
        ),
        ({}, {}, "node 'node' has no policy"),
    ],
)
def test_bad_simulate_arguments(policy, run, match):
    with pytest.raises(ValueError, match=match):
        ft.simulate(MODEL, policy, **{"reps": 2, "periods": 20, **run})


def test_invalid_cells_are_nan_and_masked():
    ds = ft.simulate(MODEL, {"reorder_point": [2, 8], "order_up_to": [5, 10]}, reps=3, periods=20)
    assert ds["valid"].values.tolist() == [[True, True], [False, True]]
    assert ds["cost"].sel(reorder_point=8, order_up_to=5).isnull().all()
    assert ds["cost"].sel(reorder_point=8, order_up_to=10).notnull().all()


def test_errors_come_before_any_compilation():
    code = textwrap.dedent(
        """
        import sys
        import fasttwin as ft
        m = ft.single_node(demand=ft.Poisson(mean=5.0), lead_time=1)
        for bad in ({"reorder_point": 9, "order_up_to": 5}, {"nope": 1}):
            try:
                ft.simulate(m, bad, reps=2, periods=10)
            except ValueError:
                pass
            else:
                raise SystemExit("no error")
        assert "numba" not in sys.modules, "numba was imported"
        assert "fasttwin.kernels.periodic" not in sys.modules
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_import_compiles_nothing():
    code = "import sys, fasttwin; assert 'numba' not in sys.modules and 'xarray' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
