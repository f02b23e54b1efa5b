"""Continuous-review twin against a SimPy implementation of the same model, in one run.

The model: Poisson customers (``LAM`` per day, one unit each), uniform random
lead times, backorders, an (s, S) policy reviewed after every event, holding
and backorder costs integrated over time, a fixed cost per order. The SimPy
twin is written the way most such twins are: a customer process that yields
exponential gaps and a process per order that yields its lead time.

Reported: simulated customer events per second (one policy, many
replications) for SimPy, fasttwin on one thread and fasttwin on all threads,
with their ratios; the grid rate (policy x replication x customer events per
second) of a whole (s, S) grid; and a check that SimPy and fasttwin agree on
the mean cost per day and the fill rate (within 4 combined standard errors).
The measurements are interleaved and repeated; each keeps its best wall time
(as ``timeit`` does), which makes the ratios robust to a busy machine.

Usage::

    PYTHONPATH=. python benchmarks/bench_continuous.py [--quick] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time

import numpy as np

LAM = 20.0  # customers per day
LEAD = (2.0, 4.0)  # uniform lead time, days
POLICY = (70, 150)  # (s, S)
COSTS = dict(holding_cost=1.0, backorder_cost=9.0, order_cost=50.0)

FULL = dict(periods=365, simpy_reps=40, reps=4000, grid_reps=400, grid_step=5, repeat=3)
QUICK = dict(periods=120, simpy_reps=8, reps=200, grid_reps=40, grid_step=20, repeat=1)


def simpy_twin(s, big_s, periods, seed):
    """One replication in SimPy: cost per day, fill rate and the number of customers."""
    import simpy

    rng = random.Random(seed)
    env = simpy.Environment()
    st = dict(on_hand=big_s, backorders=0, position=big_s, last=0.0)
    st.update(area_oh=0.0, area_bo=0.0, orders=0, customers=0, filled=0)

    def account():
        dt = env.now - st["last"]
        st["area_oh"] += st["on_hand"] * dt
        st["area_bo"] += st["backorders"] * dt
        st["last"] = env.now

    def delivery(q):
        yield env.timeout(rng.uniform(*LEAD))
        account()
        st["on_hand"] += q
        release = min(st["on_hand"], st["backorders"])
        st["on_hand"] -= release
        st["backorders"] -= release

    def review():
        if st["position"] <= s:
            q = big_s - st["position"]
            st["position"] += q
            st["orders"] += 1
            env.process(delivery(q))

    def customers():
        while True:
            yield env.timeout(rng.expovariate(LAM))
            account()
            st["customers"] += 1
            if st["on_hand"] > 0:
                st["on_hand"] -= 1
                st["filled"] += 1
            else:
                st["backorders"] += 1
            st["position"] -= 1
            review()

    env.process(customers())
    env.run(until=periods)
    account()
    cost = (
        COSTS["holding_cost"] * st["area_oh"]
        + COSTS["backorder_cost"] * st["area_bo"]
        + COSTS["order_cost"] * st["orders"]
    ) / periods
    fill = st["filled"] / st["customers"] if st["customers"] else 1.0
    return cost, fill, st["customers"]


def _model():
    import fasttwin as ft

    return ft.single_node(
        demand=ft.Poisson(LAM), lead_time=ft.Uniform(*LEAD), review="continuous", **COSTS
    )


def _best(fns: dict, repeat: int) -> tuple[dict, dict]:
    """Run each function ``repeat`` times, interleaved; results and best wall times."""
    results, best = {}, dict.fromkeys(fns, math.inf)
    for _ in range(repeat):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            results[name] = fn()
            best[name] = min(best[name], time.perf_counter() - t0)
    return results, best


def _mean_se(x):
    x = np.asarray(x, float).ravel()
    return float(x.mean()), float(x.std(ddof=1) / math.sqrt(x.size))


def run(quick: bool = False) -> dict:
    """Run the benchmark; return its figures (also used by the smoke test)."""
    import numba

    import fasttwin as ft

    cfg = QUICK if quick else FULL
    periods = cfg["periods"]
    model = _model()
    s, big_s = POLICY
    one = {"reorder_point": s, "order_up_to": big_s}

    def fasttwin(policy, reps, parallel):
        return ft.simulate(
            model, policy, reps=reps, periods=periods, warmup=0, seed=1, parallel=parallel
        )

    grid = {
        "reorder_point": list(range(40, 110, cfg["grid_step"])),
        "order_up_to": list(range(110, 240, 2 * cfg["grid_step"])),
    }
    # JIT warm-up outside the timings: both builds, tiny runs.
    fasttwin(one, 2, True)
    fasttwin(one, 2, False)
    out, best = _best(
        {
            "simpy": lambda: [
                simpy_twin(s, big_s, periods, seed) for seed in range(cfg["simpy_reps"])
            ],
            "serial": lambda: fasttwin(one, cfg["reps"], False),
            "parallel": lambda: fasttwin(one, cfg["reps"], True),
            "grid": lambda: fasttwin(grid, cfg["grid_reps"], True),
        },
        cfg["repeat"],
    )
    sims, ds_par, ds_grid = out["simpy"], out["parallel"], out["grid"]
    t_simpy, t_ser, t_par, t_grid = (best[k] for k in ("simpy", "serial", "parallel", "grid"))
    simpy_events = sum(c for _, _, c in sims)
    events = float(ds_par["demand"].sum()) * periods  # unit demand: units = customers
    points = int(ds_grid["valid"].sum())
    grid_customers = float(ds_grid["demand"].isel(reorder_point=0, order_up_to=0).sum()) * periods

    rate_simpy = simpy_events / t_simpy
    rate_ser = events / t_ser
    rate_par = events / t_par
    cost_simpy, cost_ft = _mean_se([c for c, _, _ in sims]), _mean_se(ds_par["cost"].values)
    fill_simpy, fill_ft = _mean_se([f for _, f, _ in sims]), _mean_se(ds_par["fill_rate"].values)
    return {
        "quick": quick,
        "threads": numba.get_num_threads(),
        "repeat": cfg["repeat"],
        "periods": periods,
        "simpy": {"reps": cfg["simpy_reps"], "events": simpy_events, "seconds": t_simpy},
        "fasttwin": {"reps": cfg["reps"], "events": events, "serial_s": t_ser, "parallel_s": t_par},
        "events_per_s": {"simpy": rate_simpy, "serial": rate_ser, "parallel": rate_par},
        "ratio": {"serial": rate_ser / rate_simpy, "parallel": rate_par / rate_simpy},
        "grid": {
            "points": points,
            "reps": cfg["grid_reps"],
            "seconds": t_grid,
            "customer_events_per_s": grid_customers / t_grid,
            "policy_rep_events_per_s": grid_customers * points / t_grid,
        },
        "agreement": {
            "cost": {"simpy": cost_simpy, "fasttwin": cost_ft},
            "fill_rate": {"simpy": fill_simpy, "fasttwin": fill_ft},
        },
    }


def agrees(pair, k=4.0) -> bool:
    """Means within ``k`` combined standard errors."""
    (m1, se1), (m2, se2) = pair["simpy"], pair["fasttwin"]
    return abs(m1 - m2) < k * math.hypot(se1, se2)


def table(r: dict) -> str:
    e, g = r["events_per_s"], r["grid"]
    rows = [
        "| implementation | customer events/s | vs SimPy |",
        "| --- | ---: | ---: |",
        f"| SimPy (1 process, {r['simpy']['reps']} reps) | {e['simpy']:,.0f} | 1x |",
        f"| fasttwin, 1 thread | {e['serial']:,.0f} | {r['ratio']['serial']:,.0f}x |",
        f"| fasttwin, {r['threads']} threads | {e['parallel']:,.0f} | "
        f"{r['ratio']['parallel']:,.0f}x |",
        f"| fasttwin grid, {g['points']} policies x {g['reps']} reps, {r['threads']} threads "
        f"| {g['policy_rep_events_per_s']:,.0f} policy-rep-events/s | "
        f"{g['policy_rep_events_per_s'] / e['simpy']:,.0f}x |",
    ]
    a = r["agreement"]
    for name in ("cost", "fill_rate"):
        (m1, se1), (m2, se2) = a[name]["simpy"], a[name]["fasttwin"]
        verdict = "agree" if agrees(a[name]) else "DISAGREE"
        rows.append(
            f"\n{name}: SimPy {m1:.4f} ± {se1:.4f}, fasttwin {m2:.4f} ± {se2:.4f} ({verdict})"
        )
    return "\n".join(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    r = run(args.quick)
    print(table(r))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(r, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
