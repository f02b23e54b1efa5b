"""Samplers built on :mod:`fasttwin.kernels.rng`.

Each takes the generator state last and returns ``(value, new_state)``. The
number of uniforms a sampler consumes may vary (rejection methods); that is
harmless because every key starts its own sequence.
"""

import math

import numpy as np

from fasttwin.kernels.jit import jit
from fasttwin.kernels.rng import next_u64, uniform

_TWO_PI = 2.0 * math.pi
# Below this mean, Poisson inversion by sequential search is cheaper than PTRS.
_POISSON_SEARCH_MAX_MEAN = 10.0


def _exponential_tables():
    """Marsaglia & Tsang (2000) ziggurat tables for Exp(1): 256 layers, 53-bit draws."""
    m = 2.0**53
    de = 7.697117470131487
    te = de
    ve = 3.949659822581572e-3
    q = ve / math.exp(-de)
    ke = np.zeros(256, np.uint64)
    we = np.zeros(256)
    fe = np.zeros(256)
    ke[0] = np.uint64((de / q) * m)
    we[0] = q / m
    we[255] = de / m
    fe[0] = 1.0
    fe[255] = math.exp(-de)
    for i in range(254, 0, -1):
        de = -math.log(ve / de + math.exp(-de))
        ke[i + 1] = np.uint64((de / te) * m)
        te = de
        fe[i] = math.exp(-de)
        we[i] = de / m
    return ke, we, fe


_ZIG_KE, _ZIG_WE, _ZIG_FE = _exponential_tables()
_ZIG_R = 7.697117470131487
_U3 = np.uint64(3)
_U8 = np.uint64(8)
_UFF = np.uint64(0xFF)


@jit
def exponential(state):
    """Standard exponential by the ziggurat method (one 64-bit draw ~99 % of the time).

    Cheaper than ``-log(u)``; the continuous-review kernel draws one per customer.
    """
    while True:
        z, state = next_u64(state)
        z = z >> _U3
        i = z & _UFF
        z = z >> _U8
        x = z * _ZIG_WE[i]
        if z < _ZIG_KE[i]:
            return x, state
        if i == 0:
            u, state = uniform(state)
            return _ZIG_R - math.log(u), state
        u, state = uniform(state)
        if (_ZIG_FE[i - 1] - _ZIG_FE[i]) * u + _ZIG_FE[i] < math.exp(-x):
            return x, state


@jit
def uniform_int(low, high, state):
    """Integer uniform on ``low..high`` (both included)."""
    u, state = uniform(state)
    k = low + np.int64(u * (high - low + 1))
    return min(k, high), state


@jit
def bernoulli(p, state):
    """``True`` with probability ``p``."""
    u, state = uniform(state)
    return u < p, state


@jit
def normal(state):
    """Standard normal by Box-Muller (one of the pair; the other is dropped)."""
    u1, state = uniform(state)
    u2, state = uniform(state)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(_TWO_PI * u2), state


@jit
def _std_truncnorm(a, b, state):
    """Standard normal conditioned on ``a <= z <= b`` (``a < b``, may be infinite)."""
    if a <= 0.5 and b >= -0.5 and b - a >= 1.0:
        # The interval holds enough mass (>= ~24 %) for plain rejection.
        while True:
            z, state = normal(state)
            if a <= z <= b:
                return z, state
    if a > 0.5 or b < -0.5:
        sign = 1.0
        lo, hi = a, b
        if b < -0.5:
            sign = -1.0
            lo, hi = -b, -a
        alpha = 0.5 * (lo + math.sqrt(lo * lo + 4.0))
        if hi - lo > 1.0 / alpha:
            # Robert (1995): exponential proposal on the far tail.
            while True:
                u, state = uniform(state)
                z = lo - math.log(u) / alpha
                v, state = uniform(state)
                if z <= hi and v <= math.exp(-0.5 * (z - alpha) * (z - alpha)):
                    return sign * z, state
        # Short interval in a tail: uniform proposal, density ratio to its peak at lo.
        while True:
            u, state = uniform(state)
            z = lo + u * (hi - lo)
            v, state = uniform(state)
            if v <= math.exp(0.5 * (lo * lo - z * z)):
                return sign * z, state
    # Short interval near zero: uniform proposal against the peak in the interval.
    peak = 0.0
    if a > 0.0:
        peak = a * a
    elif b < 0.0:
        peak = b * b
    while True:
        u, state = uniform(state)
        z = a + u * (b - a)
        v, state = uniform(state)
        if v <= math.exp(0.5 * (peak - z * z)):
            return z, state


@jit
def truncated_normal(mean, std, low, high, state):
    """Normal(mean, std) conditioned on ``low <= x <= high`` (bounds may be +-inf)."""
    if std <= 0.0:
        return min(max(mean, low), high), state
    z, state = _std_truncnorm((low - mean) / std, (high - mean) / std, state)
    return min(max(mean + std * z, low), high), state


@jit
def _poisson_search(mean, state):
    """Inversion by sequential search; expected ``mean + 1`` steps."""
    u, state = uniform(state)
    p = math.exp(-mean)
    cdf = p
    k = 0
    # The cap guards against rounding when u is within 1e-16 of 1.
    while u > cdf and k < 1000:
        k += 1
        p *= mean / k
        cdf += p
    return k, state


@jit
def _poisson_ptrs(mean, state):
    """Hörmann's (1993) transformed rejection with squeeze (PTRS), mean >= 10."""
    slam = math.sqrt(mean)
    loglam = math.log(mean)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
    v_r = 0.9277 - 3.6224 / (b - 2.0)
    while True:
        u, state = uniform(state)
        u -= 0.5
        v, state = uniform(state)
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + mean + 0.43)
        if us >= 0.07 and v <= v_r:
            return np.int64(k), state
        if k < 0.0 or (us < 0.013 and v > us):
            continue
        lhs = math.log(v) + math.log(inv_alpha) - math.log(a / (us * us) + b)
        if lhs <= -mean + k * loglam - math.lgamma(k + 1.0):
            return np.int64(k), state


@jit
def poisson(mean, state):
    """Poisson draw for any mean (which may change from call to call)."""
    if mean <= 0.0:
        return np.int64(0), state
    if mean < _POISSON_SEARCH_MAX_MEAN:
        return _poisson_search(mean, state)
    return _poisson_ptrs(mean, state)


@jit
def table_draw(cdf, guide, start, length, state):
    """Inversion of a discrete distribution on ``0..length-1`` with a guide table.

    ``cdf[start:start+length]`` is the cumulative distribution (last entry 1.0)
    and ``guide[start:start+length]`` holds, for bucket ``j``, the smallest value
    whose cdf exceeds ``j/length``; the search from there takes ~1-2 steps.
    """
    u, state = uniform(state)
    j = np.int64(u * length)
    k = guide[start + j]
    while cdf[start + k] <= u:
        k += 1
    return np.int64(k), state


@jit
def gamma(shape, scale, state):
    """Gamma(shape, scale) by Marsaglia & Tsang (2000); boosted when shape < 1."""
    if shape <= 0.0 or scale <= 0.0:
        return 0.0, state
    boost = 1.0
    a = shape
    if shape < 1.0:
        u, state = uniform(state)
        boost = u ** (1.0 / shape)
        a = shape + 1.0
    d = a - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * d)
    while True:
        x, state = normal(state)
        v = 1.0 + c * x
        if v <= 0.0:
            continue
        v = v * v * v
        u, state = uniform(state)
        x2 = x * x
        if u < 1.0 - 0.0331 * x2 * x2:
            return d * v * scale * boost, state
        if math.log(u) < 0.5 * x2 + d * (1.0 - v + math.log(v)):
            return d * v * scale * boost, state


@jit
def negative_binomial(size, mean, state):
    """Negative binomial with dispersion ``size`` and ``mean`` (gamma-Poisson mixture).

    Variance is ``mean + mean**2 / size``.
    """
    if mean <= 0.0:
        return np.int64(0), state
    lam, state = gamma(size, mean / size, state)
    return poisson(lam, state)
