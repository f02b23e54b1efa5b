"""Periodic-review network kernel: a forest of stock points (DESIGN.md section 1).

One replication per ``prange`` iteration; inside it the day loop; inside each
day the steps of DESIGN.md section 1, node by node, each a loop over policy
points. Each day's demand, lead time and supplier answer are drawn once per
node and shared by every policy point (common random numbers).

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

The common steps are branch-free loops over 1-D rows, which LLVM vectorises
(as in :mod:`fasttwin.kernels.periodic`); the policy kind and whether a node
orders from the supplier or a parent are per-node choices made outside those
loops. Only the queue work is scalar, and it runs for a point only while its
parent owes something.
"""

import numpy as np
from numba import prange

from fasttwin.kernels import network_layout as NL
from fasttwin.kernels.demand import day_demand
from fasttwin.kernels.jit import jit, jit_pair
from fasttwin.kernels.rng import STREAM_LEAD_TIME, STREAM_SUPPLY, key_state
from fasttwin.kernels.samplers import bernoulli, table_draw

#: Queue entries per (parent, point) allocated at first; doubled when full.
QUEUE_START = 8


@jit
def _arrive(measured, due, x, transit, received):
    """Step 1: shipments due today join the stock (and pay what is owed first)."""
    for p in range(x.shape[0]):
        a = due[p]
        due[p] = 0
        x[p] += a
        transit[p] -= a
        received[p] += measured * a


@jit
def _review_ss(t, measured, x, transit, owed, reorder, up_to, review, next_review, q, orders):
    """Step 3, (s, S) and base-stock: ``q`` = what each point orders today."""
    for p in range(x.shape[0]):
        position = x[p] + transit[p] + owed[p]
        is_review = t == next_review[p]
        next_review[p] += review[p] * is_review
        trigger = is_review & (position <= reorder[p])
        q[p] = up_to[p] - position if trigger else 0
        orders[p] += measured * trigger


@jit
def _review_rq(t, measured, x, transit, owed, reorder, quantity, review, next_review, q, orders):
    """Step 3, (r, Q): the smallest multiple of Q that lifts IP above r."""
    for p in range(x.shape[0]):
        position = x[p] + transit[p] + owed[p]
        is_review = t == next_review[p]
        next_review[p] += review[p] * is_review
        trigger = is_review & (position <= reorder[p])
        q[p] = quantity[p] * ((reorder[p] - position) // quantity[p] + 1) if trigger else 0
        orders[p] += measured * trigger


@jit
def _order_supplier(measured, accepted, now, q, x, transit, due, ordered, received):
    """A root's order: nothing when the supplier rejects it; at once when ``now``."""
    later = 1 - now
    for p in range(q.shape[0]):
        qa = q[p] * accepted
        x[p] += qa * now
        received[p] += measured * qa * now
        due[p] += qa * later
        transit[p] += qa * later
        ordered[p] += measured * qa


@jit
def _order_parent(
    measured, now, q, x, transit, owed, due, ordered, received, x_par, requested, filled, short
):
    """A child's order: served from the parent's stock at once, the rest owed."""
    later = 1 - now
    for p in range(q.shape[0]):
        qp = q[p]
        served = min(qp, max(x_par[p], 0))
        x_par[p] -= qp
        requested[p] += measured * qp
        filled[p] += measured * served
        short[p] |= served < qp
        owed[p] += qp - served
        x[p] += served * now
        received[p] += measured * served * now
        due[p] += served * later
        transit[p] += served * later
        ordered[p] += measured * qp


@jit
def _enqueue(child, x_par, total, q_child, q_qty, q_head, q_len):
    """Append what the parent could not serve of ``child``'s order; return the longest queue."""
    cap = q_child.shape[1]
    longest = 0
    for p in range(x_par.shape[0]):
        rest = max(-x_par[p], 0) - total[p]
        if rest > 0:
            k = (q_head[p] + q_len[p]) % cap
            q_child[p, k] = child
            q_qty[p, k] = rest
            q_len[p] += 1
            total[p] += rest
        longest = max(longest, q_len[p])
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
    j, t, measured, slots, lead, x, transit, owed, pipe, acc, total, q_child, q_qty, q_head, q_len
):
    """Ship to child nodes, FIFO, what node ``j`` no longer owes since its stock rose.

    A shipment leaves today with the child's lead time: at once when it is 0
    (the child's own queue is released when its turn comes, top-down).
    """
    cap = q_child.shape[1]
    for p in range(x.shape[1]):
        paid = total[p] - max(-x[j, p], 0)
        if paid > 0:
            total[p] -= paid
            h = q_head[p]
            n = q_len[p]
            while paid > 0:
                c = q_child[p, h]
                a = min(paid, q_qty[p, h])
                q_qty[p, h] -= a
                paid -= a
                if q_qty[p, h] == 0:
                    h = (h + 1) % cap
                    n -= 1
                owed[c, p] -= a
                lc = lead[c]
                if lc == 0:
                    x[c, p] += a
                    acc[c, NL.RECEIVED, p] += measured * a
                else:
                    pipe[c, (t + lc) % slots, p] += a
                    transit[c, p] += a
            q_head[p] = h
            q_len[p] = n


@jit
def _demand(measured, d, lost_sales, x, requested, filled, lost_units, short, system_short):
    """Step 4 at a demand node: serve from stock; lose or backorder the rest."""
    for p in range(x.shape[0]):
        served = min(d, max(x[p], 0))
        lost = (d - served) * lost_sales
        x[p] -= d - lost
        requested[p] += measured * d
        filled[p] += measured * served
        lost_units[p] += measured * lost
        out = served < d
        short[p] |= out
        system_short[p] |= out


@jit
def _account(measured, x, transit, owed, short, on_hand, backorders, pipeline, stockouts):
    """Step 5 for one node: end-of-day stock, what it owes, its pipeline."""
    for p in range(x.shape[0]):
        on_hand[p] += measured * max(x[p], 0)
        backorders[p] += measured * max(-x[p], 0)
        pipeline[p] += measured * (transit[p] + owed[p])
        stockouts[p] += measured * short[p]
        short[p] = False


@jit
def _overflow(measured, nodes, capacity, x, share, total):
    """Units on hand at a location above its capacity, shared pro rata to on-hand."""
    total[:] = 0
    for i in nodes:
        for p in range(x.shape[1]):
            total[p] += max(x[i, p], 0)
    for i in nodes:
        for p in range(x.shape[1]):
            over = max(total[p] - capacity, 0)
            share[i, p] += measured * (over * max(x[i, p], 0) / max(total[p], 1))


@jit
def _snapshot(x, transit, owed, on_hand, backorders, pipeline):
    for p in range(x.shape[0]):
        on_hand[p] = max(x[p], 0)
        backorders[p] = max(-x[p], 0)
        pipeline[p] = transit[p] + owed[p]


def _network(
    seed,
    rep0,
    reps,
    periods,
    warmup,
    parent,
    topdown,
    review_order,
    sub_start,
    sub_nodes,
    queue_of,
    rq,
    has_demand,
    lost_sales,
    reliability,
    loc_start,
    loc_nodes,
    loc_cap,
    reorder,
    up_to,
    quantity,
    review,
    initial,
    d_code,
    d_p1,
    d_p2,
    d_start,
    d_len,
    d_cdf,
    d_guide,
    lt_fixed,
    lt_len,
    lt_start,
    lt_cdf,
    lt_guide,
    slots,
    out,
    out_share,
    out_system,
):
    """Simulate ``reps`` replications of every policy point; fill the outputs.

    Per node ``i`` (its position in the model, also its index in the random
    keys): ``parent[i]`` (-1 for the supplier); ``topdown`` lists nodes with
    every parent before its children, ``review_order`` every child before its
    parent; ``sub_nodes[sub_start[i]:sub_start[i+1]]``
    is ``i``'s subtree top-down; ``queue_of[i]`` numbers the nodes with
    children (-1 for the others). Locations with a capacity list their nodes
    in ``loc_nodes[loc_start[l]:loc_start[l+1]]``. Policy arrays are
    ``(nodes, points)``; demand plans ``(nodes, periods)`` into flat tables;
    lead times as in the single-node kernel, per node, tables at
    ``lt_start[i]``. ``slots`` exceeds every lead time. Outputs:
    ``out (nodes, N_NODE_SUMS, points, reps)``, ``out_share (nodes, points,
    reps)`` (overflow units, float) and ``out_system (points, reps)`` (days
    with a customer stockout anywhere).
    """
    n_nodes, n_points = reorder.shape
    n_queues = 0
    for i in range(n_nodes):
        if queue_of[i] >= 0:
            n_queues += 1
    n_locations = loc_cap.shape[0]
    for r in prange(reps):
        rep = rep0 + r
        x = initial.copy()
        transit = np.zeros((n_nodes, n_points), np.int64)
        owed = np.zeros((n_nodes, n_points), np.int64)
        next_review = np.zeros((n_nodes, n_points), np.int64)
        pipe = np.zeros((n_nodes, slots, n_points), np.int64)
        short = np.zeros((n_nodes, n_points), np.bool_)
        system_short = np.zeros(n_points, np.bool_)
        total = np.zeros((n_queues, n_points), np.int64)
        q_head = np.zeros((n_queues, n_points), np.int64)
        q_len = np.zeros((n_queues, n_points), np.int64)
        q_child = np.empty((n_queues, n_points, QUEUE_START), np.int64)
        q_qty = np.empty((n_queues, n_points, QUEUE_START), np.int64)
        acc = np.zeros((n_nodes, NL.N_NODE_SUMS, n_points), np.int64)
        share = np.zeros((n_nodes, n_points))
        system_stockouts = np.zeros(n_points, np.int64)
        q = np.zeros(n_points, np.int64)
        on_site = np.zeros(n_points, np.int64)
        demand = np.zeros(n_nodes, np.int64)
        lead = np.zeros(n_nodes, np.int64)
        accepted = np.ones(n_nodes, np.int64)
        for t in range(periods):
            for i in range(n_nodes):
                if has_demand[i]:
                    demand[i] = day_demand(
                        seed,
                        rep,
                        i,
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
                    state = key_state(seed, STREAM_LEAD_TIME, rep, i, t)
                    lead[i], state = table_draw(lt_cdf, lt_guide, lt_start[i], lt_len[i], state)
                if parent[i] < 0 and reliability[i] < 1.0:
                    state = key_state(seed, STREAM_SUPPLY, rep, i, t)
                    ok, state = bernoulli(reliability[i], state)
                    accepted[i] = 1 if ok else 0
            measured = 1 if t >= warmup else 0
            if t == warmup:
                for i in range(n_nodes):
                    _snapshot(
                        x[i],
                        transit[i],
                        owed[i],
                        acc[i, NL.OH_START],
                        acc[i, NL.BO_START],
                        acc[i, NL.PIPE_START],
                    )
            # 1. arrivals
            for i in range(n_nodes):
                _arrive(measured, pipe[i, t % slots], x[i], transit[i], acc[i, NL.RECEIVED])
            # 2. parents pay what they owe, top-down so zero lead times cascade
            for k in range(n_nodes):
                j = topdown[k]
                qj = queue_of[j]
                if qj >= 0:
                    _release(
                        j,
                        t,
                        measured,
                        slots,
                        lead,
                        x,
                        transit,
                        owed,
                        pipe,
                        acc,
                        total[qj],
                        q_child[qj],
                        q_qty[qj],
                        q_head[qj],
                        q_len[qj],
                    )
            # 3. review and order, downstream first
            for k in range(n_nodes):
                i = review_order[k]
                if rq[i]:
                    _review_rq(
                        t,
                        measured,
                        x[i],
                        transit[i],
                        owed[i],
                        reorder[i],
                        quantity[i],
                        review[i],
                        next_review[i],
                        q,
                        acc[i, NL.ORDERS],
                    )
                else:
                    _review_ss(
                        t,
                        measured,
                        x[i],
                        transit[i],
                        owed[i],
                        reorder[i],
                        up_to[i],
                        review[i],
                        next_review[i],
                        q,
                        acc[i, NL.ORDERS],
                    )
                now = 1 if lead[i] == 0 else 0
                due = pipe[i, (t + lead[i]) % slots]
                j = parent[i]
                if j < 0:
                    _order_supplier(
                        measured,
                        accepted[i],
                        now,
                        q,
                        x[i],
                        transit[i],
                        due,
                        acc[i, NL.ORDERED],
                        acc[i, NL.RECEIVED],
                    )
                else:
                    _order_parent(
                        measured,
                        now,
                        q,
                        x[i],
                        transit[i],
                        owed[i],
                        due,
                        acc[i, NL.ORDERED],
                        acc[i, NL.RECEIVED],
                        x[j],
                        acc[j, NL.DEMAND],
                        acc[j, NL.FILLED],
                        short[j],
                    )
                    qj = queue_of[j]
                    longest = _enqueue(
                        i, x[j], total[qj], q_child[qj], q_qty[qj], q_head[qj], q_len[qj]
                    )
                    if longest == q_child.shape[2]:
                        q_child, q_qty = _grow(q_child, q_qty, q_head, q_len)
                if now == 1 and queue_of[i] >= 0:
                    # Units that arrived at once pay what the node owes, down its subtree.
                    for m in range(sub_start[i], sub_start[i + 1]):
                        s = sub_nodes[m]
                        qs = queue_of[s]
                        if qs >= 0:
                            _release(
                                s,
                                t,
                                measured,
                                slots,
                                lead,
                                x,
                                transit,
                                owed,
                                pipe,
                                acc,
                                total[qs],
                                q_child[qs],
                                q_qty[qs],
                                q_head[qs],
                                q_len[qs],
                            )
            # 4. customer demand
            for i in range(n_nodes):
                if has_demand[i]:
                    _demand(
                        measured,
                        demand[i],
                        lost_sales[i],
                        x[i],
                        acc[i, NL.DEMAND],
                        acc[i, NL.FILLED],
                        acc[i, NL.LOST],
                        short[i],
                        system_short,
                    )
            # 5. accounting
            for i in range(n_nodes):
                _account(
                    measured,
                    x[i],
                    transit[i],
                    owed[i],
                    short[i],
                    acc[i, NL.ON_HAND],
                    acc[i, NL.BACKORDERS],
                    acc[i, NL.PIPELINE],
                    acc[i, NL.STOCKOUTS],
                )
            for loc in range(n_locations):
                _overflow(
                    measured,
                    loc_nodes[loc_start[loc] : loc_start[loc + 1]],
                    loc_cap[loc],
                    x,
                    share,
                    on_site,
                )
            for p in range(n_points):
                system_stockouts[p] += measured * system_short[p]
                system_short[p] = False
        for i in range(n_nodes):
            _snapshot(
                x[i], transit[i], owed[i], acc[i, NL.OH_END], acc[i, NL.BO_END], acc[i, NL.PIPE_END]
            )
            for k in range(NL.N_NODE_SUMS):
                for p in range(n_points):
                    out[i, k, p, r] = acc[i, k, p]
            for p in range(n_points):
                out_share[i, p, r] = share[i, p]
        for p in range(n_points):
            out_system[p, r] = system_stockouts[p]


_KERNELS = []


def network_kernel(parallel=True):
    """The network kernel, serial or ``prange``-parallel; built on first use."""
    if not _KERNELS:
        _KERNELS.extend(jit_pair(_network))
    return _KERNELS[1 if parallel else 0]
