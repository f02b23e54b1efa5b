"""The step APIs: DigitalTwin, the Gymnasium environments, the PettingZoo environment."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from gymnasium.vector import AutoresetMode, VectorEnv
from pettingzoo.test import parallel_api_test

import fasttwin as ft
from fasttwin.kernels import network_layout as NL


def test_import_fasttwin_imports_no_rl_library_nor_numba():
    code = (
        "import sys, fasttwin as ft; ft.DigitalTwin; ft.env.ten_products; "
        "print(sorted(m for m in ('numba', 'gymnasium', 'pettingzoo') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_twin_state_follows_the_day():
    twin = ft.DigitalTwin(ft.retail_twin(), seed=42)
    state = twin.reset()
    assert state["warehouse"]["on_hand"] == 5000 and state["store_3"]["pipeline"] == [0] * 7
    state = twin.step({"store_orders": {"store_1": 40}, "warehouse_orders": {"warehouse": 900}})
    wh, s1, s2 = state["warehouse"], state["store_1"], state["store_2"]
    # The warehouse's 900 units arrive in 7 days, the store's 40 in 2; store_2 followed
    # its policy (no order: 600 on hand is above s = 120).
    assert wh["pipeline"][6] == 900 and sum(wh["pipeline"]) == 900
    assert s1["pipeline"] == [0, 40, 0, 0, 0, 0, 0] and s1["ordered"] == 40
    assert wh["demand"] == 40 and wh["on_hand"] == 5000 - 40
    assert s2["ordered"] == 0 and s2["on_hand"] == 600 - s2["demand"]
    assert s1["sales"] == s1["demand"] - s1["lost_sales"]
    for s in state.values():
        assert s["inventory_position"] == (
            s["on_hand"] - s["backorders"] + sum(s["pipeline"]) + s["owed"]
        )
    assert twin.day == 1 and twin.get_metrics() == {"days": 0, "total_cost": 0.0}


def test_twin_left_to_its_policies_is_the_simulated_replication():
    model = ft.retail_twin()
    twin = ft.DigitalTwin(model, seed=9)
    twin.reset()
    for _ in range(model.periods):
        twin.step()
    ds = ft.simulate(model, reps=2, seed=9).isel(rep=0)
    metrics = twin.get_metrics()
    assert metrics["days"] == model.periods - model.warmup
    for name in (
        "cost",
        "holding_cost",
        "shortage_cost",
        "lost_sales",
        "fill_rate",
        "sales",
        "ready_rate",
        "cycle_service",
    ):
        assert metrics[name] == float(ds[name]), name
    assert metrics["nodes"]["store_2"]["cost"] == float(ds["node_cost"].sel(node="store_2"))
    assert metrics["total_cost"] == pytest.approx(float(ds["cost"]) * metrics["days"], rel=1e-12)
    with pytest.raises(ValueError, match="has run its 90 days"):
        twin.step()
    # The next episode is replication 2**32 of the same seed.
    twin.reset()
    for _ in range(model.periods):
        twin.step()
    nxt = ft.simulate(model, reps=1, rep0=2**32, seed=9).isel(rep=0)
    assert twin.get_metrics()["cost"] == float(nxt["cost"]) and twin.episode == 1


@pytest.mark.parametrize(
    ("actions", "match"),
    [
        ({"store_1": -1}, "node 'store_1'.*>= 0, got -1"),
        ({"store_2": float("nan")}, "node 'store_2'.*got NaN"),
        ({"warehouse": 2.5}, "node 'warehouse'.*whole number"),
        ({"warehouse": "10"}, "node 'warehouse'"),
        ({"depot": 3}, "unknown node 'depot'"),
        ({"store_orders": {"warehouse": 5}}, "store_orders.*names node 'warehouse'"),
        ({"warehouse_orders": {"store_1": 5}}, "warehouse_orders.*names node 'store_1'"),
        ({"store_orders": {}, "store_1": 3}, "mix"),
        ([1, 2], "actions must be None"),
    ],
)
def test_twin_refuses_bad_actions_naming_the_node(actions, match):
    twin = ft.DigitalTwin(ft.retail_twin())
    twin.reset()
    with pytest.raises(ValueError, match=match):
        twin.step(actions)
    assert twin.day == 0  # nothing ran


@pytest.mark.parametrize("action", ["box", "discrete"])
@pytest.mark.parametrize("spec", [ft.env.ten_products, ft.env.retail])
def test_twin_env_passes_gymnasium_check_env(spec, action):
    env = ft.env.TwinEnv(spec(), action=action, episode_length=10)
    check_env(env, skip_render_check=True)


@pytest.mark.parametrize("action", ["box", "discrete"])
def test_parallel_env_passes_pettingzoo_api_test(action):
    env = ft.env.parallel_env(ft.retail_twin(), action=action, episode_length=12)
    parallel_api_test(env, num_cycles=50)


def test_vector_env_is_a_gymnasium_vector_env_with_batched_spaces():
    envs = ft.env.TwinVectorEnv(ft.retail_twin(), num_envs=6, action="discrete")
    assert isinstance(envs, VectorEnv)
    assert envs.metadata["autoreset_mode"] == AutoresetMode.NEXT_STEP
    assert envs.num_envs == 6 and envs.action_space.shape == (6, 4)
    assert envs.observation_space.shape == (6, envs.single_observation_space.shape[0])
    assert envs.observation_names[:3] == [
        "warehouse.on_hand",
        "warehouse.backorders",
        "warehouse.owed",
    ]
    obs, _ = envs.reset(seed=4)
    assert obs in envs.observation_space
    envs.action_space.seed(0)
    obs, reward, term, trunc, info = envs.step(envs.action_space.sample())
    assert obs in envs.observation_space and reward.dtype == np.float64
    assert not term.any() and not trunc.any() and info == {}


def test_vector_observation_is_the_twins_state():
    """Same seed and orders: the env's observation holds the twin's state, feature by feature."""
    model = ft.retail_twin()
    envs = ft.env.TwinVectorEnv(model, num_envs=2, action="discrete", seed=5, history=2)
    twin = ft.DigitalTwin(model, seed=5)
    obs, _ = envs.reset()
    twin.reset()
    names = envs.observation_names
    orders = [0, 40, 0, 100]
    demands = []
    for day in range(3):
        obs, reward, *_ = envs.step(np.array([orders, orders]))
        state = twin.step(dict(zip(model.node_names, orders, strict=True)))
        demands.append({n: s["demand"] for n, s in state.items()})
        got = dict(zip(names, obs[0], strict=True))
        for node, s in state.items():
            assert got[f"{node}.on_hand"] == s["on_hand"]
            assert got[f"{node}.backorders"] == s["backorders"]
            assert got[f"{node}.owed"] == s["owed"]
            for k, units in enumerate(s["pipeline"], start=1):
                assert got[f"{node}.arriving_in_{k}"] == units
            assert got[f"{node}.demand_lag_1"] == s["demand"]
            if day > 0:
                assert got[f"{node}.demand_lag_2"] == demands[-2][node]
            assert got[f"{node}.elapsed"] == np.float32((day + 1) / 90)
        # Tomorrow's expected demand: the stores' mean path; the warehouse's is their sum.
        stores = [got[f"store_{k}.expected_demand"] for k in (1, 2, 3)]
        assert got["warehouse.expected_demand"] == pytest.approx(sum(stores), rel=1e-6)
        assert got["store_1.expected_demand"] == pytest.approx(
            50 * (1 + 0.2 * np.sin(2 * np.pi * (day + 1) / 30)), abs=0.01
        )
        # Reward: minus the day's cost of every node.
        cost = sum(
            model.node(n).holding_cost * s["on_hand"]
            + model.node(n).lost_sale_cost * s["lost_sales"]
            for n, s in state.items()
        )
        assert reward[0] == pytest.approx(-cost, rel=1e-12)


def test_ten_products_reward_is_the_original_one():
    spec = ft.env.ten_products()
    env = ft.env.TwinEnv(spec, action="discrete", seed=3)
    twin = ft.DigitalTwin(spec.model, seed=3)
    env.reset()
    twin.reset()
    means = np.array(ft.env.presets.TEN_PRODUCT_MEANS)
    rng = np.random.default_rng(0)
    bonuses = 0
    for _ in range(30):
        orders = rng.integers(0, 60, size=10)
        _, reward, terminated, _, _ = env.step(orders)
        state = twin.step({f"product_{k}": int(q) for k, q in enumerate(orders)})
        expected = 0.0
        for k in range(10):
            s = state[f"product_{k}"]
            short = s["lost_sales"]  # lost sales: every unit short is lost
            excess = max(s["on_hand"] - 3 * means[k], 0.0)
            expected += -1.0 * short - 0.01 * s["on_hand"] - 0.1 * excess
            if short == 0 and excess == 0:
                expected += 10.0
                bonuses += 1
        assert reward == pytest.approx(expected, rel=1e-12, abs=1e-9)
    assert terminated and 0 < bonuses < 300


def _bad_action_cases(n_envs, n_agents):
    good = np.full((n_envs, n_agents), 0.5)
    cases = []
    for value, match in ((-0.1, "got -0.1"), (np.nan, "got nan"), (1.5, r"in \[0, 1\]")):
        a = good.copy()
        a[n_envs - 1, 2] = value
        cases.append((a, match))
    cases.append((good[:, :-1], "must have shape"))
    return cases


def test_vector_env_refuses_bad_actions_naming_node_and_env():
    envs = ft.env.TwinVectorEnv(ft.retail_twin(), num_envs=3)
    envs.reset()
    for actions, match in _bad_action_cases(3, 4):
        with pytest.raises(ValueError, match=match) as err:
            envs.step(actions)
        if "shape" not in match:
            assert "node 'store_2' in environment 2" in str(err.value)
    discrete = ft.env.TwinVectorEnv(ft.retail_twin(), num_envs=2, action="discrete")
    discrete.reset()
    with pytest.raises(
        ValueError,
        match=r"node 'store_3' in environment 1 must be whole numbers "
        r"in \[0, 900\], got 901",
    ):
        discrete.step(np.array([[0, 0, 0, 0], [0, 0, 0, 901]]))
    with pytest.raises(ValueError, match="node 'warehouse'.*got 2.5"):
        discrete.step(np.array([[2.5, 0, 0, 0], [0, 0, 0, 0]]))
    assert (discrete.stepper.t == 0).all()  # nothing ran


def test_single_and_parallel_envs_refuse_bad_actions_naming_the_node():
    env = ft.env.TwinEnv(ft.retail_twin())
    env.reset()
    with pytest.raises(ValueError, match="node 'store_1'.*got -1.0"):
        env.step(np.array([0.1, -1.0, 0.2, 0.3], np.float32))
    with pytest.raises(ValueError, match="shape"):
        env.step(np.array([0.1, 0.2], np.float32))
    par = ft.env.parallel_env(ft.retail_twin(), action="discrete")
    par.reset()
    with pytest.raises(ValueError, match="node 'store_3'.*got nan"):
        par.step({"store_3": float("nan")})
    with pytest.raises(ValueError, match="unknown agent 'depot'"):
        par.step({"depot": 3})


def test_constructors_refuse_bad_settings():
    with pytest.raises(ValueError, match="action must be one of 'box', 'discrete'"):
        ft.env.TwinVectorEnv(ft.retail_twin(), action="continuous")
    with pytest.raises(ValueError, match="num_envs must be an integer >= 1"):
        ft.env.TwinVectorEnv(ft.retail_twin(), num_envs=0)
    with pytest.raises(ValueError, match="controlled names unknown node 'shop'"):
        ft.env.TwinVectorEnv(ft.retail_twin(), controlled=["shop"])
    with pytest.raises(ValueError, match="max_order\\['store_1'\\] must be an integer >= 1"):
        ft.env.TwinVectorEnv(ft.retail_twin(), max_order={"store_1": 0})
    with pytest.raises(ValueError, match="autoreset_mode must be one of"):
        ft.env.TwinVectorEnv(ft.retail_twin(), autoreset_mode="never")
    with pytest.raises(ValueError, match="review must be 'periodic'"):
        ft.DigitalTwin(ft.single_node(ft.Poisson(2.0), order_up_to=5, review="continuous"))
    with pytest.raises(ValueError, match="reward.excess must be a number >= 0"):
        ft.env.RewardSpec(excess=float("nan"))


def _run_episode(envs, actions, days):
    out = []
    for _ in range(days):
        out.append(envs.step(actions))
    return out


def test_next_step_autoreset_starts_the_next_episode_with_reward_zero():
    envs = ft.env.TwinVectorEnv(ft.retail_twin(), num_envs=3, episode_length=5, seed=2)
    first, _ = envs.reset()
    actions = np.full((3, 4), 0.05)
    steps = _run_episode(envs, actions, 5)
    assert steps[-1][2].all() and not any(s[2].any() for s in steps[:-1])
    obs, reward, term, trunc, _ = envs.step(actions)  # the reset step: actions ignored
    assert (reward == 0).all() and not term.any() and not trunc.any()
    np.testing.assert_array_equal(obs, first)  # initial state again (episode 1)
    assert (envs.stepper.episode == 1).all() and (envs.stepper.t == 0).all()
    # Episode 1 draws other demand than episode 0.
    again = _run_episode(envs, actions, 5)
    assert not np.array_equal(again[0][1], steps[0][1])


def test_same_step_autoreset_returns_the_final_observation_in_infos():
    envs = ft.env.TwinVectorEnv(
        ft.retail_twin(), num_envs=2, episode_length=4, autoreset_mode="same_step"
    )
    assert envs.metadata["autoreset_mode"] == AutoresetMode.SAME_STEP
    first, _ = envs.reset()
    steps = _run_episode(envs, np.full((2, 4), 0.1), 4)
    obs, reward, term, _, info = steps[-1]
    assert term.all() and info["_final_obs"].all()
    np.testing.assert_array_equal(obs, first)  # already reset
    assert info["final_obs"][0].shape == first[0].shape
    assert info["final_obs"][0][-1] == 1.0  # the whole episode elapsed


def test_disabled_autoreset_needs_a_reset_mask():
    envs = ft.env.TwinVectorEnv(
        ft.retail_twin(), num_envs=2, episode_length=3, autoreset_mode="disabled"
    )
    envs.reset()
    _run_episode(envs, np.zeros((2, 4)), 3)
    with pytest.raises(RuntimeError, match="reset"):
        envs.step(np.zeros((2, 4)))
    envs.reset(options={"reset_mask": np.array([True, True])})
    envs.step(np.zeros((2, 4)))
    assert (envs.stepper.t == 1).all()


def test_uncontrolled_nodes_follow_their_policy():
    model = ft.retail_twin()
    envs = ft.env.TwinVectorEnv(model, num_envs=1, controlled=["warehouse"], action="discrete")
    twin = ft.DigitalTwin(model)
    envs.reset()
    twin.reset()
    for _ in range(20):
        obs, *_ = envs.step(np.array([[300]]))
        state = twin.step({"warehouse": 300})
    got = dict(zip(envs.observation_names, obs[0], strict=True))
    assert got["store_3.on_hand"] == state["store_3"]["on_hand"]
    assert envs.single_action_space.shape == (1,)


def test_many_envs_on_threads_equal_one_thread():
    spec = ft.env.ten_products()
    results = []
    for threads in (1, 2):
        envs = ft.env.TwinVectorEnv(spec, num_envs=1500, seed=1, threads=threads)
        envs.reset()
        rng = np.random.default_rng(7)
        total = np.zeros(1500)
        for _ in range(30):
            _, reward, *_ = envs.step(rng.random((1500, 10), dtype=np.float32) * 0.2)
            total += reward
        results.append((total, envs.stepper.x.copy()))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])


def test_twin_rows_count_rejected_orders():
    """A supplier that accepts 98 % of orders rejects some: the order is paid, nothing comes."""
    model = ft.retail_twin().replace_node("warehouse", reliability=0.5)
    twin = ft.DigitalTwin(model, seed=1)
    twin.reset()
    rejected = 0
    for _ in range(20):
        twin.step({"warehouse": 10})
        row = twin._days[-1][0][0]
        rejected += row[NL.ORDERS] - (row[NL.ORDERED] > 0)
    assert 0 < rejected < 20
