"""The batch of running twins behind every step API: state, lowering, one kernel call a day.

:class:`Stepper` holds ``num_envs`` replications of one model, each on its
own day, and advances them all by one day with one call of
:func:`fasttwin.kernels.step.step_envs` (split over threads when the batch is
large). Everything above it (:class:`~fasttwin.env.twin.DigitalTwin`, the
Gymnasium and PettingZoo environments, :func:`fasttwin.trace` for networks)
only turns actions into order quantities and arrays into observations.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from fasttwin.env.reward import RewardSpec
from fasttwin.model.checks import check_number
from fasttwin.model.network import Model

#: Environments per thread below which one thread steps the whole batch.
MIN_ENVS_PER_THREAD = 512
#: Queue entries per (environment, parent) at first; doubled when needed.
QUEUE_START = 8


def check_model(model) -> Model:
    """Refuse what the step kernel does not run (continuous review, non-models)."""
    if not isinstance(model, Model):
        raise ValueError(
            f"model must be a fasttwin Model (e.g. ft.retail_twin()), got {type(model).__name__}"
        )
    if model.review != "periodic":
        raise ValueError(
            f"model.review must be 'periodic' to step a twin day by day, got {model.review!r}"
        )
    return model


class Stepper:
    """``num_envs`` running replications of ``model``, advanced one day per :meth:`step`.

    Parameters
    ----------
    model
        A periodic-review model; every node needs a policy (the nodes that
        are not ``controlled`` follow it; the others start from its initial
        inventory).
    num_envs
        Replications run side by side.
    seed
        The random seed (``None``: the model's, else 0).
    horizon
        Days per episode (``None``: the model's ``periods``, else 365).
    controlled
        Names of the nodes whose orders come from :meth:`step`'s ``orders``.
    reward
        The shaping terms of the reward (:class:`RewardSpec`).
    history
        Days of past demand in the observation.
    policy
        Scalar policy parameters that replace the model's, as for
        :func:`fasttwin.simulate` (``{"warehouse.reorder_point": 800}``).
    rows
        Also return each day's sums per node (for the twin and traces).
    warmup
        The day on which replenishment-cycle counts restart (the cube's warm-up).
    threads
        Threads for large batches (``None``: Numba's thread count).
    """

    def __init__(
        self,
        model: Model,
        num_envs: int,
        *,
        seed: int | None = None,
        horizon: int | None = None,
        controlled: Sequence[str] = (),
        reward: RewardSpec | None = None,
        history: int = 3,
        policy: Mapping | None = None,
        rows: bool = False,
        warmup: int = 0,
        threads: int | None = None,
    ):
        from fasttwin.plan.grid import resolve_policy
        from fasttwin.plan.network import network_plan, network_policy

        self.model = check_model(model)
        self.num_envs = check_number("num_envs", num_envs, low=1, integer=True)
        seed = model.seed if seed is None else seed
        self.seed = check_number(
            "seed", 0 if seed is None else seed, low=0, high=2**63 - 1, integer=True
        )
        horizon = model.periods if horizon is None else horizon
        self.horizon = check_number(
            "episode_length", 365 if horizon is None else horizon, low=1, integer=True
        )
        self.history = check_number("history", history, low=0, integer=True)
        reward = RewardSpec() if reward is None else reward
        if not isinstance(reward, RewardSpec):
            raise ValueError(f"reward must be a RewardSpec, got {type(reward).__name__}")
        self.reward = reward
        names = model.node_names
        self.node_names = names
        controlled = tuple(controlled)
        for name in controlled:
            if name not in names:
                raise ValueError(
                    f"controlled names unknown node {name!r}; nodes are {', '.join(names)}"
                )
        self.controlled = tuple(n for n in names if n in controlled)
        grid = resolve_policy(model, policy)
        if grid.axes:
            axes = ", ".join(a.name for a in grid.axes)
            raise ValueError(f"policy values must be scalars for a twin, got sequences for {axes}")
        pol = network_policy(model, grid)
        if not pol.valid.all():
            raise ValueError("policy: reorder_point must be < order_up_to at every node")
        plan = network_plan(model, self.horizon)
        self.plan = plan
        self.kinds = pol.kinds
        n = len(names)
        self.n_nodes = n
        self._policy, initial = pol.kernel_arrays()
        self.initial = initial.copy()
        self.warmup = check_number("warmup", warmup, low=0, integer=True)
        self.external = np.array([name in self.controlled for name in names], np.bool_)
        self.slots = int(plan.slots)
        children = np.bincount(plan.parent[plan.parent >= 0], minlength=n)
        self._room = max(int(children.max()), 1)
        self._n_queues = int((plan.queue_of >= 0).sum())
        self.n_features = 3 + (self.slots - 1) + self.history + 2
        self._cost = np.array(
            [
                [
                    node.holding_cost,
                    node.backorder_cost,
                    node.lost_sale_cost,
                    node.order_cost,
                    node.unit_cost,
                    node.overflow_cost,
                ]
                for node in model.nodes
            ],
            np.float64,
        )
        mean = plan.demand_mean  # (nodes, horizon): expected customer demand
        subtree = np.zeros((n, self.horizon + 1))
        for i in range(n):
            members = plan.sub_nodes[plan.sub_start[i] : plan.sub_start[i + 1]]
            subtree[i, : self.horizon] = mean[members].sum(axis=0)
        self.mean_next = subtree
        demand_nodes = plan.has_demand.astype(bool)
        level = np.full((n, self.horizon), np.inf)
        level[demand_nodes] = reward.excess_level * mean[demand_nodes]
        self._excess_level = level
        self._shaping = np.array(reward.terms(), np.float64)
        self._want_rows = rows
        threads = _default_threads() if threads is None else threads
        self.threads = check_number("threads", threads, low=1, integer=True)
        self._pool: ThreadPoolExecutor | None = None
        self._allocate()

    # -- state ------------------------------------------------------------------------------

    def _allocate(self):
        e, n, nq = self.num_envs, self.n_nodes, self._n_queues
        from fasttwin.kernels import network_layout as NL

        self.env_index = np.arange(e, dtype=np.int64)
        self.episode = np.full(e, -1, np.int64)
        self.t = np.zeros(e, np.int64)
        self.x = np.zeros((e, n), np.int64)
        self.transit = np.zeros((e, n), np.int64)
        self.owed = np.zeros((e, n), np.int64)
        self.next_review = np.zeros((e, n), np.int64)
        self.pipe = np.zeros((e, n * self.slots), np.int64)
        self.cycle = np.zeros((e, n), np.int64)
        self.total = np.zeros((e, nq, 1), np.int64)
        self.q_head = np.zeros((e, nq, 1), np.int64)
        self.q_len = np.zeros((e, nq, 1), np.int64)
        self.q_child = np.zeros((e, nq, 1, QUEUE_START), np.int64)
        self.q_qty = np.zeros((e, nq, 1, QUEUE_START), np.int64)
        self.demand_history = np.zeros((e, n, self.history), np.int64)
        self.obs = np.zeros((e, n * self.n_features), np.float32)
        self.node_reward = np.zeros((e, n), np.float64)
        self.ordered = np.zeros((e, n), np.int64)
        k = e if self._want_rows else 0
        self.rows = np.zeros((k, n, NL.N_NODE_SUMS), np.int64)
        self.shares = np.zeros((k, n), np.float64)
        self.stockouts = np.zeros(k, np.int64)
        self.orders = np.zeros((e, n), np.int64)
        self.active = np.ones(e, np.bool_)

    def reset(self, mask: np.ndarray | None = None, seed: int | None = None) -> None:
        """Start the next episode of the environments in ``mask`` (all by default).

        With ``seed``, every environment restarts at episode 0 of that seed.
        """
        from fasttwin.kernels.step import observe_envs

        if seed is not None:
            self.seed = check_number("seed", seed, low=0, high=2**63 - 1, integer=True)
            self.episode[:] = -1
            mask = None
        m = slice(None) if mask is None else np.asarray(mask, bool)
        self.episode[m] += 1
        self.t[m] = 0
        self.x[m] = self.initial
        for arr in (
            self.transit,
            self.owed,
            self.next_review,
            self.pipe,
            self.cycle,
            self.total,
            self.q_head,
            self.q_len,
            self.demand_history,
        ):
            arr[m] = 0
        observe_envs(
            np.arange(self.num_envs)[m],
            self.n_features,
            self.t,
            self.horizon,
            self.x,
            self.owed,
            self.pipe,
            self.slots,
            self.demand_history,
            self.mean_next,
            self.obs,
        )

    def done(self) -> np.ndarray:
        """Which environments have run their whole episode."""
        return self.t >= self.horizon

    # -- stepping ---------------------------------------------------------------------------

    def step(self, orders: np.ndarray | None = None, active: np.ndarray | None = None) -> None:
        """Advance every environment (those in ``active``, if given) by one day.

        ``orders (num_envs, nodes)``: integer quantities of the controlled
        nodes (other columns are ignored). Fills :attr:`obs`,
        :attr:`node_reward` and, when built with ``rows``, :attr:`rows`,
        :attr:`shares` and :attr:`stockouts` of the environments stepped.
        """
        if active is None:
            self.active[:] = True
        else:
            self.active[:] = active
        if (self.episode[self.active] < 0).any():
            raise RuntimeError("call reset() before step()")
        if (self.t[self.active] >= self.horizon).any():
            raise RuntimeError(
                f"an episode has run its {self.horizon} days: reset() it before stepping again"
            )
        if orders is not None:
            self.orders = orders
        from fasttwin.kernels.step import step_envs

        n_threads = min(self.threads, max(1, self.num_envs // MIN_ENVS_PER_THREAD))
        edges = np.linspace(0, self.num_envs, n_threads + 1).astype(np.int64)
        ranges = [(int(edges[k]), int(edges[k + 1])) for k in range(n_threads)]
        while ranges:
            args = self._arguments()
            if len(ranges) == 1:
                stops = [step_envs(*ranges[0], *args)]
            else:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(max_workers=self.threads)
                futures = [self._pool.submit(step_envs, a, b, *args) for a, b in ranges]
                stops = [f.result() for f in futures]
            # An environment whose queues could fill today stopped its block: grow, go on.
            ranges = [(stop, b) for stop, (_, b) in zip(stops, ranges, strict=True) if stop < b]
            if ranges:
                self._grow_queues()

    def _arguments(self) -> tuple:
        return (
            self.seed,
            self.env_index,
            self.episode,
            self.t,
            self.warmup,
            *self.plan.kernel_arrays(),
            self._policy,
            self._room,
            self.active,
            self.external,
            self.orders,
            self.x,
            self.transit,
            self.owed,
            self.next_review,
            self.pipe,
            self.cycle,
            self.total,
            self.q_head,
            self.q_len,
            self.q_child,
            self.q_qty,
            self.demand_history,
            self._cost,
            self._excess_level,
            self._shaping,
            self.mean_next,
            self.horizon,
            self.obs,
            self.node_reward,
            self.ordered,
            self.rows,
            self.shares,
            self.stockouts,
        )

    def _grow_queues(self) -> None:
        """Double every queue's room, keeping each queue's entries in order (rare)."""
        cap = self.q_child.shape[-1]
        order = (self.q_head[..., None] + np.arange(cap)) % cap
        grown = []
        for arr in (self.q_child, self.q_qty):
            new = np.zeros((*arr.shape[:-1], 2 * cap), np.int64)
            new[..., :cap] = np.take_along_axis(arr, order, axis=-1)
            grown.append(new)
        self.q_child, self.q_qty = grown
        self.q_head[:] = 0

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    # -- reading state ----------------------------------------------------------------------

    def pipeline(self, env: int) -> np.ndarray:
        """Units arriving at each node in 1 .. slots-1 days ``(nodes, slots - 1)``."""
        s = self.slots
        day = int(self.t[env])
        cols = [(day - 1 + k) % s for k in range(1, s)]
        return self.pipe[env].reshape(self.n_nodes, s)[:, cols]


def _default_threads() -> int:
    from fasttwin.engine.threads import threads

    return threads()
