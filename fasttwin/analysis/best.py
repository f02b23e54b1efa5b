"""``best_policy``: the cheapest policy that meets a service target, and how sure we are.

Feasibility rule. ``rule="mean"`` (the default) calls a policy feasible when
its *mean* service across replications meets the target: the natural reading
of "reaches 98 % fill rate", and the one under which the estimate converges
to the true answer as replications grow. ``rule="confident"`` asks the lower
end of the service interval to meet it instead (feasible with 95 %
confidence, a stricter, more conservative choice). Either way the chosen
policy's service interval is reported, so a reader sees how close to the
target it sits.

Indistinguishable set. Replications share random numbers across policies
(and scenarios), so two policies are compared on their *paired* per-replication
cost differences: a feasible policy is indistinguishable from the best when the
interval of the mean difference contains 0. The best itself is in the set.

Across scenarios. *Worst case*: a policy is feasible when it is feasible in
every scenario; its cost is its highest mean cost over the scenarios (the
interval and paired differences are those of that scenario, taken as known).
*Average*: cost and service are averaged over the scenarios replication by
replication (equal weights), and the rule applies to the average. The
recommendation of a cube with scenarios is the worst-case choice.

Selection bias. The cheapest of many noisy estimates tends to be a low draw,
so the chosen policy's cost interval is slightly optimistic; for an unbiased
figure, simulate the chosen policy again with fresh replications
(``rep0=`` past the cube's last replication).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from fasttwin.analysis.axes import (
    check_choice,
    check_cube,
    check_fraction,
    check_roles,
    format_policy,
    point_policy,
    point_values,
    scenarios,
    valid_mask,
)
from fasttwin.analysis.intervals import Estimate, estimates

RULES = ("mean", "confident")
WORST_CASE = "worst case"
AVERAGE = "average"


@dataclass(frozen=True)
class Choice:
    """The answer for one scenario (or for the worst case / average over scenarios).

    ``policy`` is the chosen grid point. When ``feasible`` is False no point
    meets the target and ``policy`` is the one that comes closest (highest
    service statistic), ``shortfall`` by how much.
    """

    label: str
    feasible: bool
    policy: dict
    cost: Estimate
    service: Estimate
    indistinguishable: tuple[dict, ...]
    shortfall: float
    n_feasible: int
    n_policies: int
    cost_scenario: str | None = None
    service_scenario: str | None = None


@dataclass(frozen=True)
class BestPolicy:
    """What :func:`best_policy` found. ``recommended`` is the answer to act on."""

    target: float
    service_variable: str
    cost_variable: str
    rule: str
    confidence: float
    recommended: Choice
    by_scenario: dict[str, Choice] = field(default_factory=dict)
    worst_case: Choice | None = None
    average: Choice | None = None

    @property
    def choices(self) -> list[Choice]:
        """Every answer: per scenario, then worst case and average (or the one answer)."""
        if not self.by_scenario:
            return [self.recommended]
        return [*self.by_scenario.values(), self.worst_case, self.average]

    def describe(self, choice: Choice | None = None) -> str:
        """A plain-language sentence about ``choice`` (default: the recommendation)."""
        c = self.recommended if choice is None else choice
        pct = f"{100 * self.confidence:g}%"
        where = f"{c.label}: " if c.label else ""
        need = f"{self.service_variable} >= {self.target:g}"
        if self.rule == "confident":
            need += f" with {pct} confidence"
        if not c.feasible:
            return (
                f"{where}no policy of the grid meets {need}. Closest: {format_policy(c.policy)} "
                f"with {self.service_variable} {_ci(c.service, pct)}, {c.shortfall:.4g} short, "
                f"at {self.cost_variable} {_ci(c.cost, pct)}."
            )
        others = len(c.indistinguishable) - 1
        tail = (
            f"; {others} other feasible polic{'y' if others == 1 else 'ies'} cannot be told "
            f"apart from it in {self.cost_variable} at {pct}"
            if others
            else f"; it is cheaper than every other feasible policy at {pct}"
        )
        if c.cost_scenario is not None:
            tail += (
                f" (worst scenarios: {self.cost_variable} in {c.cost_scenario}, "
                f"{self.service_variable} in {c.service_scenario})"
            )
        return (
            f"{where}{format_policy(c.policy)}: {self.cost_variable} {_ci(c.cost, pct)}, "
            f"{self.service_variable} {_ci(c.service, pct)} ({c.n_feasible} of {c.n_policies} "
            f"policies meet {need}){tail}."
        )

    def to_frame(self):
        """One row per answer, for tables and CSV."""
        import pandas as pd

        rows = []
        for c in self.choices:
            rows.append(
                {
                    "answer": c.label or "all",
                    "feasible": c.feasible,
                    **c.policy,
                    f"{self.cost_variable}_mean": c.cost.mean,
                    f"{self.cost_variable}_ci_low": c.cost.low,
                    f"{self.cost_variable}_ci_high": c.cost.high,
                    f"{self.service_variable}_mean": c.service.mean,
                    f"{self.service_variable}_ci_low": c.service.low,
                    f"{self.service_variable}_ci_high": c.service.high,
                    "n_reps": c.cost.n,
                    "shortfall": c.shortfall,
                    "n_feasible": c.n_feasible,
                    "n_indistinguishable": len(c.indistinguishable),
                    "cost_scenario": c.cost_scenario,
                    "service_scenario": c.service_scenario,
                }
            )
        return pd.DataFrame(rows)

    def __str__(self) -> str:
        return "\n".join(self.describe(c) for c in self.choices)


def _ci(e: Estimate, pct: str) -> str:
    return f"{e.mean:.4g} ({pct} CI {e.low:.4g} to {e.high:.4g})"


def best_policy(
    ds,
    target: float = 0.98,
    service: str = "fill_rate",
    *,
    cost: str = "cost",
    rule: str = "mean",
    confidence: float = 0.95,
) -> BestPolicy:
    """The cheapest grid point whose service meets ``target``, with intervals.

    Parameters
    ----------
    ds
        A cube, in memory or from ``xr.open_zarr``.
    target
        Service target in (0, 1].
    service, cost
        The variables to meet and to minimise (system-level: dims grid,
        [scenario], rep).
    rule
        ``"mean"``: mean service >= target; ``"confident"``: the lower end of
        its confidence interval >= target. See the module docstring.
    confidence
        Level of every interval and of the indistinguishability test.

    Returns
    -------
    BestPolicy
        ``recommended`` (per scenario in ``by_scenario``, plus ``worst_case``
        and ``average`` when the cube has scenarios); ``describe()`` says it
        in words, ``to_frame()`` as a table.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> cost = [[10.0, 11.0, 12.0], [9.0, 9.5, 10.0], [20.0, 21.0, 22.0]]
    >>> fill = [[0.99, 0.98, 0.97], [0.90, 0.91, 0.92], [1.0, 1.0, 1.0]]
    >>> ds = xr.Dataset({"cost": (("S", "rep"), cost), "fill_rate": (("S", "rep"), fill)},
    ...                 coords={"S": [30, 25, 40]})
    >>> best = best_policy(ds, target=0.98)
    >>> best.recommended.policy, best.recommended.cost.mean
    ({'S': 30}, 11.0)
    >>> best_policy(ds, target=1.0).recommended.policy
    {'S': 40}
    """
    check_cube(ds, cost, service, purpose="best_policy")
    check_roles(ds, cost, service)
    target = check_fraction("target", target, closed_top=True)
    confidence = check_fraction("confidence", confidence, closed_top=False)
    check_choice("rule", rule, RULES)
    valid = valid_mask(ds, cost).reshape(-1)
    idx = np.flatnonzero(valid)
    if idx.size == 0:
        raise ValueError("the cube has no valid grid point (every cell is masked by 'valid')")
    c = point_values(ds, cost)[idx]
    s = point_values(ds, service)[idx]
    names = scenarios(ds)
    args = dict(ds=ds, idx=idx, target=target, rule=rule, confidence=confidence)
    common = dict(
        target=target,
        service_variable=service,
        cost_variable=cost,
        rule=rule,
        confidence=confidence,
    )
    if names is None:
        return BestPolicy(recommended=_choose(c[:, 0], s[:, 0], label="", **args)[0], **common)
    by_scenario = {
        name: _choose(c[:, k], s[:, k], label=name, **args)[0] for k, name in enumerate(names)
    }
    worst = _worst_case(c, s, names, args)
    average = _choose(c.mean(axis=1), s.mean(axis=1), label=AVERAGE, **args)[0]
    return BestPolicy(
        recommended=worst, by_scenario=by_scenario, worst_case=worst, average=average, **common
    )


def service_statistic(e: dict, rule: str) -> np.ndarray:
    """What the feasibility rule compares with the target: the mean or the CI's lower end."""
    return e["mean"] if rule == "mean" else e["low"]


def _worst_case(c, s, names, args) -> Choice:
    """Per point, the scenario of highest mean cost and of lowest service statistic."""
    confidence, rule = args["confidence"], args["rule"]
    cost_mean = estimates(c, confidence)["mean"]
    stat = service_statistic(estimates(s, confidence), rule)
    worst_cost = np.argmax(np.where(np.isnan(cost_mean), np.inf, cost_mean), axis=1)
    worst_service = np.argmin(np.where(np.isnan(stat), -np.inf, stat), axis=1)
    rows = np.arange(c.shape[0])
    choice, b = _choose(c[rows, worst_cost], s[rows, worst_service], label=WORST_CASE, **args)
    return replace(
        choice, cost_scenario=names[worst_cost[b]], service_scenario=names[worst_service[b]]
    )


def _choose(cost, service, *, ds, idx, target, rule, confidence, label) -> tuple[Choice, int]:
    """The answer over valid points ``idx`` (``cost``, ``service``: ``(points, reps)``).

    Returns the choice and the position of its point in ``idx``.
    """
    ce = estimates(cost, confidence)
    se = estimates(service, confidence)
    stat = service_statistic(se, rule)
    ok = stat >= target
    n_feasible = int(ok.sum())
    if n_feasible:
        cand = np.flatnonzero(ok)
        # Cheapest mean cost; ties go to the higher service, then to grid order.
        b = cand[np.lexsort((cand, -se["mean"][cand], ce["mean"][cand]))[0]]
        d = estimates(cost[cand] - cost[b], confidence)
        same = cand[~((d["low"] > 0) | (d["high"] < 0))]
        same = same[np.lexsort((same, ce["mean"][same]))]
        indistinguishable = tuple(point_policy(ds, idx[m]) for m in same)
        shortfall = 0.0
    else:
        # Closest to the target in the rule's statistic (the mean where it has none).
        rank = np.where(np.isfinite(stat), stat, -np.inf)
        if not np.isfinite(rank).any():
            rank = se["mean"]
        b = np.lexsort((np.arange(rank.size), ce["mean"], -rank))[0]
        indistinguishable = ()
        shortfall = float(target - stat[b])
    choice = Choice(
        label=label,
        feasible=bool(n_feasible),
        policy=point_policy(ds, idx[b]),
        cost=_estimate(ce, b, confidence),
        service=_estimate(se, b, confidence),
        indistinguishable=indistinguishable,
        shortfall=shortfall,
        n_feasible=n_feasible,
        n_policies=int(idx.size),
    )
    return choice, int(b)


def _estimate(e: dict, i: int, confidence: float) -> Estimate:
    return Estimate(
        float(e["mean"][i]),
        float(e["se"][i]),
        float(e["low"][i]),
        float(e["high"][i]),
        int(e["n"][i]),
        confidence,
    )
