"""Smoke test: the memory benchmark runs (quick mode) and its bounds hold at that size."""

import pytest

from benchmarks import bench_memory
from fasttwin.engine.threads import BLOCK_BYTES


@pytest.mark.slow
def test_quick_benchmark_runs(capsys):
    result = bench_memory.run(quick=True)
    out = capsys.readouterr().out
    assert "added / cube" in out and "worker peak RSS" in out
    for case in ("single", "network", "continuous"):
        r = result[case]
        assert r["cube"] > 0 and r["peak"] >= r["start"] > 0
        if r["exact"]:  # the peak was reset after compiling (Linux)
            # The cube plus the blocks in flight (sums, their float copy, variables).
            assert r["peak"] - r["start"] <= 1.5 * r["cube"] + 4 * BLOCK_BYTES * r["threads"]
    g, g10 = result["sweep"]["G"], result["sweep"]["10 G"]
    assert g10["points"] == 10 * g["points"]
    for r in (g, g10):
        assert r["task_points"] <= r["points_per_task"] and r["peak"] >= r["start"] > 0
