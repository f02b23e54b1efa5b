"""Continuous-review single-node kernel: event-driven, Poisson customer arrivals.

Time is real; day ``t`` is the interval ``[t, t + 1)``. For each replication
(one ``prange`` iteration) and each day, the day's customer arrivals are drawn
once from that day's key, and then every policy point runs through them
(common random numbers). A point's own events are its deliveries, held in a
binary heap by due time; a delivery due at the same time as an arrival comes
first. After every customer arrival and every delivery the point reviews its
inventory position and may order (a delivery can free a slot when
``max_outstanding`` is reached).

The lead time of an order is keyed by the customer arrival after which it is
placed: ``(seed, STREAM_LEAD_TIME, rep, node, day)`` extended by the arrival's
1-based index within that day (index 0: the review at time 0, before any
arrival). The position only falls at arrivals and every order lifts it above
the reorder point, so a point places at most one order per arrival key, and
every point that orders after the same customer gets the same lead time.

Levels (on hand, backorders, on hand above capacity) are integrated between
consecutive events in unit-days, day boundaries counting as events; counts
(units lost, units filled on arrival, orders, ...) are summed. All sums are
float64 in the row layout of :mod:`fasttwin.kernels.layout`.
"""

import math

import numpy as np
from numba import prange

from fasttwin.kernels.jit import jit, jit_pair
from fasttwin.kernels.layout import (
    BACKORDERS,
    BO_END,
    BO_START,
    DEMAND,
    FILLED,
    LOST,
    N_SUMS,
    ON_HAND,
    ORDERED,
    ORDERS,
    OVERFLOW,
    STOCKOUTS,
)
from fasttwin.kernels.rng import (
    STREAM_ARRIVALS,
    STREAM_BATCH,
    STREAM_LEAD_TIME,
    key_state,
    sub_key,
    uniform,
)
from fasttwin.kernels.samplers import gamma, table_draw, truncated_normal

# Lead-time codes (repeated in fasttwin.continuous, which imports no Numba).
FIXED = 0  # p1 days
UNIFORM = 1  # uniform on [p1, p2]
EXPONENTIAL = 2  # mean p1
TRUNC_NORMAL = 3  # normal(p1, p2) conditioned on >= 0
GAMMA = 4  # shape p1, scale p2
TABLE = 5  # whole days from a tabulated pmf


@jit
def draw_lead_time(code, p1, p2, cdf, guide, state):
    """One lead time in days (a float) from a lowered lead-time spec."""
    if code == FIXED:
        return p1
    if code == TABLE:
        k, state = table_draw(cdf, guide, 0, cdf.shape[0], state)
        return float(k)
    if code == GAMMA:
        g, state = gamma(p1, p2, state)
        return g
    if code == TRUNC_NORMAL:
        x, state = truncated_normal(p1, p2, 0.0, np.inf, state)
        return x
    u, state = uniform(state)
    if code == UNIFORM:
        return p1 + (p2 - p1) * u
    return -p1 * math.log(u)


@jit
def lead_time_state(seed, rep, node, day, index):
    """Generator state of the order placed after arrival ``index`` of ``day``."""
    return sub_key(key_state(seed, STREAM_LEAD_TIME, rep, node, day), index)


@jit
def day_arrivals(seed, rep, node, day, rate, b_len, b_cdf, b_guide, times, sizes):
    """Customer arrivals of ``day`` at ``rate`` per day: ``(n, times, sizes)``.

    Times are ``day`` plus cumulated exponential gaps ``-log(u) / rate`` while
    below ``day + 1`` (memorylessness makes restarting each day exact); batch
    sizes come from their own stream, one table draw per arrival, or are 1
    when ``b_len == 0``. The buffers grow as needed and are returned.
    """
    n = 0
    if rate > 0.0:
        scale = 1.0 / rate
        end = day + 1.0
        tau = day + 0.0
        state = key_state(seed, STREAM_ARRIVALS, rep, node, day)
        while True:
            u, state = uniform(state)
            tau += -math.log(u) * scale
            if tau >= end:
                break
            if n == times.shape[0]:
                bigger = np.empty(2 * n)
                bigger[:n] = times
                times = bigger
            times[n] = tau
            n += 1
    if sizes.shape[0] < times.shape[0]:
        sizes = np.empty(times.shape[0], np.int64)
    if b_len > 0:
        state = key_state(seed, STREAM_BATCH, rep, node, day)
        for j in range(n):
            sizes[j], state = table_draw(b_cdf, b_guide, 0, b_len, state)
    else:
        sizes[:n] = 1
    return n, times, sizes


@jit
def heap_push(due, qty, p, n, t, q):
    """Insert a delivery (due time ``t``, quantity ``q``) into row ``p``'s heap of size ``n``."""
    i = n
    while i > 0:
        parent = (i - 1) >> 1
        if due[p, parent] <= t:
            break
        due[p, i] = due[p, parent]
        qty[p, i] = qty[p, parent]
        i = parent
    due[p, i] = t
    qty[p, i] = q


@jit
def heap_pop(due, qty, p, n):
    """Remove the earliest delivery of row ``p``'s heap of size ``n``."""
    n -= 1
    t = due[p, n]
    q = qty[p, n]
    i = 0
    while True:
        c = 2 * i + 1
        if c >= n:
            break
        if c + 1 < n and due[p, c + 1] < due[p, c]:
            c += 1
        if due[p, c] >= t:
            break
        due[p, i] = due[p, c]
        qty[p, i] = qty[p, c]
        i = c
    due[p, i] = t
    qty[p, i] = q


@jit
def _grow(due, qty):
    """Double the heaps' capacity (every row)."""
    points, cap = due.shape
    new_due = np.empty((points, 2 * cap))
    new_qty = np.empty((points, 2 * cap), np.int64)
    new_due[:, :cap] = due
    new_qty[:, :cap] = qty
    return new_due, new_qty


def _make_kernel(rq):
    """Build ``(serial, parallel)`` continuous-review kernels for (r, Q) or (s, S)."""

    @jit
    def order_size(position, s, big_s, q):
        # ``rq`` is a closure constant: Numba compiles the other branch away.
        if rq:
            return q * ((s - position) // q + 1)
        return big_s - position

    def _continuous_single(
        seed,
        node,
        rep0,
        reps,
        periods,
        warmup,
        reorder,
        up_to,
        quantity,
        initial,
        max_out,
        lost_sales,
        capacity,
        rates,
        b_len,
        b_cdf,
        b_guide,
        lt_code,
        lt_p1,
        lt_p2,
        lt_cdf,
        lt_guide,
        out,
    ):
        """Simulate ``reps`` replications of every policy point; fill ``out``.

        ``reorder``, ``up_to``, ``quantity`` and ``initial`` have one entry per
        policy point. ``rates[t]`` is day ``t``'s arrival rate per day;
        batches are unit when ``b_len == 0``. ``max_out`` caps outstanding
        orders; ``lost_sales`` is 0 or 1. ``out`` is float64
        ``(N_SUMS, points, reps)``.
        """
        n_points = reorder.shape[0]
        fixed_lead = lt_code == FIXED
        for r in prange(reps):
            rep = rep0 + r
            on_hand = initial.copy()
            backorders = np.zeros(n_points, np.int64)
            position = initial.copy()
            n_out = np.zeros(n_points, np.int64)
            due = np.empty((n_points, 4))
            qty = np.empty((n_points, 4), np.int64)
            acc = np.zeros((N_SUMS, n_points))
            times = np.empty(64)
            sizes = np.empty(64, np.int64)
            leads = np.empty(64)
            # Key of the latest arrival on an earlier day (for orders that a
            # delivery triggers before the day's first arrival).
            last_day = 0
            last_index = 0
            demand_total = 0
            # Time 0: the initial stock is reviewed before any arrival (index 0).
            m0 = 1.0 if warmup == 0 else 0.0
            for p in range(n_points):
                if position[p] <= reorder[p]:
                    q = order_size(position[p], reorder[p], up_to[p], quantity[p])
                    position[p] += q
                    acc[ORDERS, p] += m0
                    acc[ORDERED, p] += m0 * q
                    lead = lt_p1
                    if not fixed_lead:
                        st = lead_time_state(seed, rep, node, 0, 0)
                        lead = draw_lead_time(lt_code, lt_p1, lt_p2, lt_cdf, lt_guide, st)
                    if lead <= 0.0:
                        on_hand[p] += q
                    else:
                        heap_push(due, qty, p, 0, lead, q)
                        n_out[p] = 1
            for t in range(periods):
                n, times, sizes = day_arrivals(
                    seed, rep, node, t, rates[t], b_len, b_cdf, b_guide, times, sizes
                )
                if leads.shape[0] < n:
                    leads = np.empty(times.shape[0])
                leads[:n] = -1.0  # not drawn yet
                measured = 1.0 if t >= warmup else 0.0
                start = t + 0.0
                end = start + 1.0
                for p in range(n_points):
                    if t == warmup:
                        acc[BO_START, p] = backorders[p]
                    oh = on_hand[p]
                    bo = backorders[p]
                    ip = position[p]
                    no = n_out[p]
                    s = reorder[p]
                    big_s = up_to[p]
                    qq = quantity[p]
                    area_oh = acc[ON_HAND, p]
                    area_bo = acc[BACKORDERS, p]
                    area_ov = acc[OVERFLOW, p]
                    lost = 0
                    filled = 0
                    short = 0
                    orders = 0
                    units = 0
                    now = start
                    j = 0
                    while True:
                        deliver = False
                        if no > 0:
                            first = due[p, 0]
                            deliver = first < end and (j >= n or first <= times[j])
                        if deliver:
                            tau = due[p, 0]
                        elif j < n:
                            tau = times[j]
                        else:
                            break
                        w = (tau - now) * measured
                        area_oh += oh * w
                        area_bo += bo * w
                        area_ov += max(oh - capacity, 0) * w
                        now = tau
                        if deliver:
                            q = qty[p, 0]
                            heap_pop(due, qty, p, no)
                            no -= 1
                            oh += q
                            release = min(oh, bo)
                            oh -= release
                            bo -= release
                            key_day = t if j > 0 else last_day
                            key_index = j if j > 0 else last_index
                        else:
                            b = sizes[j]
                            served = min(b, oh)
                            oh -= served
                            filled += served
                            if served < b:
                                short = 1
                                if lost_sales:
                                    lost += b - served
                                    ip -= served
                                else:
                                    bo += b - served
                                    ip -= b
                            else:
                                ip -= b
                            j += 1
                            key_day = t
                            key_index = j
                        if ip <= s and no < max_out:
                            q = order_size(ip, s, big_s, qq)
                            ip += q
                            orders += 1
                            units += q
                            lead = lt_p1
                            if not fixed_lead:
                                if key_day == t and key_index > 0:
                                    lead = leads[key_index - 1]
                                    if lead < 0.0:
                                        st = lead_time_state(seed, rep, node, t, key_index)
                                        lead = draw_lead_time(
                                            lt_code, lt_p1, lt_p2, lt_cdf, lt_guide, st
                                        )
                                        leads[key_index - 1] = lead
                                else:
                                    st = lead_time_state(seed, rep, node, key_day, key_index)
                                    lead = draw_lead_time(
                                        lt_code, lt_p1, lt_p2, lt_cdf, lt_guide, st
                                    )
                            if lead <= 0.0:
                                oh += q
                                release = min(oh, bo)
                                oh -= release
                                bo -= release
                            else:
                                if no == due.shape[1]:
                                    due, qty = _grow(due, qty)
                                heap_push(due, qty, p, no, tau + lead, q)
                                no += 1
                    w = (end - now) * measured
                    area_oh += oh * w
                    area_bo += bo * w
                    area_ov += max(oh - capacity, 0) * w
                    on_hand[p] = oh
                    backorders[p] = bo
                    position[p] = ip
                    n_out[p] = no
                    acc[ON_HAND, p] = area_oh
                    acc[BACKORDERS, p] = area_bo
                    acc[OVERFLOW, p] = area_ov
                    acc[LOST, p] += measured * lost
                    acc[FILLED, p] += measured * filled
                    acc[STOCKOUTS, p] += measured * short
                    acc[ORDERS, p] += measured * orders
                    acc[ORDERED, p] += measured * units
                if t >= warmup:
                    for k in range(n):
                        demand_total += sizes[k]
                if n > 0:
                    last_day = t
                    last_index = n
            for p in range(n_points):
                acc[BO_END, p] = backorders[p]
                acc[DEMAND, p] = demand_total
                for k in range(N_SUMS):
                    out[k, p, r] = acc[k, p]

    return jit_pair(_continuous_single)


_KERNELS = {}


def continuous_single_kernel(rq, parallel=True):
    """The continuous-review kernel for (r, Q) (``rq``) or (s, S)/base-stock policies.

    Built on first use, so importing this module compiles nothing.
    """
    if rq not in _KERNELS:
        _KERNELS[rq] = _make_kernel(rq)
    return _KERNELS[rq][1 if parallel else 0]
