"""The analysis on a real sweep: the best policy is (nearly) the exact optimum."""

import numpy as np

import fasttwin as ft
from fasttwin.analysis import best_policy
from fasttwin.analysis.report import open_cube
from fasttwin.analytic import ss_cost


def test_best_policy_of_a_sweep_is_near_the_exact_optimum(tmp_path):
    model = ft.single_node(
        demand=ft.Poisson(mean=10.0),
        lead_time=1,
        holding_cost=1.0,
        backorder_cost=9.0,
        order_cost=64.0,
    )
    grid = {"reorder_point": list(range(6, 30, 2)), "order_up_to": list(range(36, 76, 3))}
    ds = ft.simulate(model, grid, reps=60, periods=400, warmup=50, seed=11)
    ds.to_zarr(tmp_path / "cube.zarr", zarr_format=3, consolidated=False)
    cube = open_cube(tmp_path / "cube.zarr")

    exact = {
        (s, big_s): ss_cost(model, s, big_s)
        for s in grid["reorder_point"]
        for big_s in grid["order_up_to"]
        if s < big_s
    }
    optimum = min(exact, key=exact.get)
    target = 0.9
    # The target does not bind at the exact optimum, so it is the constrained optimum too.
    fill = cube["fill_rate"].sel(reorder_point=optimum[0], order_up_to=optimum[1]).mean("rep")
    assert float(fill) >= target

    best = best_policy(cube, target=target)
    chosen = best.recommended.policy
    found = exact[(chosen["reorder_point"], chosen["order_up_to"])]
    assert found <= 1.02 * exact[optimum], (chosen, found, optimum, exact[optimum])
    # The exact optimum cannot be told apart from the chosen policy.
    members = {(p["reorder_point"], p["order_up_to"]) for p in best.recommended.indistinguishable}
    assert optimum in members
    # Sanity of the cube itself: invalid cells are masked, and everything else is a policy.
    assert int(cube["valid"].sum()) == len(exact)
    assert np.isnan(cube["cost"].where(~cube["valid"]).values).all()
