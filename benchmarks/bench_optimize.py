"""How much simulation each search needs to get within 1 % of the best known cost.

Two problems, four searches, one run. Every search solves the *same* sample
problem: each policy it proposes is simulated on the same replications
(common random numbers), through the same cached evaluator, which counts
policy-replication-days (a policy's cost is its replications x days x
scenarios) and wall time:

- ``serial``: supplier -> warehouse -> store, Poisson demand, backorders,
  base-stock levels at both stages (2 parameters, 120 x 120 lattice). Judged
  by the *exact* cost of each search's incumbent
  (:func:`fasttwin.analytic.serial_cost`); best known: the Clark-Scarf optimum.
- ``retail``: the retail twin, (s, S) at the warehouse and the 3 stores (8
  parameters, the lattice of ``sweeps/retail_optimize.toml``), fill rate >= 98 %
  at every store in every one of the eight scenarios (confident rule).
  Judged by the sample problem's cost; best known: the lowest feasible cost
  any search found.

Searches:

- ``fasttwin`` — :func:`fasttwin.optimize.search.batch_search`, batches of
  common-random-number policies (one kernel call per batch and scenario);
- ``grid`` — the exhaustive grid of the lattice, in batches (serial); for the
  retail twin the lattice has ~1e15 points, so its size is reported and a
  3-level grid (6,561 policies) is run instead;
- ``tpe`` — plain Optuna TPE (``TPESampler`` with ``constraints_func``),
  one candidate per trial, as a black-box tuner is usually run;
- ``tpe-batch`` — the same sampler asked for a batch of candidates at a
  time (constant liar), simulated together as one CRN batch.

``reach`` is the first point at which a search's incumbent (its best
feasible policy so far) is within 1 % of the best known cost: the exhaustive
grid's answer is known only once it has finished, so its reach is its total.

    python benchmarks/bench_optimize.py            # full size (several minutes)
    python benchmarks/bench_optimize.py --quick    # seconds; what the smoke test runs
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
import time
from pathlib import Path

import numpy as np

import fasttwin as ft

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import print_table, save  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
WITHIN = 0.01


class Problem:
    """The sample problem: a cached, counting evaluator of lattice points.

    ``evaluate(points)`` simulates the new rows in one batch (one kernel call
    per scenario) and returns each row's cost (mean over scenarios) and total
    shortfall under the spec's rule. ``trace`` holds, after each new policy,
    the policy-replication-days and seconds spent so far and the incumbent.
    """

    def __init__(self, spec, judge=None):
        self.spec, self.judge = spec, judge
        self.cache: dict[tuple, tuple[float, float]] = {}
        self.days = spec.reps * spec.periods * spec.n_scenarios
        self.spent = 0.0
        self.incumbent: tuple | None = None
        self.trace: list[tuple[int, float, float]] = []  # (policy-rep-days, seconds, judged)
        self.start = time.perf_counter()

    def evaluate(self, points):
        from fasttwin.optimize.evaluate import evaluate, summarise

        spec = self.spec
        points = np.asarray(points, np.int64).reshape(-1, len(spec.space.dims))
        new = list(dict.fromkeys(tuple(int(v) for v in p) for p in points))
        new = [p for p in new if p not in self.cache]
        if new:
            arr = np.array(new, np.int64)
            scen = None if spec.scenarios is None else list(spec.scenarios)
            ds = evaluate(spec.model, spec.space.points(arr), scen, spec.run, True)
            sm = summarise(ds, spec.constraint.stores, spec.service)
            cost = sm["cost_mean"]
            cost = (cost.mean("scenario") if "scenario" in cost.dims else cost).values
            c = spec.constraint
            if c.target is None:
                short = np.zeros(len(new))
            else:
                mean, se = c.from_summary(sm)
                short = c.violation(c.statistic(mean, se, spec.reps, c.pairs(spec.n_scenarios)))
            for p, cc, v in zip(new, cost, short, strict=True):
                self.cache[p] = (float(cc), float(v))
                if v == 0 and (self.incumbent is None or cc < self.cache[self.incumbent][0]):
                    self.incumbent = p
                self.trace.append(
                    (len(self.cache) * self.days, time.perf_counter() - self.start, self.judged())
                )
        out = np.array([self.cache[tuple(int(v) for v in p)] for p in points]).reshape(-1, 2)
        return out[:, 0], out[:, 1]

    def judged(self) -> float:
        """The incumbent's cost as judged (exact, or the sample problem's)."""
        if self.incumbent is None:
            return math.inf
        if self.judge is not None:
            return self.judge(self.spec.space.describe(self.incumbent))
        return self.cache[self.incumbent][0]

    def gap_after(self, n: int, best: float) -> float:
        """The incumbent's gap (%) to ``best`` after the first ``n`` new policies."""
        if not self.trace:
            return math.nan
        judged = self.trace[min(n, len(self.trace)) - 1][2]
        return 100 * (judged / best - 1)

    def reach(self, best: float) -> tuple[float, float, int]:
        """Policy-rep-days, seconds and policies when first within 1 % of ``best``."""
        for k, (days, secs, judged) in enumerate(self.trace):
            if judged <= best * (1 + WITHIN):
                return days, secs, k + 1
        return math.nan, math.nan, 0


# --- the searches --------------------------------------------------------------------------


def run_fasttwin(problem: Problem) -> None:
    from fasttwin.optimize.search import batch_search

    spec = problem.spec
    batch_search(
        spec.space.shape,
        spec.start,
        lambda k, pts: problem.evaluate(pts),
        valid=spec.space.valid,
        budget=spec.budget,
        batch_size=spec.batch_size,
        groups=spec.groups,
        blocks=spec.blocks,
    )


def run_grid(problem: Problem, levels: int | None, batch: int = 512) -> None:
    """Every point of the lattice (or ``levels`` values per axis, evenly spread), in batches."""
    spec = problem.spec
    axes = [
        np.arange(n) if levels is None else np.unique(np.linspace(0, n - 1, levels).round())
        for n in spec.space.shape
    ]
    points = np.array(list(itertools.product(*axes)), np.int64)
    points = points[spec.space.valid(points)]
    for i in range(0, len(points), batch):
        problem.evaluate(points[i : i + batch])


def run_tpe(problem: Problem, trials: int, batch: int = 1, seed: int = 0) -> None:
    """Optuna TPE with its constraint support; ``batch`` candidates asked at a time."""
    import optuna
    from optuna.trial import TrialState

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    spec = problem.spec
    # Constraints reach the sampler through Trial.set_constraint (optuna >= 5).
    sampler = optuna.samplers.TPESampler(seed=seed, constant_liar=batch > 1)
    study = optuna.create_study(sampler=sampler)
    asked = 0
    while asked < trials:
        group = [study.ask() for _ in range(min(batch, trials - asked))]
        asked += len(group)
        pts = np.array([_suggest(t, spec) for t in group], np.int64)
        ok = spec.space.valid(pts)
        if ok.any():
            cost, short = problem.evaluate(pts[ok])
        it = iter(zip(cost, short, strict=True)) if ok.any() else iter(())
        for t, good in zip(group, ok, strict=True):
            if not good:
                study.tell(t, state=TrialState.FAIL)  # no policy (s >= S): nothing simulated
                continue
            c, v = next(it)
            t.set_constraint("shortfall", float(v))
            study.tell(t, float(c))


def _suggest(trial, spec) -> list[int]:
    """A lattice point from the trial. A node's ``S`` is suggested as its step above ``s``
    (its k-th lattice value above ``s``), so that every proposal is a policy: TPE wastes no
    trial on ``s >= S``."""
    space = spec.space
    index = [0] * len(space.dims)
    upper = {j: i for i, j in spec.groups}
    for i, d in enumerate(space.dims):
        if i not in upper:
            index[i] = trial.suggest_int(d.name, 0, len(d.values) - 1)
    for j, i in upper.items():
        s = space.dims[i].values[index[i]]
        above = np.flatnonzero(np.asarray(space.dims[j].values) > s)
        k = trial.suggest_int(f"{space.dims[j].name}_above", 1, len(space.dims[j].values))
        index[j] = int(above[min(k, len(above)) - 1]) if len(above) else 0
    return index


# --- the problems --------------------------------------------------------------------------


def serial_spec(quick: bool):
    from fasttwin.optimize.spec import OptimizeSpec

    model = ft.Model(
        nodes=(
            ft.Node("warehouse", lead_time=4, order_up_to=60, holding_cost=0.6),
            ft.Node(
                "store",
                parent="warehouse",
                lead_time=2,
                demand=ft.Poisson(6.0),
                order_up_to=40,
                holding_cost=1.0,
                backorder_cost=12.0,
            ),
        )
    )
    top = 60 if quick else 120
    space = {"store.order_up_to": range(0, top), "warehouse.order_up_to": range(0, top)}
    run = dict(reps=20, periods=300) if quick else dict(reps=40, periods=800)
    return OptimizeSpec(model, space, target=None, seed=4, warmup=50, budget=10**6, **run)


def retail_spec(quick: bool):
    from fasttwin.optimize.spec import OptimizeSpec, load_optimize_spec

    base = load_optimize_spec(ROOT / "sweeps" / "retail_optimize.toml")
    scenarios = list(base.scenarios[:2]) if quick else list(base.scenarios)
    return OptimizeSpec(
        base.model,
        base.space,
        start=base.start,
        scenarios=scenarios,
        reps=10 if quick else 50,
        budget=10**6,
    )


def bench(name: str, spec, judge, best_exact, methods, quick: bool) -> list[dict]:
    rows = []
    problems = {}
    Problem(spec).evaluate([spec.start])  # compile the kernels outside every timing
    for method, run in methods:
        problem = Problem(spec, judge)
        run(problem)
        problems[method] = problem
        print(
            f"  {name}/{method}: {len(problem.cache):,} policies, {problem.trace[-1][1]:.1f} s",
            file=sys.stderr,
            flush=True,
        )
    best = best_exact
    if best is None:
        best = min(p.judged() for p in problems.values())
    # Gaps compared at the fewest policies any search (but the grid) ran.
    equal = min(len(p.cache) for m, p in problems.items() if not m.startswith("grid"))
    for method, problem in problems.items():
        days, secs, n = problem.reach(best)
        total_days, total_secs, _ = problem.trace[-1]
        if method.startswith("grid"):
            # Its answer is known once it has finished.
            days, secs, n = (
                (total_days, total_secs, len(problem.cache)) if n else (math.nan, math.nan, 0)
            )
        rows.append(
            {
                "problem": name,
                "method": method,
                "policies to 1 %": n,
                "policy-rep-days to 1 %": days,
                "seconds to 1 %": secs,
                "gap % at equal policies": problem.gap_after(equal, best),
                "equal policies": equal,
                "final gap %": 100 * (problem.judged() / best - 1),
                "policies run": len(problem.cache),
                "lattice": float(np.prod(spec.space.shape, dtype=float)),
            }
        )
    return rows


def fmt(v) -> str:
    if isinstance(v, float):
        if math.isnan(v):
            return "not reached"
        return f"{v:.3g}" if abs(v) < 1e4 else f"{v:.2e}"
    return f"{v:,}" if isinstance(v, int) else str(v)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    args = parser.parse_args(argv)
    quick = args.quick
    rows = []

    spec = serial_spec(quick)
    exact = ft.analytic.optimal_serial_base_stock(spec.model).cost

    def judge(policy):
        return ft.analytic.serial_cost(
            spec.model, policy["store_order_up_to"], policy["warehouse_order_up_to"]
        )

    trials = 150 if quick else 600
    rows += bench(
        "serial",
        spec,
        judge,
        exact,
        [
            ("fasttwin", run_fasttwin),
            ("grid", lambda p: run_grid(p, None)),
            ("tpe", lambda p: run_tpe(p, trials)),
            ("tpe-batch", lambda p: run_tpe(p, trials, batch=32)),
        ],
        quick,
    )

    spec = retail_spec(quick)
    trials = 150 if quick else 2000
    rows += bench(
        "retail",
        spec,
        None,
        None,
        [
            ("fasttwin", run_fasttwin),
            ("grid (3 levels)", lambda p: run_grid(p, 3 if not quick else 2)),
            ("tpe", lambda p: run_tpe(p, trials)),
            ("tpe-batch", lambda p: run_tpe(p, trials, batch=64)),
        ],
        quick,
    )

    header = tuple(rows[0])
    print_table(
        "Evaluations to reach within 1 % of the best known cost "
        "(serial: exact costs; retail: the sample problem)",
        [tuple(fmt(r[h]) for h in header) for r in rows],
        header,
    )
    if not quick:
        save("optimize", {"rows": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
