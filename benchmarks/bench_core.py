"""Core throughput: single-node (s, S) grid against the baselines of issue 3, in one run.

Workload: 100-point (s, S) grid x 1,000 reps x 365 days, Poisson(20) demand,
lead time 2, backorders. Rates are policy-replication-days per second.

    python -m benchmarks.bench_core            # full size (about a minute)
    python -m benchmarks.bench_core --quick    # seconds; used by the smoke test

Baselines, each timed in this run:
  (a) NumPy vectorised over replications, a Python loop over policies and days
      (the best a careful user writes without Numba), demand drawn once for all
      policies with ``Generator.poisson``;
  (b) plain Python, one object per entity, stepping day by day;
  (c) ``Generator.poisson`` merely drawing the R x T demands.
Also: first-call compile time and ``import fasttwin`` time, each in a fresh
interpreter.
"""

from __future__ import annotations

import argparse

import numpy as np

from benchmarks.common import best_time, fresh_process_seconds, print_table, save

DEMAND_MEAN = 20.0
LEAD_TIME = 2
HOLDING, BACKORDER, ORDER_COST = 1.0, 9.0, 64.0
SEED = 7


def grid(points: int) -> dict:
    side = int(round(points**0.5))
    return {
        "reorder_point": list(range(30, 30 + 5 * side, 5)),
        "order_up_to": list(range(100, 100 + 10 * side, 10)),
    }


def model():
    import fasttwin as ft

    return ft.single_node(
        demand=ft.Poisson(mean=DEMAND_MEAN),
        lead_time=LEAD_TIME,
        holding_cost=HOLDING,
        backorder_cost=BACKORDER,
        order_cost=ORDER_COST,
    )


# --- (a) NumPy, vectorised over replications --------------------------------------------


def numpy_costs(demand: np.ndarray, s: int, big_s: int, warmup: int) -> np.ndarray:
    """Mean cost per day of each replication for one (s, S) point."""
    reps, periods = demand.shape
    slots = LEAD_TIME + 1
    inv = np.full(reps, big_s, np.int64)
    transit = np.zeros(reps, np.int64)
    pipe = np.zeros((slots, reps), np.int64)
    cost = np.zeros(reps)
    for t in range(periods):
        arriving = pipe[t % slots]
        inv += arriving
        transit -= arriving
        arriving[:] = 0
        position = inv + transit
        q = np.where(position <= s, big_s - position, 0)
        pipe[(t + LEAD_TIME) % slots] += q
        transit += q
        inv -= demand[:, t]
        if t >= warmup:
            cost += HOLDING * np.maximum(inv, 0) + BACKORDER * np.maximum(-inv, 0)
            cost += ORDER_COST * (q > 0)
    return cost / (periods - warmup)


def numpy_grid(demand, policy, warmup):
    return [
        numpy_costs(demand, s, b, warmup)
        for s in policy["reorder_point"]
        for b in policy["order_up_to"]
    ]


# --- (b) plain Python, object per entity ------------------------------------------------


class Supplier:
    def __init__(self, lead_time):
        self.lead_time = lead_time
        self.shipments = []  # [arrival day, quantity]

    def order(self, day, quantity):
        self.shipments.append([day + self.lead_time, quantity])

    def deliver(self, day):
        due = sum(q for d, q in self.shipments if d == day)
        self.shipments = [[d, q] for d, q in self.shipments if d != day]
        return due

    def in_transit(self):
        return sum(q for _, q in self.shipments)


class Store:
    def __init__(self, s, big_s, supplier):
        self.s, self.big_s, self.supplier = s, big_s, supplier
        self.on_hand, self.backorders, self.cost = big_s, 0, 0.0

    def step(self, day, demand, measured):
        self.on_hand += self.supplier.deliver(day)
        release = min(self.on_hand, self.backorders)
        self.on_hand -= release
        self.backorders -= release
        position = self.on_hand + self.supplier.in_transit() - self.backorders
        ordered = False
        if position <= self.s:
            self.supplier.order(day, self.big_s - position)
            ordered = True
        served = min(demand, self.on_hand)
        self.on_hand -= served
        self.backorders += demand - served
        if measured:
            self.cost += HOLDING * self.on_hand + BACKORDER * self.backorders
            self.cost += ORDER_COST * ordered


def python_costs(demand: np.ndarray, s: int, big_s: int, warmup: int) -> np.ndarray:
    reps, periods = demand.shape
    rows = demand.tolist()
    out = np.empty(reps)
    for r in range(reps):
        store = Store(s, big_s, Supplier(LEAD_TIME))
        for t in range(periods):
            store.step(t, rows[r][t], t >= warmup)
        out[r] = store.cost / (periods - warmup)
    return out


# --- fasttwin --------------------------------------------------------------------------


def fasttwin_costs(policy, reps, periods, warmup, parallel=True):
    import fasttwin as ft

    ds = ft.simulate(
        model(), policy, reps=reps, periods=periods, warmup=warmup, seed=SEED, parallel=parallel
    )
    return ds["cost"].values.reshape(-1, reps)


def fasttwin_demand(reps, periods):
    """fasttwin's own demand paths (rep x day), to check the baselines agree exactly."""
    from numba import njit

    from fasttwin.kernels.demand import draw_demand
    from fasttwin.kernels.rng import STREAM_DEMAND, key_state
    from fasttwin.plan.lower import demand_plan

    @njit
    def paths(code, p1, p2, start, length, cdf, guide, reps, periods, seed):
        out = np.empty((reps, periods), np.int64)
        for r in range(reps):
            for t in range(periods):
                st = key_state(seed, STREAM_DEMAND, r, 0, t)
                out[r, t], st = draw_demand(
                    code[t], p1[t], p2[t], start[t], length[t], cdf, guide, st
                )
        return out

    plan = demand_plan(model().nodes[0].demand, periods)
    return paths(*plan.arrays(), reps, periods, SEED)


def run(quick: bool) -> dict:
    points, reps, periods, warmup = (16, 100, 120, 10) if quick else (100, 1000, 365, 0)
    policy = grid(points)
    n_points = len(policy["reorder_point"]) * len(policy["order_up_to"])
    work = n_points * reps * periods

    fasttwin_costs(policy, 2, 5, 0)  # compile outside the timed region
    fasttwin_costs(policy, 2, 5, 0, parallel=False)
    t_ft = best_time(lambda: fasttwin_costs(policy, reps, periods, warmup))
    t_ft_serial = best_time(lambda: fasttwin_costs(policy, reps, periods, warmup, False), 1)

    rng = np.random.default_rng(SEED)
    t_draw = best_time(lambda: rng.poisson(DEMAND_MEAN, size=(reps, periods)))

    def numpy_run():
        numpy_grid(rng.poisson(DEMAND_MEAN, size=(reps, periods)), policy, warmup)

    t_np = best_time(numpy_run, 1)

    # The object-per-entity twin is ~1,000x slower: time it on a slice and scale.
    py_reps = max(2, reps // 50)
    demand = rng.poisson(DEMAND_MEAN, size=(py_reps, periods))
    py_points = [
        (policy["reorder_point"][0], policy["order_up_to"][-1]),
        (policy["reorder_point"][-1], policy["order_up_to"][0]),
    ]
    t_py = best_time(lambda: [python_costs(demand, s, b, warmup) for s, b in py_points], 1)
    py_work = len(py_points) * py_reps * periods

    # First call in a fresh interpreter, its imports (numba, xarray, scipy) done first, with
    # the kernel cache off: what a first run compiles (bench_speed times the cached call).
    compile_s = fresh_process_seconds(
        "import os\nos.environ['FASTTWIN_NUMBA_CACHE'] = '0'\n"
        "import time, fasttwin as ft, numba, xarray, scipy.stats\n"
        "m = ft.single_node(demand=ft.Poisson(mean=20.0), lead_time=2, backorder_cost=9.0)\n"
        "t = time.perf_counter()\n"
        "ft.simulate(m, {'reorder_point': [30], 'order_up_to': [100]}, reps=2, periods=5)\n"
        "print(time.perf_counter() - t)",
        repeat=1 if quick else 2,
    )
    import_s = fresh_process_seconds(
        "import time\nt = time.perf_counter()\nimport fasttwin\nprint(time.perf_counter() - t)"
    )

    rate = work / t_ft
    rates = {
        "fasttwin (all cores)": rate,
        "fasttwin (1 thread)": work / t_ft_serial,
        "(a) NumPy over reps": work / t_np,
        "(b) plain Python objects": py_work / t_py,
        "(c) Generator.poisson draws (draws/s)": reps * periods / t_draw,
    }
    result = {
        "workload": {"points": n_points, "reps": reps, "periods": periods},
        "rates_per_s": rates,
        "ratios": {
            "vs (a) NumPy": rate / rates["(a) NumPy over reps"],
            "vs (b) Python": rate / rates["(b) plain Python objects"],
            "vs (c) draws": rate / rates["(c) Generator.poisson draws (draws/s)"],
        },
        "compile_s": compile_s,
        "import_s": import_s,
    }
    rows = [(k, f"{v:,.0f}") for k, v in rates.items()]
    print_table(
        f"policy-replication-days per second ({n_points} points x {reps} reps x {periods} days)",
        rows,
        ("implementation", "rate"),
    )
    rows = [(k, f"{v:,.1f}x") for k, v in result["ratios"].items()]
    rows += [("first-call compile", f"{compile_s:.1f} s"), ("import fasttwin", f"{import_s:.2f} s")]
    print_table("fasttwin against the baselines", rows, ("measure", "value"))
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    args = parser.parse_args(argv)
    result = run(args.quick)
    if not args.quick:
        print(f"\nsaved {save('core', result)}")
    return result


if __name__ == "__main__":
    main()
