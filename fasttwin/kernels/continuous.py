"""Continuous-review single-node kernel: event-driven, Poisson customer arrivals.

Time is real; day ``t`` is the interval ``[t, t + 1)``, and event times are
integers on a grid of 2**-32 day (about 20 microseconds). For each replication
(replications run one after another; :mod:`fasttwin.engine.threads` spreads
blocks of them over threads) and each day, the day's customer arrivals are drawn
once from that day's key, with prefix sums of their demand, and then every
policy point runs through them (common random numbers). A point's own events
are its deliveries, held in a binary heap by due tick; a delivery due at the
same tick as an arrival comes first. After every customer arrival and every
delivery the point reviews its inventory position and may order (a delivery
can free a slot when ``max_outstanding`` is reached).

A point does not visit every customer: between two of its own events (the
arrival that takes the position to the reorder point, a delivery, the end of
the day) its stock moves only with the day's cumulative demand, so each such
stretch is integrated in closed form from the shared prefix sums, with binary
searches for the triggering arrival and for the arrival that empties the
shelf. Areas (on hand, backorders, on hand above capacity) are exact int64
unit-ticks within a day, so they equal the event-by-event sums bit for bit;
each day's area is then added in unit-days to float64 totals. Counts (units
lost, units filled on arrival, orders, ...) are summed. All sums are float64
in the row layout of :mod:`fasttwin.kernels.layout`. Replenishment cycles are
cut at delivery instants (a zero lead time delivers at the order's instant,
after the customer who triggered it); deliveries of the review at time 0 open
the first cycle rather than close one.

The lead time of an order is keyed by the customer arrival after which it is
placed: ``(seed, STREAM_LEAD_TIME, rep, node, day)`` extended by the arrival's
1-based index within that day (index 0: the review at time 0, before any
arrival). The position only falls at arrivals and every order lifts it above
the reorder point, so a point places at most one order per arrival key, and
every point that orders after the same customer gets the same lead time.

Limits: stock levels and a day's demand must stay below 2**31 units, so that
a day's unit-ticks fit in int64, and a replication below 2**31 deliveries (the
cycle words of :mod:`fasttwin.kernels.cycles`).
"""

import numpy as np

from fasttwin.kernels.cycles import OPEN_SHORT, cycle_sums, next_cycle_word, restart_counts
from fasttwin.kernels.jit import jit
from fasttwin.kernels.layout import (
    BACKORDERS,
    BO_END,
    BO_START,
    CYCLES,
    DEMAND,
    FILLED,
    LOST,
    N_SUMS,
    ON_HAND,
    ORDERED,
    ORDERS,
    OVERFLOW,
    SHORT_CYCLES,
    STOCKOUTS,
)
from fasttwin.kernels.rng import (
    STREAM_ARRIVALS,
    STREAM_BATCH,
    STREAM_LEAD_TIME,
    day_state,
    stream_key,
    sub_key,
    uniform,
)
from fasttwin.kernels.samplers import exponential, gamma, table_draw, truncated_normal

# Lead-time codes (repeated in fasttwin.continuous, which imports no Numba).
FIXED = 0  # p1 days
UNIFORM = 1  # uniform on [p1, p2]
EXPONENTIAL = 2  # mean p1
TRUNC_NORMAL = 3  # normal(p1, p2) conditioned on >= 0
GAMMA = 4  # shape p1, scale p2
TABLE = 5  # whole days from a tabulated pmf

#: Event times are integers on a grid of 2**-32 day (about 20 microseconds), so
#: that areas (unit-ticks) are exact integers whatever the order of summation.
TICKS_PER_DAY = np.int64(1 << 32)
TICKS_PER_DAY_F = 4294967296.0
TICK = 1.0 / TICKS_PER_DAY_F
#: Longer lead times are cut here (never delivered within any horizon anyway),
#: which keeps due ticks far from int64 overflow.
MAX_LEAD_DAYS = 2.0**30


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
    if code == UNIFORM:
        u, state = uniform(state)
        return p1 + (p2 - p1) * u
    e, state = exponential(state)
    return p1 * e


@jit
def to_ticks(days):
    """A lead time in days, floored onto the tick grid."""
    return np.int64(min(days, MAX_LEAD_DAYS) * TICKS_PER_DAY_F)


@jit
def lead_time_state(lead_key, day, index):
    """Generator state of the order placed after arrival ``index`` of ``day``.

    ``lead_key`` is the node's lead-time stream key in the replication,
    ``stream_key(seed, STREAM_LEAD_TIME, rep, node)``.
    """
    return sub_key(day_state(lead_key, day), index)


@jit
def fill_block(
    seed, rep, node, first, last, rates, b_len, b_cdf, b_guide, tk, cum, pre, day_of, index_of, rank
):
    """Customer arrivals of days ``first..last-1``: their number, or -1 if the buffers are full.

    Day ``t``'s arrivals come at rate ``rates[t]``: the day's start plus the
    cumulated exponential gaps ``E / rate`` (in days, floored onto the tick
    grid) while below one day, drawn from that day's key; memorylessness makes
    restarting each day exact. Arrival ``j`` of the block comes at tick
    ``tk[j]`` (absolute, sorted) and is the ``index_of[j]``-th (1-based) of day
    ``day_of[j]``; ``rank[j]`` counts the days with arrivals among arrivals
    ``0..j``. ``cum[j]`` is the demand of arrivals ``0..j-1`` (batch sizes from
    their own stream, one table draw per arrival; 1 each when ``b_len == 0``)
    and ``pre[j] = sum_{i<j} cum[i+1] (tk[i+1] - tk[i])``: the prefix sums that
    let a policy point integrate a stretch of arrivals in closed form.
    """
    capacity = tk.shape[0]
    n = 0
    demand = np.int64(0)
    area = np.int64(0)
    previous = np.int64(0)
    days = 0
    cum[0] = 0
    arrivals_key = stream_key(seed, STREAM_ARRIVALS, rep, node)
    batch_key = stream_key(seed, STREAM_BATCH, rep, node)
    for day in range(first, last):
        rate = rates[day]
        if rate <= 0.0:
            continue
        base = day * TICKS_PER_DAY
        scale = 1.0 / rate
        x = 0.0
        state = day_state(arrivals_key, day)
        batch_state = state
        if b_len > 0:
            batch_state = day_state(batch_key, day)
        i = 0
        while True:
            e, state = exponential(state)
            x += e * scale
            if x >= 1.0:
                break
            if n == capacity:
                return -1
            tick = base + np.int64(x * TICKS_PER_DAY_F)
            area += demand * (tick - previous)  # 0 for the block's first arrival
            size = 1
            if b_len > 0:
                size, batch_state = table_draw(b_cdf, b_guide, 0, b_len, batch_state)
            if i == 0:
                days += 1
            i += 1
            tk[n] = tick
            pre[n] = area
            demand += size
            cum[n + 1] = demand
            day_of[n] = day
            index_of[n] = i
            rank[n] = days
            previous = tick
            n += 1
    return n


@jit
def first_at_least(a, lo, hi, target):
    """Smallest ``i`` in ``[lo, hi)`` with ``a[i] >= target`` (``a`` sorted), else ``hi``.

    Branch-free halving (conditional moves): the comparisons are unpredictable,
    so a branching binary search pays a misprediction at almost every step.
    """
    size = hi - lo
    if size <= 0:
        return hi
    while size > 1:
        half = size >> 1
        lo = lo + half if a[lo + half - 1] < target else lo
        size -= half
    return lo + 1 if a[lo] < target else lo


@jit
def demand_reaches(cum, unit, lo, hi, target):
    """``first_at_least(cum, lo, hi, target)``; with unit demand ``cum[i] == i``."""
    if unit:
        return min(max(target, lo), hi)
    return first_at_least(cum, lo, hi, target)


@jit
def declining_area(level, k0, k1, t0, tk, cum, pre, unit):
    """Integral (unit-ticks) of ``max(level - demand so far, 0)`` from ``t0`` to ``tk[k1-1]``.

    "Demand so far" counts arrivals ``k0..k`` after arrival ``k``; ``k0 < k1``.
    """
    if level <= 0:
        return np.int64(0)
    j = demand_reaches(cum, unit, k0 + 1, k1 + 1, cum[k0] + level)
    last = min(j - 1, k1 - 1)  # level is positive up to arrival ``last``, 0 after
    return level * (tk[k0] - t0) + (level + cum[k0]) * (tk[last] - tk[k0]) - (pre[last] - pre[k0])


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
    new_due = np.empty((points, 2 * cap), np.int64)
    new_qty = np.empty((points, 2 * cap), np.int64)
    new_due[:, :cap] = due
    new_qty[:, :cap] = qty
    return new_due, new_qty


@jit
def order_lead_ticks(
    lead_key, j, key_day, key_index, leads, lt_code, lt_p1, lt_p2, lt_cdf, lt_guide
):
    """Lead time (ticks) of the order placed after arrival ``key_index`` of ``key_day``.

    ``lead_key``: see :func:`lead_time_state`.
    ``j >= 0`` is that arrival's place in the current block, whose draws are
    kept in ``leads`` (-1: not drawn yet) and shared by every policy point.
    """
    if j >= 0:
        lead = leads[j]
        if lead < 0:
            state = lead_time_state(lead_key, key_day, key_index)
            lead = to_ticks(draw_lead_time(lt_code, lt_p1, lt_p2, lt_cdf, lt_guide, state))
            leads[j] = lead
        return lead
    state = lead_time_state(lead_key, key_day, key_index)
    return to_ticks(draw_lead_time(lt_code, lt_p1, lt_p2, lt_cdf, lt_guide, state))


def _make_kernel(rq):
    """Build the continuous-review kernel for (r, Q) or (s, S)."""

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
        block,
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
        policy point. ``rates[t]`` is day ``t``'s arrival rate per day; days go
        in blocks of ``block`` (restarting at ``warmup``), within which areas
        are exact int64 unit-ticks; batches are unit when ``b_len == 0``.
        ``max_out`` caps outstanding orders; ``lost_sales`` is 0 or 1. ``out``
        is float64 ``(N_SUMS, points, reps)``.

        A point's block is a sequence of *stretches*: the arrivals up to its
        next own event (the arrival that triggers an order, or a delivery)
        change its stock only through the cumulative demand, so each stretch is
        integrated in closed form from the shared prefix sums (``fill_block``)
        and costs at most three binary searches (none for unit demand without
        a delivery in the block), whatever its length. Areas are exact
        integers (unit-ticks) within a block, hence equal to an event-by-event
        sum.
        """
        n_points = reorder.shape[0]
        fixed_lead = lt_code == FIXED
        unit = b_len == 0
        fixed_ticks = to_ticks(lt_p1)
        for r in range(reps):
            rep = rep0 + r
            lead_key = stream_key(seed, STREAM_LEAD_TIME, rep, node)
            on_hand = initial.copy()
            backorders = np.zeros(n_points, np.int64)
            position = initial.copy()
            n_out = np.zeros(n_points, np.int64)
            cycle = np.zeros(n_points, np.int64)  # replenishment-cycle words
            due = np.empty((n_points, 4), np.int64)
            qty = np.empty((n_points, 4), np.int64)
            acc = np.zeros((N_SUMS, n_points))
            tk = np.empty(256, np.int64)
            cum = np.empty(257, np.int64)
            pre = np.empty(256, np.int64)
            day_of = np.empty(256, np.int64)
            index_of = np.empty(256, np.int64)
            rank = np.empty(256, np.int64)
            leads = np.empty(256, np.int64)
            # Key of the latest arrival of an earlier block (for an order that a
            # delivery triggers before the block's first arrival).
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
                    lead = fixed_ticks
                    if not fixed_lead:
                        # Key (day 0, index 0), not in any block.
                        lead = order_lead_ticks(
                            lead_key,
                            -1,
                            0,
                            0,
                            leads,
                            lt_code,
                            lt_p1,
                            lt_p2,
                            lt_cdf,
                            lt_guide,
                        )
                    if lead == 0:
                        on_hand[p] += q
                    else:
                        heap_push(due, qty, p, 0, lead, q)
                        n_out[p] = 1
            first = 0
            while first < periods:
                last = min(first + block, periods)
                if first < warmup:
                    last = min(last, warmup)
                n = fill_block(
                    seed,
                    rep,
                    node,
                    first,
                    last,
                    rates,
                    b_len,
                    b_cdf,
                    b_guide,
                    tk,
                    cum,
                    pre,
                    day_of,
                    index_of,
                    rank,
                )
                while n < 0:  # rare: redraw the block into bigger buffers
                    size = 2 * tk.shape[0]
                    tk = np.empty(size, np.int64)
                    cum = np.empty(size + 1, np.int64)
                    pre = np.empty(size, np.int64)
                    day_of = np.empty(size, np.int64)
                    index_of = np.empty(size, np.int64)
                    rank = np.empty(size, np.int64)
                    leads = np.empty(size, np.int64)
                    n = fill_block(
                        seed,
                        rep,
                        node,
                        first,
                        last,
                        rates,
                        b_len,
                        b_cdf,
                        b_guide,
                        tk,
                        cum,
                        pre,
                        day_of,
                        index_of,
                        rank,
                    )
                leads[:n] = -1
                measured = first >= warmup
                base = first * TICKS_PER_DAY
                end = last * TICKS_PER_DAY
                for p in range(n_points):
                    if first == warmup:
                        acc[BO_START, p] = backorders[p]
                    oh = on_hand[p]
                    bo = backorders[p]
                    ip = position[p]
                    no = n_out[p]
                    s = reorder[p]
                    big_s = up_to[p]
                    qq = quantity[p]
                    a_oh = np.int64(0)
                    a_bo = np.int64(0)
                    a_ov = np.int64(0)
                    lost = 0
                    filled = 0
                    short_days = 0
                    last_short = -1  # the latest day counted as a stock-out day
                    orders = 0
                    units = 0
                    if first == warmup:
                        cycle[p] = restart_counts(cycle[p])
                    cw = cycle[p]
                    now = base
                    k = 0
                    while True:
                        has_delivery = no > 0 and due[p, 0] < end
                        d = due[p, 0] if has_delivery else end
                        # Arrivals strictly before the delivery (a delivery comes first at a tie).
                        k_lim = first_at_least(tk, k, n, d) if has_delivery else n
                        trigger = False
                        if k < k_lim:
                            k1 = k_lim
                            if no < max_out:
                                # Demand that takes the position down to s (lost sales: only
                                # served demand lowers it, so never if it exceeds the stock).
                                need = ip - s
                                if lost_sales == 0 or need <= oh:
                                    j = demand_reaches(cum, unit, k + 1, k_lim + 1, cum[k] + need)
                                    if j <= k_lim:
                                        k1 = j
                                        trigger = True
                            t1 = tk[k1 - 1]
                            demand = cum[k1] - cum[k]
                            above = declining_area(oh, k, k1, now, tk, cum, pre, unit)
                            a_oh += above
                            if oh > capacity:
                                a_ov += declining_area(
                                    oh - capacity, k, k1, now, tk, cum, pre, unit
                                )
                            served = min(demand, oh)
                            unmet = demand - served
                            if lost_sales:
                                lost += unmet
                                ip -= served
                            else:
                                if unmet > 0 or bo > 0:
                                    # backorders = bo + max(demand so far - oh, 0)
                                    so_far = (pre[k1 - 1] - pre[k]) - cum[k] * (t1 - tk[k])
                                    a_bo += bo * (t1 - now) + so_far - oh * (t1 - now) + above
                                bo += unmet
                                ip -= demand
                            if unmet > 0:
                                cw |= OPEN_SHORT
                                # Stock-out days: those of the arrivals from the first one
                                # not served in full to the end of the stretch.
                                first_short = (
                                    demand_reaches(cum, unit, k + 1, k1 + 1, cum[k] + oh + 1) - 1
                                )
                                short_days += rank[k1 - 1] - rank[first_short] + 1
                                if day_of[first_short] == last_short:
                                    short_days -= 1
                                last_short = day_of[k1 - 1]
                            filled += served
                            oh -= served
                            now = t1
                            k = k1
                        if not trigger:
                            span = d - now
                            a_oh += oh * span
                            a_bo += bo * span
                            a_ov += max(oh - capacity, 0) * span
                            now = d
                            if not has_delivery:
                                break
                            q = qty[p, 0]
                            heap_pop(due, qty, p, no)
                            no -= 1
                            cw = next_cycle_word(cw, True, False)
                            oh += q
                            release = min(oh, bo)
                            oh -= release
                            bo -= release
                            if ip > s or no >= max_out:
                                continue
                        # Order now (after arrival k, or at a delivery that freed a slot).
                        q = order_size(ip, s, big_s, qq)
                        ip += q
                        orders += 1
                        units += q
                        lead = fixed_ticks
                        if not fixed_lead:
                            j = k - 1  # the latest arrival (-1: in an earlier block)
                            key_day = day_of[j] if j >= 0 else last_day
                            key_index = index_of[j] if j >= 0 else last_index
                            lead = order_lead_ticks(
                                lead_key,
                                j,
                                key_day,
                                key_index,
                                leads,
                                lt_code,
                                lt_p1,
                                lt_p2,
                                lt_cdf,
                                lt_guide,
                            )
                        if lead == 0:
                            oh += q
                            release = min(oh, bo)
                            oh -= release
                            bo -= release
                            if now > 0:
                                cw = next_cycle_word(cw, True, False)
                        else:
                            if no == due.shape[1]:
                                due, qty = _grow(due, qty)
                            heap_push(due, qty, p, no, now + lead, q)
                            no += 1
                    on_hand[p] = oh
                    backorders[p] = bo
                    position[p] = ip
                    n_out[p] = no
                    cycle[p] = cw
                    if measured:
                        acc[ON_HAND, p] += a_oh * TICK
                        acc[BACKORDERS, p] += a_bo * TICK
                        acc[OVERFLOW, p] += a_ov * TICK
                        acc[LOST, p] += lost
                        acc[FILLED, p] += filled
                        acc[STOCKOUTS, p] += short_days
                        acc[ORDERS, p] += orders
                        acc[ORDERED, p] += units
                if measured:
                    demand_total += cum[n]
                if n > 0:
                    last_day = day_of[n - 1]
                    last_index = index_of[n - 1]
                first = last
            for p in range(n_points):
                acc[BO_END, p] = backorders[p]
                acc[DEMAND, p] = demand_total
                acc[CYCLES, p], acc[SHORT_CYCLES, p] = cycle_sums(cycle[p])
                for k in range(N_SUMS):
                    out[k, p, r] = acc[k, p]

    return jit(_continuous_single)


_KERNELS = {}


def continuous_single_kernel(rq):
    """The continuous-review kernel for (r, Q) (``rq``) or (s, S)/base-stock policies.

    Built on first use, so importing this module compiles nothing.
    """
    if rq not in _KERNELS:
        _KERNELS[rq] = _make_kernel(rq)
    return _KERNELS[rq]
