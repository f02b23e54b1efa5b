"""Slow, obvious pure-Python reference simulators that the kernels must match exactly.

They follow DESIGN.md section 1 step by step with explicit lists and no
tricks. Random numbers come from the same keyed generator as the kernels (the
samplers are checked on their own in test_samplers.py).
"""

from __future__ import annotations

import numpy as np

from fasttwin.kernels import layout as L
from fasttwin.kernels.demand import day_demand
from fasttwin.kernels.rng import (
    STREAM_BOOTSTRAP,
    STREAM_DEMAND,
    STREAM_LEAD_TIME,
    STREAM_SUPPLY,
    key_state,
    stream_key,
)
from fasttwin.kernels.samplers import bernoulli, table_draw
from fasttwin.plan.lower import demand_plan, lead_time_plan


def day_draws(node, run, node_index: int = 0):
    """The demand, lead time and supplier answer of every (rep, day)."""
    dplan = demand_plan(node.demand, run.periods)
    lplan = lead_time_plan(node.lead_time)
    draws = {}
    for r in range(run.reps):
        rep = run.rep0 + r
        for t in range(run.periods):
            d = day_demand(
                np.uint64(stream_key(run.seed, STREAM_DEMAND, rep, node_index)),
                np.uint64(stream_key(run.seed, STREAM_BOOTSTRAP, rep, node_index)),
                t,
                dplan.code[t],
                dplan.p1[t],
                dplan.p2[t],
                dplan.start[t],
                dplan.length[t],
                dplan.cdf,
                dplan.guide,
            )
            lead = lplan.fixed
            if lplan.length > 0:
                st = np.uint64(key_state(run.seed, STREAM_LEAD_TIME, rep, node_index, t))
                lead, _ = table_draw(lplan.cdf, lplan.guide, 0, lplan.length, st)
            accepted = True
            if node.reliability < 1.0:
                st = np.uint64(key_state(run.seed, STREAM_SUPPLY, rep, node_index, t))
                accepted, _ = bernoulli(node.reliability, st)
            draws[r, t] = (int(d), int(lead), bool(accepted))
    return draws


def order_quantity(kind, position, s, big_s, q):
    """What the policy orders at a review, by the definitions of DESIGN.md."""
    if kind == "rQ":
        if position > s:
            return 0
        n = 1
        while position + n * q <= s:
            n += 1
        return n * q
    if kind == "base_stock":
        s = big_s - 1
    return big_s - position if position <= s else 0


def simulate_single_node(node, kind, points, run):
    """Reference single-node simulation.

    ``points`` is a list of dicts with ``s``, ``S``, ``Q``, ``R`` and ``initial``.
    Returns integer sums ``(N_SUMS, len(points), reps)`` and the daily log of
    every (point, rep): a list of per-day dicts.
    """
    draws = day_draws(node, run)
    capacity = node.capacity if node.capacity is not None else 2**62
    sums = np.zeros((L.N_SUMS, len(points), run.reps), np.int64)
    logs = {}
    for i, pt in enumerate(points):
        for r in range(run.reps):
            on_hand = pt["initial"]
            backorders = 0
            pipeline = []  # [arrival day, quantity]
            cycle_short = False  # a stockout in the open replenishment cycle
            log = []
            for t in range(run.periods):
                d, lead, accepted = draws[r, t]
                measured = t >= run.warmup
                if t == run.warmup:
                    sums[L.BO_START, i, r] = backorders
                shipped = 0
                # 1. arrivals
                arriving = sum(q for day, q in pipeline if day == t)
                pipeline = [[day, q] for day, q in pipeline if day != t]
                on_hand += arriving
                # 2. backorder release (customers, FIFO: one queue)
                release = min(on_hand, backorders)
                on_hand -= release
                backorders -= release
                shipped += release
                # 3. review and order
                placed = 0
                received_now = 0
                if t % pt["R"] == 0:
                    position = on_hand + sum(q for _, q in pipeline) - backorders
                    placed = order_quantity(kind, position, pt["s"], pt["S"], pt["Q"])
                if placed and accepted:
                    if lead == 0:
                        on_hand += placed
                        received_now = placed
                        release = min(on_hand, backorders)
                        on_hand -= release
                        backorders -= release
                        shipped += release
                    else:
                        pipeline.append([t + lead, placed])
                # 4. demand
                served = min(d, on_hand)
                on_hand -= served
                shipped += served
                unmet = d - served
                lost = unmet if node.lost_sales else 0
                if not node.lost_sales:
                    backorders += unmet
                log.append(
                    dict(
                        demand=d,
                        served=served,
                        shipped=shipped,
                        lost=lost,
                        on_hand=on_hand,
                        backorders=backorders,
                        placed=placed,
                        accepted=accepted,
                        received_now=received_now,
                    )
                )
                assert on_hand >= 0 and backorders >= 0
                # 5. accounting
                if measured:
                    sums[L.ON_HAND, i, r] += on_hand
                    sums[L.BACKORDERS, i, r] += backorders
                    sums[L.LOST, i, r] += lost
                    sums[L.FILLED, i, r] += served
                    sums[L.STOCKOUTS, i, r] += served < d
                    sums[L.ORDERS, i, r] += placed > 0
                    sums[L.ORDERED, i, r] += placed if accepted else 0
                    sums[L.OVERFLOW, i, r] += max(on_hand - capacity, 0)
                    sums[L.DEMAND, i, r] += d
                # Replenishment cycles: a delivery day after day 0 closes the open cycle
                # and is the first day of the next one.
                if (arriving > 0 or received_now > 0) and t > 0:
                    if measured:
                        sums[L.CYCLES, i, r] += 1
                        sums[L.SHORT_CYCLES, i, r] += cycle_short
                    cycle_short = False
                if served < d:
                    cycle_short = True
            sums[L.BO_END, i, r] = backorders
            if sums[L.CYCLES, i, r] == 0:  # none closed: the open cycle counts
                sums[L.CYCLES, i, r] = 1
                sums[L.SHORT_CYCLES, i, r] = cycle_short
            logs[i, r] = log
    return sums, logs
