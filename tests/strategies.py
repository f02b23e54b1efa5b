"""Hypothesis strategies for small random models and grids."""

from __future__ import annotations

from hypothesis import strategies as st

import fasttwin as ft


@st.composite
def demands(draw):
    kind = draw(st.sampled_from(["poisson", "normal", "gamma", "negbin", "uniform", "empirical"]))
    seasonal = {}
    if kind in ("poisson", "normal", "gamma", "negbin") and draw(st.booleans()):
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
