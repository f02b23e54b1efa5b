"""``TwinVectorEnv``: a Gymnasium vector environment; one Numba call steps every replication."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from fasttwin.env.presets import EnvSpec
from fasttwin.env.reward import RewardSpec
from fasttwin.env.spaces import Settings
from fasttwin.model.checks import check_choice
from fasttwin.model.network import Model

_MODES = {
    "next_step": AutoresetMode.NEXT_STEP,
    "same_step": AutoresetMode.SAME_STEP,
    "disabled": AutoresetMode.DISABLED,
}


class TwinVectorEnv(VectorEnv):
    """``num_envs`` replications of a model as one ``gymnasium.vector.VectorEnv``.

    Every :meth:`step` advances all environments by one day with one call of
    the step kernel (:mod:`fasttwin.kernels.step`; on several threads for
    large batches); the day is the simulator's own.

    Parameters
    ----------
    model
        A periodic-review :class:`~fasttwin.model.network.Model`, or an
        :class:`~fasttwin.env.presets.EnvSpec` such as
        :func:`fasttwin.env.ten_products` (its settings become the defaults).
    num_envs
        Environments (replications) stepped together.
    seed
        Random seed (``None``: the model's, else 0). Environment ``i`` at
        episode ``e`` is replication ``e * 2**32 + i`` of
        ``ft.simulate(model, seed=seed)``: episode 0 of environment ``i`` is
        replication ``i``, whatever ``num_envs`` is. ``reset(seed=s)``
        restarts every environment at episode 0 of seed ``s``.
    episode_length
        Days per episode (``None``: the model's ``periods``).
    reward
        Shaping terms (:class:`~fasttwin.env.reward.RewardSpec`); the reward
        of a day is minus the cost of every node plus them.
    action
        ``"box"``: ``Box(0, 1, (agents,))``, a fraction of each node's
        ``max_order``, rounded to whole units; ``"discrete"``:
        ``MultiDiscrete(max_order + 1)``, units.
    max_order
        The largest daily order: one int, ``{node: int}``, or ``None``
        (twice each node's order-up-to level, or the preset's).
    controlled
        The nodes the agent orders for (default: all, in model order); the
        others follow their policy.
    history
        Days of past demand observed per node.
    policy
        Scalar policy parameters replacing the model's (for uncontrolled nodes
        and initial stock).
    replications
        The replication each environment runs at episode 0 (default
        ``0 .. num_envs - 1``; episode ``e`` runs ``e * 2**32`` more).
        Environments given the same one see the same random numbers: common
        random numbers when comparing policies side by side.
    threads
        Threads that step large batches (``None``: Numba's thread count).
    autoreset_mode
        ``"next_step"`` (Gymnasium's default: the step after an episode ends
        resets those environments, ignoring their actions, with reward 0),
        ``"same_step"`` (reset at once; the last observation in
        ``infos["final_obs"]``) or ``"disabled"`` (``reset(options={"reset_mask":
        mask})`` by hand).

    Notes
    -----
    Observation of one environment: ``nodes x F`` float32 features, node by
    node in model order (names in :attr:`observation_names`): on hand,
    backorders (owed to customers or children), owed by the parent, units
    arriving in 1 .. L days (L: the longest lead time), demand of the last
    ``history`` days (customer demand, or children's orders), expected
    customer demand of the coming day (the node's subtree), and the share of
    the episode elapsed. Episodes end with ``terminated`` True after
    ``episode_length`` days: the horizon is part of the problem and the
    observation carries the time.

    Examples
    --------
    >>> import numpy as np
    >>> import fasttwin as ft
    >>> envs = ft.env.TwinVectorEnv(ft.env.ten_products(), num_envs=8, seed=1)
    >>> envs.single_observation_space.shape, envs.single_action_space.shape
    ((130,), (10,))
    >>> obs, info = envs.reset()
    >>> obs, reward, terminated, truncated, info = envs.step(np.full((8, 10), 0.1))
    >>> obs.shape, reward.shape, bool(terminated.any())
    ((8, 130), (8,), False)
    """

    metadata = {"autoreset_mode": AutoresetMode.NEXT_STEP, "render_modes": []}

    def __init__(
        self,
        model: Model | EnvSpec,
        num_envs: int = 1,
        *,
        seed: int | None = None,
        episode_length: int | None = None,
        reward: RewardSpec | None = None,
        action: str = "box",
        max_order: int | Mapping[str, int] | None = None,
        controlled: Sequence[str] | None = None,
        history: int = 3,
        policy: Mapping | None = None,
        autoreset_mode: str = "next_step",
        replications=None,
        threads: int | None = None,
    ):
        mode = _MODES[check_choice("autoreset_mode", autoreset_mode, tuple(_MODES))]
        self.settings = Settings(
            model,
            num_envs,
            seed=seed,
            episode_length=episode_length,
            reward=reward,
            action=action,
            max_order=max_order,
            controlled=controlled,
            history=history,
            policy=policy,
            threads=threads,
        )
        self._stepper = self.settings.stepper
        self.num_envs = self._stepper.num_envs
        if replications is not None:
            reps = np.asarray(replications)
            if reps.shape != (self.num_envs,) or reps.dtype.kind not in "iu" or (reps < 0).any():
                raise ValueError(
                    f"replications must be {self.num_envs} integers >= 0 (one per environment), "
                    f"got {replications!r}"
                )
            if (reps >= 2**32).any():
                raise ValueError("replications must be < 2**32 (episodes count above them)")
            self._stepper.env_index[:] = reps
        self.metadata = {**type(self).metadata, "autoreset_mode": mode}
        self.single_observation_space = self.settings.observation_space()
        self.single_action_space = self.settings.action_space()
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self._autoreset = np.zeros(self.num_envs, bool)
        self._orders = np.zeros((self.num_envs, self._stepper.n_nodes), np.int64)

    @property
    def observation_names(self) -> list[str]:
        """``"node.feature"`` for every entry of an environment's observation."""
        return self.settings.observation_names

    @property
    def agents(self) -> tuple[str, ...]:
        """The controlled nodes, in the order of an action's entries."""
        return self.settings.agents

    @property
    def stepper(self):
        """The :class:`~fasttwin.env.core.Stepper` (state arrays) behind the environments."""
        return self._stepper

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        """Start the next episode of every environment (or of ``options["reset_mask"]``)."""
        super().reset(seed=seed)
        mask = None if options is None else options.get("reset_mask")
        if mask is not None:
            mask = np.asarray(mask, bool)
            if mask.shape != (self.num_envs,):
                raise ValueError(
                    f"options['reset_mask'] must be {self.num_envs} booleans, got shape "
                    f"{mask.shape}"
                )
        self._stepper.reset(mask, seed=seed)
        if mask is None:
            self._autoreset[:] = False
        else:
            self._autoreset[mask] = False
        return self._stepper.obs.copy(), {}

    def step(self, actions):
        """Advance every environment by one day; ``actions (num_envs, agents)``."""
        st = self._stepper
        shape = self.action_space.shape
        self._orders[:, self.settings.agent_index] = self.settings.orders(actions, shape)
        mode = self.metadata["autoreset_mode"]
        restart = self._autoreset.any() and mode == AutoresetMode.NEXT_STEP
        if restart:
            st.reset(self._autoreset)
            st.step(self._orders, active=~self._autoreset)
        else:
            st.step(self._orders)
        reward = st.node_reward.sum(axis=1)
        terminated = st.done()
        infos: dict = {}
        if restart:
            reward[self._autoreset] = 0.0
            terminated[self._autoreset] = False
        obs = st.obs.copy()
        if mode == AutoresetMode.SAME_STEP and terminated.any():
            final = np.full(self.num_envs, None, dtype=object)
            for e in np.flatnonzero(terminated):
                final[e] = obs[e]
            infos = {"final_obs": final, "_final_obs": terminated.copy()}
            st.reset(terminated)
            obs = st.obs.copy()
        elif mode == AutoresetMode.NEXT_STEP:
            self._autoreset = terminated.copy()
        return obs, reward, terminated, np.zeros(self.num_envs, bool), infos

    def close_extras(self, **kwargs):
        self._stepper.close()
