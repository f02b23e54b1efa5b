"""``TwinEnv``: one replication of a model as a ``gymnasium.Env``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import gymnasium as gym
import numpy as np

from fasttwin.env.presets import EnvSpec
from fasttwin.env.reward import RewardSpec
from fasttwin.env.spaces import Settings
from fasttwin.model.network import Model


class TwinEnv(gym.Env):
    """One environment of :class:`~fasttwin.env.vector.TwinVectorEnv`, as a ``gymnasium.Env``.

    Same parameters, spaces, observation and reward; episode ``e`` is
    replication ``e * 2**32`` of ``ft.simulate(model, seed=seed)`` (episode 0
    is replication 0). It passes ``gymnasium.utils.env_checker.check_env``.

    Examples
    --------
    >>> import fasttwin as ft
    >>> env = ft.env.TwinEnv(ft.retail_twin(), action="discrete", seed=3)
    >>> env.action_space
    MultiDiscrete([6001  601  721  901])
    >>> obs, info = env.reset()
    >>> obs, reward, terminated, truncated, info = env.step([0, 40, 40, 40])
    >>> obs.shape, bool(terminated)
    ((60,), False)
    """

    metadata = {"render_modes": []}

    def __init__(
        self,
        model: Model | EnvSpec,
        *,
        seed: int | None = None,
        episode_length: int | None = None,
        reward: RewardSpec | None = None,
        action: str = "box",
        max_order: int | Mapping[str, int] | None = None,
        controlled: Sequence[str] | None = None,
        history: int = 3,
        policy: Mapping | None = None,
    ):
        self.settings = Settings(
            model,
            1,
            seed=seed,
            episode_length=episode_length,
            reward=reward,
            action=action,
            max_order=max_order,
            controlled=controlled,
            history=history,
            policy=policy,
            threads=1,
        )
        self._stepper = self.settings.stepper
        self.observation_space = self.settings.observation_space()
        self.action_space = self.settings.action_space()
        self._orders = np.zeros((1, self._stepper.n_nodes), np.int64)

    @property
    def observation_names(self) -> list[str]:
        return self.settings.observation_names

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        self._stepper.reset(seed=seed)
        return self._stepper.obs[0].copy(), {}

    def step(self, action):
        st = self._stepper
        shape = (1, *self.action_space.shape)
        self._orders[:, self.settings.agent_index] = self.settings.orders(
            np.reshape(np.asarray(action), shape) if np.ndim(action) == 1 else action, shape
        )
        st.step(self._orders)
        reward = float(st.node_reward[0].sum())
        return st.obs[0].copy(), reward, bool(st.done()[0]), False, {}
