"""The numpy learner on the vector env beats random orders, within 5 % of the best (s, S)."""

import numpy as np

import fasttwin as ft


def test_cross_entropy_reaches_the_best_swept_policy():
    model = ft.single_node(
        ft.Poisson(10.0),
        lead_time=2,
        holding_cost=1.0,
        backorder_cost=19.0,
        order_cost=40.0,
        order_up_to=30,  # a poor starting policy: the learner starts from demand figures
    )
    days = 120
    learned = ft.env.cross_entropy(
        model, population=32, reps=16, iterations=12, episode_length=days, seed=1
    )
    assert learned.history[-1] > learned.history[0]  # rewards rise
    # Judge on other replications than the learner saw (seed 99), as the sweep does.
    run = dict(reps=400, periods=days, warmup=0, seed=99)
    grid = {"reorder_point": range(10, 60, 2), "order_up_to": range(30, 130, 4)}
    best = float(ft.simulate(model, grid, **run)["cost"].mean("rep").min())
    got = float(ft.simulate(model, learned.policy, **run)["cost"].mean())
    assert got <= 1.05 * best, (learned, got, best)
    # Random orders of 0 .. 60 units a day (six days of demand) on the same env.
    envs = ft.env.TwinVectorEnv(
        model, 400, episode_length=days, action="discrete", max_order=60, seed=99
    )
    envs.reset()
    rng = np.random.default_rng(0)
    total = np.zeros(400)
    for _ in range(days):
        total += envs.step(rng.integers(0, 61, size=(400, 1)))[1]
    random_cost = -total.mean() / days
    assert got < 0.5 * random_cost
