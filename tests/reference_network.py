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
from fasttwin.kernels.rng import (
    STREAM_BOOTSTRAP,
    STREAM_DEMAND,
    STREAM_LEAD_TIME,
    STREAM_SUPPLY,
    key_state,
    stream_key,
)
from fasttwin.kernels.samplers import bernoulli, table_draw
from fasttwin.plan.lower import demand_plan, lead_time_plan
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
                        np.uint64(stream_key(run.seed, STREAM_DEMAND, rep, i)),
                        np.uint64(stream_key(run.seed, STREAM_BOOTSTRAP, rep, i)),
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


class _Replication:
    """The state of one replication under one policy, and the moves of DESIGN.md section 1."""

    def __init__(self, model, pol, acc, share, orders=None):
        n = len(model.nodes)
        self.orders = orders  # (t, i) -> units node i orders on day t instead, or None
        self.model = model
        self.n = n
        names = list(model.node_names)
        self.parent = [None if x.parent is None else names.index(x.parent) for x in model.nodes]
        self.pol = pol
        self.acc = acc  # (nodes, N_NODE_SUMS) integer sums of this replication
        self.share = share  # (nodes,) overflow shares
        self.on_hand = [pol[i]["initial"] for i in range(n)]
        self.customer_bo = [0] * n
        self.queue = [[] for _ in range(n)]  # [child, units] in the order owed
        self.shipments = [[] for _ in range(n)]  # [arrival day, units]
        self.owed = [0] * n  # what the parent owes node i
        self.next_review = [0] * n
        self.cycle_short = [False] * n  # a stockout in node i's open replenishment cycle

    def owes(self, i):
        return self.customer_bo[i] + sum(u for _, u in self.queue[i])

    def pipeline(self, i):
        return sum(u for _, u in self.shipments[i]) + self.owed[i]

    def snapshot(self, oh, bo, pipe):
        for i in range(self.n):
            self.acc[i, oh] = self.on_hand[i]
            self.acc[i, bo] = self.owes(i)
            self.acc[i, pipe] = self.pipeline(i)

    def deliver(self, i, units):
        """Units leave for node i today with its lead time; with 0 days they are there now."""
        if units == 0:
            return
        lead = self.day[i][1]
        if lead == 0:
            self.on_hand[i] += units
            self.today[i]["received"] += units
            if self.measured:
                self.acc[i, NL.RECEIVED] += units
            self.pay(i)
        else:
            self.shipments[i].append([self.t + lead, units])

    def pay(self, i):
        """Stock at node i first pays what it owes: its customers, or its children FIFO."""
        paid = min(self.on_hand[i], self.customer_bo[i])
        self.on_hand[i] -= paid
        self.customer_bo[i] -= paid
        self.today[i]["shipped"] += paid
        queue = self.queue[i]
        while self.on_hand[i] > 0 and queue:
            child, units = queue[0]
            a = min(self.on_hand[i], units)
            self.on_hand[i] -= a
            queue[0][1] -= a
            if queue[0][1] == 0:
                queue.pop(0)
            self.owed[child] -= a
            self.today[i]["shipped"] += a
            self.today[i]["sent"][child] += a
            self.deliver(child, a)

    def step(self, t, day, measured, topdown, review_order, sites):
        """One day; returns whether some customer demand was not served from stock."""
        n, acc = self.n, self.acc
        self.t, self.day, self.measured = t, day, measured
        self.today = [
            dict(received=0, shipped=0, requested=0, lost=0, ordered=0, sent=[0] * n)
            for _ in range(n)
        ]
        short = [False] * n
        # 1. arrivals
        for i in range(n):
            arriving = sum(u for when, u in self.shipments[i] if when == t)
            self.shipments[i] = [s for s in self.shipments[i] if s[0] != t]
            self.on_hand[i] += arriving
            self.today[i]["received"] += arriving
            if measured:
                acc[i, NL.RECEIVED] += arriving
        # 2. backorder release, top-down
        for i in topdown:
            self.pay(i)
        # 3. review and order, downstream first
        for i in review_order:
            p = self.pol[i]
            q = 0
            external = None if self.orders is None else self.orders(t, i)
            if external is not None:
                q = external
            elif t == self.next_review[i]:
                self.next_review[i] += p["R"]
                position = self.on_hand[i] + self.pipeline(i) - self.owes(i)
                q = order_quantity(p["kind"], position, p["s"], p["S"], p["Q"])
            if q == 0:
                continue
            if measured:
                acc[i, NL.ORDERS] += 1
            j = self.parent[i]
            if j is None:
                if day[i][2]:  # accepted by the supplier
                    self.today[i]["ordered"] += q
                    if measured:
                        acc[i, NL.ORDERED] += q
                    self.deliver(i, q)
                continue
            served = min(q, self.on_hand[j])
            self.on_hand[j] -= served
            self.today[j]["requested"] += q
            self.today[j]["shipped"] += served
            self.today[j]["sent"][i] += served
            self.today[i]["ordered"] += q
            if served < q:
                short[j] = True
                self.queue[j].append([i, q - served])
                self.owed[i] += q - served
            if measured:
                acc[j, NL.DEMAND] += q
                acc[j, NL.FILLED] += served
                acc[i, NL.ORDERED] += q
            self.deliver(i, served)
        # 4. customer demand
        customer_short = False
        for i, node in enumerate(self.model.nodes):
            if node.demand is None:
                continue
            d = day[i][0]
            served = min(d, self.on_hand[i])
            self.on_hand[i] -= served
            unmet = d - served
            lost = unmet if node.lost_sales else 0
            self.customer_bo[i] += unmet - lost
            self.today[i]["requested"] += d
            self.today[i]["shipped"] += served
            self.today[i]["lost"] += lost
            if served < d:
                short[i] = customer_short = True
            if measured:
                acc[i, NL.DEMAND] += d
                acc[i, NL.FILLED] += served
                acc[i, NL.LOST] += lost
        # 5. accounting
        for i in range(n):
            assert self.on_hand[i] >= 0 and self.owes(i) >= 0 and self.owed[i] >= 0
            assert self.on_hand[i] == 0 or self.owes(i) == 0, "stock left while owing"
            if measured:
                acc[i, NL.ON_HAND] += self.on_hand[i]
                acc[i, NL.BACKORDERS] += self.owes(i)
                acc[i, NL.PIPELINE] += self.pipeline(i)
                acc[i, NL.STOCKOUTS] += short[i]
            # A delivery day after day 0 closes node i's open cycle and opens the next.
            if self.today[i]["received"] > 0 and t > 0:
                if measured:
                    acc[i, NL.CYCLES] += 1
                    acc[i, NL.SHORT_CYCLES] += self.cycle_short[i]
                self.cycle_short[i] = False
            if short[i]:
                self.cycle_short[i] = True
        for members in sites.values():
            total = sum(self.on_hand[i] for i in members)
            over = max(total - self.model.nodes[members[0]].capacity, 0)
            for i in members:
                if measured:
                    self.share[i] += over * self.on_hand[i] / max(total, 1)
        return customer_short

    def log(self):
        return [
            dict(
                self.today[i],
                on_hand=self.on_hand[i],
                owes=self.owes(i),
                in_transit=sum(u for _, u in self.shipments[i]),
                owed=self.owed[i],
            )
            for i in range(self.n)
        ]


def simulate_network(model, policies, run, orders=None):
    """Reference simulation of ``model`` for each policy in ``policies``.

    ``orders(r, t, i)``, if given, is what node ``i`` orders on day ``t`` of
    replication ``r`` in place of its policy's order (``None``: the policy's).

    ``policies[k][i]`` is a dict (kind, s, S, Q, R, initial) for node ``i`` at
    point ``k``. Returns ``(sums, share, stockout_days, logs)`` with the
    shapes of :class:`fasttwin.engine.network.NetworkSums` and
    ``logs[k, r]`` a list of days, each a list of per-node dicts.
    """
    n = len(model.nodes)
    depth = [_depth(model, name) for name in model.node_names]
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
            state = _Replication(
                model,
                pol,
                sums[:, :, k, r],
                share[:, k, r],
                None if orders is None else lambda t, i, r=r: orders(r, t, i),
            )
            log = []
            for t in range(run.periods):
                if t == run.warmup:
                    state.snapshot(NL.OH_START, NL.BO_START, NL.PIPE_START)
                measured = t >= run.warmup
                short = state.step(t, draws[r][t], measured, topdown, review_order, sites)
                stockout_days[k, r] += measured and short
                log.append(state.log())
            state.snapshot(NL.OH_END, NL.BO_END, NL.PIPE_END)
            for i in range(n):
                if sums[i, NL.CYCLES, k, r] == 0:  # none closed: the open cycle counts
                    sums[i, NL.CYCLES, k, r] = 1
                    sums[i, NL.SHORT_CYCLES, k, r] = state.cycle_short[i]
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
