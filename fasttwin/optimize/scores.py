"""What the optimiser's client computes from evaluated blocks: each policy's cost
over the scenarios, the constraint's statistic and shortfall, and which variables
it reads.

Everything here is a pure function of a block (or a cube of replications) and
the spec, summed in one fixed order, so that a batch scored in memory and the
same batch read back from a store give the same bits.
"""

from __future__ import annotations

import numpy as np

from fasttwin.optimize.spec import OptimizeSpec


def confident_multiplier(spec, n, pairs):
    """The confident rule's multiplier, whatever the rule (the confirmation always asks it)."""
    from scipy import stats

    alpha = (1.0 - spec.confidence) / pairs
    return stats.t.ppf(1.0 - alpha, max(n - 1, 1))


def needed_variables(spec: OptimizeSpec, summary: bool) -> list[str]:
    """The variables the client reads: cost and the constraint's service."""
    c = spec.constraint
    names = ["cost"]
    for label in c.labels:
        name, _ = c.variable(label)
        if not summary and name.startswith("worst_store_"):
            name = f"node_{spec.service}"
        if name not in names:
            names.append(name)
    if not summary:
        return names
    if c.network and f"node_{spec.service}" not in names:
        names.append(f"node_{spec.service}")  # every node's service before, for the report
    out = [f"{n}_{s}" for n in names for s in ("mean", "se")]
    return out + ["valid", "objective", "shortfall"]


def with_scores(block, spec):
    """The block with what the search ranks by: ``objective`` and ``shortfall``."""
    cost, short = scores(block, spec)
    pct = f"{100 * spec.confidence:g}%"
    rule = f"lower {pct} confidence bounds (Bonferroni)" if spec.rule == "confident" else "means"
    return block.assign(
        objective=(
            "candidate",
            cost,
            {
                "long_name": "mean cost over the scenarios (what the search minimises)",
                "units": block["cost_mean"].attrs.get("units", ""),
            },
        ),
        shortfall=(
            "candidate",
            short,
            {
                "long_name": f"total shortfall of the service {rule} below the target",
                "units": "1",
                "description": "0 where the policy meets the constraint",
            },
        ),
    )


def scores(block, spec) -> tuple[np.ndarray, np.ndarray]:
    """Each point's cost (mean over scenarios) and shortfall under the rule."""
    cost = scenario_mean(block["cost_mean"], ("candidate",))
    c = spec.constraint
    if c.target is None:
        return cost, np.zeros(cost.size)
    mean, se = c.from_summary(block)
    stat = c.statistic(mean, se, spec.reps, c.pairs(spec.n_scenarios))
    return cost, c.violation(stat)


def cost_by_rep(cube) -> np.ndarray:
    """``(candidate, rep)``: each replication's cost, averaged over scenarios."""
    return scenario_mean(cube["cost"], ("candidate", "rep"))


def scenario_mean(x, dims) -> np.ndarray:
    """Mean over scenarios, summed in one fixed order whatever the array's memory layout
    (in memory or read from a store), so that both give the same bits."""
    if "scenario" not in x.dims:
        return np.ascontiguousarray(x.transpose(*dims).values)
    return np.ascontiguousarray(x.transpose(*dims, "scenario").values).mean(axis=-1)


def statistics(cube, spec) -> np.ndarray:
    from fasttwin.analysis.intervals import estimates

    c = spec.constraint
    if c.target is None:
        return np.zeros((cube.sizes["candidate"], 1, 1))
    e = estimates(c.from_reps(cube), spec.confidence)
    return c.statistic(e["mean"], e["se"], cube.sizes["rep"], c.pairs(spec.n_scenarios))
