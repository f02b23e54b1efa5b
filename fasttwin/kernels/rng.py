"""Counter-based random numbers: every draw is a pure function of its key.

A *key* is ``(seed, stream, rep, node, day)``. It is hashed in two steps:

- :func:`stream_key` hashes ``(seed, stream, rep, node)`` through the
  SplitMix64 finaliser (a strong bijective mixer), one component at a time.
  Kernels do this once per replication, node and stream;
- :func:`day_state` runs SplitMix64 as a counter from there: the generator
  state of day ``t`` is ``mix64(stream key + t * gamma)``, one multiply-add
  and one mix per day.

The draws of day ``t`` are then the SplitMix64 sequence started from that
state. :func:`key_state` composes the two steps, so a draw is the same
whether a kernel hashes the key once per replication and steps days, or a
slow reference hashes the whole key for every draw. Nothing depends on the
policy point, the chunk, the thread or the order of work, so results are
bit-identical for any chunking or thread count, and all policy points share
the same random paths (common random numbers).

Cubes name this scheme in their ``rng`` attribute (``splitmix64-stream-day/1``,
:data:`fasttwin.cube.build.RNG_SCHEME`); fasttwin 0.2 hashed all five
components for every day, so cubes made before differ draw for draw.

State is passed explicitly: every sampler takes a ``uint64`` state and returns
``(value, new_state)``, which Numba keeps in registers.
"""

import numpy as np

from fasttwin.kernels.jit import jit

#: Streams: one per kind of randomness, so that adding draws to one kind never
#: shifts the numbers of another.
STREAM_DEMAND = 0
STREAM_LEAD_TIME = 1
STREAM_SUPPLY = 2
STREAM_BOOTSTRAP = 3
STREAM_ARRIVALS = 4
STREAM_BATCH = 5

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
# Distinct odd constants per key component, so (a, b) and (b, a) differ.
_C_STREAM = np.uint64(0xD1B54A32D192ED03)
_C_REP = np.uint64(0xABC98388FB8FAC03)
_C_NODE = np.uint64(0x8CB92BA72F3D8DD7)
_C_INDEX = np.uint64(0xE7037ED1A0B428DB)
_TWO_M53 = 1.0 / 9007199254740992.0


@jit
def mix64(z):
    """SplitMix64 finaliser: a bijection on 64-bit words with full avalanche."""
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return z ^ (z >> _S31)


@jit
def stream_key(seed, stream, rep, node):
    """Hash ``(seed, stream, rep, node)``: the key of one node's stream in one replication."""
    h = mix64(np.uint64(seed) + _GOLDEN)
    h = mix64(h ^ (np.uint64(stream) * _C_STREAM + _GOLDEN))
    h = mix64(h ^ (np.uint64(rep) * _C_REP + _GOLDEN))
    return mix64(h ^ (np.uint64(node) * _C_NODE + _GOLDEN))


@jit
def day_state(key, day):
    """The generator state of day ``day`` of a stream (see the module docstring)."""
    return mix64(np.uint64(key) + np.uint64(day) * _GOLDEN)


@jit
def node_keys(seed, rep, node):
    """The stream keys of ``node`` in replication ``rep``: (demand, bootstrap, lead time, supply).

    What a periodic-review kernel hashes once per replication and node.
    """
    return (
        stream_key(seed, STREAM_DEMAND, rep, node),
        stream_key(seed, STREAM_BOOTSTRAP, rep, node),
        stream_key(seed, STREAM_LEAD_TIME, rep, node),
        stream_key(seed, STREAM_SUPPLY, rep, node),
    )


@jit
def key_state(seed, stream, rep, node, day):
    """Hash a whole key ``(seed, stream, rep, node, day)`` into a generator state."""
    return day_state(stream_key(seed, stream, rep, node), day)


@jit
def sub_key(state, index):
    """Extend a key's state by one more component, e.g. an event's index within a day.

    The continuous-review kernel keys each order's lead time by
    ``(seed, stream, rep, node, day)`` and then by the index of the customer
    arrival after which the order was placed.

    >>> sub_key(key_state(1, 2, 3, 4, 5), 6) == sub_key(day_state(stream_key(1, 2, 3, 4), 5), 6)
    True
    """
    return mix64(state ^ (np.uint64(index) * _C_INDEX + _GOLDEN))


@jit
def next_u64(state):
    """Return ``(64 random bits, new state)`` (SplitMix64 step)."""
    state = state + _GOLDEN
    return mix64(state), state


@jit
def uniform(state):
    """Return ``(u, new state)`` with ``u`` uniform on the open interval (0, 1).

    Open at both ends so that ``log(u)`` and ``log(1 - u)`` are always finite.
    """
    z, state = next_u64(state)
    return ((z >> _S11) + 0.5) * _TWO_M53, state
