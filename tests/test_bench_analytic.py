"""Smoke test: the analytic benchmark runs (quick mode) and its tables are sane."""

import pytest

from benchmarks import bench_analytic


@pytest.mark.slow
def test_quick_benchmark_runs(capsys):
    assert bench_analytic.main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert "| N(50,10), L~N(5,1.5), K=200 | 0.95 |" in out
    assert "| 10 | (6, 40) | 35.022 |" in out
    assert "ratio" in out
