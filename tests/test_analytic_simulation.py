"""The simulator against the exact optimum, and grids centred by the formulas."""

import numpy as np
import pytest

import fasttwin as ft
from fasttwin.analytic import (
    formula_policy,
    optimal_base_stock,
    optimal_ss,
    ss_cost,
    suggest_grid,
)

MODELS = [
    dict(demand=ft.Poisson(5.0), lead_time=1, backorder_cost=19.0, order_cost=30.0, unit_cost=0.5),
    dict(
        demand=ft.Poisson(20.0), lead_time=3, holding_cost=2.0, backorder_cost=9.0, order_cost=100
    ),
    dict(demand=ft.Poisson(2.0), lead_time=5, backorder_cost=4.0, order_cost=10.0),
]


@pytest.mark.parametrize("spec", MODELS)
def test_simulated_cost_of_the_optimum_and_neighbours_within_four_standard_errors(spec):
    model = ft.single_node(**spec)
    best = optimal_ss(model)
    s, big_s = best.pairs[0]
    q = big_s - s
    ds = ft.simulate(
        model,
        {"reorder_point": [s - 3, s], "order_up_to": [big_s, big_s + q // 2]},
        reps=300,
        periods=1500,
        warmup=100,
        seed=11,
    )
    for s_, big_s_ in [(s, big_s), (s - 3, big_s), (s, big_s + q // 2)]:
        cost = ds["cost"].sel(reorder_point=s_, order_up_to=big_s_).values
        se = cost.std(ddof=1) / np.sqrt(cost.size)
        exact = ss_cost(model, s_, big_s_)
        assert abs(cost.mean() - exact) < 4 * se, (s_, big_s_, cost.mean(), exact, se)
        assert exact >= best.cost - 1e-12


def test_simulated_optimal_base_stock_within_four_standard_errors():
    model = ft.single_node(demand=ft.Poisson(6.0), lead_time=2, backorder_cost=14.0, order_cost=3)
    base = optimal_base_stock(model)
    ds = ft.simulate(model, {"order_up_to": [base.level]}, reps=300, periods=1200, seed=3)
    cost = ds["cost"].values
    se = cost.std(ddof=1) / np.sqrt(cost.size)
    assert abs(cost.mean() - base.cost) < 4 * se


def test_suggested_grid_holds_the_optimum_and_the_simulation_agrees():
    model = ft.single_node(**MODELS[0])
    best = optimal_ss(model)
    grid = suggest_grid(model, budget=150)
    assert len(grid["reorder_point"]) * len(grid["order_up_to"]) <= 150
    assert best.reorder_point in grid["reorder_point"]
    assert best.order_up_to in grid["order_up_to"]
    ds = ft.simulate(model, grid, reps=200, periods=1000, warmup=100, seed=5)
    mean = ds["cost"].mean("rep")
    i, j = np.unravel_index(int(np.nanargmin(mean.values)), mean.shape)
    s, big_s = grid["reorder_point"][i], grid["order_up_to"][j]
    # Common random numbers: the simulated best is a near-optimal policy.
    assert ss_cost(model, s, big_s) <= best.cost * 1.01


@pytest.mark.parametrize("budget", [1, 2, 7, 30, 101, 400, 2500])
def test_grid_sizes_respect_the_budget(budget):
    for spec in (MODELS[1], dict(demand=ft.Normal(40.0, 12.0), lead_time=ft.UniformInt(2, 6))):
        spec = {"order_cost": 50.0, "backorder_cost": 9.0, **spec}
        model = ft.single_node(**spec)
        grid = suggest_grid(model, budget=budget)
        sizes = [len(v) for v in grid.values()]
        assert int(np.prod(sizes)) <= budget
        for values in grid.values():
            assert values == sorted(set(values))
        if budget >= 400:
            assert sizes[0] >= 5 and sizes[1] >= 5


def test_grid_centre_is_the_formula_policy_outside_the_exact_assumptions():
    model = ft.single_node(
        demand=ft.Normal(40.0, 12.0),
        lead_time=ft.UniformInt(2, 6),
        backorder_cost=9.0,
        order_cost=50.0,
    )
    policy = formula_policy(model, cycle_service=0.9)
    grid = suggest_grid(model, budget=400, cycle_service=0.9)
    assert policy.reorder_point in grid["reorder_point"]
    assert policy.order_up_to in grid["order_up_to"]
    assert min(grid["reorder_point"]) <= policy.reorder_point - 2 * policy.exposure_demand_std + 2


def test_base_stock_and_rq_grids():
    model = ft.single_node(demand=ft.Poisson(8.0), lead_time=2, backorder_cost=9.0)
    grid = suggest_grid(model, budget=20)
    assert list(grid) == ["order_up_to"] and len(grid["order_up_to"]) <= 20
    assert optimal_base_stock(model).level in grid["order_up_to"]
    rq = ft.single_node(
        demand=ft.Poisson(8.0),
        lead_time=2,
        backorder_cost=9.0,
        order_cost=40.0,
        reorder_point=10,
        order_quantity=20,
    )
    grid = suggest_grid(rq, budget=100)
    assert list(grid) == ["reorder_point", "order_quantity"]
    assert min(grid["order_quantity"]) >= 1
    ds = ft.simulate(rq, grid, reps=5, periods=50, seed=1)
    assert ds["cost"].dims == ("reorder_point", "order_quantity", "rep")


def test_grid_bad_input():
    model = ft.single_node(demand=ft.Poisson(8.0), backorder_cost=9.0, order_cost=5.0)
    with pytest.raises(ValueError, match="budget must be an integer >= 1"):
        suggest_grid(model, budget=0)
    with pytest.raises(ValueError, match=r"cycle_service must be a number in \(0, 1\)"):
        suggest_grid(model, cycle_service=1.5)
