"""Daily demand draws from a lowered demand plan.

A plan gives, for every day ``t``, a sampler ``code[t]`` and its parameters
``p1[t]``, ``p2[t]``; days whose distribution is tabulated point into a flat
cdf/guide table through ``start[t]`` and ``length[t]``. Because the choice is
made per day, a scenario that changes the mean on a few days leaves the draws
of every other day untouched.
"""

import functools
import math

import numpy as np

from fasttwin.kernels.jit import jit
from fasttwin.kernels.rng import day_state
from fasttwin.kernels.samplers import (
    gamma,
    negative_binomial,
    normal,
    poisson,
    table_draw,
    uniform_int,
)

TABLE = 0  # inversion of a tabulated pmf (Poisson, negative binomial, empirical)
POISSON = 1  # p1 = mean (large means: PTRS)
NORMAL = 2  # round(max(0, p1 + p2 * Z))
GAMMA = 3  # round(Gamma(shape=p1, scale=p2))
NEGBIN = 4  # gamma-Poisson, size p1, mean p2
CONSTANT = 5  # p1, e.g. a replayed trace
BOOTSTRAP = 6  # block bootstrap of a trace: cdf[start:start+length] holds the history,
#                p1 the day's path factor, p2 the block length


#: Every sampler code; kernels built for a subset compile only the samplers it needs.
ALL_CODES = frozenset(range(7))


@functools.cache
def make_draw_demand(codes: frozenset = ALL_CODES):
    """``draw_demand`` compiled only for the sampler ``codes`` a plan uses.

    The flags are closure constants: Numba prunes the branches of unused
    samplers before typing them, which saves about a second of first-call
    compile time for a Poisson model.
    """
    table, pois, norm, gam, negbin = (c in codes for c in (TABLE, POISSON, NORMAL, GAMMA, NEGBIN))

    @jit
    def draw_demand(code, p1, p2, start, length, cdf, guide, state):
        """One day's demand (a non-negative integer) and the new state."""
        if table:
            if code == TABLE:
                return table_draw(cdf, guide, start, length, state)
        if pois:
            if code == POISSON:
                return poisson(p1, state)
        if norm:
            if code == NORMAL:
                z, state = normal(state)
                return np.int64(math.floor(max(0.0, p1 + p2 * z) + 0.5)), state
        if gam:
            if code == GAMMA:
                g, state = gamma(p1, p2, state)
                return np.int64(math.floor(g + 0.5)), state
        if negbin:
            if code == NEGBIN:
                return negative_binomial(p1, p2, state)
        return np.int64(p1), state

    return draw_demand


@functools.cache
def make_day_demand(codes: frozenset = ALL_CODES):
    """``day_demand`` compiled only for the sampler ``codes`` a plan uses."""
    draw_demand = make_draw_demand(codes)
    bootstrap = BOOTSTRAP in codes

    @jit
    def day_demand(demand_key, bootstrap_key, t, code, p1, p2, start, length, cdf, guide):
        """Demand of ``node`` on day ``t`` of replication ``rep``: a pure function of its key.

        ``demand_key`` and ``bootstrap_key`` are the node's stream keys in the
        replication (:func:`fasttwin.kernels.rng.node_keys`): draws use the key
        ``(seed, STREAM_DEMAND, rep, node, t)``; a bootstrapped trace draws its
        block's start from ``(seed, STREAM_BOOTSTRAP, rep, node, t // block)``,
        so all days of a block agree on it.
        """
        if code == CONSTANT:
            return np.int64(p1)
        if bootstrap:
            if code == BOOTSTRAP:
                block = np.int64(p2)
                state = day_state(bootstrap_key, t // block)
                first, state = uniform_int(0, length - 1, state)
                value = cdf[start + (first + t % block) % length]
                return np.int64(math.floor(value * p1 + 0.5))
        state = day_state(demand_key, t)
        d, state = draw_demand(code, p1, p2, start, length, cdf, guide, state)
        return d

    return day_demand


#: The general versions, for every sampler code.
draw_demand = make_draw_demand()
day_demand = make_day_demand()
