"""Retail twin throughput: fasttwin against a plain-Python twin and a NumPy twin.

The retail twin (supplier -> warehouse -> 3 stores, ``ft.retail_twin()``)
over 365 days with a 10 x 10 grid over the warehouse's (s, S), compared in
one run with two faithful implementations of the same model (DESIGN.md
section 1, the same numbers), each with its own random numbers:

(a) ``python``: the object-per-entity style of a typical twin: Supplier,
    Warehouse and Store objects stepping day by day, one policy and one
    replication at a time, ``random`` for draws;
(b) ``numpy``: vectorised over replications (arrays of shape (reps,)), one
    policy at a time, the warehouse's FIFO backorders paid with cumulative
    sums.

The baselines are slow, so they run a slice of the work (a few policies, and
fewer replications for (a)); every figure is a rate in
policy-replication-days per second, and ratios compare rates measured in the
same run. JIT compilation is done before any timing.

    python benchmarks/bench_network.py            # full size (a few minutes)
    python benchmarks/bench_network.py --quick    # seconds; what the smoke test runs
"""

from __future__ import annotations

import argparse
import math
import random
import time
from collections import deque

import numpy as np

import fasttwin as ft

GRID = {
    "warehouse.reorder_point": list(range(500, 1500, 100)),
    "warehouse.order_up_to": list(range(2000, 4000, 200)),
}


def twin_numbers(model: ft.Model) -> dict:
    """The retail twin's numbers, read from the model, for the baselines."""
    wh = model.node("warehouse")
    stores = [n for n in model.nodes if n.parent == "warehouse"]
    return dict(
        supplier_lead=wh.lead_time,
        reliability=wh.reliability,
        wh_initial=wh.initial_inventory,
        store_lead=[s.lead_time for s in stores],
        store_s=[s.reorder_point for s in stores],
        store_big_s=[s.order_up_to for s in stores],
        store_initial=[s.initial_inventory for s in stores],
        demand_mean=[s.demand.mean * s.demand.multiplier for s in stores],
        demand_std=[s.demand.std for s in stores],
        amplitude=stores[0].demand.amplitude,
        period=stores[0].demand.period,
        holding=wh.holding_cost,
        lost_cost=stores[0].lost_sale_cost,
    )


# --------------------------------------------------------------------------
# (a) plain Python, one object per entity


class Supplier:
    def __init__(self, lead_time, reliability, rng):
        self.lead_time = lead_time
        self.reliability = reliability
        self.rng = rng

    def accepts(self):
        return self.rng.random() < self.reliability


class Warehouse:
    def __init__(self, s, big_s, initial, supplier):
        self.s, self.big_s = s, big_s
        self.on_hand = initial
        self.in_transit = []  # [arrival day, units]
        self.backorders = deque()  # [store, units], FIFO by order day
        self.supplier = supplier

    def owed(self):
        return sum(units for _, units in self.backorders)

    def receive(self, day):
        self.on_hand += sum(u for d, u in self.in_transit if d == day)
        self.in_transit = [[d, u] for d, u in self.in_transit if d != day]

    def release(self, day):
        while self.on_hand > 0 and self.backorders:
            store, units = self.backorders[0]
            sent = min(units, self.on_hand)
            self.on_hand -= sent
            store.owed -= sent
            store.ship(day, sent)
            if sent == units:
                self.backorders.popleft()
            else:
                self.backorders[0][1] -= sent

    def order_from(self, store, day, units):
        sent = min(units, self.on_hand)
        self.on_hand -= sent
        store.ship(day, sent)
        if sent < units:
            self.backorders.append([store, units - sent])
            store.owed += units - sent

    def review(self, day):
        position = self.on_hand + sum(u for _, u in self.in_transit) - self.owed()
        if position <= self.s and self.supplier.accepts():
            self.in_transit.append([day + self.supplier.lead_time, self.big_s - position])


class Store:
    def __init__(self, s, big_s, initial, lead_time, mean, std, amplitude, period, rng):
        self.s, self.big_s = s, big_s
        self.on_hand = initial
        self.lead_time = lead_time
        self.in_transit = []
        self.owed = 0
        self.mean, self.std, self.amplitude, self.period = mean, std, amplitude, period
        self.rng = rng

    def ship(self, day, units):
        if units:
            self.in_transit.append([day + self.lead_time, units])

    def receive(self, day):
        self.on_hand += sum(u for d, u in self.in_transit if d == day)
        self.in_transit = [[d, u] for d, u in self.in_transit if d != day]

    def review(self, day, warehouse):
        position = self.on_hand + sum(u for _, u in self.in_transit) + self.owed
        if position <= self.s:
            warehouse.order_from(self, day, self.big_s - position)

    def serve(self, day):
        mean = self.mean * (1 + self.amplitude * math.sin(2 * math.pi * day / self.period))
        demand = math.floor(max(0.0, mean + self.rng.gauss(0.0, self.std)) + 0.5)
        sold = min(demand, self.on_hand)
        self.on_hand -= sold
        return demand, sold, demand - sold  # lost sales


def python_twin(numbers, policies, reps, periods, warmup, seed=0):
    """Mean cost per day (policies, reps) and lost sales per day (policies, stores, reps)."""
    k = numbers
    cost = np.zeros((len(policies), reps))
    lost_sales = np.zeros((len(policies), len(k["store_s"]), reps))
    for p, (s, big_s) in enumerate(policies):
        for r in range(reps):
            rng = random.Random(seed * 1_000_003 + r)
            supplier = Supplier(k["supplier_lead"], k["reliability"], rng)
            warehouse = Warehouse(s, big_s, k["wh_initial"], supplier)
            stores = [
                Store(
                    k["store_s"][i],
                    k["store_big_s"][i],
                    k["store_initial"][i],
                    k["store_lead"][i],
                    k["demand_mean"][i],
                    k["demand_std"][i],
                    k["amplitude"],
                    k["period"],
                    rng,
                )
                for i in range(len(k["store_s"]))
            ]
            total = 0.0
            for day in range(periods):
                warehouse.receive(day)
                for store in stores:
                    store.receive(day)
                warehouse.release(day)
                for store in stores:
                    store.review(day, warehouse)
                warehouse.review(day)
                lost = [store.serve(day)[2] for store in stores]
                if day >= warmup:
                    stock = warehouse.on_hand + sum(store.on_hand for store in stores)
                    total += k["holding"] * stock + k["lost_cost"] * sum(lost)
                    lost_sales[p, :, r] += lost
            cost[p, r] = total / (periods - warmup)
    return cost, lost_sales / (periods - warmup)


# --------------------------------------------------------------------------
# (b) NumPy, vectorised over replications


def numpy_twin(numbers, policies, reps, periods, warmup, seed=0):
    """Mean cost per day (policies, reps) and lost sales per day (policies, stores, reps)."""
    k = numbers
    n_stores = len(k["store_s"])
    store_s = np.array(k["store_s"])[:, None]
    store_big_s = np.array(k["store_big_s"])[:, None]
    mean = np.array(k["demand_mean"])[:, None]
    std = np.array(k["demand_std"])[:, None]
    store_lead = k["store_lead"]
    slots = max(k["supplier_lead"], *store_lead) + 1
    cost = np.zeros((len(policies), reps))
    lost_sales = np.zeros((len(policies), n_stores, reps))
    rows = np.arange(reps)
    for p, (s, big_s) in enumerate(policies):
        rng = np.random.default_rng(seed)
        wh = np.full(reps, k["wh_initial"], np.int64)
        wh_pipe = np.zeros((slots, reps), np.int64)
        wh_transit = np.zeros(reps, np.int64)
        on_hand = np.repeat(np.array(k["store_initial"])[:, None], reps, 1).astype(np.int64)
        pipe = np.zeros((n_stores, slots, reps), np.int64)
        transit = np.zeros((n_stores, reps), np.int64)
        owed = np.zeros((n_stores, reps), np.int64)
        # FIFO backorders: column 3 * day + store, so column order is the payment order.
        queue = np.zeros((reps, n_stores * periods), np.int64)
        first = 0  # no column before this one is owed in any replication
        total = np.zeros(reps)
        for day in range(periods):
            z = rng.standard_normal((n_stores, reps))
            u = rng.random(reps)
            slot = day % slots
            wh += wh_pipe[slot]
            wh_transit -= wh_pipe[slot]
            wh_pipe[slot] = 0
            on_hand += pipe[:, slot]
            transit -= pipe[:, slot]
            pipe[:, slot] = 0
            # backorder release, FIFO
            last = n_stores * day
            window = queue[:, first:last]
            if window.size:
                cum = np.cumsum(window, axis=1)
                paid = np.clip(wh[:, None] - (cum - window), 0, window)
                window -= paid
                wh -= paid.sum(1)
                for i in range(n_stores):
                    sent = paid[:, (i - first) % n_stores :: n_stores].sum(1)
                    owed[i] -= sent
                    pipe[i, (day + store_lead[i]) % slots] += sent
                    transit[i] += sent
                while first < last and not queue[:, first].any():
                    first += 1
            # store reviews, in store order, served from the warehouse at once
            position = on_hand + transit + owed
            orders = np.where(position <= store_s, store_big_s - position, 0)
            for i in range(n_stores):
                sent = np.minimum(orders[i], wh)
                wh -= sent
                pipe[i, (day + store_lead[i]) % slots] += sent
                transit[i] += sent
                queue[rows, last + i] = orders[i] - sent
                owed[i] += orders[i] - sent
            # warehouse review
            position = wh + wh_transit - queue[:, first : last + n_stores].sum(1)
            placed = np.where((position <= s) & (u < k["reliability"]), big_s - position, 0)
            wh_pipe[(day + k["supplier_lead"]) % slots] += placed
            wh_transit += placed
            # demand, lost sales
            level = mean * (1 + k["amplitude"] * np.sin(2 * np.pi * day / k["period"]))
            demand = np.floor(np.maximum(0.0, level + std * z) + 0.5).astype(np.int64)
            sold = np.minimum(demand, on_hand)
            on_hand -= sold
            if day >= warmup:
                lost = demand - sold
                total += k["holding"] * (wh + on_hand.sum(0)) + k["lost_cost"] * lost.sum(0)
                lost_sales[p] += lost
        cost[p] = total / (periods - warmup)
    return cost, lost_sales / (periods - warmup)


# --------------------------------------------------------------------------


def _grid_points(grid):
    return [
        (s, big_s)
        for s in grid["warehouse.reorder_point"]
        for big_s in grid["warehouse.order_up_to"]
    ]


def _best(fn, repeat):
    """The shortest of ``repeat`` timings (the machine's noise only ever adds time)."""
    best = math.inf
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t)
    return best, result


def bench(
    reps, periods, grid, python_points, python_reps, numpy_points, numpy_reps, threads, repeat
):
    """Time the three implementations; return the table's rows and fasttwin's cube."""
    import numba

    model = ft.retail_twin()
    numbers = twin_numbers(model)
    warmup = model.warmup
    points = _grid_points(grid)
    ft.simulate(model, grid, reps=2, periods=10)  # compile outside the timing
    ft.simulate(model, grid, reps=2, periods=10, parallel=False)
    if threads:
        numba.set_num_threads(threads)
    rows = []
    for parallel in (True, False):
        dt, ds = _best(
            lambda p=parallel: ft.simulate(model, grid, reps=reps, periods=periods, parallel=p),
            repeat,
        )
        label = (
            f"fasttwin ({numba.get_num_threads()} threads)" if parallel else "fasttwin (1 thread)"
        )
        rows.append((label, len(points), reps, periods, dt))
    dt, _ = _best(
        lambda: numpy_twin(numbers, points[:numpy_points], numpy_reps, periods, warmup), repeat
    )
    rows.append(("NumPy over reps", numpy_points, numpy_reps, periods, dt))
    dt, _ = _best(
        lambda: python_twin(numbers, points[:python_points], python_reps, periods, warmup), repeat
    )
    rows.append(("plain Python objects", python_points, python_reps, periods, dt))
    return rows, ds


def table(rows) -> str:
    """Markdown table: rates, and how many times faster each fasttwin row is."""
    rate = {name: p * r * d / dt for name, p, r, d, dt in rows}
    ours = [name for name in rate if name.startswith("fasttwin")]
    lines = [
        "| implementation | policies x reps x days | seconds | policy-rep-days/s | "
        + " | ".join(f"{name} is" for name in ours)
        + " |",
        "| --- | --- | ---: | ---: |" + " ---: |" * len(ours),
    ]
    for name, p, r, d, dt in rows:
        ratios = " | ".join(f"{rate[o] / rate[name]:,.1f}x" for o in ours)
        lines.append(f"| {name} | {p} x {r} x {d} | {dt:.2f} | {rate[name]:.3g} | {ratios} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    import os

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    parser.add_argument("--threads", type=int, default=0, help="Numba threads (0: all)")
    parser.add_argument("--repeat", type=int, default=3, help="timings per figure (best kept)")
    args = parser.parse_args(argv)
    if args.quick:
        grid = {k: v[:2] for k, v in GRID.items()}
        sizes = dict(
            reps=50, periods=60, python_points=1, python_reps=2, numpy_points=2, numpy_reps=50
        )
    else:
        grid = GRID
        sizes = dict(
            reps=1000,
            periods=365,
            python_points=2,
            python_reps=10,
            numpy_points=10,
            numpy_reps=1000,
        )
    rows, _ = bench(grid=grid, threads=args.threads, repeat=args.repeat, **sizes)
    print(f"retail twin; {os.cpu_count()} CPUs; each time the best of {args.repeat} runs\n")
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
