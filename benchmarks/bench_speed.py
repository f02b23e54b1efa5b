"""Speed of the core paths, this tree against an older revision, in one run.

    python -m benchmarks.bench_speed --against main   # also ``main``, in a temporary worktree
    python -m benchmarks.bench_speed --quick          # this tree only, tiny sizes (smoke test)

Each figure comes from a fresh interpreter that imports fasttwin from the tree
measured (``PYTHONPATH``); the trees take turns, and each rate is the best of
two turns, so both see the same machine load:

- single policy: one (s, S) point, Poisson(20), L = 2, 365 days, on all cores
  (replication-days per second);
- 100-point (s, S) grid of the same model (policy-replication-days per second);
- retail network: the 4-node retail twin with a 10 x 10 warehouse (s, S) grid
  (node-policy-replication-days per second);
- first call of ``simulate`` in a fresh interpreter, imports excluded, single
  node and network: with an empty kernel cache, then with the cache that call
  filled (``FASTTWIN_NUMBA_CACHE_DIR``; a tree without a kernel cache compiles
  both times).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from benchmarks.common import print_table, save

ROOT = Path(__file__).resolve().parents[1]

# Uses only the public API that every version since 0.2 has.
RATES = textwrap.dedent(
    """
    import json, sys, time
    import numba
    import fasttwin as ft

    single_reps, grid_reps, net_reps, periods = (int(a) for a in sys.argv[1:5])
    model = ft.single_node(ft.Poisson(20.0), lead_time=2, holding_cost=1.0, backorder_cost=9.0,
                           order_cost=64.0)
    one = {"reorder_point": 40, "order_up_to": 120}
    grid = {"reorder_point": list(range(30, 80, 5)), "order_up_to": list(range(100, 200, 10))}
    net = ft.retail_twin()
    net_grid = {"warehouse.reorder_point": list(range(500, 1500, 100)),
                "warehouse.order_up_to": list(range(2000, 4000, 200))}

    def best(fn, repeat=3):
        fn()  # compile (or load) outside the timed region
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return min(times)

    t1 = best(lambda: ft.simulate(model, one, reps=single_reps, periods=periods, seed=1))
    tg = best(lambda: ft.simulate(model, grid, reps=grid_reps, periods=periods, seed=1))
    tn = best(lambda: ft.simulate(net, net_grid, reps=net_reps, periods=periods, seed=1))
    print(json.dumps({
        "file": ft.__file__,
        "threads": numba.get_num_threads(),
        "single policy (rep-days/s)": single_reps * periods / t1,
        "100-point grid (policy-rep-days/s)": 100 * grid_reps * periods / tg,
        "retail network (node-policy-rep-days/s)": 4 * 100 * net_reps * periods / tn,
    }))
    """
)

FIRST_CALL = textwrap.dedent(
    """
    import json, sys, time
    import fasttwin as ft, numba, xarray, scipy.stats

    if sys.argv[1] == "network":
        model, policy = ft.retail_twin(), None
    else:
        model = ft.single_node(ft.Poisson(20.0), lead_time=2, backorder_cost=9.0)
        policy = {"reorder_point": [30], "order_up_to": [100]}
    t = time.perf_counter()
    ft.simulate(model, policy, reps=2, periods=10)
    print(json.dumps(time.perf_counter() - t))
    """
)


def _child(tree: Path, code: str, args: list, cache: Path | None) -> object:
    """Run ``code`` on ``tree``'s fasttwin with kernel cache ``cache`` (None: the user's)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FASTTWIN_NUMBA")}
    env["PYTHONPATH"] = str(tree)
    if cache is not None:
        env["FASTTWIN_NUMBA_CACHE_DIR"] = str(cache)
    out = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)],
        cwd=tree,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(trees: dict[str, Path], quick: bool, scratch: Path) -> dict:
    sizes = (200, 20, 4, 60) if quick else (40_000, 2_000, 400, 365)
    caches = {name: scratch / f"cache-{i}" for i, name in enumerate(trees)}
    # --quick (the smoke test) skips the network's cold compile and times rates
    # with the user's cache, to stay a few seconds.
    kinds = ("single",) if quick else ("single", "network")
    first = {}
    for name, tree in trees.items():
        for kind in kinds:
            # The cold call fills this tree's cache; the warm call (and the rates) load from it.
            cold = _child(tree, FIRST_CALL, [kind], caches[name])
            warm = _child(tree, FIRST_CALL, [kind], caches[name])
            first[name, kind] = (cold, warm)
    rates: dict[str, dict] = {name: {} for name in trees}
    for _ in range(1 if quick else 2):
        for name, tree in trees.items():
            got = _child(tree, RATES, list(sizes), None if quick else caches[name])
            assert Path(got.pop("file")).is_relative_to(tree), "measured another fasttwin"
            threads = got.pop("threads")
            for k, v in got.items():
                rates[name][k] = max(rates[name].get(k, 0.0), v)
            rates[name]["threads"] = threads
    result = {"sizes": sizes, "trees": {}}
    for name in trees:
        result["trees"][name] = {
            **rates[name],
            **{
                f"first call, {kind}, {state} cache (s)": first[name, kind][i]
                for kind in kinds
                for i, state in enumerate(("empty", "warm"))
            },
        }
    return result


def run(quick: bool, against: str | None = None) -> dict:
    with tempfile.TemporaryDirectory(prefix="fasttwin-bench-speed-") as tmp:
        scratch = Path(tmp)
        trees = {"this tree": ROOT}
        if against:
            old = scratch / "against"
            subprocess.run(
                ["git", "worktree", "add", "--detach", str(old), against],
                cwd=ROOT,
                check=True,
                capture_output=True,
            )
            trees = {against: old, "this tree": ROOT}
        try:
            result = measure(trees, quick, scratch)
        finally:
            if against:
                subprocess.run(
                    ["git", "worktree", "remove", "--force", str(old)], cwd=ROOT, check=True
                )
    names = list(result["trees"])
    measures = list(result["trees"][names[0]])
    rows = []
    for m in measures:
        values = [result["trees"][n][m] for n in names]
        cells = [f"{v:,.3g}" if isinstance(v, float) else str(v) for v in values]
        if len(values) == 2:
            ratio = isinstance(values[0], float) and values[0] > 0
            cells.append(f"{values[1] / values[0]:.2f}x" if ratio else "")
        rows.append((m, *cells))
    header = ("measure", *names, *(["after / before"] if len(names) == 2 else []))
    print_table(f"fasttwin speed (sizes {result['sizes']})", rows, header)
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    parser.add_argument("--against", help="a git revision to measure in the same run, e.g. main")
    args = parser.parse_args(argv)
    result = run(args.quick, args.against)
    if not args.quick:
        print(f"\nsaved {save('speed', result)}")
    return result


if __name__ == "__main__":
    main()
