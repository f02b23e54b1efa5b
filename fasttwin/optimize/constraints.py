"""The service constraint: what must reach the target, where, and how sure we must be.

``scope``:

- ``"every_store"`` (default): each demand node's mean service meets the
  target (one constraint per store);
- ``"worst_store"``: the mean over replications of each replication's lowest
  store service meets it (stricter: a replication counts by its worst store);
- ``"system"``: the system's customer service (all demand nodes together).

With scenarios, the constraint must hold in **every** scenario (worst case).
A one-node model has one constraint, its service, whatever the scope.

``rule``: ``"mean"`` compares the mean with the target; ``"confident"``
compares the lower one-sided confidence bound ``mean - t * se``, at level
``1 - (1 - confidence) / m`` for the ``m`` (constraint, scenario) pairs
(Bonferroni), so that all of them hold *jointly* with probability at least
``confidence``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SCOPES = ("every_store", "worst_store", "system")
RULES = ("confident", "mean")


@dataclass(frozen=True)
class Constraint:
    """A service constraint on a model; ``target=None`` means none (cost only).

    Examples
    --------
    >>> import fasttwin as ft
    >>> c = Constraint.of(ft.retail_twin(), 0.98, "fill_rate", "every_store", "confident", 0.95)
    >>> c.labels
    ('store_1', 'store_2', 'store_3')
    >>> round(float(c.statistic(np.array([0.99]), np.array([0.002]), 100, 8)[0]), 5)
    0.98491
    """

    target: float | None
    service: str
    scope: str
    rule: str
    confidence: float
    labels: tuple[str, ...]
    stores: tuple[str, ...]
    network: bool

    @classmethod
    def of(cls, model, target, service, scope, rule, confidence) -> Constraint:
        network = len(model.nodes) > 1
        stores = tuple(n.name for n in model.nodes if n.demand is not None)
        if not network:
            labels = stores
        elif scope == "every_store":
            labels = stores
        elif scope == "worst_store":
            labels = ("worst store",)
        else:
            labels = ("system",)
        return cls(target, service, scope, rule, confidence, labels, stores, network)

    def variable(self, label: str) -> tuple[str, str | None]:
        """The cube variable (and node) that constraint ``label`` reads."""
        if not self.network or self.scope in ("system", "none"):
            return self.service, None
        if self.scope == "worst_store":
            return f"worst_store_{self.service}", None
        return f"node_{self.service}", label

    def from_summary(self, summary) -> tuple[np.ndarray, np.ndarray]:
        """Mean and se ``(candidate, constraint, scenario)`` from a search summary."""
        out = []
        for stat in ("mean", "se"):
            parts = []
            for label in self.labels:
                name, node = self.variable(label)
                x = summary[f"{name}_{stat}"]
                if node is not None:
                    x = x.sel(node=node)
                parts.append(_with_scenario(x).transpose("candidate", "scenario").values)
            out.append(np.ascontiguousarray(np.stack(parts, axis=1)))
        return out[0], out[1]

    def from_reps(self, ds) -> np.ndarray:
        """Per-replication service ``(candidate, constraint, scenario, rep)`` from a cube."""
        from fasttwin.optimize.evaluate import with_worst_store

        if self.scope == "worst_store" and self.network:
            ds = with_worst_store(ds, self.stores, self.service)
        parts = []
        for label in self.labels:
            name, node = self.variable(label)
            x = ds[name]
            if node is not None:
                x = x.sel(node=node)
            parts.append(_with_scenario(x).transpose("candidate", "scenario", "rep").values)
        # C order: sums over replications then add in the same order wherever the cube
        # came from (memory or a store), so both give the same bits.
        return np.ascontiguousarray(np.stack(parts, axis=1))

    def pairs(self, scenarios: int) -> int:
        """How many (constraint, scenario) pairs must hold together."""
        return len(self.labels) * scenarios

    def multiplier(self, n, pairs: int):
        """The ``t`` of the rule's lower bound for ``n`` replications (0 for ``mean``)."""
        from scipy import stats

        if self.rule == "mean":
            return 0.0
        alpha = (1.0 - self.confidence) / pairs
        return stats.t.ppf(1.0 - alpha, np.maximum(np.asarray(n, np.float64) - 1, 1))

    def statistic(self, mean, se, n, pairs: int) -> np.ndarray:
        """What the rule compares with the target: the mean, or its lower bound."""
        se = np.where(np.isfinite(se), se, 0.0)
        return mean - self.multiplier(n, pairs) * se

    def violation(self, stat: np.ndarray) -> np.ndarray:
        """``(candidate,)``: the total shortfall over (constraint, scenario) pairs (0: meets).

        A sum, not the largest shortfall, so that raising service at any store
        that misses the target counts as progress.
        """
        if self.target is None:
            return np.zeros(stat.shape[0])
        short = np.maximum(self.target - stat.reshape(stat.shape[0], -1), 0.0)
        return np.nansum(short, axis=1)

    def to_dict(self) -> dict:
        return {
            "target": self.target,
            "service": self.service,
            "scope": self.scope,
            "rule": self.rule,
            "confidence": self.confidence,
            "labels": list(self.labels),
        }


def _with_scenario(x):
    return x if "scenario" in x.dims else x.expand_dims(scenario=["baseline"])
