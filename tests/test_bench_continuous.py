"""Smoke test of benchmarks/bench_continuous.py: it runs, and SimPy agrees with fasttwin.

Timings are not asserted (speed is measured by the benchmark itself).
"""

import importlib.util
import json
from pathlib import Path

import pytest

PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_continuous.py"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_continuous", PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quick_benchmark_runs_and_simpy_agrees(tmp_path, capsys):
    bench = _bench()
    out = tmp_path / "bench.json"
    assert bench.main(["--quick", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "policy-rep-events/s" in printed and "DISAGREE" not in printed
    r = json.loads(out.read_text())
    assert r["simpy"]["events"] > 1000 and r["fasttwin"]["events"] > 1000
    assert all(rate > 0 for rate in r["events_per_s"].values())
    assert r["grid"]["points"] == 16
    # The same model in SimPy and in fasttwin: mean cost and fill rate agree.
    for name in ("cost", "fill_rate"):
        assert bench.agrees(r["agreement"][name]), (name, r["agreement"][name])
    simpy_cost, fasttwin_cost = (r["agreement"]["cost"][k][0] for k in ("simpy", "fasttwin"))
    assert simpy_cost == pytest.approx(fasttwin_cost, rel=0.05)


def test_simpy_twin_is_deterministic_and_conserves_units():
    bench = _bench()
    a = bench.simpy_twin(70, 150, 30, seed=3)
    assert a == bench.simpy_twin(70, 150, 30, seed=3)
    cost, fill, customers = a
    assert customers > 0 and 0.0 <= fill <= 1.0 and cost > 0
