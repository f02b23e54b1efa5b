"""Single-node periodic-review kernel (DESIGN.md section 1).

One replication after another (callers run blocks of replications on
several threads, see :mod:`fasttwin.engine.threads`); inside it the day loop, and inside
each day the loop over policy points, so that each day's demand, lead time and
supplier answer are drawn once and shared by every policy (common random
numbers). Quantities are integers and the kernel returns integer sums over the
measured days; costs are linear in those sums and are formed by the caller.
"""

import numpy as np

from fasttwin.kernels.cycles import cycle_sums, next_cycle_word, restart_counts
from fasttwin.kernels.demand import ALL_CODES, make_day_demand
from fasttwin.kernels.jit import INLINE, jit
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
from fasttwin.kernels.rng import day_state, node_keys
from fasttwin.kernels.samplers import bernoulli, table_draw


def make_day_draws(day_demand):
    """The day's draws of one node, with ``day_demand`` (see ``make_day_demand``)."""

    @INLINE
    def day_draws(
        keys,
        t,
        d_code,
        d_p1,
        d_p2,
        d_start,
        d_len,
        d_cdf,
        d_guide,
        lt_fixed,
        lt_len,
        lt_cdf,
        lt_guide,
        reliability,
    ):
        """One node's random inputs of day ``t``: (demand, lead time, order accepted 0/1).

        ``keys`` are the node's stream keys in the replication
        (:func:`fasttwin.kernels.rng.node_keys`, hashed once per replication).
        Shared by the simulation and the trace kernels, so that a traced
        replication sees exactly the draws of the simulated one.
        """
        k_demand, k_bootstrap, k_lead, k_supply = keys
        d = day_demand(
            k_demand,
            k_bootstrap,
            t,
            d_code[t],
            d_p1[t],
            d_p2[t],
            d_start[t],
            d_len[t],
            d_cdf,
            d_guide,
        )
        lead = lt_fixed
        if lt_len > 0:
            state = day_state(k_lead, t)
            lead, state = table_draw(lt_cdf, lt_guide, 0, lt_len, state)
        accepted = 1
        if reliability < 1.0:
            state = day_state(k_supply, t)
            ok, state = bernoulli(reliability, state)
            accepted = 1 if ok else 0
        return d, lead, accepted

    return day_draws


def _make_policy_day(rq, lost_mode=None, capped=True, external=False, daily=False):
    """Build the day step for (r, Q) when ``rq`` else (s, S).

    The one place where a day of the single-node periodic model is written:
    the horizon kernel, the trace kernel and any kernel that steps days (an
    environment) call the step this builds. The flags are closure constants,
    so Numba compiles them away and LLVM vectorises the loop over policy
    points; as a runtime flag ``rq`` blocked vectorisation (measured 2.5x
    slower). ``lost_mode`` True/False fixes lost sales or backorders
    (``None``: read the ``lost_sales`` argument), which drops the accumulator
    the other mode leaves at zero; ``capped=False`` drops the overflow sum (no
    capacity). ``external=True`` builds the step in which each point orders
    ``orders_in[p] >= 0`` units (an agent's quantity, on any day) in place of
    its policy's; its review days still advance. The policy's build never
    reads ``orders_in``. ``daily=True`` builds the step for grids in which
    every point reviews every day: it neither reads nor advances
    ``next_review`` (measured: the review bookkeeping was about a third of a
    grid's time).
    """

    @INLINE
    def policy_day(
        t,
        d,
        accepted,
        now,
        lost_sales,
        capacity,
        reorder,
        up_to,
        quantity,
        review,
        orders_in,
        inv,
        transit,
        next_review,
        cycle,
        pipe_in,
        pipe_out,
        on_hand,
        backorders,
        lost_units,
        filled_units,
        stockouts,
        orders,
        ordered,
        overflow,
    ):
        """Advance every policy point by one day (steps 1-5 of DESIGN.md section 1).

        Written without data-dependent branches so that LLVM vectorises the loop
        over policy points, and with selects rather than multiplications by 0/1
        flags: AVX2 has no 64-bit integer multiply, and the emulated ones cost
        more than the rest of the loop.
        ``pipe_in`` is the pipeline row arriving today, ``pipe_out`` the row of
        today's lead time (unused when ``now``: a zero lead time arrives at once).
        The accumulators come as separate rows: 1-D arrays keep the loop
        vectorisable where 2-D indexing did not (measured: 2.5x).
        ``cycle`` holds each point's replenishment cycles in one word (see
        :mod:`fasttwin.kernels.cycles`); a delivery on day ``t > 0`` closes
        the open cycle, and the day opens the next one.
        """
        counting = t > 0  # day 0's deliveries belong to the horizon's opening
        for p in range(inv.shape[0]):
            arrived = pipe_in[p]
            pipe_in[p] = 0
            x = inv[p] + arrived
            tr = transit[p] - arrived
            position = x + tr
            if daily:
                is_review = True
            else:
                is_review = t == next_review[p]
                next_review[p] += review[p] if is_review else 0
            if external:
                q = orders_in[p]
                trigger = q > 0
            else:
                trigger = is_review & (position <= reorder[p])
                if rq:
                    q = quantity[p] * ((reorder[p] - position) // quantity[p] + 1) if trigger else 0
                else:
                    q = up_to[p] - position if trigger else 0
            qa = q if accepted else 0
            x += qa if now else 0
            pipe_out[p] += 0 if now else qa
            tr += 0 if now else qa
            delivered = arrived + (qa if now else 0)
            filled = min(d, max(x, 0))
            if lost_mode is None:
                lost = d - filled if lost_sales else 0
                x -= d - lost
                lost_units[p] += lost
                backorders[p] += max(-x, 0)
            elif lost_mode:
                x -= filled
                lost_units[p] += d - filled
            else:
                x -= d
                backorders[p] += max(-x, 0)
            inv[p] = x
            transit[p] = tr
            on_hand[p] += max(x, 0)
            filled_units[p] += filled
            short = filled < d
            stockouts[p] += 1 if short else 0
            cycle[p] = next_cycle_word(cycle[p], (delivered > 0) & counting, short)
            orders[p] += 1 if trigger else 0
            ordered[p] += qa
            if capped:
                overflow[p] += max(x - capacity, 0)

    return policy_day


def _make_kernel(rq, lost_mode, capped, codes, daily):
    """Build the single-node kernel for (r, Q) or (s, S), lost sales or backorders,
    with or without a capacity, the demand sampler ``codes``, and for daily review
    of every point or not."""
    policy_day = _make_policy_day(rq, lost_mode, capped, daily=daily)
    day_draws = make_day_draws(make_day_demand(codes))

    def _periodic_single(
        seed,
        node,
        rep0,
        reps,
        periods,
        warmup,
        reorder,
        up_to,
        quantity,
        review,
        initial,
        lost_sales,
        capacity,
        d_code,
        d_p1,
        d_p2,
        d_start,
        d_len,
        d_cdf,
        d_guide,
        lt_fixed,
        lt_len,
        lt_cdf,
        lt_guide,
        reliability,
        out,
    ):
        """Simulate ``reps`` replications of every policy point; fill ``out``.

        ``reorder``, ``up_to``, ``quantity``, ``review`` and ``initial`` have one
        entry per policy point; ``quantity`` is used by (r, Q) builds only. The
        lead time is ``lt_fixed`` when ``lt_len == 0``, else a draw from the
        table on ``0..lt_len-1``. ``lost_sales`` is 0 or 1. ``out`` has shape
        ``(N_SUMS, points, reps)``.
        """
        n_points = reorder.shape[0]
        n_slots = lt_fixed + 1 if lt_len == 0 else lt_len
        acc = np.zeros((N_SUMS, n_points), np.int64)
        # The rows the day step adds to, taken once per call: a view per row and
        # day cost a tenth of a one-policy run.
        on_hand, backorders, lost, filled = acc[ON_HAND], acc[BACKORDERS], acc[LOST], acc[FILLED]
        stockouts, orders, ordered = acc[STOCKOUTS], acc[ORDERS], acc[ORDERED]
        overflow = acc[OVERFLOW]
        for r in range(reps):
            keys = node_keys(seed, rep0 + r, node)
            inv = initial.copy()  # net inventory: on hand minus backorders
            transit = np.zeros(n_points, np.int64)
            pipe = np.zeros((n_slots, n_points), np.int64)
            next_review = np.zeros(n_points, np.int64)
            cycle = np.zeros(n_points, np.int64)
            acc[:] = 0
            demand_total = 0
            for t in range(periods):
                d, lead, accepted = day_draws(
                    keys,
                    t,
                    d_code,
                    d_p1,
                    d_p2,
                    d_start,
                    d_len,
                    d_cdf,
                    d_guide,
                    lt_fixed,
                    lt_len,
                    lt_cdf,
                    lt_guide,
                    reliability,
                )
                if t >= warmup:
                    demand_total += d
                if t == warmup:
                    # Warm-up days accumulated too: cheaper than masking every sum.
                    acc[:] = 0
                    for p in range(n_points):
                        acc[BO_START, p] = max(-inv[p], 0)
                        cycle[p] = restart_counts(cycle[p])
                policy_day(
                    t,
                    d,
                    accepted,
                    1 if lead == 0 else 0,
                    lost_sales,
                    capacity,
                    reorder,
                    up_to,
                    quantity,
                    review,
                    quantity,  # orders_in: not read by the policy's step
                    inv,
                    transit,
                    next_review,
                    cycle,
                    pipe[t % n_slots],
                    pipe[(t + lead) % n_slots],
                    on_hand,
                    backorders,
                    lost,
                    filled,
                    stockouts,
                    orders,
                    ordered,
                    overflow,
                )
            if warmup >= periods:  # no measured day
                acc[:] = 0
            for p in range(n_points):
                acc[BO_END, p] = max(-inv[p], 0)
                acc[DEMAND, p] = demand_total
                acc[CYCLES, p], acc[SHORT_CYCLES, p] = cycle_sums(cycle[p])
                for k in range(N_SUMS):
                    out[k, p, r] = acc[k, p]

    return jit(_periodic_single)


_KERNELS = {}


def periodic_single_kernel(rq, lost_sales, capped, codes=ALL_CODES, daily=False):
    """The single-node kernel for (r, Q) (``rq``) or (s, S)/base-stock policies.

    ``lost_sales`` and ``capped`` (a capacity is set) select the sums kept;
    ``codes`` are the demand sampler codes the plan uses; ``daily`` (every
    point's review period is 1) drops the review bookkeeping. Built on first
    use, so importing this module compiles nothing.
    """
    key = (bool(rq), bool(lost_sales), bool(capped), frozenset(codes), bool(daily))
    if key not in _KERNELS:
        _KERNELS[key] = _make_kernel(*key)
    return _KERNELS[key]
