"""Benchmarks run as tests at tiny sizes, and their baselines are checked to be faithful."""

import numpy as np
import pytest

from benchmarks import bench_core, bench_speed


def test_core_baselines_compute_the_same_model():
    """Given fasttwin's own demand paths, both baselines reproduce its costs.

    Equal up to the order of float additions (the integer sums are identical).
    """
    policy = {"reorder_point": [30, 55], "order_up_to": [100, 140]}
    reps, periods, warmup = 6, 60, 5
    expected = bench_core.fasttwin_costs(policy, reps, periods, warmup)
    demand = bench_core.fasttwin_demand(reps, periods)
    np.testing.assert_allclose(bench_core.numpy_grid(demand, policy, warmup), expected, rtol=1e-13)
    pairs = [(s, b) for s in policy["reorder_point"] for b in policy["order_up_to"]]
    python = np.array([bench_core.python_costs(demand, s, b, warmup) for s, b in pairs])
    np.testing.assert_allclose(python, expected, rtol=1e-13)


@pytest.mark.slow
def test_core_benchmark_quick_runs():
    result = bench_core.run(quick=True)
    assert all(v > 0 for v in result["rates_per_s"].values())
    assert result["import_s"] > 0 and result["compile_s"] > 0


@pytest.mark.slow
def test_speed_benchmark_quick_runs():
    result = bench_speed.run(quick=True)
    figures = result["trees"]["this tree"]
    assert all(v > 0 for k, v in figures.items() if k != "threads")
    assert set(figures) >= {
        "first call, single, empty cache (s)",
        "first call, single, warm cache (s)",
    }
