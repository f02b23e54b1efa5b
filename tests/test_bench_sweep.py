"""Smoke test: the sweep benchmark runs (quick mode) and reports every measure."""

import pytest

from benchmarks import bench_sweep


@pytest.mark.slow
def test_quick_benchmark_runs(capsys):
    result = bench_sweep.run(quick=True)
    out = capsys.readouterr().out
    for measure in ("parallel efficiency", "overhead share", "peak worker RSS, 10 G"):
        assert measure in out
    assert result["parallel_efficiency"] > 0 and result["in_process_seconds"] > 0
    assert result["memory_grid_points"]["10 G"] == 10 * result["memory_grid_points"]["G"]
    assert all(v > 0 for v in result["peak_worker_rss_mb"].values())
