"""The optimiser benchmark runs at tiny sizes, and its searches solve the same problem."""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import bench_optimize as bench  # noqa: E402


def test_quick_benchmark_runs(capsys):
    assert bench.main(["--quick"]) == 0
    out = capsys.readouterr().out
    rows = [line.split("|")[1:-1] for line in out.splitlines() if line.startswith("| ")][1:]
    found = {(r[0].strip(), r[1].strip()): r for r in rows}
    for problem in ("serial", "retail"):
        for method in ("fasttwin", "tpe", "tpe-batch"):
            assert (problem, method) in found
    # Our search reaches 1 % of the exact serial optimum, and the retail best known.
    for problem in ("serial", "retail"):
        assert found[(problem, "fasttwin")][3].strip() != "not reached"
    # The exhaustive serial grid finds the optimum of the sample problem; judged exactly, that
    # is the exact optimum or, at these tiny sizes, a neighbour within the benchmark's 1 %
    # (0.42 % with the draws of fasttwin 0.3; the exact optimum with those of 0.2).
    assert float(found[("serial", "grid")][7]) < 1.0
    assert found[("serial", "grid")][3].strip() != "not reached"


def test_searches_share_one_evaluator():
    """Every search sees the same cost for the same policy: the same sample problem."""
    spec = bench.serial_spec(quick=True)
    a, b = bench.Problem(spec), bench.Problem(spec)
    pts = np.array([[10, 20], [30, 5]])
    ca, _ = a.evaluate(pts)
    cb, _ = b.evaluate(pts[::-1])
    assert np.array_equal(ca, cb[::-1])
    assert a.trace[-1][0] == 2 * spec.reps * spec.periods
