"""Step kernels: advance many independent twins one day at a time.

A *day* here is the network kernel's day (DESIGN.md section 1), made of the
per-step helpers of :mod:`fasttwin.kernels.network` and nothing else:
:func:`draw_day` draws one replication's random inputs of a day exactly as the
network kernel does, and :func:`network_day` runs steps 1-5 on one
replication's state, where nodes marked ``external`` order the quantities
given instead of what their policy computes (DESIGN.md section 1, step 3:
"external actions replace the policy's quantity"). Fed their policies' own
orders, the day is the simulated one, so a twin stepped to the end of the
horizon adds up to :func:`fasttwin.simulate`'s replication exactly.

Each environment (a running replication) is stepped with ``n_points = 1``;
its state is a row of 2-D arrays ``(envs, ...)``, laid out as the network
kernel lays out one replication. Accumulators are zeroed before each day, so
after it they hold that day's amounts (rows of
:mod:`fasttwin.kernels.network_layout`).

Random keys: environment ``i`` at episode ``e`` draws with replication key
``rep = e * 2**32 + i`` (:func:`rep_key`): episode 0 of environment ``i`` is
replication ``i`` of :func:`fasttwin.simulate` with the same seed, and an
environment's episodes do not depend on how many environments run beside it.
"""

import numpy as np

from fasttwin.kernels import network_layout as NL
from fasttwin.kernels.demand import day_demand
from fasttwin.kernels.jit import jit
from fasttwin.kernels.network import (
    _account,
    _arrive,
    _demand,
    _enqueue,
    _from_parent_later,
    _from_parent_now,
    _grow,
    _overflow,
    _release,
    _review_rq,
    _review_ss,
    _supply_later,
    _supply_now,
)
from fasttwin.kernels.rng import STREAM_LEAD_TIME, STREAM_SUPPLY, key_state
from fasttwin.kernels.samplers import bernoulli, table_draw

K = NL.N_NODE_SUMS
#: Episodes advance the replication key in steps of this (environments below it).
EPISODE_STRIDE = 2**32
#: Per-node observation features before the pipeline and demand history.
OBS_ON_HAND, OBS_BACKORDERS, OBS_OWED = 0, 1, 2
OBS_HEAD = 3
#: Per-node observation features after them: tomorrow's expected demand, time elapsed.
OBS_TAIL = 2


@jit
def rep_key(env, episode):
    """The replication key of environment ``env`` at episode ``episode``."""
    return episode * EPISODE_STRIDE + env


@jit
def draw_day(
    seed,
    rep,
    t,
    parent,
    has_demand,
    reliability,
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
    demand,
    lead,
    accepted,
):
    """Every node's random inputs of day ``t`` of replication ``rep`` (as the network kernel's)."""
    for i in range(parent.shape[0]):
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
        else:
            demand[i] = 0
        lead[i] = lt_fixed[i]
        if lt_len[i] > 0:
            state = key_state(seed, STREAM_LEAD_TIME, rep, i, t)
            lead[i], state = table_draw(lt_cdf, lt_guide, lt_start[i], lt_len[i], state)
        accepted[i] = True
        if parent[i] < 0 and reliability[i] < 1.0:
            state = key_state(seed, STREAM_SUPPLY, rep, i, t)
            accepted[i], state = bernoulli(reliability[i], state)


@jit
def network_day(
    t,
    n_points,
    parent,
    topdown,
    review_order,
    sub_start,
    sub_nodes,
    queue_of,
    rq,
    has_demand,
    lost_sales,
    loc_start,
    loc_nodes,
    loc_cap,
    reorder,
    up_to,
    quantity,
    review,
    slots,
    external,
    orders,
    demand,
    lead,
    accepted,
    x,
    transit,
    owed,
    next_review,
    pipe,
    short,
    system_short,
    stockout_days,
    total,
    q_child,
    q_qty,
    q_head,
    q_len,
    acc,
    share,
    on_site,
    q,
):
    """Steps 1-5 of day ``t`` for every point of one replication.

    Arrays are those of the network kernel (flat, node ``i`` at ``i *
    n_points``); ``demand``, ``lead`` and ``accepted`` hold the day's draws
    (:func:`draw_day`). A node with ``external[i]`` orders ``orders[i *
    n_points + p]`` instead of reviewing its policy (an order of 0 is no
    order). Adds the day's amounts to ``acc``, ``share`` and
    ``stockout_days``. Returns the queue arrays, new ones if they had to grow.
    """
    n_nodes = parent.shape[0]
    # 1. arrivals
    for i in range(n_nodes):
        _arrive(
            n_points,
            x,
            transit,
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
                pipe,
                acc,
                total,
                q_child,
                q_qty,
                q_head,
                q_len,
            )
    # 3. review and order (or take the external order), downstream first
    for k in range(n_nodes):
        i = review_order[k]
        xo = i * n_points
        ao = i * K * n_points
        if external[i]:
            for p in range(n_points):
                q[p] = orders[xo + p]
                acc[ao + NL.ORDERS * n_points + p] += q[p] > 0
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
                q,
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
                q,
                acc,
                ao + NL.ORDERS * n_points,
            )
        now = lead[i] == 0
        po = (i * slots + (t + lead[i]) % slots) * n_points
        j = parent[i]
        if j < 0:
            if accepted[i] and now:
                _supply_now(
                    n_points, q, x, xo, acc, ao + NL.ORDERED * n_points, ao + NL.RECEIVED * n_points
                )
            elif accepted[i]:
                _supply_later(n_points, q, transit, xo, pipe, po, acc, ao + NL.ORDERED * n_points)
        else:
            jo = j * n_points
            po_j = j * K * n_points
            if now:
                _from_parent_now(
                    n_points,
                    q,
                    x,
                    owed,
                    xo,
                    jo,
                    short,
                    acc,
                    ao + NL.ORDERED * n_points,
                    ao + NL.RECEIVED * n_points,
                    po_j + NL.DEMAND * n_points,
                    po_j + NL.FILLED * n_points,
                )
            else:
                _from_parent_later(
                    n_points,
                    q,
                    x,
                    transit,
                    owed,
                    xo,
                    jo,
                    pipe,
                    po,
                    short,
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
                s = sub_nodes[m]
                if queue_of[s] >= 0:
                    _release(
                        s,
                        queue_of[s],
                        t,
                        n_points,
                        slots,
                        lead,
                        x,
                        transit,
                        owed,
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
                short,
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
            n_points,
            x,
            transit,
            owed,
            i * n_points,
            short,
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
        stockout_days[p] += system_short[p]
    short[:] = False
    system_short[:] = False
    return q_child, q_qty


@jit
def step_envs(
    e0,
    e1,
    seed,
    env_index,
    episode,
    t,
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
    room,
    active,
    external,
    orders,
    x,
    transit,
    owed,
    next_review,
    pipe,
    total,
    q_child,
    q_qty,
    q_head,
    q_len,
    history,
    cost,
    excess_level,
    shaping,
    mean_next,
    horizon,
    obs,
    node_reward,
    rows,
    shares,
    stockouts,
):
    """Advance environments ``e0 .. e1-1`` by one day; return the first one not advanced.

    Environment ``e`` is replication :func:`rep_key` ``(env_index[e],
    episode[e])`` on day ``t[e]`` (then ``t[e] + 1``); those with
    ``active[e]`` False are left as they are. ``orders (envs,
    nodes)`` are the day's orders of the ``external`` nodes. State arrays
    have the environment first; the queues ``(envs, queues, 1, cap)`` must
    leave room for ``room`` more entries each (the most children a node has:
    a day adds at most one per child, so it never fills them). When an
    environment's would not, the step stops before it and returns its index,
    so that the caller can grow every queue and call again from there.

    Outputs per environment: ``obs (envs, nodes * F)``, ``node_reward (envs,
    nodes)`` = minus the day's cost of each node (``cost (nodes, 6)``:
    holding, backorder, lost sale, per order, per unit, overflow) plus the
    shaping terms ``shaping = (per unit short, per unit above the excess
    level, bonus)`` at demand nodes (``excess_level (nodes, horizon)``:
    units on hand above it are excess; a day with neither a shortage nor
    excess earns the bonus). With ``rows.shape[0] > 0`` the day's sums
    ``rows (envs, nodes, N_NODE_SUMS)``, overflow ``shares (envs, nodes)``
    and customer stockouts ``stockouts (envs,)`` are written too.
    """
    n_nodes = parent.shape[0]
    n_hist = history.shape[2]
    n_pipe = slots - 1
    n_feat = OBS_HEAD + n_pipe + n_hist + OBS_TAIL
    cap = q_child.shape[3]
    acc = np.zeros(n_nodes * K, np.int64)
    share = np.zeros(n_nodes)
    short = np.zeros(n_nodes, np.bool_)
    system_short = np.zeros(1, np.bool_)
    stockout_days = np.zeros(1, np.int64)
    on_site = np.zeros(1, np.int64)
    demand = np.zeros(n_nodes, np.int64)
    lead = np.zeros(n_nodes, np.int64)
    accepted = np.ones(n_nodes, np.bool_)
    q = np.zeros(1, np.int64)
    want_rows = rows.shape[0] > 0
    for e in range(e0, e1):
        if not active[e]:
            continue
        for j in range(q_len.shape[1]):
            if q_len[e, j, 0] + room >= cap:
                return e
        day = t[e]
        rep = rep_key(env_index[e], episode[e])
        draw_day(
            seed,
            rep,
            day,
            parent,
            has_demand,
            reliability,
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
            demand,
            lead,
            accepted,
        )
        acc[:] = 0
        share[:] = 0.0
        stockout_days[0] = 0
        network_day(
            day,
            1,
            parent,
            topdown,
            review_order,
            sub_start,
            sub_nodes,
            queue_of,
            rq,
            has_demand,
            lost_sales,
            loc_start,
            loc_nodes,
            loc_cap,
            reorder,
            up_to,
            quantity,
            review,
            slots,
            external,
            orders[e],
            demand,
            lead,
            accepted,
            x[e],
            transit[e],
            owed[e],
            next_review[e],
            pipe[e],
            short,
            system_short,
            stockout_days,
            total[e],
            q_child[e],
            q_qty[e],
            q_head[e],
            q_len[e],
            acc,
            share,
            on_site,
            q,
        )
        t[e] = day + 1
        for i in range(n_nodes):
            a = i * K
            r = -(
                cost[i, 0] * acc[a + NL.ON_HAND]
                + cost[i, 1] * acc[a + NL.BACKORDERS]
                + cost[i, 2] * acc[a + NL.LOST]
                + cost[i, 3] * acc[a + NL.ORDERS]
                + cost[i, 4] * acc[a + NL.ORDERED]
                + cost[i, 5] * share[i]
            )
            if has_demand[i]:
                unmet = acc[a + NL.DEMAND] - acc[a + NL.FILLED]
                excess = max(max(x[e, i], 0) - excess_level[i, day], 0.0)
                r -= shaping[0] * unmet + shaping[1] * excess
                if unmet == 0 and excess == 0.0:
                    r += shaping[2]
            node_reward[e, i] = r
            for k in range(n_hist - 1, 0, -1):
                history[e, i, k] = history[e, i, k - 1]
            if n_hist > 0:
                history[e, i, 0] = acc[a + NL.DEMAND]
            if want_rows:
                for k in range(K):
                    rows[e, i, k] = acc[a + k]
                shares[e, i] = share[i]
        if want_rows:
            stockouts[e] = stockout_days[0]
        observe(e, n_feat, day + 1, horizon, x, owed, pipe, slots, history, mean_next, obs)
    return e1


@jit
def observe(e, n_feat, day, horizon, x, owed, pipe, slots, history, mean_next, obs):
    """Write environment ``e``'s observation at the end of day ``day - 1``.

    Per node, ``n_feat`` features: on hand, backorders, owed by the parent,
    units arriving in 1 .. slots-1 days, the demand of the last days (most
    recent first), expected demand of the coming day (of the node's
    customers, or of its subtree's), and the share of the horizon elapsed.
    """
    n_nodes = x.shape[1]
    n_hist = history.shape[2]
    for i in range(n_nodes):
        o = i * n_feat
        xi = x[e, i]
        obs[e, o + OBS_ON_HAND] = max(xi, 0)
        obs[e, o + OBS_BACKORDERS] = max(-xi, 0)
        obs[e, o + OBS_OWED] = owed[e, i]
        o += OBS_HEAD
        for k in range(1, slots):
            obs[e, o + k - 1] = pipe[e, i * slots + (day - 1 + k) % slots]
        o += slots - 1
        for k in range(n_hist):
            obs[e, o + k] = history[e, i, k]
        o += n_hist
        obs[e, o] = mean_next[i, min(day, horizon)]
        obs[e, o + 1] = day / horizon


@jit
def observe_envs(envs, n_feat, t, horizon, x, owed, pipe, slots, history, mean_next, obs):
    """:func:`observe` the environments listed in ``envs``, each at the end of its day ``t - 1``."""
    for e in envs:
        observe(e, n_feat, t[e], horizon, x, owed, pipe, slots, history, mean_next, obs)


@jit
def trace_network(
    seed,
    rep0,
    reps,
    periods,
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
    rows,
    shares,
    stockouts,
):
    """Daily sums of replications ``rep0 ..`` of one policy point: every node follows its policy.

    Outputs: ``rows (reps, periods, nodes, N_NODE_SUMS)``, ``shares (reps,
    periods, nodes)`` and ``stockouts (reps, periods)``, each the day's
    amount (the ``*_START``/``*_END`` rows are left at 0).
    """
    n_nodes = parent.shape[0]
    n_queues = 0
    for i in range(n_nodes):
        if queue_of[i] >= 0:
            n_queues += 1
    external = np.zeros(n_nodes, np.bool_)
    orders = np.zeros(n_nodes, np.int64)
    acc = np.zeros(n_nodes * K, np.int64)
    share = np.zeros(n_nodes)
    short = np.zeros(n_nodes, np.bool_)
    system_short = np.zeros(1, np.bool_)
    stockout_days = np.zeros(1, np.int64)
    on_site = np.zeros(1, np.int64)
    demand = np.zeros(n_nodes, np.int64)
    lead = np.zeros(n_nodes, np.int64)
    accepted = np.ones(n_nodes, np.bool_)
    q = np.zeros(1, np.int64)
    for r in range(reps):
        x = initial.copy()
        transit = np.zeros(n_nodes, np.int64)
        owed = np.zeros(n_nodes, np.int64)
        next_review = np.zeros(n_nodes, np.int64)
        pipe = np.zeros(n_nodes * slots, np.int64)
        total = np.zeros((n_queues, 1), np.int64)
        q_head = np.zeros((n_queues, 1), np.int64)
        q_len = np.zeros((n_queues, 1), np.int64)
        q_child = np.empty((n_queues, 1, 8), np.int64)
        q_qty = np.empty((n_queues, 1, 8), np.int64)
        for t in range(periods):
            draw_day(
                seed,
                rep0 + r,
                t,
                parent,
                has_demand,
                reliability,
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
                demand,
                lead,
                accepted,
            )
            acc[:] = 0
            share[:] = 0.0
            stockout_days[0] = 0
            q_child, q_qty = network_day(
                t,
                1,
                parent,
                topdown,
                review_order,
                sub_start,
                sub_nodes,
                queue_of,
                rq,
                has_demand,
                lost_sales,
                loc_start,
                loc_nodes,
                loc_cap,
                reorder,
                up_to,
                quantity,
                review,
                slots,
                external,
                orders,
                demand,
                lead,
                accepted,
                x,
                transit,
                owed,
                next_review,
                pipe,
                short,
                system_short,
                stockout_days,
                total,
                q_child,
                q_qty,
                q_head,
                q_len,
                acc,
                share,
                on_site,
                q,
            )
            for i in range(n_nodes):
                for k in range(K):
                    rows[r, t, i, k] = acc[i * K + k]
                shares[r, t, i] = share[i]
            stockouts[r, t] = stockout_days[0]
