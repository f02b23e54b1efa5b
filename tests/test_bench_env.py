"""The step-environment benchmark runs, with the baseline when gym-invmgmt is installed."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import bench_env as bench  # noqa: E402


def test_quick_benchmark_runs(capsys):
    assert bench.main(["--quick", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| ")]
    assert len(rows) == 5  # header, 2 models x 2 batch sizes
    for row in rows[1:]:
        cells = [c.strip() for c in row.split("|")[1:-1]]
        assert float(cells[2].replace(",", "")) > 0 and float(cells[3].replace(",", "")) > 0


def test_fasttwin_rates_are_positive_for_both_models():
    for model in bench.models().values():
        env_rate, kernel_rate = bench.fasttwin_rate(model, 8, 3, 1)
        assert env_rate > 0 and kernel_rate > 0
