"""``DigitalTwin``: the original twin's reset / step / get_state / get_metrics API."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from fasttwin.env.actions import parse_actions
from fasttwin.model.network import Model


class DigitalTwin:
    """One replication of a model, stepped a day at a time, orders by hand or by policy.

    Each :meth:`step` is one day of DESIGN.md section 1, run by the same
    kernel code as :func:`fasttwin.simulate` (:mod:`fasttwin.kernels.step`).
    Nodes given an order in ``actions`` order that many units that day in
    place of what their policy would; the others follow their policy. Left
    to its policies, the twin is replication 0 of ``ft.simulate(model,
    seed=seed)`` (replication ``e * 2**32`` after ``e`` resets), day by day,
    and :meth:`get_metrics` at the end of the horizon equals that cube's
    values for it exactly.

    Parameters
    ----------
    model
        A periodic-review model (default: :func:`fasttwin.retail_twin`).
    seed, periods, warmup
        As for :func:`fasttwin.simulate` (``None``: the model's).
    policy
        Scalar policy parameters replacing the model's, e.g.
        ``{"warehouse.reorder_point": 800}``.

    Examples
    --------
    >>> import fasttwin as ft
    >>> twin = ft.DigitalTwin(ft.retail_twin(), seed=42)
    >>> state = twin.reset()
    >>> state["store_1"]["on_hand"]
    500
    >>> state = twin.step({"store_orders": {"store_1": 40}, "warehouse_orders": {"warehouse": 0}})
    >>> state["store_1"]["pipeline"]      # units arriving in 1, 2, ... days
    [0, 40, 0, 0, 0, 0, 0]
    >>> for _ in range(9):
    ...     state = twin.step()           # every node follows its (s, S) policy
    >>> metrics = twin.get_metrics()      # over the days after the 7-day warm-up
    >>> twin.day, metrics["days"], round(metrics["fill_rate"], 3)
    (10, 3, 0.719)
    >>> twin.step({"store_1": -5})
    Traceback (most recent call last):
    ...
    ValueError: action for node 'store_1': the order must be a whole number of units >= 0, got -5
    """

    def __init__(
        self,
        model: Model | None = None,
        seed: int | None = None,
        *,
        periods: int | None = None,
        warmup: int | None = None,
        policy: Mapping | None = None,
    ):
        from fasttwin.env.core import Stepper
        from fasttwin.model.examples import retail_twin
        from fasttwin.plan.run import resolve_run

        model = retail_twin() if model is None else model
        run = resolve_run(model, 1, periods, warmup, seed)
        self._stepper = Stepper(
            model,
            1,
            seed=run.seed,
            horizon=run.periods,
            controlled=model.node_names,
            policy=policy,
            history=0,
            rows=True,
            warmup=run.warmup,
        )
        self.model = model
        self.periods = run.periods
        self.warmup = run.warmup
        self._stores = tuple(n.name for n in model.nodes if n.demand is not None)
        self._days: list[tuple[np.ndarray, np.ndarray, int]] = []

    @property
    def seed(self) -> int:
        return self._stepper.seed

    @property
    def day(self) -> int:
        """Days simulated in this episode."""
        return int(self._stepper.t[0])

    @property
    def episode(self) -> int:
        """Episodes started (0 for the first; its replication key is ``episode * 2**32``)."""
        return int(self._stepper.episode[0])

    def reset(self, seed: int | None = None) -> dict:
        """Start the next episode (or episode 0 of ``seed``); return the state."""
        self._stepper.reset(seed=seed)
        self._days = []
        return self.get_state()

    def step(self, actions: Mapping | None = None) -> dict:
        """Simulate one day; return the state at its end (as :meth:`get_state`).

        ``actions``: ``None`` (every node follows its policy), ``{node:
        units}``, or ``{"store_orders": {store: units}, "warehouse_orders":
        {node: units}}`` (the original retail twin's form; "stores" are the
        demand-facing nodes). A node left out, or given ``None``, follows
        its policy; an order of 0 places no order. Bad actions (unknown
        node, negative, NaN, not whole units) raise ``ValueError`` naming
        the node, before the day runs.
        """
        st = self._stepper
        if st.episode[0] < 0:
            self.reset()
        orders = parse_actions(actions, st.node_names, self._stores)
        if self.day >= self.periods:
            raise ValueError(
                f"the twin has run its {self.periods} days; reset() it, or build it with a "
                "larger periods="
            )
        st.external[:] = [name in orders for name in st.node_names]
        st.orders[0] = [orders.get(name, 0) for name in st.node_names]
        st.step()
        self._days.append((st.rows[0].copy(), st.shares[0].copy(), int(st.stockouts[0])))
        return self.get_state()

    def get_state(self) -> dict:
        """The state at the end of the last day, one dict per node.

        Per node: ``on_hand``; ``backorders`` (what it owes customers or child
        nodes); ``pipeline`` (units arriving in 1, 2, ... days); ``owed``
        (what its parent owes it); ``inventory_position``; and the last
        day's ``demand`` (customer demand, or child nodes' orders), ``sales``
        (units shipped to customers or children), ``lost_sales``,
        ``ordered``, ``arrivals``. Before the first day these are 0.
        """
        from fasttwin.kernels import network_layout as NL

        st = self._stepper
        pipeline = st.pipeline(0)
        today = self._days[-1][0] if self._days else np.zeros((st.n_nodes, NL.N_NODE_SUMS), int)
        before = (
            self._days[-2][0][:, NL.BACKORDERS]
            if len(self._days) > 1
            else np.maximum(-st.initial, 0)
        )
        state = {}
        for i, name in enumerate(st.node_names):
            x, owed = int(st.x[0, i]), int(st.owed[0, i])
            row = today[i]
            backorders = max(-x, 0)
            in_transit = int(pipeline[i].sum())
            state[name] = {
                "on_hand": max(x, 0),
                "backorders": backorders,
                "pipeline": [int(v) for v in pipeline[i]],
                "owed": owed,
                "inventory_position": x + in_transit + owed,
                "demand": int(row[NL.DEMAND]),
                "sales": int(row[NL.DEMAND] - row[NL.LOST] - (backorders - before[i]))
                if self._days
                else 0,
                "lost_sales": int(row[NL.LOST]),
                "ordered": int(row[NL.ORDERED]),
                "arrivals": int(row[NL.RECEIVED]),
            }
        return state

    def get_metrics(self) -> dict:
        """Running costs and service over the measured days so far (from ``warmup`` on).

        The cube's variables, means per measured day (``cost``,
        ``holding_cost``, ``shortage_cost``, ``ordering_cost``,
        ``overflow_cost``, ``demand``, ``sales``, ``lost_sales``,
        ``fill_rate``, ...), plus ``days`` (measured days so far),
        ``total_cost`` (their sum) and ``nodes`` (each node's ``node_*``
        variables without the prefix). At the end of the horizon they equal
        :func:`fasttwin.simulate`'s values for this replication exactly.
        Before the first measured day, only ``days`` (0) and ``total_cost``.
        """
        from fasttwin.cube.network import network_variables
        from fasttwin.env.metrics import network_sums_from_days

        days = max(len(self._days) - self.warmup, 0)
        if days == 0:
            return {"days": 0, "total_cost": 0.0}
        rows, shares, stockouts = (np.array(v) for v in zip(*self._days, strict=True))
        st = self._stepper
        sums = network_sums_from_days(rows, shares, stockouts, self.warmup, st.initial, st.cycle[0])
        system, node = network_variables(sums, days, self.model)
        out = {name: float(v[0, 0]) for name, v in system.items()}
        out["days"] = days
        out["total_cost"] = float(node["node_cost"][0, :, 0].sum() * days)
        out["nodes"] = {
            name: {k.removeprefix("node_"): float(v[0, i, 0]) for k, v in node.items()}
            for i, name in enumerate(self._stepper.node_names)
        }
        return out
