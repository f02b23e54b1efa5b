"""Hypothesis strategies for small random models and grids."""

from __future__ import annotations

from hypothesis import strategies as st

import fasttwin as ft


@st.composite
def demands(draw):
    kind = draw(
        st.sampled_from(["poisson", "normal", "gamma", "negbin", "uniform", "empirical", "trace"])
    )
    seasonal = {}
    if kind in ("poisson", "normal", "gamma", "negbin", "trace") and draw(st.booleans()):
        seasonal = dict(
            multiplier=draw(st.sampled_from([0.5, 1.0, 1.5])),
            amplitude=draw(st.sampled_from([0.0, 0.3, 1.0])),
            period=draw(st.sampled_from([3.0, 7.0])),
            phase=draw(st.sampled_from([0.0, 1.5])),
            trend=draw(st.sampled_from([0.0, 0.02, -0.01])),
            events=draw(st.sampled_from([(), (ft.Event(2, 4, 3.0),)])),
        )
    mean = draw(st.sampled_from([0.0, 0.7, 3.0, 8.0, 15.0])) if kind != "gamma" else 4.0
    if kind == "poisson":
        return ft.Poisson(mean, **seasonal)
    if kind == "normal":
        return ft.Normal(mean, draw(st.sampled_from([0.0, 2.0, 6.0])), **seasonal)
    if kind == "gamma":
        return ft.Gamma(mean, draw(st.sampled_from([1.0, 5.0])), **seasonal)
    if kind == "negbin":
        return ft.NegativeBinomial(max(mean, 1.0), max(mean, 1.0) ** 0.5 * 2, **seasonal)
    if kind == "trace":
        # 25 days at least: long enough to replay any run the strategies draw.
        values = draw(st.lists(st.integers(0, 12), min_size=25, max_size=30))
        mode = draw(st.sampled_from(["replay", "bootstrap"]))
        return ft.Trace(values, mode=mode, block=draw(st.integers(1, 5)), **seasonal)
    if kind == "uniform":
        return ft.UniformInt(0, draw(st.integers(0, 9)))
    return ft.Empirical(values=(0, 2, 11), probs=(0.5, 0.3, 0.2))


lead_times = st.one_of(
    st.integers(0, 3),
    st.sampled_from(
        [ft.UniformInt(0, 3), ft.Poisson(1.5), ft.Normal(2.0, 1.0), ft.Empirical((0, 4), (1, 1))]
    ),
)


@st.composite
def single_node_cases(draw):
    """A one-node model, a policy grid and a run, all small."""
    kind = draw(st.sampled_from(["sS", "base_stock", "rQ"]))
    lost = draw(st.booleans())
    capacity = draw(st.sampled_from([None, 5, 20]))
    model = ft.single_node(
        demand=draws_demand(draw),
        lead_time=draw(lead_times),
        holding_cost=1.0,
        backorder_cost=2.0,
        lost_sale_cost=3.0,
        order_cost=5.0,
        unit_cost=0.5,
        overflow_cost=0.25 if capacity is not None else 0.0,
        capacity=capacity,
        lost_sales=lost,
        reliability=draw(st.sampled_from([1.0, 0.6])),
        initial_inventory=draw(st.sampled_from([None, 0, 7])),
    )
    review = draw(st.sampled_from([1, 1, 2, 3]))
    if kind == "rQ":
        policy = {
            "reorder_point": draw(
                st.lists(st.integers(-3, 12), min_size=1, max_size=3, unique=True)
            ),
            "order_quantity": draw(
                st.lists(st.integers(1, 15), min_size=1, max_size=2, unique=True)
            ),
        }
    elif kind == "sS":
        policy = {
            "reorder_point": draw(
                st.lists(st.integers(-3, 12), min_size=1, max_size=3, unique=True)
            ),
            "order_up_to": draw(st.lists(st.integers(0, 30), min_size=1, max_size=3, unique=True)),
        }
    else:
        policy = {
            "order_up_to": draw(st.lists(st.integers(0, 30), min_size=1, max_size=4, unique=True))
        }
    policy["review_period"] = draw(st.sampled_from([review, [1, review] if review > 1 else review]))
    periods = draw(st.integers(1, 25))
    warmup = draw(st.integers(0, periods - 1))
    run = dict(
        reps=draw(st.integers(1, 3)),
        periods=periods,
        warmup=warmup,
        seed=draw(st.integers(0, 2**40)),
        rep0=draw(st.sampled_from([0, 5])),
    )
    return model, policy, run


def draws_demand(draw):
    return draw(demands())


def _node_policy(draw) -> dict:
    kind = draw(st.sampled_from(["sS", "base_stock", "rQ"]))
    if kind == "rQ":
        return dict(
            reorder_point=draw(st.integers(-3, 20)), order_quantity=draw(st.integers(1, 20))
        )
    up_to = draw(st.integers(0, 60))
    if kind == "base_stock":
        return dict(order_up_to=up_to)
    return dict(reorder_point=draw(st.integers(-3, up_to - 1)), order_up_to=up_to)


@st.composite
def network_cases(draw, max_nodes=5, scarce=False):
    """A small random forest of nodes, a policy grid over some nodes, and a run.

    ``scarce``: parents start empty and the supplier is unreliable, so that
    parents owe their children most of the time.

    Node ``k`` is created after its parent; its position in the model is a
    random permutation, so roots, parents and leaves sit anywhere in ``nodes``
    (which sets their random keys).
    """
    n = draw(st.sampled_from([1, 2, 3, 3, 4, 4, 5, 5][: 2 * max_nodes - 2]))
    parents: list[int | None] = [None]
    for k in range(1, n):
        # One node in five starts a new tree (another SKU).
        new_tree = draw(st.integers(0, 4)) == 0
        parents.append(None if new_tree else draw(st.integers(0, k - 1)))
    order = draw(st.permutations(range(n)))
    has_children = {p for p in parents if p is not None}
    site_capacity = {"a": draw(st.sampled_from([0, 10, 40])), "b": 25}
    nodes = {}
    for k in range(n):
        leaf = k not in has_children
        site = draw(st.sampled_from([None, None, "a", "b"]))
        if site is None:
            capacity = draw(st.sampled_from([None, None, 5]))
        else:
            capacity = site_capacity[site]
        demand = None
        if leaf and draw(st.integers(0, 9)) > 0:
            demand = draw(demands())
        nodes[k] = ft.Node(
            name=f"n{k}",
            parent=None if parents[k] is None else f"n{parents[k]}",
            lead_time=draw(st.one_of(st.just(0), lead_times)),
            demand=demand,
            # Parents often start empty, so that they owe their children.
            initial_inventory=0
            if scarce and not leaf
            else draw(st.sampled_from([None, 0, 7, 30] if leaf else [None, 0, 0, 7])),
            review_period=draw(st.sampled_from([1, 1, 2, 3])),
            holding_cost=1.0,
            backorder_cost=2.0 if leaf else 0.0,
            lost_sale_cost=3.0 if leaf else 0.0,
            order_cost=5.0,
            unit_cost=0.5,
            overflow_cost=0.25 if capacity is not None else 0.0,
            capacity=capacity,
            location=site,
            lost_sales=leaf and draw(st.booleans()),
            reliability=(0.5 if scarce else draw(st.sampled_from([1.0, 0.6])))
            if parents[k] is None
            else 1.0,
            **_node_policy(draw),
        )
    model = ft.Model(nodes=tuple(nodes[k] for k in order), name="random_network")
    policy = {}
    for k in draw(st.lists(st.integers(0, n - 1), max_size=2, unique=True)):
        node = nodes[k]
        kind = node.policy_kind()
        params = {
            "sS": ["reorder_point", "order_up_to"],
            "base_stock": ["order_up_to"],
            "rQ": ["reorder_point", "order_quantity"],
        }[kind] + ["review_period"]
        param = draw(st.sampled_from(params))
        low = {"reorder_point": -3, "order_up_to": 0, "order_quantity": 1, "review_period": 1}
        values = draw(
            st.lists(
                st.integers(low[param], low[param] + (3 if param == "review_period" else 40)),
                min_size=1,
                max_size=3,
                unique=True,
            )
        )
        policy[f"n{k}.{param}"] = values
    periods = draw(st.integers(1, 25))
    run = dict(
        reps=draw(st.integers(1, 3)),
        periods=periods,
        warmup=draw(st.integers(0, periods - 1)),
        seed=draw(st.integers(0, 2**40)),
        rep0=draw(st.sampled_from([0, 5])),
    )
    return model, policy, run
