"""Train PPO (stable-baselines3) on the 10-product environment, batched in one Numba call.

Not part of the package or CI: it needs torch and stable-baselines3
(``pip install torch==2.13.0 stable-baselines3 -e ".[rl]"``; on this project's
machines that torch is a CPU build on disk). Stable-baselines3 has its own
vector-env API, so a small adapter below turns ``ft.env.TwinVectorEnv``
(same-step autoreset) into an SB3 ``VecEnv``.

    python examples/ppo_ten_products.py --timesteps 2000000

Prints the mean episode reward of the trained policy, of each product's
base-stock policy (the preset's), and of random orders, on the same 1,000
evaluation episodes (seed 12345, unseen in training).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from stable_baselines3 import PPO
from stable_baselines3.common.vec_env import VecEnv, VecNormalize

import fasttwin as ft


class SB3Adapter(VecEnv):
    """``ft.env.TwinVectorEnv`` behind stable-baselines3's VecEnv API."""

    def __init__(self, envs):
        self.envs = envs
        super().__init__(envs.num_envs, envs.single_observation_space, envs.single_action_space)
        self._actions = None

    def reset(self):
        obs, _ = self.envs.reset()
        return obs

    def step_async(self, actions):
        self._actions = np.clip(actions, 0.0, 1.0)

    def step_wait(self):
        obs, reward, terminated, truncated, info = self.envs.step(self._actions)
        done = terminated | truncated
        infos = [{} for _ in range(self.num_envs)]
        for e in np.flatnonzero(done):
            infos[e] = {"terminal_observation": info["final_obs"][e], "TimeLimit.truncated": False}
        return obs, reward.astype(np.float32), done, infos

    def close(self):
        self.envs.close()

    def get_attr(self, attr_name, indices=None):
        return [getattr(self.envs, attr_name)] * self.num_envs

    def set_attr(self, attr_name, value, indices=None):
        setattr(self.envs, attr_name, value)

    def env_method(self, method_name, *args, indices=None, **kwargs):
        return [getattr(self.envs, method_name)(*args, **kwargs)] * self.num_envs

    def env_is_wrapped(self, wrapper_class, indices=None):
        return [False] * self.num_envs


def evaluate(spec, act, episodes: int = 1000, seed: int = 12345) -> float:
    """Mean episode reward of ``act(obs) -> actions`` over ``episodes`` replications."""
    envs = ft.env.TwinVectorEnv(spec, episodes, seed=seed, autoreset_mode="disabled")
    obs, _ = envs.reset()
    total = np.zeros(episodes)
    for _ in range(spec.episode_length):
        obs, reward, *_ = envs.step(act(obs, envs))
        total += reward
    return float(total.mean())


def base_stock(obs, envs):
    from fasttwin.env.learn import inventory_positions, order_up_to_actions

    model = envs.settings.model
    up_to = np.array([n.order_up_to for n in model.nodes], float)
    position = inventory_positions(obs, envs.observation_names, envs.agents)
    units = order_up_to_actions(position, up_to - 1, up_to, envs.settings.max_order)
    return units / envs.settings.max_order


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timesteps", type=int, default=2_000_000)
    parser.add_argument("--num-envs", type=int, default=64)
    args = parser.parse_args(argv)
    spec = ft.env.ten_products()
    envs = ft.env.TwinVectorEnv(spec, args.num_envs, seed=0, autoreset_mode="same_step")
    # Observations are units (0 .. hundreds) and rewards hundreds a day: normalise both.
    venv = VecNormalize(SB3Adapter(envs), gamma=0.99)
    model = PPO("MlpPolicy", venv, n_steps=240, batch_size=3840, seed=0, verbose=0)
    t0 = time.perf_counter()
    model.learn(total_timesteps=args.timesteps)
    seconds = time.perf_counter() - t0

    venv.training = False

    def ppo(obs, envs):
        return np.clip(model.predict(venv.normalize_obs(obs), deterministic=True)[0], 0.0, 1.0)

    rng = np.random.default_rng(0)
    print(f"PPO, {args.timesteps:,} env-steps in {seconds:.0f} s ({args.num_envs} envs)")
    print(f"mean episode reward, PPO:        {evaluate(spec, ppo):10.1f}")
    print(f"mean episode reward, base-stock: {evaluate(spec, base_stock):10.1f}")
    print(
        "mean episode reward, random:     "
        f"{evaluate(spec, lambda obs, envs: rng.random(envs.action_space.shape)):10.1f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
