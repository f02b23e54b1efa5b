"""The defended choice: fresh replications, a two-stage selection, and a confirmation.

The search's best points are *finalists*. Their estimates from the search
are biased (the cheapest of many estimates on the same replications is a low
draw), so the choice is made again on fresh replications, in three steps,
each on replications the previous steps never saw:

1. **Screen** (``n0`` replications, ``rep0`` past the search's): a finalist
   is *eligible* when it meets the service constraint under the rule
   (:class:`~fasttwin.optimize.constraints.Constraint`) on these replications.
2. **Select** among the ``k`` eligible finalists with the two-stage procedure
   for common random numbers of Clark & Yang (1986) / Nelson & Matejcik (1995,
   with Bonferroni): with ``h = t(1 - alpha/(k-1), n0 - 1)`` and ``S_ij`` the
   standard deviation over the first ``n0`` replications of the paired cost
   differences ``X_i - X_j``, simulate every finalist to ``N = max(n0,
   max_ij ceil((h S_ij / delta)^2))`` replications (capped at ``max_reps``)
   and choose the lowest mean cost. **Guarantee** (normal replication means,
   Stein's two-stage argument): with probability at least ``1 - alpha`` the
   chosen policy's expected cost is within ``delta_hat = h max_j
   S_(chosen, j) / sqrt(N)`` of the best eligible finalist's; ``delta_hat <=
   delta`` unless ``max_reps`` capped ``N``, and the result states
   ``delta_hat`` either way. No assumption that the best is ``delta`` better
   than the rest is needed: the statement is about the chosen policy's cost
   gap ("good selection"), shown by a union bound over the ``k - 1``
   comparisons of the best with the others.
3. **Confirm** (``confirm_reps`` new replications of the chosen policy only):
   its cost with a Student-t interval that no selection has biased, and its
   service: it *meets the target with confidence* when every (constraint,
   scenario) pair's lower one-sided bound at ``1 - alpha/m`` does (jointly at
   least ``1 - alpha``, Bonferroni over the ``m`` pairs), a test whose data
   played no part in choosing it.

The cost of a replication is its mean cost over the scenarios (equal
weights), so scenarios share each replication's random numbers too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class StageOne:
    """What the first ``n0`` fresh replications decide: who is eligible, and ``N``."""

    eligible: np.ndarray
    n0: int
    reps: int
    h: float
    pair_sd: np.ndarray
    delta: float
    capped: bool


def screen(stat: np.ndarray, target: float | None) -> np.ndarray:
    """``(finalists,)`` True where every (constraint, scenario) statistic meets ``target``.

    Examples
    --------
    >>> screen(np.array([[[0.99, 0.985]], [[0.99, 0.97]]]), 0.98).tolist()
    [True, False]
    """
    if target is None:
        return np.ones(stat.shape[0], bool)
    return (stat.reshape(stat.shape[0], -1) >= target).all(axis=1)


def stage_one(
    cost: np.ndarray, eligible: np.ndarray, delta: float, confidence: float, max_reps: int
) -> StageOne:
    """Second-stage size from first-stage costs ``(finalists, n0)`` (rows: replications).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> common = rng.normal(100, 10, 50)
    >>> cost = np.stack([common, common + 1 + rng.normal(0, 1, 50), common + rng.normal(0, 2, 50)])
    >>> s1 = stage_one(cost, np.array([True, True, True]), delta=0.5, confidence=0.95,
    ...                max_reps=10_000)
    >>> s1.reps > 50, s1.capped, round(s1.h, 3)
    (True, False, 2.01)
    """
    from scipy import stats

    n0 = cost.shape[1]
    k = int(eligible.sum())
    idx = np.flatnonzero(eligible)
    sd = np.zeros((cost.shape[0], cost.shape[0]))
    if k < 2:
        return StageOne(eligible, n0, n0, 0.0, sd, delta, False)
    alpha = 1.0 - confidence
    h = float(stats.t.ppf(1.0 - alpha / (k - 1), n0 - 1))
    for a in idx:
        for b in idx:
            if a != b:
                sd[a, b] = float(np.std(cost[a] - cost[b], ddof=1))
    need = max(math.ceil((h * sd[a, b] / delta) ** 2) for a in idx for b in idx if a != b)
    reps = max(n0, need)
    return StageOne(eligible, n0, min(reps, max_reps), h, sd, delta, reps > max_reps)


def choose(cost: np.ndarray, first: StageOne) -> tuple[int | None, float]:
    """The eligible finalist of lowest mean cost over all ``N`` replications, and ``delta_hat``.

    Ties go to the earlier finalist (the search's order: cheaper first).

    Examples
    --------
    >>> first = StageOne(np.array([True, False, True]), 2, 2, 6.3, np.array(
    ...     [[0, 0, 1.0], [0, 0, 0], [1.0, 0, 0]]), 5.0, False)
    >>> choose(np.array([[3.0, 3.0], [1.0, 1.0], [2.0, 2.0]]), first)
    (2, 4.45...)
    """
    idx = np.flatnonzero(first.eligible)
    if idx.size == 0:
        return None, math.nan
    means = cost[idx].mean(axis=1)
    best = int(idx[np.argmin(means)])
    if idx.size == 1:
        return best, 0.0
    others = [j for j in idx if j != best]
    return best, float(
        first.h * max(first.pair_sd[best, j] for j in others) / math.sqrt(cost.shape[1])
    )


def paired(cost: np.ndarray, chosen: int, confidence: float) -> dict[str, np.ndarray]:
    """Mean and ``confidence`` interval of each finalist's cost minus the chosen one's.

    Examples
    --------
    >>> d = paired(np.array([[2.0, 3.0, 4.0], [1.0, 2.0, 3.5]]), 1, 0.95)
    >>> d["mean"].round(3).tolist()
    [0.833, 0.0]
    """
    from fasttwin.analysis.intervals import estimates

    return estimates(cost - cost[chosen], confidence)
