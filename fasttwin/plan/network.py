"""Lower a network model and a policy grid to the flat arrays of the network kernel.

Node ``i`` is the node at position ``i`` of ``model.nodes``: that index is
also its index in the random keys. Within a day, parents pay what they owe
top-down (``depth`` ascending) and nodes review downstream first (``depth``
descending); nodes at the same depth go in model order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fasttwin.model.network import Model
from fasttwin.plan.grid import PolicyGrid, node_policy
from fasttwin.plan.lower import demand_plan, lead_time_plan


@dataclass(frozen=True)
class NetworkPlan:
    """The topology, demand and lead-time arrays of one model over one run length."""

    names: tuple[str, ...]
    parent: np.ndarray
    topdown: np.ndarray
    review_order: np.ndarray
    sub_start: np.ndarray
    sub_nodes: np.ndarray
    queue_of: np.ndarray
    has_demand: np.ndarray
    lost_sales: np.ndarray
    reliability: np.ndarray
    loc_start: np.ndarray
    loc_nodes: np.ndarray
    loc_cap: np.ndarray
    d_code: np.ndarray
    d_p1: np.ndarray
    d_p2: np.ndarray
    d_start: np.ndarray
    d_len: np.ndarray
    d_cdf: np.ndarray
    d_guide: np.ndarray
    demand_mean: np.ndarray  # (nodes, periods) expected customer demand, for reports
    lt_fixed: np.ndarray
    lt_len: np.ndarray
    lt_start: np.ndarray
    lt_cdf: np.ndarray
    lt_guide: np.ndarray
    slots: int

    def topology_arrays(self) -> tuple:
        return (self.parent, self.topdown, self.review_order, self.sub_start, self.sub_nodes)

    def kernel_arrays(self) -> tuple:
        """``(net, demand_plan, lead_plan)``: the model as the network kernels take it."""
        net = (
            *self.topology_arrays(),
            self.queue_of,
            self.has_demand,
            self.lost_sales,
            self.reliability,
            self.loc_start,
            self.loc_nodes,
            self.loc_cap,
            self.slots,
        )
        demand = (self.d_code, self.d_p1, self.d_p2, self.d_start, self.d_len)
        lead = (self.lt_fixed, self.lt_len, self.lt_start, self.lt_cdf, self.lt_guide)
        return net, (*demand, self.d_cdf, self.d_guide), lead


def depths(model: Model) -> list[int]:
    """Each node's number of ancestors (0 for the nodes that order from the supplier)."""
    parent = {n.name: n.parent for n in model.nodes}
    out = []
    for n in model.nodes:
        d, p = 0, n.parent
        while p is not None:
            d, p = d + 1, parent[p]
        out.append(d)
    return out


def network_plan(model: Model, periods: int) -> NetworkPlan:
    """Lower ``model`` for a run of ``periods`` days.

    Examples
    --------
    >>> import fasttwin as ft
    >>> m = ft.Model(nodes=(
    ...     ft.Node("store", parent="dc", demand=ft.Poisson(4.0), order_up_to=10),
    ...     ft.Node("dc", lead_time=3, order_up_to=40)))
    >>> plan = network_plan(m, 5)
    >>> plan.parent.tolist(), plan.topdown.tolist(), plan.slots
    ([1, -1], [1, 0], 4)
    """
    names = model.node_names
    index = {name: i for i, name in enumerate(names)}
    n = len(names)
    depth = depths(model)
    parent = np.array([-1 if x.parent is None else index[x.parent] for x in model.nodes], np.int64)
    topdown = np.array(sorted(range(n), key=lambda i: (depth[i], i)), np.int64)
    review_order = np.array(sorted(range(n), key=lambda i: (-depth[i], i)), np.int64)

    def in_subtree(k: int, root: int) -> bool:
        while k >= 0:
            if k == root:
                return True
            k = int(parent[k])
        return False

    sub_start = np.zeros(n + 1, np.int64)
    sub_nodes: list[int] = []
    for i in range(n):
        sub_nodes.extend(int(k) for k in topdown if in_subtree(int(k), i))
        sub_start[i + 1] = len(sub_nodes)
    is_parent = np.zeros(n, bool)
    is_parent[parent[parent >= 0]] = True
    queue_of = np.where(is_parent, np.cumsum(is_parent) - 1, -1).astype(np.int64)

    sites: dict[str, list[int]] = {}
    for i, node in enumerate(model.nodes):
        if node.capacity is not None:
            sites.setdefault(node.site, []).append(i)
    loc_start = np.zeros(len(sites) + 1, np.int64)
    loc_nodes: list[int] = []
    loc_cap = np.zeros(len(sites), np.int64)
    for k, members in enumerate(sites.values()):
        loc_nodes.extend(members)
        loc_start[k + 1] = len(loc_nodes)
        loc_cap[k] = model.nodes[members[0]].capacity

    plans = [demand_plan(node.demand, periods) for node in model.nodes]
    offsets = np.cumsum([0] + [p.cdf.size for p in plans])
    leads = [lead_time_plan(node.lead_time) for node in model.nodes]
    lt_offsets = np.cumsum([0] + [p.cdf.size for p in leads])
    return NetworkPlan(
        names=names,
        parent=parent,
        topdown=topdown,
        review_order=review_order,
        sub_start=sub_start,
        sub_nodes=np.asarray(sub_nodes, np.int64),
        queue_of=queue_of,
        has_demand=np.array([node.demand is not None for node in model.nodes], np.int64),
        lost_sales=np.array([int(node.lost_sales) for node in model.nodes], np.int64),
        reliability=np.array([float(node.reliability) for node in model.nodes]),
        loc_start=loc_start,
        loc_nodes=np.asarray(loc_nodes, np.int64),
        loc_cap=loc_cap,
        d_code=np.stack([p.code for p in plans]),
        d_p1=np.stack([p.p1 for p in plans]),
        d_p2=np.stack([p.p2 for p in plans]),
        d_start=np.stack([p.start + offsets[i] for i, p in enumerate(plans)]),
        d_len=np.stack([p.length for p in plans]),
        d_cdf=np.concatenate([p.cdf for p in plans]),
        d_guide=np.concatenate([p.guide for p in plans]),
        demand_mean=np.stack([p.mean for p in plans]),
        lt_fixed=np.array([p.fixed for p in leads], np.int64),
        lt_len=np.array([p.length for p in leads], np.int64),
        lt_start=np.asarray(lt_offsets[:-1], np.int64),
        lt_cdf=np.concatenate([p.cdf for p in leads]),
        lt_guide=np.concatenate([p.guide for p in leads]),
        slots=max(p.max for p in leads) + 1,
    )


@dataclass(frozen=True)
class NetworkPolicy:
    """Every node's policy at every flat grid point: arrays ``(nodes, points)``."""

    kinds: tuple[str, ...]
    reorder: np.ndarray
    up_to: np.ndarray
    quantity: np.ndarray
    review: np.ndarray
    initial: np.ndarray
    valid: np.ndarray  # (points,): every node's policy is one

    def kernel_arrays(self) -> tuple:
        """``(policy, initial)`` as the network kernels take them, flat ``(nodes * points)``.

        ``policy = (rq, reorder, up_to, quantity, review)``; ``rq[i]`` is 1
        where node ``i`` follows an (r, Q) policy.
        """
        rq = np.array([k == "rQ" for k in self.kinds], np.int64)
        flat = [
            np.ascontiguousarray(a).ravel()
            for a in (self.reorder, self.up_to, self.quantity, self.review, self.initial)
        ]
        return (rq, *flat[:4]), flat[4]

    def on(self, points: np.ndarray) -> NetworkPolicy:
        """The policy at the chosen flat points only (contiguous arrays)."""
        pick = lambda a: np.ascontiguousarray(a[:, points])  # noqa: E731
        return NetworkPolicy(
            self.kinds,
            pick(self.reorder),
            pick(self.up_to),
            pick(self.quantity),
            pick(self.review),
            pick(self.initial),
            self.valid[points],
        )


def network_policy(model: Model, grid: PolicyGrid) -> NetworkPolicy:
    """Resolve every node's policy on the grid (errors name the node)."""
    pols = [node_policy(model, grid, name) for name in model.node_names]
    valid = np.logical_and.reduce([p.valid for p in pols])
    return NetworkPolicy(
        kinds=tuple(p.kind for p in pols),
        reorder=np.stack([p.reorder for p in pols]),
        up_to=np.stack([p.up_to for p in pols]),
        quantity=np.stack([p.quantity for p in pols]),
        review=np.stack([p.review for p in pols]),
        initial=np.stack([p.initial for p in pols]),
        valid=valid,
    )
