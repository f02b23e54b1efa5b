"""Slow, obvious pure-Python reference of the continuous-review twin.

It follows the semantics of :mod:`fasttwin.engine.continuous` event by event with a
plain list of outstanding orders, recomputes the inventory position from
scratch at every review, and integrates levels between consecutive events on
the integer tick grid (2**-32 day), one day at a time. Random numbers come from
the same keyed generator (the samplers are checked on their own in the sampler
tests).
"""

from __future__ import annotations

import math

import numpy as np

import fasttwin as ft
from fasttwin.engine.continuous import block_days
from fasttwin.kernels import layout as L
from fasttwin.kernels.continuous import draw_lead_time
from fasttwin.kernels.rng import (
    STREAM_ARRIVALS,
    STREAM_BATCH,
    STREAM_LEAD_TIME,
    key_state,
    sub_key,
)
from fasttwin.kernels.samplers import exponential, table_draw
from fasttwin.plan.continuous import lower_batch, lower_lead_time
from tests.reference import order_quantity

DAY = 2**32  # ticks per day


def day_arrivals(seed, rep, day, rate, batch):
    """``[(tick, size), ...]`` of one day: exponential gaps restarted at the day's start."""
    if rate <= 0:
        return []
    state = np.uint64(key_state(seed, STREAM_ARRIVALS, rep, 0, day))
    scale = 1.0 / rate
    x = 0.0  # days since the day's start
    times = []
    while True:
        e, state = exponential(np.uint64(state))
        x += e * scale
        if x >= 1.0:
            break
        times.append(day * DAY + math.floor(x * DAY))
    b_len, b_cdf, b_guide = lower_batch(batch)
    sizes = [1] * len(times)
    if b_len:
        state = np.uint64(key_state(seed, STREAM_BATCH, rep, 0, day))
        for j in range(len(times)):
            sizes[j], state = table_draw(b_cdf, b_guide, 0, b_len, np.uint64(state))
    return list(zip(times, (int(b) for b in sizes), strict=True))


def simulate_continuous_node(node, kind, points, run, rates):
    """Reference simulation; ``points`` as in tests.reference (``s``, ``S``, ``Q``, ``initial``).

    Returns float sums ``(N_SUMS, len(points), reps)`` and a log per (point, rep):
    a list of event dicts.
    """
    lead = lower_lead_time(node.lead_time)
    block = block_days(ft.Model(nodes=(node,), review="continuous"), run.periods)
    # Areas are exact integers within blocks of ``block`` days that restart at the warm-up.
    block_ends = set(range(block, run.warmup, block)) | {run.warmup}
    block_ends |= set(range(run.warmup + block, run.periods, block)) | {run.periods}
    max_out = math.inf if node.max_outstanding is None else node.max_outstanding
    capacity = node.capacity if node.capacity is not None else 2**62
    arrivals = {
        (r, t): day_arrivals(run.seed, run.rep0 + r, t, rates[t], node.batch)
        for r in range(run.reps)
        for t in range(run.periods)
    }
    sums = np.zeros((L.N_SUMS, len(points), run.reps))
    logs = {}
    for i, pt in enumerate(points):
        for r in range(run.reps):
            rep = run.rep0 + r
            # cycle_short: a stockout in the open replenishment cycle
            st = dict(
                on_hand=pt["initial"], backorders=0, pipeline=[], latest=(0, 0), cycle_short=False
            )
            log = []
            acc = sums[:, i, r]

            def review(now, measured, st=st, acc=acc, rep=rep, pt=pt, log=log):
                on_order = sum(q for _, q in st["pipeline"])
                position = st["on_hand"] - st["backorders"] + on_order
                if position > pt["s"] or len(st["pipeline"]) >= max_out:
                    return
                q = order_quantity(kind, position, pt["s"], pt["S"], pt["Q"])
                day, index = st["latest"]
                state = np.uint64(
                    sub_key(np.uint64(key_state(run.seed, STREAM_LEAD_TIME, rep, 0, day)), index)
                )
                lt = math.floor(min(draw_lead_time(*lead.arrays(), state), 2.0**30) * DAY)
                if measured:
                    acc[L.ORDERS] += 1
                    acc[L.ORDERED] += q
                shipped = 0
                if lt <= 0:
                    st["on_hand"] += q
                    shipped = release(st)
                    if now > 0:  # a delivery at time 0 opens the first cycle
                        close_cycle(st, acc, measured)
                else:
                    st["pipeline"].append([now + lt, q])
                log.append(dict(kind="order", time=now, q=q, shipped=shipped, measured=measured))

            review(0, run.warmup == 0)
            for t in range(run.periods):
                measured = t >= run.warmup
                if t == run.warmup:
                    acc[L.BO_START] = st["backorders"]
                now = t * DAY
                end = (t + 1) * DAY
                if t == 0 or t in block_ends:
                    area = dict(on_hand=0, backorders=0, overflow=0)  # unit-ticks, exact
                short = False
                todays = arrivals[r, t]
                k = 0

                def integrate(until, now, area=area, st=st):
                    area["on_hand"] += st["on_hand"] * (until - now)
                    area["backorders"] += st["backorders"] * (until - now)
                    area["overflow"] += max(st["on_hand"] - capacity, 0) * (until - now)

                while True:
                    due = [o[0] for o in st["pipeline"] if o[0] < end]
                    first = min(due) if due else None
                    if first is not None and (k == len(todays) or first <= todays[k][0]):
                        tau, is_delivery = first, True
                    elif k < len(todays):
                        tau, is_delivery = todays[k][0], False
                    else:
                        break
                    integrate(tau, now)
                    now = tau
                    if is_delivery:
                        order = next(o for o in st["pipeline"] if o[0] == first)
                        st["pipeline"].remove(order)
                        st["on_hand"] += order[1]
                        shipped = release(st)
                        close_cycle(st, acc, measured)
                        log.append(
                            dict(kind="delivery", time=tau, shipped=shipped, measured=measured)
                        )
                    else:
                        size = todays[k][1]
                        served = min(size, st["on_hand"])
                        st["on_hand"] -= served
                        unmet = size - served
                        if unmet:
                            short = st["cycle_short"] = True
                            if not node.lost_sales:
                                st["backorders"] += unmet
                        lost = unmet if node.lost_sales else 0
                        if measured:
                            acc[L.DEMAND] += size
                            acc[L.FILLED] += served
                            acc[L.LOST] += lost
                        k += 1
                        st["latest"] = (t, k)
                        log.append(
                            dict(
                                kind="arrival",
                                time=tau,
                                demand=size,
                                shipped=served,
                                lost=lost,
                                measured=measured,
                            )
                        )
                    assert st["on_hand"] >= 0 and st["backorders"] >= 0
                    assert st["on_hand"] == 0 or st["backorders"] == 0
                    review(tau, measured)
                integrate(end, now)
                if measured:
                    acc[L.STOCKOUTS] += short
                if measured and t + 1 in block_ends:
                    # Exact integer unit-ticks per block, then unit-days.
                    acc[L.ON_HAND] += float(area["on_hand"]) / DAY
                    acc[L.BACKORDERS] += float(area["backorders"]) / DAY
                    acc[L.OVERFLOW] += float(area["overflow"]) / DAY
            acc[L.BO_END] = st["backorders"]
            if acc[L.CYCLES] == 0:  # none closed: the open cycle counts
                acc[L.CYCLES] = 1
                acc[L.SHORT_CYCLES] = st["cycle_short"]
            logs[i, r] = log
    return sums, logs


def close_cycle(st, acc, measured) -> None:
    """A delivery: count the replenishment cycle it closes (if measured), open the next."""
    if measured:
        acc[L.CYCLES] += 1
        acc[L.SHORT_CYCLES] += st["cycle_short"]
    st["cycle_short"] = False


def release(st) -> int:
    """Serve backorders from stock on hand; return the units shipped."""
    n = min(st["on_hand"], st["backorders"])
    st["on_hand"] -= n
    st["backorders"] -= n
    return n
