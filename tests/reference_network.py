"""A slow, obvious pure-Python network simulator that the network kernel must match exactly.

It follows DESIGN.md section 1 literally, one replication and one policy at a
time, with explicit on-hand stock, customer backorders, a FIFO list of what
each parent owes its children, and a list of shipments on the way. Random
numbers come from the same keyed functions as the kernels (checked on their
own in test_samplers.py).
"""

from __future__ import annotations

import numpy as np

from fasttwin.kernels import network_layout as NL
from fasttwin.kernels.demand import day_demand
from fasttwin.kernels.rng import STREAM_LEAD_TIME, STREAM_SUPPLY, key_state
from fasttwin.kernels.samplers import bernoulli, table_draw
from fasttwin.lower import demand_plan, lead_time_plan
from tests.reference import order_quantity


def _draws(model, run, rep):
    """Demand, lead time and supplier answer of every node on every day of one replication."""
    out = []
    plans = [demand_plan(n.demand, run.periods) for n in model.nodes]
    leads = [lead_time_plan(n.lead_time) for n in model.nodes]
    for t in range(run.periods):
        day = []
        for i, node in enumerate(model.nodes):
            dp, lp = plans[i], leads[i]
            d = 0
            if node.demand is not None:
                d = int(
                    day_demand(
                        run.seed,
                        rep,
                        i,
                        t,
                        dp.code[t],
                        dp.p1[t],
                        dp.p2[t],
                        dp.start[t],
                        dp.length[t],
                        dp.cdf,
                        dp.guide,
                    )
                )
            lead = lp.fixed
            if lp.length > 0:
                st = np.uint64(key_state(run.seed, STREAM_LEAD_TIME, rep, i, t))
                lead, _ = table_draw(lp.cdf, lp.guide, 0, lp.length, st)
            accepted = True
            if node.parent is None and node.reliability < 1.0:
                st = np.uint64(key_state(run.seed, STREAM_SUPPLY, rep, i, t))
                accepted, _ = bernoulli(node.reliability, st)
            day.append((d, int(lead), bool(accepted)))
        out.append(day)
    return out


def _depth(model, name):
    d, p = 0, model.node(name).parent
    while p is not None:
        d, p = d + 1, model.node(p).parent
    return d


def simulate_network(model, policies, run):
    """Reference simulation of ``model`` for each policy in ``policies``.

    ``policies[k][i]`` is a dict (kind, s, S, Q, R, initial) for node ``i`` at
    point ``k``. Returns ``(sums, share, stockout_days, logs)`` with the
    shapes of :class:`fasttwin.simulate_network.NetworkSums` and
    ``logs[k, r]`` a list of days, each a list of per-node dicts.
    """
    names = list(model.node_names)
    n = len(names)
    index = {name: i for i, name in enumerate(names)}
    parent = [None if x.parent is None else index[x.parent] for x in model.nodes]
    children = [[c for c in range(n) if parent[c] == i] for i in range(n)]
    depth = [_depth(model, name) for name in names]
    topdown = sorted(range(n), key=lambda i: (depth[i], i))
    review_order = sorted(range(n), key=lambda i: (-depth[i], i))
    sites = {}
    for i, node in enumerate(model.nodes):
        if node.capacity is not None:
            sites.setdefault(node.site, []).append(i)
    n_points = len(policies)
    sums = np.zeros((n, NL.N_NODE_SUMS, n_points, run.reps), np.int64)
    share = np.zeros((n, n_points, run.reps))
    stockout_days = np.zeros((n_points, run.reps), np.int64)
    logs = {}
    draws = {r: _draws(model, run, run.rep0 + r) for r in range(run.reps)}
    for k, pol in enumerate(policies):
        for r in range(run.reps):
            on_hand = [pol[i]["initial"] for i in range(n)]
            customer_bo = [0] * n
            queue = [[] for _ in range(n)]  # [child, units] in the order owed
            shipments = [[] for _ in range(n)]  # [arrival day, units]
            owed = [0] * n  # what the parent owes node i
            next_review = [0] * n
            acc = sums[:, :, k, r]
            log = []

            for t in range(run.periods):
                day = draws[r][t]
                m = t >= run.warmup
                today = [
                    dict(received=0, shipped=0, requested=0, lost=0, ordered=0, sent=[0] * n)
                    for _ in range(n)
                ]

                def owes(i):
                    return customer_bo[i] + sum(u for _, u in queue[i])

                def pipeline(i):
                    return sum(u for _, u in shipments[i]) + owed[i]

                def snapshot(oh, bo, pipe):
                    for i in range(n):
                        acc[i, oh] = on_hand[i]
                        acc[i, bo] = owes(i)
                        acc[i, pipe] = pipeline(i)

                def deliver(i, units, t=t, day=day, m=m, today=today):
                    """Units leave for node i today with its lead time; 0 days: here now."""
                    if units == 0:
                        return
                    lead = day[i][1]
                    if lead == 0:
                        on_hand[i] += units
                        today[i]["received"] += units
                        if m:
                            acc[i, NL.RECEIVED] += units
                        pay(i)
                    else:
                        shipments[i].append([t + lead, units])

                def pay(i, today=today):
                    """Stock at node i first pays what it owes: customers, or children FIFO."""
                    paid = min(on_hand[i], customer_bo[i])
                    on_hand[i] -= paid
                    customer_bo[i] -= paid
                    today[i]["shipped"] += paid
                    while on_hand[i] > 0 and queue[i]:
                        child, units = queue[i][0]
                        a = min(on_hand[i], units)
                        on_hand[i] -= a
                        queue[i][0][1] -= a
                        if queue[i][0][1] == 0:
                            queue[i].pop(0)
                        owed[child] -= a
                        today[i]["shipped"] += a
                        today[i]["sent"][child] += a
                        deliver(child, a)

                if t == run.warmup:
                    snapshot(NL.OH_START, NL.BO_START, NL.PIPE_START)
                short = [False] * n
                system_short = False
                # 1. arrivals
                for i in range(n):
                    arriving = sum(u for when, u in shipments[i] if when == t)
                    shipments[i] = [s for s in shipments[i] if s[0] != t]
                    on_hand[i] += arriving
                    today[i]["received"] += arriving
                    if m:
                        acc[i, NL.RECEIVED] += arriving
                # 2. backorder release, top-down
                for i in topdown:
                    pay(i)
                # 3. review and order, downstream first
                for i in review_order:
                    p = pol[i]
                    q = 0
                    if t == next_review[i]:
                        next_review[i] += p["R"]
                        position = on_hand[i] + pipeline(i) - owes(i)
                        q = order_quantity(p["kind"], position, p["s"], p["S"], p["Q"])
                    if q == 0:
                        continue
                    if m:
                        acc[i, NL.ORDERS] += 1
                    j = parent[i]
                    if j is None:
                        if day[i][2]:  # accepted by the supplier
                            today[i]["ordered"] += q
                            if m:
                                acc[i, NL.ORDERED] += q
                            deliver(i, q)
                        continue
                    served = min(q, on_hand[j])
                    on_hand[j] -= served
                    today[j]["requested"] += q
                    today[j]["shipped"] += served
                    today[j]["sent"][i] += served
                    today[i]["ordered"] += q
                    if served < q:
                        short[j] = True
                        queue[j].append([i, q - served])
                        owed[i] += q - served
                    if m:
                        acc[j, NL.DEMAND] += q
                        acc[j, NL.FILLED] += served
                        acc[i, NL.ORDERED] += q
                    deliver(i, served)
                # 4. customer demand
                for i, node in enumerate(model.nodes):
                    d = day[i][0]
                    if node.demand is None:
                        continue
                    served = min(d, on_hand[i])
                    on_hand[i] -= served
                    unmet = d - served
                    lost = unmet if node.lost_sales else 0
                    customer_bo[i] += unmet - lost
                    today[i]["requested"] += d
                    today[i]["shipped"] += served
                    today[i]["lost"] += lost
                    if served < d:
                        short[i] = True
                        system_short = True
                    if m:
                        acc[i, NL.DEMAND] += d
                        acc[i, NL.FILLED] += served
                        acc[i, NL.LOST] += lost
                # 5. accounting
                for i in range(n):
                    assert on_hand[i] >= 0 and owes(i) >= 0 and owed[i] >= 0
                    assert on_hand[i] == 0 or owes(i) == 0, "stock left while owing"
                    if m:
                        acc[i, NL.ON_HAND] += on_hand[i]
                        acc[i, NL.BACKORDERS] += owes(i)
                        acc[i, NL.PIPELINE] += pipeline(i)
                        acc[i, NL.STOCKOUTS] += short[i]
                for members in sites.values():
                    total = sum(on_hand[i] for i in members)
                    over = max(total - model.nodes[members[0]].capacity, 0)
                    for i in members:
                        if m:
                            share[i, k, r] += over * on_hand[i] / max(total, 1)
                if m:
                    stockout_days[k, r] += system_short
                log.append(
                    [
                        dict(
                            today[i],
                            on_hand=on_hand[i],
                            owes=owes(i),
                            in_transit=sum(u for _, u in shipments[i]),
                            owed=owed[i],
                        )
                        for i in range(n)
                    ]
                )
            snapshot(NL.OH_END, NL.BO_END, NL.PIPE_END)
            logs[k, r] = log
    return sums, share, stockout_days, logs


def policy_points(pol, points):
    """The reference's per-point policy dicts from a NetworkPolicy."""
    out = []
    for k in points:
        out.append(
            [
                dict(
                    kind=pol.kinds[i],
                    s=int(pol.reorder[i, k]),
                    S=int(pol.up_to[i, k]),
                    Q=int(pol.quantity[i, k]),
                    R=int(pol.review[i, k]),
                    initial=int(pol.initial[i, k]),
                )
                for i in range(len(pol.kinds))
            ]
        )
    return out
