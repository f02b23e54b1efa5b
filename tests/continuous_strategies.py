"""Hypothesis strategies for small continuous-review models and grids."""

from __future__ import annotations

from hypothesis import strategies as st

import fasttwin as ft

LEAD_TIMES = [
    0,
    0.4,
    1,
    2.5,
    ft.Uniform(0.2, 1.5),
    ft.Uniform(1.0, 1.0),
    ft.Exponential(0.8),
    ft.Normal(1.0, 0.7),
    ft.Normal(-0.5, 1.0),
    ft.Gamma(1.2, 0.8),
    ft.UniformInt(0, 2),
    ft.Poisson(1.0),
    ft.Empirical((0, 3), (1, 1)),
]


@st.composite
def continuous_cases(draw):
    """A continuous-review one-node model, a policy grid and a run, all small."""
    kind = draw(st.sampled_from(["sS", "base_stock", "rQ"]))
    capacity = draw(st.sampled_from([None, 3, 10]))
    seasonal = {}
    if draw(st.booleans()):
        seasonal = dict(amplitude=0.5, period=5.0, events=(ft.Event(2, 3, 3.0),))
    model = ft.single_node(
        demand=ft.Poisson(draw(st.sampled_from([0.0, 0.6, 2.5, 6.0])), **seasonal),
        lead_time=draw(st.sampled_from(LEAD_TIMES)),
        review="continuous",
        max_outstanding=draw(st.sampled_from([None, 1, 2])),
        batch=draw(st.sampled_from([None, ft.UniformInt(1, 3), ft.Empirical((1, 5), (3, 1))])),
        holding_cost=1.0,
        backorder_cost=2.0,
        lost_sale_cost=3.0,
        order_cost=5.0,
        unit_cost=0.5,
        overflow_cost=0.25 if capacity is not None else 0.0,
        capacity=capacity,
        lost_sales=draw(st.booleans()),
        initial_inventory=draw(st.sampled_from([None, 0, 6])),
    )
    reorder = st.lists(st.integers(-3, 10), min_size=1, max_size=3, unique=True)
    if kind == "rQ":
        policy = {
            "reorder_point": draw(reorder),
            "order_quantity": draw(
                st.lists(st.integers(1, 12), min_size=1, max_size=2, unique=True)
            ),
        }
    elif kind == "sS":
        policy = {
            "reorder_point": draw(reorder),
            "order_up_to": draw(st.lists(st.integers(0, 25), min_size=1, max_size=3, unique=True)),
        }
    else:
        policy = {
            "order_up_to": draw(st.lists(st.integers(0, 25), min_size=1, max_size=4, unique=True))
        }
    periods = draw(st.integers(1, 12))
    run = dict(
        reps=draw(st.integers(1, 3)),
        periods=periods,
        warmup=draw(st.integers(0, periods - 1)),
        seed=draw(st.integers(0, 2**40)),
        rep0=draw(st.sampled_from([0, 5])),
    )
    return model, policy, run
