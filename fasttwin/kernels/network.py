"""Periodic-review network kernel: a forest of stock points (DESIGN.md section 1).

One replication after another (callers run blocks of replications on threads,
see :mod:`fasttwin.engine.threads`); inside it the day loop; inside each
day the steps of DESIGN.md section 1, node by node, each a loop over policy
points. Each day's demand, lead time and supplier answer are drawn once per
node and shared by every policy point (common random numbers).

A day is written once, in :func:`network_days`, over the state that
:func:`network_state` allocates; the horizon kernel (:func:`network_kernel`)
and any kernel that steps days itself (with an agent's orders in place of the
policy's, say) call it.

State per (node, point) is kept in integers:

- ``x``: net inventory, on hand minus what the node owes (customers at a
  demand node, child nodes at a parent; a node never has both). Units that
  arrive therefore go to what is owed first, as DESIGN.md requires.
- ``transit``: shipped to the node and not yet arrived; ``owed``: ordered
  from its parent and backordered there. ``IP = x + transit + owed``.
- at a parent, a FIFO queue of (child, units) of what it owes, in the order
  the orders were placed (by day, and within a day in review order). Its
  total always equals ``max(-x, 0)``: when ``x`` rises the head is shipped
  (:func:`_release`), when a child's order cannot be served in full the rest
  is appended (:func:`_enqueue`).

Speed. The common steps are loops over policy points without data-dependent
branches, which LLVM vectorises (as in :mod:`fasttwin.kernels.periodic`).
Per-node and per-day choices (policy kind, supplier or parent, a zero lead
time, a rejected order) are taken outside those loops. State lives in flat
1-D arrays, node ``i`` at ``i * points``, indexed with unsigned offsets:
slicing a row per node and per day cost more than the loops themselves
(every view touches a reference count; the retail twin with 100 policy
points ran 3.5x faster without them), and unsigned indices spare the
negative-index check that blocks vectorisation. Outputs are written
replication-major (strided writes cost another 13 %). The running sums run
from day 0 and are reset when the warm-up ends, so no loop tests for it.
Only the queue work is scalar: one quick scan per parent and day, and the
FIFO walk for the points whose parent owes something.
"""

import numpy as np

from fasttwin.kernels import network_layout as NL
from fasttwin.kernels.cycles import cycle_sums, next_cycle_word, restart_counts
from fasttwin.kernels.demand import day_demand
from fasttwin.kernels.jit import INLINE, jit
from fasttwin.kernels.rng import day_state, node_keys
from fasttwin.kernels.samplers import bernoulli, table_draw

#: Queue entries per (parent, point) allocated at first; doubled when full.
QUEUE_START = 8
#: Bits of a (node, point)'s flags of the day: a request it could not serve in
#: full at once, a delivery that reached it.
SHORT = 1
GOT = 2


U = np.uint64
K = NL.N_NODE_SUMS


@jit
def _arrive(n_points, x, transit, flags, xo, pipe, po, acc, ro):
    """Step 1: shipments due today join the stock (and pay what is owed first).

    Sets the day's ``flags`` afresh (the day's first word on them): ``GOT`` if
    a shipment arrived.
    """
    for p in range(n_points):
        i, d = U(xo + p), U(po + p)
        a = pipe[d]
        pipe[d] = 0
        x[i] += a
        transit[i] -= a
        flags[i] = GOT if a > 0 else 0
        acc[U(ro + p)] += a


@jit
def _review_ss(t, n_points, x, transit, owed, xo, reorder, up_to, review, next_review, q, acc, ro):
    """Step 3, (s, S) and base-stock: ``q`` = what each point orders today."""
    for p in range(n_points):
        i = U(xo + p)
        position = x[i] + transit[i] + owed[i]
        due = t == next_review[i]
        next_review[i] = next_review[i] + review[i] if due else next_review[i]
        trigger = due & (position <= reorder[i])
        q[i] = up_to[i] - position if trigger else 0
        acc[U(ro + p)] += trigger


@jit
def _review_rq(
    t, n_points, x, transit, owed, xo, reorder, quantity, review, next_review, q, acc, ro
):
    """Step 3, (r, Q): the smallest multiple of Q that lifts IP above r."""
    for p in range(n_points):
        i = U(xo + p)
        position = x[i] + transit[i] + owed[i]
        due = t == next_review[i]
        next_review[i] = next_review[i] + review[i] if due else next_review[i]
        trigger = due & (position <= reorder[i])
        q[i] = quantity[i] * ((reorder[i] - position) // quantity[i] + 1) if trigger else 0
        acc[U(ro + p)] += trigger


@jit
def _take_orders(t, n_points, review, next_review, q, xo, acc, ro):
    """Step 3 with external orders: ``q`` holds them; count them, keep the review schedule."""
    for p in range(n_points):
        i = U(xo + p)
        due = t == next_review[i]
        next_review[i] = next_review[i] + review[i] if due else next_review[i]
        acc[U(ro + p)] += q[i] > 0


@jit
def _supply_now(n_points, q, x, flags, xo, acc, ordered_o, received_o):
    """An accepted supplier order with lead time 0: here at once."""
    for p in range(n_points):
        i = U(xo + p)
        x[i] += q[i]
        flags[i] |= GOT if q[i] > 0 else 0
        acc[U(received_o + p)] += q[i]
        acc[U(ordered_o + p)] += q[i]


@jit
def _supply_later(n_points, q, transit, xo, pipe, po, acc, ordered_o):
    """An accepted supplier order that arrives after its lead time."""
    for p in range(n_points):
        i = U(xo + p)
        pipe[U(po + p)] += q[i]
        transit[i] += q[i]
        acc[U(ordered_o + p)] += q[i]


@jit
def _from_parent_now(n_points, q, x, owed, flags, xo, jo, acc, o_ord, o_rec, o_req, o_fill):
    """A child's order: served from the parent's stock at once (lead time 0), the rest owed."""
    for p in range(n_points):
        i, j = U(xo + p), U(jo + p)
        qp = q[i]
        served = min(qp, max(x[j], 0))
        x[j] -= qp
        flags[j] |= SHORT if served < qp else 0
        owed[i] += qp - served
        x[i] += served
        flags[i] |= GOT if served > 0 else 0
        acc[U(o_req + p)] += qp
        acc[U(o_fill + p)] += served
        acc[U(o_rec + p)] += served
        acc[U(o_ord + p)] += qp


@jit
def _from_parent_later(
    n_points, q, x, transit, owed, xo, jo, pipe, po, flags, acc, o_ord, o_req, o_fill
):
    """A child's order: served from the parent's stock, on its way; the rest owed."""
    for p in range(n_points):
        i, j = U(xo + p), U(jo + p)
        qp = q[i]
        served = min(qp, max(x[j], 0))
        x[j] -= qp
        flags[j] |= SHORT if served < qp else 0
        owed[i] += qp - served
        pipe[U(po + p)] += served
        transit[i] += served
        acc[U(o_req + p)] += qp
        acc[U(o_fill + p)] += served
        acc[U(o_ord + p)] += qp


@jit
def _enqueue(child, n_points, x, jo, qj, total, q_child, q_qty, q_head, q_len):
    """Append what the parent could not serve of ``child``'s order; return the longest queue."""
    cap = q_child.shape[2]
    longest = 0
    for p in range(n_points):
        rest = max(-x[jo + p], 0) - total[qj, p]
        if rest > 0:
            k = (q_head[qj, p] + q_len[qj, p]) % cap
            q_child[qj, p, k] = child
            q_qty[qj, p, k] = rest
            q_len[qj, p] += 1
            total[qj, p] += rest
        longest = max(longest, q_len[qj, p])
    return longest


@jit
def _grow(q_child, q_qty, q_head, q_len):
    """Double the queues' room, keeping every queue's entries in order."""
    n_queues, n_points, cap = q_child.shape
    new_child = np.empty((n_queues, n_points, 2 * cap), np.int64)
    new_qty = np.empty((n_queues, n_points, 2 * cap), np.int64)
    for j in range(n_queues):
        for p in range(n_points):
            for k in range(q_len[j, p]):
                src = (q_head[j, p] + k) % cap
                new_child[j, p, k] = q_child[j, p, src]
                new_qty[j, p, k] = q_qty[j, p, src]
            q_head[j, p] = 0
    return new_child, new_qty


@jit
def _release(
    j,
    qj,
    t,
    n_points,
    slots,
    lead,
    x,
    transit,
    owed,
    flags,
    pipe,
    acc,
    total,
    q_child,
    q_qty,
    q_head,
    q_len,
):
    """Ship to child nodes, FIFO, what node ``j`` no longer owes since its stock rose.

    A shipment leaves today with the child's lead time: at once when it is 0
    (the child's own queue is released when its turn comes, top-down).
    """
    cap = q_child.shape[2]
    for p in range(n_points):
        paid = total[qj, p] - max(-x[j * n_points + p], 0)
        if paid > 0:
            total[qj, p] -= paid
            h = q_head[qj, p]
            n = q_len[qj, p]
            while paid > 0:
                c = q_child[qj, p, h]
                a = min(paid, q_qty[qj, p, h])
                q_qty[qj, p, h] -= a
                paid -= a
                if q_qty[qj, p, h] == 0:
                    h = (h + 1) % cap
                    n -= 1
                owed[c * n_points + p] -= a
                lc = lead[c]
                if lc == 0:
                    x[c * n_points + p] += a
                    flags[c * n_points + p] |= GOT
                    acc[(c * K + NL.RECEIVED) * n_points + p] += a
                else:
                    pipe[(c * slots + (t + lc) % slots) * n_points + p] += a
                    transit[c * n_points + p] += a
            q_head[qj, p] = h
            q_len[qj, p] = n


@jit
def _demand(n_points, d, lost_sales, x, xo, flags, system_short, acc, o_req, o_fill, o_lost):
    """Step 4 at a demand node: serve from stock; lose or backorder the rest."""
    for p in range(n_points):
        i = U(xo + p)
        served = min(d, max(x[i], 0))
        lost = d - served if lost_sales else 0
        x[i] -= d - lost
        out = served < d
        flags[i] |= SHORT if out else 0
        system_short[p] |= out
        acc[U(o_req + p)] += d
        acc[U(o_fill + p)] += served
        acc[U(o_lost + p)] += lost


@jit
def _account(
    counting,
    n_points,
    x,
    transit,
    owed,
    xo,
    flags,
    cycle,
    acc,
    o_oh,
    o_bo,
    o_pipe,
    o_out,
):
    """Step 5 for one node: stock, what it owes, its pipeline, its replenishment cycles.

    A delivery today (``GOT``) closes the open cycle (``cycle``: words of
    :mod:`fasttwin.kernels.cycles`), unless it is day 0 (``counting`` False:
    day 0's deliveries belong to the horizon's opening), and today is the
    first day of the next cycle.
    """
    for p in range(n_points):
        i = U(xo + p)
        acc[U(o_oh + p)] += max(x[i], 0)
        acc[U(o_bo + p)] += max(-x[i], 0)
        acc[U(o_pipe + p)] += transit[i] + owed[i]
        f = flags[i]
        short = (f & SHORT) != 0
        acc[U(o_out + p)] += short
        cycle[i] = next_cycle_word(cycle[i], ((f & GOT) != 0) & counting, short)


@jit
def _overflow(n_points, nodes, capacity, x, share, total):
    """Units on hand at a location above its capacity, shared pro rata to on-hand."""
    total[:] = 0
    for i in nodes:
        for p in range(n_points):
            total[p] += max(x[i * n_points + p], 0)
    for i in nodes:
        for p in range(n_points):
            over = max(total[p] - capacity, 0)
            share[i * n_points + p] += over * max(x[i * n_points + p], 0) / max(total[p], 1)


@jit
def _snapshot(n_points, x, transit, owed, xo, acc, o_oh, o_bo, o_pipe):
    for p in range(n_points):
        i = U(xo + p)
        acc[U(o_oh + p)] = max(x[i], 0)
        acc[U(o_bo + p)] = max(-x[i], 0)
        acc[U(o_pipe + p)] = transit[i] + owed[i]


@INLINE
def network_state(initial, n_nodes, n_queues, slots):
    """A replication at the start of day 0: ``(state, queues, sums)`` for :func:`network_days`.

    ``initial`` is the flat ``(nodes * points)`` initial stock (node ``i`` at
    ``i * points``); ``n_queues`` counts the nodes with children.

    - ``state = (x, transit, owed, next_review, pipe, cycle, flags,
      system_short, on_site, demand, lead, accepted)``, flat ``(nodes *
      points)`` unless said: net stock, units in transit, units owed by the
      parent, the next review day, the pipeline ``(nodes, slots, points)``,
      the replenishment-cycle words (:mod:`fasttwin.kernels.cycles`); then
      what a day sets afresh: each (node, point)'s flags of the day (bits
      ``SHORT`` and ``GOT``), a customer stockout anywhere (per point), a
      scratch row per point, and the day's draws per node (demand, lead time,
      the supplier's answer).
    - ``queues = (total, head, length, child, units)``: what each parent owes,
      FIFO, per queue and point; ``child`` and ``units`` ``(queues, points,
      room)`` grow, so :func:`network_days` returns the tuple.
    - ``sums = (acc, share, system_stockouts)``: the rows of
      :mod:`fasttwin.kernels.network_layout`, flat ``(nodes, rows, points)``;
      each node's share of its location's overflow ``(nodes * points)``; the
      days with a customer stockout somewhere ``(points)``.
    """
    size = initial.shape[0]
    n_points = size // n_nodes
    state = (
        initial.copy(),
        np.zeros(size, np.int64),
        np.zeros(size, np.int64),
        np.zeros(size, np.int64),
        np.zeros(size * slots, np.int64),
        np.zeros(size, np.int64),
        np.zeros(size, np.uint8),
        np.zeros(n_points, np.bool_),
        np.zeros(n_points, np.int64),
        np.zeros(n_nodes, np.int64),
        np.zeros(n_nodes, np.int64),
        np.ones(n_nodes, np.bool_),
    )
    queues = (
        np.zeros((n_queues, n_points), np.int64),
        np.zeros((n_queues, n_points), np.int64),
        np.zeros((n_queues, n_points), np.int64),
        np.empty((n_queues, n_points, QUEUE_START), np.int64),
        np.empty((n_queues, n_points, QUEUE_START), np.int64),
    )
    sums = (
        np.zeros(n_nodes * K * n_points, np.int64),
        np.zeros(size),
        np.zeros(n_points, np.int64),
    )
    return state, queues, sums


@INLINE
def network_days(
    seed,
    rep,
    first,
    last,
    net,
    demand_plan,
    lead_plan,
    policy,
    state,
    queues,
    sums,
    external,
    orders,
):
    """Run days ``first .. last - 1`` of replication ``rep`` for every policy point.

    The one place where a day of the network is written (DESIGN.md section
    1): the day's draws (keyed by ``(seed, stream, rep, node, day)``, one per
    node, shared by every policy point; the stream keys are hashed once per
    call and stepped per day), arrivals, parents paying what they owe
    top-down, review and order downstream first, customer demand, accounting
    into ``sums``. The horizon kernel calls it for a
    replication's warm-up days, then for its measured days; a kernel that
    steps replications one day at a time (an environment, a trace) calls it
    with ``last = first + 1`` and reads ``state`` and ``sums`` in between.

    Arguments: ``net``, ``demand_plan``, ``lead_plan`` and ``policy`` as
    :func:`_network` takes them; ``state``, ``queues`` and ``sums`` as
    :func:`network_state` makes them (updated in place). Returns ``queues``,
    whose arrays are replaced when they grow.

    External orders: ``orders`` is flat ``(nodes * points)``. A node ``i``
    with ``external[i]`` places the quantities (``>= 0``) found in its rows,
    e.g. an agent's, on any day, in place of its policy's (one day at a time:
    they are that day's orders; its review days still advance, so the policy
    can take over again in step); after each day every node's rows hold what
    it ordered that day (0: no order). With ``external`` all False this is
    the policy's path, at the cost of one test per node and day.

    Compiled into its caller (like :func:`network_state`): LLVM then sees that
    the state arrays are fresh allocations that alias nothing and drops the
    runtime alias checks of every loop. As a separate function, or called
    once per day on arrays allocated elsewhere, a day of the one-policy
    retail twin took 1.5x as long.
    """
    (
        parent,
        topdown,
        review_order,
        sub_start,
        sub_nodes,
        queue_of,
        has_demand,
        lost_sales,
        reliability,
        loc_start,
        loc_nodes,
        loc_cap,
        slots,
    ) = net
    d_code, d_p1, d_p2, d_start, d_len, d_cdf, d_guide = demand_plan
    lt_fixed, lt_len, lt_start, lt_cdf, lt_guide = lead_plan
    rq, reorder, up_to, quantity, review = policy
    (
        x,
        transit,
        owed,
        next_review,
        pipe,
        cycle,
        flags,
        system_short,
        on_site,
        demand,
        lead,
        accepted,
    ) = state
    total, q_head, q_len, q_child, q_qty = queues
    acc, share, system_stockouts = sums
    n_nodes = parent.shape[0]
    n_points = x.shape[0] // n_nodes
    # Each node's stream keys, hashed once per call; a day then costs one mix per draw.
    keys = np.empty((n_nodes, 4), np.uint64)
    for i in range(n_nodes):
        keys[i, 0], keys[i, 1], keys[i, 2], keys[i, 3] = node_keys(seed, rep, i)
    for t in range(first, last):
        # the day's draws, one per node, shared by every policy point
        for i in range(n_nodes):
            if has_demand[i]:
                demand[i] = day_demand(
                    keys[i, 0],
                    keys[i, 1],
                    t,
                    d_code[i, t],
                    d_p1[i, t],
                    d_p2[i, t],
                    d_start[i, t],
                    d_len[i, t],
                    d_cdf,
                    d_guide,
                )
            lead[i] = lt_fixed[i]
            if lt_len[i] > 0:
                key = day_state(keys[i, 2], t)
                lead[i], key = table_draw(lt_cdf, lt_guide, lt_start[i], lt_len[i], key)
            if parent[i] < 0 and reliability[i] < 1.0:
                key = day_state(keys[i, 3], t)
                accepted[i], key = bernoulli(reliability[i], key)
        # 1. arrivals
        for i in range(n_nodes):
            _arrive(
                n_points,
                x,
                transit,
                flags,
                i * n_points,
                pipe,
                (i * slots + t % slots) * n_points,
                acc,
                (i * K + NL.RECEIVED) * n_points,
            )
        # 2. parents pay what they owe, top-down so zero lead times cascade
        for k in range(n_nodes):
            j = topdown[k]
            if queue_of[j] >= 0:
                _release(
                    j,
                    queue_of[j],
                    t,
                    n_points,
                    slots,
                    lead,
                    x,
                    transit,
                    owed,
                    flags,
                    pipe,
                    acc,
                    total,
                    q_child,
                    q_qty,
                    q_head,
                    q_len,
                )
        # 3. review and order, downstream first
        for k in range(n_nodes):
            i = review_order[k]
            xo = i * n_points
            ao = i * K * n_points
            if external[i]:
                _take_orders(
                    t, n_points, review, next_review, orders, xo, acc, ao + NL.ORDERS * n_points
                )
            elif rq[i]:
                _review_rq(
                    t,
                    n_points,
                    x,
                    transit,
                    owed,
                    xo,
                    reorder,
                    quantity,
                    review,
                    next_review,
                    orders,
                    acc,
                    ao + NL.ORDERS * n_points,
                )
            else:
                _review_ss(
                    t,
                    n_points,
                    x,
                    transit,
                    owed,
                    xo,
                    reorder,
                    up_to,
                    review,
                    next_review,
                    orders,
                    acc,
                    ao + NL.ORDERS * n_points,
                )
            now = lead[i] == 0
            po = (i * slots + (t + lead[i]) % slots) * n_points
            j = parent[i]
            if j < 0:
                if accepted[i] and now:
                    _supply_now(
                        n_points,
                        orders,
                        x,
                        flags,
                        xo,
                        acc,
                        ao + NL.ORDERED * n_points,
                        ao + NL.RECEIVED * n_points,
                    )
                elif accepted[i]:
                    _supply_later(
                        n_points, orders, transit, xo, pipe, po, acc, ao + NL.ORDERED * n_points
                    )
            else:
                jo = j * n_points
                po_j = j * K * n_points
                if now:
                    _from_parent_now(
                        n_points,
                        orders,
                        x,
                        owed,
                        flags,
                        xo,
                        jo,
                        acc,
                        ao + NL.ORDERED * n_points,
                        ao + NL.RECEIVED * n_points,
                        po_j + NL.DEMAND * n_points,
                        po_j + NL.FILLED * n_points,
                    )
                else:
                    _from_parent_later(
                        n_points,
                        orders,
                        x,
                        transit,
                        owed,
                        xo,
                        jo,
                        pipe,
                        po,
                        flags,
                        acc,
                        ao + NL.ORDERED * n_points,
                        po_j + NL.DEMAND * n_points,
                        po_j + NL.FILLED * n_points,
                    )
                longest = _enqueue(
                    i, n_points, x, jo, queue_of[j], total, q_child, q_qty, q_head, q_len
                )
                if longest == q_child.shape[2]:
                    q_child, q_qty = _grow(q_child, q_qty, q_head, q_len)
            if now and queue_of[i] >= 0:
                # Units that arrived at once pay what the node owes, down its subtree.
                for m in range(sub_start[i], sub_start[i + 1]):
                    sub = sub_nodes[m]
                    if queue_of[sub] >= 0:
                        _release(
                            sub,
                            queue_of[sub],
                            t,
                            n_points,
                            slots,
                            lead,
                            x,
                            transit,
                            owed,
                            flags,
                            pipe,
                            acc,
                            total,
                            q_child,
                            q_qty,
                            q_head,
                            q_len,
                        )
        # 4. customer demand
        for i in range(n_nodes):
            if has_demand[i]:
                ao = i * K * n_points
                _demand(
                    n_points,
                    demand[i],
                    lost_sales[i] == 1,
                    x,
                    i * n_points,
                    flags,
                    system_short,
                    acc,
                    ao + NL.DEMAND * n_points,
                    ao + NL.FILLED * n_points,
                    ao + NL.LOST * n_points,
                )
        # 5. accounting
        for i in range(n_nodes):
            ao = i * K * n_points
            _account(
                t > 0,
                n_points,
                x,
                transit,
                owed,
                i * n_points,
                flags,
                cycle,
                acc,
                ao + NL.ON_HAND * n_points,
                ao + NL.BACKORDERS * n_points,
                ao + NL.PIPELINE * n_points,
                ao + NL.STOCKOUTS * n_points,
            )
        for loc in range(loc_cap.shape[0]):
            _overflow(
                n_points,
                loc_nodes[loc_start[loc] : loc_start[loc + 1]],
                loc_cap[loc],
                x,
                share,
                on_site,
            )
        for p in range(n_points):
            system_stockouts[p] += system_short[p]
        system_short[:] = False
    return total, q_head, q_len, q_child, q_qty


@INLINE
def warmup_ends(state, sums):
    """Forget what the running sums gathered so far; record the state they start from."""
    cycle = state[5]
    acc, share, system_stockouts = sums
    acc[:] = 0
    share[:] = 0
    system_stockouts[:] = 0
    for k in range(cycle.shape[0]):
        cycle[k] = restart_counts(cycle[k])
    _snapshot_all(state, acc, NL.OH_START, NL.BO_START, NL.PIPE_START)


@INLINE
def horizon_ends(state, sums):
    """Record the final state, and the replenishment cycles, into the running sums."""
    cycle = state[5]
    acc = sums[0]
    _snapshot_all(state, acc, NL.OH_END, NL.BO_END, NL.PIPE_END)
    n_points = state[7].shape[0]
    for i in range(cycle.shape[0] // n_points):
        o = i * K * n_points
        for p in range(n_points):
            cycles, short_cycles = cycle_sums(cycle[i * n_points + p])
            acc[o + NL.CYCLES * n_points + p] = cycles
            acc[o + NL.SHORT_CYCLES * n_points + p] = short_cycles


@INLINE
def _snapshot_all(state, acc, oh, bo, pipe_row):
    x, transit, owed = state[0], state[1], state[2]
    n_points = state[7].shape[0]
    for i in range(x.shape[0] // n_points):
        o = i * K * n_points
        _snapshot(
            n_points,
            x,
            transit,
            owed,
            i * n_points,
            acc,
            o + oh * n_points,
            o + bo * n_points,
            o + pipe_row * n_points,
        )


def _network(
    seed,
    rep0,
    reps,
    periods,
    warmup,
    net,
    demand_plan,
    lead_plan,
    policy,
    initial,
    out,
    out_share,
    out_system,
):
    """Simulate ``reps`` replications of every policy point; fill the outputs.

    The model comes as tuples (see :meth:`fasttwin.plan.network.NetworkPlan.kernel_arrays`).
    ``net = (parent, topdown, review_order, sub_start, sub_nodes, queue_of,
    has_demand, lost_sales, reliability, loc_start, loc_nodes, loc_cap,
    slots)``, per node ``i`` (its position in the model, also its index in
    the random keys): ``parent[i]`` (-1 for the supplier); ``topdown`` lists
    nodes with every parent before its children, ``review_order`` every child
    before its parent; ``sub_nodes[sub_start[i]:sub_start[i+1]]`` is ``i``'s
    subtree top-down; ``queue_of[i]`` numbers the nodes with children (-1 for
    the others); 0/1 flags for customer demand and lost sales; the supplier's
    reliability (roots). Locations with a capacity ``loc_cap[l]`` list their
    nodes in ``loc_nodes[loc_start[l]:loc_start[l+1]]``. ``slots`` exceeds
    every lead time. ``demand_plan = (d_code, d_p1, d_p2, d_start, d_len,
    d_cdf, d_guide)`` plans ``(nodes, periods)`` into flat tables;
    ``lead_plan = (lt_fixed, lt_len, lt_start, lt_cdf, lt_guide)`` lead times
    as in the single-node kernel, per node, tables at ``lt_start[i]``.
    ``policy = (rq, reorder, up_to, quantity, review)`` and ``initial`` are
    flat ``(nodes * points)`` (``rq`` per node: 1 for (r, Q)).

    Outputs, replication first so that each writes one contiguous block:
    ``out (reps, nodes, N_NODE_SUMS, points)``, ``out_share (reps, nodes,
    points)`` (overflow units, float) and ``out_system (reps, points)`` (days
    with a customer stockout anywhere).

    Per replication: :func:`network_state`, the warm-up days
    (:func:`network_days`), :func:`warmup_ends`, the measured days,
    :func:`horizon_ends`.
    """
    n_nodes = net[0].shape[0]
    n_points = initial.shape[0] // n_nodes
    queue_of = net[5]
    n_queues = 0
    for i in range(n_nodes):
        if queue_of[i] >= 0:
            n_queues += 1
    external = np.zeros(n_nodes, np.bool_)  # every node follows its policy
    orders = np.zeros(n_nodes * n_points, np.int64)
    for r in range(reps):
        rep = rep0 + r
        state, queues, sums = network_state(initial, n_nodes, n_queues, net[-1])
        for first, last in ((0, warmup), (warmup, periods)):
            if first == warmup:
                warmup_ends(state, sums)
            queues = network_days(
                seed,
                rep,
                first,
                last,
                net,
                demand_plan,
                lead_plan,
                policy,
                state,
                queues,
                sums,
                external,
                orders,
            )
        horizon_ends(state, sums)
        acc, share, system_stockouts = sums
        for i in range(n_nodes):
            for k in range(K):
                for p in range(n_points):
                    out[r, i, k, p] = acc[(i * K + k) * n_points + p]
            for p in range(n_points):
                out_share[r, i, p] = share[i * n_points + p]
        for p in range(n_points):
            out_system[r, p] = system_stockouts[p]


_KERNELS = []


def network_kernel():
    """The network kernel (serial; :mod:`fasttwin.engine.threads` runs it on all cores).

    Built on first use, so importing this module compiles nothing.
    """
    if not _KERNELS:
        _KERNELS.append(jit(_network))
    return _KERNELS[0]
