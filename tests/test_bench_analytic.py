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


def test_cycles_are_counted_between_order_placements():
    day = dict(placed=0, served=5, demand=5)
    log = [
        dict(day, placed=9),
        day,
        dict(day, served=3),  # short in the first cycle
        dict(day, placed=7),
        day,
        dict(day, placed=4),
        dict(day, served=0),  # after the last placement: no complete cycle
    ]
    assert bench_analytic.cycles_without_stockout(log, warmup=0) == (2, 1)
    assert bench_analytic.cycles_without_stockout(log, warmup=1) == (1, 0)
