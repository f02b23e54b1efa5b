"""A small learner on the vector environment: cross-entropy over order-up-to rules.

Each controlled node follows the rule "if the inventory position is at or
below ``s``, order up to ``S``", read from its own observation (position =
on hand - backorders + owed + everything arriving). The cross-entropy method
keeps a Gaussian over every node's ``(s, S - s)``, draws a population of
rules, runs each on ``reps`` environments of one :class:`TwinVectorEnv` (all
candidates in one batch, the same replications for every candidate: common
random numbers), and refits the Gaussian to the best ``elite`` share.
NumPy only: no deep-learning library needed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fasttwin.model.checks import check_number


@dataclass(frozen=True)
class LearnResult:
    """What :func:`cross_entropy` found.

    ``reorder_point`` and ``order_up_to`` per controlled node (``nodes``);
    ``history``: the mean reward per environment-day of the elite at each
    iteration; ``policy``: the rule as a :func:`fasttwin.simulate` policy.
    """

    nodes: tuple[str, ...]
    reorder_point: tuple[int, ...]
    order_up_to: tuple[int, ...]
    history: tuple[float, ...]

    @property
    def policy(self) -> dict:
        return {
            **{
                f"{n}.reorder_point": s for n, s in zip(self.nodes, self.reorder_point, strict=True)
            },
            **{f"{n}.order_up_to": s for n, s in zip(self.nodes, self.order_up_to, strict=True)},
        }


def inventory_positions(obs: np.ndarray, names: list[str], nodes) -> np.ndarray:
    """Each node's inventory position ``(envs, nodes)`` from observations ``(envs, features)``."""
    out = np.zeros((obs.shape[0], len(nodes)))
    for k, node in enumerate(nodes):
        for j, name in enumerate(names):
            owner, feature = name.split(".", 1)
            if owner != node:
                continue
            if feature in ("on_hand", "owed") or feature.startswith("arriving_in_"):
                out[:, k] += obs[:, j]
            elif feature == "backorders":
                out[:, k] -= obs[:, j]
    return out


def order_up_to_actions(position, reorder, up_to, top) -> np.ndarray:
    """The rule's orders (whole units, at most ``top``) for positions ``(envs, nodes)``."""
    q = np.where(position <= reorder, up_to - position, 0.0)
    return np.clip(q, 0, top).astype(np.int64)


def cross_entropy(
    model,
    *,
    population: int = 32,
    reps: int = 16,
    iterations: int = 12,
    elite: float = 0.25,
    episode_length: int | None = None,
    seed: int = 0,
    **env_kwargs,
) -> LearnResult:
    """Learn an ``(s, S)`` rule per node on :class:`~fasttwin.env.vector.TwinVectorEnv`.

    Parameters
    ----------
    model
        A model or :class:`~fasttwin.env.presets.EnvSpec`.
    population, reps
        Candidate rules per iteration, and environments (replications) each
        is run on: ``population * reps`` environments step together.
    iterations
        Rounds of draw, run, refit; iteration ``k`` runs episode 0 of seed
        ``seed + k`` (new demand each round, the same for every candidate).
    elite
        Share of the population the Gaussian is refitted to.
    episode_length, env_kwargs
        Passed to ``TwinVectorEnv`` (``reward=``, ``controlled=``, ...).

    Examples
    --------
    >>> import fasttwin as ft
    >>> model = ft.single_node(ft.Poisson(5.0), lead_time=1, holding_cost=1.0,
    ...                        backorder_cost=9.0, order_cost=10.0, order_up_to=20)
    >>> res = cross_entropy(model, population=8, reps=4, iterations=3, episode_length=30)
    >>> len(res.history), res.reorder_point[0] < res.order_up_to[0]
    (3, True)
    """
    from fasttwin.env.vector import TwinVectorEnv

    population = check_number("population", population, low=2, integer=True)
    reps = check_number("reps", reps, low=1, integer=True)
    iterations = check_number("iterations", iterations, low=1, integer=True)
    elite = check_number("elite", elite, low=0, high=1, low_open=True)
    n_elite = max(2, int(round(elite * population)))
    envs = TwinVectorEnv(
        model,
        population * reps,
        episode_length=episode_length,
        action="discrete",
        replications=np.tile(np.arange(reps), population),
        **env_kwargs,
    )
    st = envs.stepper
    nodes = envs.agents
    top = envs.settings.max_order
    names = envs.observation_names
    # Start around the demand over the lead time + 1 day, with a gap of two days' demand.
    idx = envs.settings.agent_index
    daily = st.mean_next[idx, : st.horizon].mean(axis=1)
    lead = np.array([_max_lead(st.model.nodes[i]) for i in idx])
    mean = np.concatenate([daily * (lead + 1), np.maximum(2 * daily, 1.0)])
    std = np.maximum(mean, 1.0)
    rng = np.random.default_rng(seed)
    history = []
    n = len(nodes)
    for k in range(iterations):
        theta = rng.normal(mean, std, size=(population, 2 * n))
        theta[:, n:] = np.maximum(theta[:, n:], 1.0)
        reorder = np.repeat(np.floor(theta[:, :n]), reps, axis=0)
        up_to = reorder + np.repeat(np.floor(theta[:, n:]), reps, axis=0)
        obs, _ = envs.reset(seed=seed + k)
        total = np.zeros(envs.num_envs)
        for _ in range(st.horizon):
            position = inventory_positions(obs, names, nodes)
            obs, reward, *_ = envs.step(order_up_to_actions(position, reorder, up_to, top))
            total += reward
        score = total.reshape(population, reps).mean(axis=1) / st.horizon
        best = np.argsort(score)[::-1][:n_elite]
        mean = theta[best].mean(axis=0)
        std = theta[best].std(axis=0) + 0.5
        history.append(float(score[best].mean()))
    s = np.floor(mean[:n]).astype(int)
    gap = np.maximum(np.floor(mean[n:]), 1).astype(int)
    return LearnResult(
        tuple(nodes), tuple(int(v) for v in s), tuple(int(v) for v in s + gap), tuple(history)
    )


def _max_lead(node) -> int:
    from fasttwin.plan.lower import lead_time_plan

    return lead_time_plan(node.lead_time).max
