"""What an optimisation found, how sure it is, and where service was lost before."""

from __future__ import annotations

from dataclasses import dataclass, field

from fasttwin.analysis.intervals import Estimate


@dataclass(frozen=True)
class ServiceCheck:
    """One (constraint, scenario) pair of the chosen policy on its confirmation replications.

    ``bound`` is the lower one-sided bound at ``1 - alpha/m`` (Bonferroni over
    the ``m`` pairs), what must reach the target for the joint statement.
    """

    label: str
    scenario: str
    mean: float
    se: float
    bound: float
    meets: bool


@dataclass(frozen=True)
class OptimizeResult:
    """The answer of :func:`fasttwin.optimize`.

    ``policy`` is the chosen policy (cube names -> values; pass ``simulate_policy``
    to :func:`fasttwin.simulate`). ``feasible`` says a finalist met the
    constraint on fresh replications (else ``policy`` is the finalist that came
    closest); ``confirmed`` that the chosen policy meets it *with confidence*
    on replications never used before. ``cost`` is its mean cost per day
    (mean over scenarios) on those replications with a Student-t interval.
    With probability at least ``confidence`` its expected cost is within
    ``delta`` of the best eligible finalist's (``delta <= delta_target`` unless
    the second stage was capped). ``finalists`` is one row per finalist;
    ``before`` the start policy's per-node service, ``binding_node`` the
    demand node that limited it. ``points`` is the search cube (every
    evaluated policy's means and standard errors).
    """

    policy: dict
    simulate_policy: dict
    feasible: bool
    confirmed: bool | None
    cost: Estimate
    service: tuple[ServiceCheck, ...]
    delta: float
    delta_target: float
    capped: bool
    confidence: float
    finalists: object
    selection: dict
    start: dict
    before: object
    binding_node: str | None
    search: dict
    points: object = field(repr=False)
    store: str | None = None
    target: float | None = None
    service_variable: str = "fill_rate"

    def describe(self) -> str:
        """The answer in a few plain sentences.

        Examples
        --------
        >>> import fasttwin as ft
        >>> model = ft.single_node(demand=ft.Poisson(5.0), lead_time=1, reorder_point=5,
        ...                        order_up_to=20, backorder_cost=9.0, order_cost=10.0)
        >>> res = ft.optimize(model, {"reorder_point": range(0, 20), "order_up_to": range(5, 40)},
        ...                   target=None, reps=20, periods=200, final_reps=20, confirm_reps=50,
        ...                   client="inline")
        >>> print(res.describe())  # doctest: +ELLIPSIS
        Chosen policy: reorder_point=..., order_up_to=...; cost ... per day (95% CI ...
        """
        pct = f"{100 * self.confidence:g}%"
        pol = ", ".join(f"{k}={v}" for k, v in self.policy.items())
        c = self.cost
        lines = [
            f"Chosen policy: {pol}; cost {c.mean:.6g} per day ({pct} CI {c.low:.6g} to "
            f"{c.high:.6g}, {c.n} fresh replications)."
        ]
        if self.target is not None:
            worst = min(self.service, key=lambda s: s.bound)
            where = f"{worst.label}" + (f" in {worst.scenario}" if worst.scenario else "")
            if not self.feasible:
                lines.append(
                    f"No finalist met {self.service_variable} >= {self.target:g} on fresh "
                    f"replications under the rule; this is the closest (tightest: {where}, "
                    f"mean {worst.mean:.4f}, lower bound {worst.bound:.4f}). Widen the space, "
                    "add replications or lower the target."
                )
            else:
                verdict = "meets" if self.confirmed else "does NOT meet (not confirmed)"
                lines.append(
                    f"It {verdict} {self.service_variable} >= {self.target:g} at every "
                    f"constraint and scenario jointly with {pct} confidence (lowest: "
                    f"{worst.mean:.4f}, bound {worst.bound:.4f}, at {where})."
                )
        if self.selection.get("eligible", 0) > 1:
            lines.append(
                f"With {pct} confidence its expected cost is within {self.delta:.4g} per day of "
                f"the best of the {self.selection['eligible']} eligible finalists"
                + (" (second stage capped)" if self.capped else "")
                + "."
            )
        if self.binding_node is not None:
            lines.append(f"Before (the model's policy) service was limited by {self.binding_node}.")
        s = self.search
        lines.append(f"Search: {s['evaluated']} policies in {s['batches']} batches, {s['reason']}.")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """Plain values (TOML): what the report reads from an optimiser store."""
        c = self.cost
        return {
            "policy": self.policy,
            "simulate_policy": self.simulate_policy,
            "feasible": self.feasible,
            "confirmed": self.confirmed,
            "target": self.target,
            "service_variable": self.service_variable,
            "confidence": self.confidence,
            "cost": {"mean": c.mean, "se": c.se, "low": c.low, "high": c.high, "n": c.n},
            "service": [s.__dict__ for s in self.service],
            "delta": self.delta,
            "delta_target": self.delta_target,
            "capped": self.capped,
            "selection": self.selection,
            "finalists": self.finalists.to_dict(orient="records"),
            "start": self.start,
            "before": self.before.to_dict(orient="records"),
            "binding_node": self.binding_node,
            "search": self.search,
        }
