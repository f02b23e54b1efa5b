"""Step kernels: advance many independent twins one day at a time.

A day is :func:`fasttwin.kernels.network.network_days`, the network kernel's
own (DESIGN.md section 1), called with ``last = first + 1``; nodes marked
``external`` order the quantities given instead of what their policy
computes (DESIGN.md section 1, step 3: "external actions replace the
policy's quantity"). Fed their policies' own orders, the day is the
simulated one, so a twin stepped to the end of the horizon adds up to
:func:`fasttwin.simulate`'s replication exactly.

Each environment (a running replication) is stepped with ``n_points = 1``;
its state is a row of 2-D arrays ``(envs, ...)``, laid out as the network
kernel lays out one replication. The running sums are zeroed before each
day, so after it they hold that day's amounts (rows of
:mod:`fasttwin.kernels.network_layout`).

Random keys: environment ``i`` at episode ``e`` draws with replication key
``rep = e * 2**32 + i`` (:func:`rep_key`): episode 0 of environment ``i`` is
replication ``i`` of :func:`fasttwin.simulate` with the same seed, and an
environment's episodes do not depend on how many environments run beside it.
"""

import numpy as np

from fasttwin.kernels import network_layout as NL
from fasttwin.kernels.cycles import restart_counts
from fasttwin.kernels.jit import jit
from fasttwin.kernels.network import network_days, network_state

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
def step_envs(
    e0,
    e1,
    seed,
    env_index,
    episode,
    t,
    warmup,
    net,
    demand_plan,
    lead_plan,
    policy,
    room,
    active,
    external,
    orders,
    x,
    transit,
    owed,
    next_review,
    pipe,
    cycle,
    total,
    q_head,
    q_len,
    q_child,
    q_qty,
    history,
    cost,
    excess_level,
    shaping,
    mean_next,
    horizon,
    obs,
    node_reward,
    ordered,
    rows,
    shares,
    stockouts,
):
    """Advance environments ``e0 .. e1-1`` by one day; return the first one not advanced.

    Environment ``e`` is replication :func:`rep_key` ``(env_index[e],
    episode[e])`` on day ``t[e]`` (then ``t[e] + 1``); those with
    ``active[e]`` False are left as they are. ``net``, ``demand_plan``,
    ``lead_plan`` and ``policy`` are the network kernel's (one policy point).
    ``orders (envs, nodes)`` are the day's orders of the ``external`` nodes;
    ``ordered (envs, nodes)`` receives what every node ordered. State arrays
    have the environment first (``cycle``: replenishment-cycle words, whose
    counts restart on day ``warmup``); the queues ``(envs, queues, 1, cap)``
    must leave room for ``room`` more entries each (the most children a node
    has: a day adds at most one per child, so it never fills them). When an
    environment's would not, the step stops before it and returns its index,
    so that the caller can grow every queue and call again from there.

    Outputs per environment: ``obs (envs, nodes * F)`` (:func:`observe`),
    ``node_reward (envs, nodes)`` = minus the day's cost of each node
    (``cost (nodes, 6)``: holding, backorder, lost sale, per order, per unit,
    overflow) plus the shaping terms ``shaping = (per unit short, per unit
    above the excess level, bonus)`` at demand nodes (``excess_level (nodes,
    horizon)``: units on hand above it are excess; a day with neither a
    shortage nor excess earns the bonus). With ``rows.shape[0] > 0`` the day's
    sums ``rows (envs, nodes, N_NODE_SUMS)``, overflow ``shares (envs,
    nodes)`` and customer stockouts ``stockouts (envs,)`` are written too.
    """
    n_nodes = x.shape[1]
    n_hist = history.shape[2]
    has_demand = net[6]
    slots = net[-1]
    n_feat = OBS_HEAD + (slots - 1) + n_hist + OBS_TAIL
    cap = q_child.shape[3]
    # The scratch of a one-point replication (what a day overwrites or leaves
    # cleared: flags, the day's draws) and its sums, shared by the environments.
    scratch, _, sums = network_state(x[0], n_nodes, 0, slots)
    flags, system_short, on_site, demand, lead, accepted = scratch[6:]
    acc, share, stockout_days = sums
    q = np.zeros(n_nodes, np.int64)
    want_rows = rows.shape[0] > 0
    for e in range(e0, e1):
        if not active[e]:
            continue
        for j in range(q_len.shape[1]):
            if q_len[e, j, 0] + room >= cap:
                return e
        day = t[e]
        if day == warmup:
            for i in range(n_nodes):
                cycle[e, i] = restart_counts(cycle[e, i])
        acc[:] = 0
        share[:] = 0.0
        stockout_days[0] = 0
        for i in range(n_nodes):
            q[i] = orders[e, i]
        state = (
            x[e],
            transit[e],
            owed[e],
            next_review[e],
            pipe[e],
            cycle[e],
            flags,
            system_short,
            on_site,
            demand,
            lead,
            accepted,
        )
        queues = (total[e], q_head[e], q_len[e], q_child[e], q_qty[e])
        network_days(
            seed,
            rep_key(env_index[e], episode[e]),
            day,
            day + 1,
            net,
            demand_plan,
            lead_plan,
            policy,
            state,
            queues,
            sums,
            external,
            q,
        )
        t[e] = day + 1
        for i in range(n_nodes):
            a = i * K
            ordered[e, i] = q[i]
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
    seed, rep0, reps, periods, net, demand_plan, lead_plan, policy, initial, rows, shares, stockouts
):
    """Daily sums of replications ``rep0 ..`` of one policy point: every node follows its policy.

    Arguments as the network kernel takes them (one point). Outputs: ``rows
    (reps, periods, nodes, N_NODE_SUMS)``, ``shares (reps, periods, nodes)``
    and ``stockouts (reps, periods)``, each the day's amount (the
    ``*_START``/``*_END`` and cycle rows are left at 0).
    """
    n_nodes = net[0].shape[0]
    queue_of = net[5]
    n_queues = 0
    for i in range(n_nodes):
        if queue_of[i] >= 0:
            n_queues += 1
    external = np.zeros(n_nodes, np.bool_)
    orders = np.zeros(n_nodes, np.int64)
    for r in range(reps):
        state, queues, sums = network_state(initial, n_nodes, n_queues, net[-1])
        acc, share, stockout_days = sums
        for t in range(periods):
            acc[:] = 0
            share[:] = 0.0
            stockout_days[0] = 0
            queues = network_days(
                seed,
                rep0 + r,
                t,
                t + 1,
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
            for i in range(n_nodes):
                for k in range(K):
                    rows[r, t, i, k] = acc[i * K + k]
                shares[r, t, i] = share[i]
            stockouts[r, t] = stockout_days[0]
