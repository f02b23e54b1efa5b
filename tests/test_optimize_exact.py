"""The optimiser against exact optima: Zheng-Federgruen (one node) and Clark-Scarf (serial).

Each chosen policy is judged by its *exact* long-run cost, not by simulation, so
the 1 % bound is on the true cost of what the optimiser returns.
"""

import numpy as np
import pytest

import fasttwin as ft
from fasttwin import analytic as fa
from fasttwin.analytic.serial import serial_costs, serial_system

RUN = dict(reps=60, periods=800, warmup=60, final_reps=60, max_final_reps=600, confirm_reps=60)


@pytest.mark.parametrize(
    "model",
    [
        ft.single_node(
            demand=ft.Poisson(10.0),
            lead_time=2,
            holding_cost=1.0,
            backorder_cost=9.0,
            order_cost=64.0,
            reorder_point=20,
            order_up_to=60,
        ),
        ft.single_node(
            demand=ft.Poisson(4.0),
            lead_time=5,
            holding_cost=2.0,
            backorder_cost=19.0,
            order_cost=10.0,
            reorder_point=0,
            order_up_to=10,
        ),
    ],
)
def test_single_node_within_one_percent_of_zheng_federgruen(model):
    best = fa.optimal_ss(model)
    res = ft.optimize(
        model,
        {"reorder_point": range(-10, 120), "order_up_to": range(1, 250)},
        target=None,
        seed=3,
        client="inline",
        **RUN,
    )
    s, big_s = res.policy["reorder_point"], res.policy["order_up_to"]
    assert fa.ss_cost(model, s, big_s) <= 1.01 * best.cost
    # The confirmation's interval is about the chosen policy's exact cost.
    exact = fa.ss_cost(model, s, big_s)
    assert res.cost.low - 4 * res.cost.se < exact < res.cost.high + 4 * res.cost.se


SERIAL = ft.Model(
    nodes=(
        ft.Node("warehouse", lead_time=4, order_up_to=60, holding_cost=0.6),
        ft.Node(
            "store",
            parent="warehouse",
            lead_time=2,
            demand=ft.Poisson(6.0),
            order_up_to=40,
            holding_cost=1.0,
            backorder_cost=12.0,
        ),
    )
)


def test_serial_formula_agrees_with_a_long_simulation():
    """The exact cost of (S1, S2) within 4 standard errors of 400 x 4,000 simulated days,
    at levels where the warehouse is short often, sometimes, and hardly ever."""
    levels = {"store.order_up_to": [18, 26, 34], "warehouse.order_up_to": [10, 24, 40]}
    ds = ft.simulate(SERIAL, levels, reps=400, periods=4000, warmup=100, seed=9)
    mean = ds["cost"].mean("rep").values
    se = ds["cost"].std("rep").values / np.sqrt(400)
    for i, s1 in enumerate(levels["store.order_up_to"]):
        for j, s2 in enumerate(levels["warehouse.order_up_to"]):
            exact = fa.serial_cost(SERIAL, s1, s2)
            assert abs(mean[i, j] - exact) < 4 * se[i, j], (s1, s2, mean[i, j], exact)


def test_clark_scarf_optimum_is_the_best_installation_base_stock():
    opt = fa.optimal_serial_base_stock(SERIAL)
    s = serial_system(SERIAL)
    grid = np.array([serial_costs(s, np.arange(0, 120), w) for w in range(0, 120)])
    w, k = np.unravel_index(int(grid.argmin()), grid.shape)
    assert grid.min() == pytest.approx(opt.cost, rel=1e-12)
    assert fa.serial_cost(SERIAL, opt.store, opt.warehouse) == pytest.approx(opt.cost, rel=1e-12)
    assert (k, w) == (opt.store, opt.warehouse) or grid[w, k] == pytest.approx(opt.cost)


def test_serial_system_within_one_percent_of_clark_scarf():
    opt = fa.optimal_serial_base_stock(SERIAL)
    res = ft.optimize(
        SERIAL,
        {"store.order_up_to": range(0, 120), "warehouse.order_up_to": range(0, 120)},
        target=None,
        seed=4,
        client="inline",
        **RUN,
    )
    chosen = fa.serial_cost(
        SERIAL, res.policy["store_order_up_to"], res.policy["warehouse_order_up_to"]
    )
    assert chosen <= 1.01 * opt.cost
