"""What the environments share: settings, spaces, the observation layout, actions to orders."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from fasttwin.env.presets import EnvSpec, resolve_max_order
from fasttwin.env.reward import RewardSpec
from fasttwin.model.checks import check_choice
from fasttwin.model.network import Model

ACTION_KINDS = ("box", "discrete")
#: Upper bound of every observation feature (all are >= 0): finite, as Gymnasium prefers.
OBS_HIGH = float(np.finfo(np.float32).max)


def feature_names(slots: int, history: int) -> list[str]:
    """Names of one node's observation features, in order.

    Examples
    --------
    >>> feature_names(3, 2)
    ['on_hand', 'backorders', 'owed', 'arriving_in_1', 'arriving_in_2', 'demand_lag_1', \
'demand_lag_2', 'expected_demand', 'elapsed']
    """
    return [
        "on_hand",
        "backorders",
        "owed",
        *(f"arriving_in_{k}" for k in range(1, slots)),
        *(f"demand_lag_{k}" for k in range(1, history + 1)),
        "expected_demand",
        "elapsed",
    ]


class Settings:
    """An environment's resolved settings and its :class:`~fasttwin.env.core.Stepper`."""

    def __init__(
        self,
        model: Model | EnvSpec,
        num_envs: int,
        *,
        seed: int | None,
        episode_length: int | None,
        reward: RewardSpec | None,
        action: str,
        max_order: int | Mapping[str, int] | None,
        controlled: Sequence[str] | None,
        history: int,
        policy: Mapping | None,
        threads: int | None = None,
    ):
        from fasttwin.env.core import Stepper

        if isinstance(model, EnvSpec):
            spec = model
            model = spec.model
            reward = spec.reward if reward is None else reward
            episode_length = spec.episode_length if episode_length is None else episode_length
            max_order = spec.max_order if max_order is None else max_order
        if not isinstance(model, Model):
            raise ValueError(
                "model must be a fasttwin Model or an EnvSpec (e.g. ft.env.ten_products()), "
                f"got {type(model).__name__}"
            )
        self.action = check_choice("action", action, ACTION_KINDS)
        names = model.node_names
        controlled = names if controlled is None else tuple(controlled)
        if not controlled:
            raise ValueError(f"controlled must name at least one node of {', '.join(names)}")
        self.stepper = Stepper(
            model,
            num_envs,
            seed=seed,
            horizon=episode_length,
            controlled=controlled,
            reward=reward,
            history=history,
            policy=policy,
            threads=threads,
        )
        st = self.stepper
        self.model = model
        self.agents = st.controlled
        self.agent_index = np.array([names.index(a) for a in self.agents], np.int64)
        all_max = resolve_max_order(model, max_order)
        self.max_order = np.array([all_max[i] for i in self.agent_index], np.int64)
        self.features = feature_names(st.slots, st.history)
        self.observation_names = [f"{n}.{f}" for n in names for f in self.features]

    def observation_space(self, per_node: bool = False):
        from gymnasium import spaces

        size = len(self.features) if per_node else len(self.observation_names)
        return spaces.Box(0.0, OBS_HIGH, (size,), np.float32)

    def action_space(self, agents: int | None = None):
        """The action space of ``agents`` nodes (all controlled ones by default)."""
        from gymnasium import spaces

        top = self.max_order if agents is None else self.max_order[agents : agents + 1]
        if self.action == "box":
            return spaces.Box(0.0, 1.0, (top.size,), np.float32)
        return spaces.MultiDiscrete(top + 1)

    def orders(self, actions, shape: tuple[int, ...]) -> np.ndarray:
        """Order units ``(envs, controlled)`` from checked actions of ``shape``.

        Box actions are fractions of ``max_order``, rounded to whole units;
        discrete actions are units.
        """
        from fasttwin.env.actions import check_batch

        box = self.action == "box"
        arr = check_batch(
            actions, shape, self.agents, 1.0 if box else self.max_order, integer=not box
        )
        arr = arr.reshape(shape[0], len(self.agents))
        if box:
            return np.floor(arr * self.max_order + 0.5).astype(np.int64)
        return arr.astype(np.int64)
