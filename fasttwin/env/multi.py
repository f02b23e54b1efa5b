"""``parallel_env``: a PettingZoo ``ParallelEnv`` with one agent per node."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from pettingzoo import ParallelEnv

from fasttwin.env.presets import EnvSpec
from fasttwin.env.reward import RewardSpec
from fasttwin.env.spaces import Settings
from fasttwin.model.network import Model


class TwinParallelEnv(ParallelEnv):
    """One replication of a model with one agent per node (see :func:`parallel_env`)."""

    metadata = {"name": "fasttwin_parallel_v0", "render_modes": []}

    def __init__(
        self,
        model: Model | EnvSpec,
        *,
        seed: int | None = None,
        episode_length: int | None = None,
        reward: RewardSpec | None = None,
        action: str = "box",
        max_order: int | Mapping[str, int] | None = None,
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
            controlled=None,
            history=history,
            policy=policy,
            threads=1,
        )
        self._stepper = self.settings.stepper
        self.possible_agents = list(self.settings.agents)
        self.agents: list[str] = []
        self._orders = np.zeros((1, self._stepper.n_nodes), np.int64)
        self._width = len(self.settings.features)

        # PettingZoo wants the same space object at every call.
        self._observation_spaces = {
            a: self.settings.observation_space(per_node=True) for a in self.possible_agents
        }
        self._action_spaces = {
            a: self._agent_action_space(k) for k, a in enumerate(self.possible_agents)
        }

    def _agent_action_space(self, k: int):
        space = self.settings.action_space(k)
        if self.settings.action == "discrete":
            from gymnasium import spaces

            return spaces.Discrete(int(space.nvec[0]))
        return space

    def observation_space(self, agent):
        return self._observation_spaces[self.possible_agents[self._index(agent)]]

    def action_space(self, agent):
        return self._action_spaces[self.possible_agents[self._index(agent)]]

    def _index(self, agent) -> int:
        if agent not in self.possible_agents:
            raise ValueError(
                f"unknown agent {agent!r}; agents are the nodes {', '.join(self.possible_agents)}"
            )
        return self.possible_agents.index(agent)

    def _observations(self) -> dict:
        obs = self._stepper.obs[0]
        w = self._width
        return {a: obs[i * w : (i + 1) * w].copy() for i, a in enumerate(self.possible_agents)}

    def reset(self, seed: int | None = None, options: dict | None = None):
        self._stepper.reset(seed=seed)
        self.agents = list(self.possible_agents)
        return self._observations(), {a: {} for a in self.agents}

    def step(self, actions: Mapping):
        """One day: each agent's order; an agent left out follows its node's policy."""
        st = self._stepper
        if not self.agents:
            raise ValueError("every agent is done: reset() the environment first")
        if not isinstance(actions, Mapping):
            raise ValueError(f"actions must map agents (nodes) to actions, got {actions!r}")
        for agent in actions:
            self._index(agent)
        acting = [a for a in self.possible_agents if a in actions]
        st.external[:] = False
        if acting:
            idx = [self.possible_agents.index(a) for a in acting]
            values = np.array([np.ravel(actions[a]) for a in acting], dtype=np.float64).T
            settings = self.settings
            box = settings.action == "box"
            from fasttwin.env.actions import check_batch

            top = settings.max_order[idx]
            check_batch(values, (1, len(acting)), acting, 1.0 if box else top, integer=not box)
            units = np.floor(values * top + 0.5) if box else values
            st.external[settings.agent_index[idx]] = True
            self._orders[0, settings.agent_index[idx]] = units[0].astype(np.int64)
        st.step(self._orders)
        done = bool(st.done()[0])
        obs = self._observations()
        rewards = {a: float(st.node_reward[0, i]) for i, a in enumerate(self.possible_agents)}
        terminations = {a: done for a in self.possible_agents}
        truncations = {a: False for a in self.possible_agents}
        infos = {a: {} for a in self.possible_agents}
        if done:
            self.agents = []
        return obs, rewards, terminations, truncations, infos


def parallel_env(model: Model | EnvSpec, **kwargs) -> TwinParallelEnv:
    """A PettingZoo ``ParallelEnv`` of one replication, one agent per node.

    Agents are the nodes (model order); each observes its own node's features
    (those of :class:`~fasttwin.env.vector.TwinVectorEnv`), orders for it
    (``Box(0, 1, (1,))`` as a fraction of its ``max_order``, or
    ``Discrete(max_order + 1)`` units with ``action="discrete"``) and is
    rewarded with its own node's reward (minus its cost, plus the shaping
    terms). An agent left out of a step's actions follows its node's policy.
    Keyword arguments are those of ``TwinVectorEnv`` but ``num_envs``,
    ``controlled`` and ``autoreset_mode``; it passes PettingZoo's
    ``parallel_api_test``.

    Examples
    --------
    >>> import fasttwin as ft
    >>> env = ft.env.parallel_env(ft.retail_twin(), action="discrete", seed=2)
    >>> obs, infos = env.reset()
    >>> env.agents, env.action_space("store_1")
    (['warehouse', 'store_1', 'store_2', 'store_3'], Discrete(601))
    >>> obs, rewards, terms, truncs, infos = env.step({"store_1": 40})   # the rest by policy
    >>> sorted(rewards) == sorted(env.agents), obs["store_1"].shape
    (True, (15,))
    """
    return TwinParallelEnv(model, **kwargs)
