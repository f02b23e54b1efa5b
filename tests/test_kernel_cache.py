"""The on-disk kernel cache: shared by processes, keyed by specialisation and version."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np

import fasttwin as ft
from fasttwin.kernels import jit as jit_mod

# A child simulates a small grid once both children have imported fasttwin,
# so that their compiles overlap, and prints the costs and its cache counters.
CHILD = textwrap.dedent(
    """
    import json, os, sys, time
    import fasttwin as ft
    from fasttwin.kernels import periodic

    go = sys.argv[1]
    if go != "-":
        open(go + "." + sys.argv[2], "w").close()
        while not all(os.path.exists(go + "." + s) for s in ("a", "b")):
            time.sleep(0.01)
    model = ft.single_node(ft.Poisson(4.0), lead_time=2, backorder_cost=3.0)
    ds = ft.simulate(model, {"reorder_point": [2, 5], "order_up_to": 14}, reps=20, periods=30,
                     seed=7)
    stats = [k.stats for k in periodic._KERNELS.values()]
    print(json.dumps({
        "cost": ds.cost.values.tolist(),
        "hits": sum(sum(s.cache_hits.values()) for s in stats),
        "misses": sum(sum(s.cache_misses.values()) for s in stats),
    }))
    """
)


def _child_env(cache, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("FASTTWIN_NUMBA")}
    return {**env, "FASTTWIN_NUMBA_CACHE_DIR": str(cache), **extra}


def _start(env, *args):
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(proc):
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    return json.loads(out.splitlines()[-1]), err


def test_concurrent_first_compiles_agree_and_a_later_process_loads_without_compiling(tmp_path):
    cache = tmp_path / "cache"
    env = _child_env(cache)
    go = str(tmp_path / "go")
    first = [_finish(p) for p in [_start(env, go, "a"), _start(env, go, "b")]]
    model = ft.single_node(ft.Poisson(4.0), lead_time=2, backorder_cost=3.0)
    expected = ft.simulate(
        model, {"reorder_point": [2, 5], "order_up_to": 14}, reps=20, periods=30, seed=7
    ).cost.values
    for result, _ in first:
        np.testing.assert_array_equal(np.array(result["cost"]), expected)
    # Both started on an empty cache: at least one compiled, and said so once.
    assert any(jit_mod.NOTICE in err for _, err in first)
    assert all(err.count(jit_mod.NOTICE) <= 1 for _, err in first)

    later, err = _finish(_start(env, "-"))
    np.testing.assert_array_equal(np.array(later["cost"]), expected)
    assert later["hits"] >= 1 and later["misses"] == 0
    assert jit_mod.NOTICE not in err


def test_opting_out_compiles_every_time_and_writes_nothing(tmp_path):
    cache = tmp_path / "cache"
    code = "from fasttwin.kernels.rng import key_state; print(key_state(1, 2, 3, 4, 5))"
    env = _child_env(cache, FASTTWIN_NUMBA_CACHE="0")
    runs = [
        subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
        for _ in range(2)
    ]
    for run in runs:
        assert run.returncode == 0, run.stderr
        assert jit_mod.NOTICE_UNCACHED in run.stderr
    assert runs[0].stdout == runs[1].stdout
    assert not cache.exists()


def test_an_unwritable_cache_directory_compiles_and_says_why(tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    code = "from fasttwin.kernels.rng import key_state; print(key_state(1, 2, 3, 4, 5))"
    run = subprocess.run(
        [sys.executable, "-c", code], env=_child_env(blocker), capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    assert "no kernel cache: cannot write" in run.stderr and str(blocker) in run.stderr
    assert int(run.stdout) > 0


def test_cache_directory_is_keyed_by_version_and_kernel_source(monkeypatch, tmp_path):
    monkeypatch.setenv("FASTTWIN_NUMBA_CACHE_DIR", str(tmp_path))
    here = jit_mod.cache_dir()
    assert os.path.dirname(here) == str(tmp_path)
    monkeypatch.setattr(jit_mod, "__version__", "99.0.0")
    assert jit_mod.cache_dir() != here
    monkeypatch.setattr(jit_mod, "_source_hash", lambda: "0" * 16)
    assert jit_mod.cache_dir().endswith("99.0.0-" + "0" * 16)


def test_specialised_kernels_have_stable_distinct_fingerprints():
    from fasttwin.kernels import continuous, periodic, trace
    from fasttwin.kernels.demand import ALL_CODES

    kernels = [
        periodic.periodic_single_kernel(rq, lost, capped, codes, daily)
        for daily in (False, True)
        for rq in (False, True)
        for lost in (False, True)
        for capped in (False, True)
        for codes in (ALL_CODES, frozenset({1}))
    ]
    kernels += [continuous.continuous_single_kernel(rq) for rq in (False, True)]
    kernels += [trace.trace_single_kernel(rq) for rq in (False, True)]
    prints = [jit_mod._fingerprint(k.py_func) for k in kernels]
    assert len(set(prints)) == len(prints)
    # Nothing that changes from one process to the next (object ids, uuids).
    assert not any("0x" in p or "object at" in p for p in prints)
    assert all(isinstance(k._cache, jit_mod._KernelCache) for k in kernels)


def test_keyed_data_files_never_serve_another_kernel(tmp_path):
    # Two processes that saved different keys with stale indexes: an index
    # entry may be lost (a recompile), but a key never loads the other's data.
    a = jit_mod._KeyedDataFile(str(tmp_path), "k", "stamp")
    b = jit_mod._KeyedDataFile(str(tmp_path), "k", "stamp")
    stale = b._load_index()
    a.save("key-a", ("data", "a"))
    b._load_index = lambda: dict(stale)
    b.save("key-b", ("data", "b"))
    fresh = jit_mod._KeyedDataFile(str(tmp_path), "k", "stamp")
    assert fresh.load("key-b") == ("data", "b")
    assert fresh.load("key-a") in (None, ("data", "a"))
