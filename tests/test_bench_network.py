"""The network benchmark runs, and its baselines are faithful: they agree with fasttwin."""

import sys
from pathlib import Path

import numpy as np
import pytest

import fasttwin as ft

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import bench_network as bench  # noqa: E402


def test_quick_benchmark_runs(capsys):
    assert bench.main(["--quick", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    for name in ("fasttwin (1 thread)", "NumPy over reps", "plain Python objects"):
        assert name in out
    rows = [line for line in out.splitlines() if line.startswith("| ")]
    assert len(rows) == 6  # header, rule, 4 implementations
    assert all(float(cell.strip()[:-1].replace(",", "")) > 0 for cell in rows[-1].split("|")[5:7])


def _close(theirs, ours):
    se = np.sqrt(theirs.var(ddof=1) / theirs.size + ours.var(ddof=1) / ours.size)
    return abs(theirs.mean() - ours.mean()) < 4 * se


@pytest.mark.parametrize("policy", [(1000, 3000), (200, 1200)])
def test_baselines_agree_with_fasttwin(policy):
    """Mean cost and each store's lost sales within 4 standard errors (own random numbers).

    (200, 1200) starves the warehouse, so the order in which it pays the
    stores' backorders (FIFO by order day) shows in each store's lost sales.
    """
    model = ft.retail_twin()
    numbers = bench.twin_numbers(model)
    ds = ft.simulate(
        model,
        {"warehouse.reorder_point": policy[0], "warehouse.order_up_to": policy[1]},
        reps=2000,
    )
    ours = ds["cost"].values
    if policy == (200, 1200):
        assert float(ds["node_backorders"].sel(node="warehouse").mean()) > 10
    lost = ds["node_lost_sales"].sel(node=["store_1", "store_2", "store_3"]).values
    for twin, reps in ((bench.numpy_twin, 1000), (bench.python_twin, 150)):
        cost, their_lost = twin(numbers, [policy], reps, 90, 7, seed=3)
        assert _close(cost[0], ours), (twin.__name__, cost.mean(), ours.mean())
        for store in range(3):
            assert _close(their_lost[0, store], lost[store]), (twin.__name__, store)
