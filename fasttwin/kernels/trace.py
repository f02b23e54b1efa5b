"""Daily paths of a few replications of one single-node policy.

The kernel runs the simulation's own day step (``_make_policy_day``) and
draws (``day_draws``) on one policy point, and reads each day's values as the
change of the step's accumulators, plus the inventory and pipeline state after
the day. A traced replication is therefore
the simulated one, day by day.
"""

import numpy as np

from fasttwin.kernels.demand import day_demand
from fasttwin.kernels.jit import jit
from fasttwin.kernels.periodic import _make_policy_day, make_day_draws
from fasttwin.kernels.rng import node_keys

# Rows of the kernel's output ``(N_TRACE, reps, periods)``.
DEMAND = 0  # customer demand of the day
ARRIVED = 1  # units that arrived from the supplier (a zero lead time: the day's order)
ORDERS = 2  # orders placed (1 on a day with an order, rejected ones included)
ORDERED = 3  # units ordered and accepted by the supplier
REJECTED = 4  # orders the supplier rejected
FILLED = 5  # demand served from stock on the day
LOST = 6  # demand lost
ON_HAND = 7  # end-of-day on hand
BACKORDERS = 8  # end-of-day customer backorders
PIPELINE = 9  # end-of-day units in transit from the supplier
OVERFLOW = 10  # end-of-day units on hand above capacity
N_TRACE = 11

_KERNELS = {}


def _make_trace_kernel(rq):
    policy_day = _make_policy_day(rq)
    day_draws = make_day_draws(day_demand)

    @jit
    def trace_single(
        seed,
        node,
        rep0,
        reps,
        periods,
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
        """Fill ``out[:, r, t]`` with day ``t`` of replication ``rep0 + r``.

        ``reorder`` .. ``initial`` hold one policy point (arrays of length 1),
        laid out as for the simulation kernel; so are the demand and lead-time
        plans.
        """
        n_slots = lt_fixed + 1 if lt_len == 0 else lt_len
        for r in range(reps):
            keys = node_keys(seed, rep0 + r, node)
            inv = initial.copy()
            transit = np.zeros(1, np.int64)
            pipe = np.zeros((n_slots, 1), np.int64)
            next_review = np.zeros(1, np.int64)
            cycle = np.zeros(1, np.int64)  # a day's delivery shows in ARRIVED
            # The day step adds each day's amounts to these; they start at 0.
            on_hand = np.zeros(1, np.int64)
            backorders = np.zeros(1, np.int64)
            lost = np.zeros(1, np.int64)
            filled = np.zeros(1, np.int64)
            stockouts = np.zeros(1, np.int64)
            orders = np.zeros(1, np.int64)
            ordered = np.zeros(1, np.int64)
            overflow = np.zeros(1, np.int64)
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
                arrived = pipe[t % n_slots, 0]
                before_orders = orders[0]
                before_ordered = ordered[0]
                before_filled = filled[0]
                before_lost = lost[0]
                before_on_hand = on_hand[0]
                before_backorders = backorders[0]
                before_overflow = overflow[0]
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
                placed = orders[0] - before_orders
                out[DEMAND, r, t] = d
                out[ARRIVED, r, t] = arrived + (ordered[0] - before_ordered) * (
                    1 if lead == 0 else 0
                )
                out[ORDERS, r, t] = placed
                out[ORDERED, r, t] = ordered[0] - before_ordered
                out[REJECTED, r, t] = placed * (1 - accepted)
                out[FILLED, r, t] = filled[0] - before_filled
                out[LOST, r, t] = lost[0] - before_lost
                out[ON_HAND, r, t] = on_hand[0] - before_on_hand
                out[BACKORDERS, r, t] = backorders[0] - before_backorders
                out[PIPELINE, r, t] = transit[0]
                out[OVERFLOW, r, t] = overflow[0] - before_overflow

    return trace_single


def trace_single_kernel(rq):
    """The trace kernel for (r, Q) (``rq``) or (s, S)/base-stock policies, built on first use."""
    if rq not in _KERNELS:
        _KERNELS[rq] = _make_trace_kernel(rq)
    return _KERNELS[rq]
