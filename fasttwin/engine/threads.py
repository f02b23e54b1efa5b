"""Run a kernel over blocks of replications on all cores.

Kernels are compiled serially with ``nogil=True`` and called from a thread
pool, one block of replications per task. Compared with ``prange`` this halves
the first-call compile time (the parfor passes cost ~5 s) and is safe inside
Dask's thread pools, where Numba's ``parallel=True`` can abort (numba issue
9288). Every block is a pure function of its replication range, so results are
bit-identical for any number of threads and any cut into blocks.

Blocks are also what bounds memory: a block's kernel output holds at most
about :data:`BLOCK_BYTES` (one replication at least), and a ``sink`` turns it
into cube values and drops it before the thread takes the next block.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

#: Kernel output (sums) per block of replications. A block's sums, their float
#: copy and the variables made from them are alive together, about 4x this per
#: thread; blocks of a few MB keep the kernel calls long (milliseconds to
#: seconds) next to the cost of a call.
BLOCK_BYTES = 8 * 2**20


def threads() -> int:
    """Threads to use: Numba's setting (``NUMBA_NUM_THREADS``, ``numba.set_num_threads``)."""
    import numba

    return max(1, numba.get_num_threads())


def rep_blocks(reps: int, n_threads: int, rep_bytes: int = 0) -> np.ndarray:
    """Edges of the blocks that cut ``reps`` replications (``n + 1`` offsets from 0).

    A few blocks per thread even out uneven progress; more when a block's
    output (``rep_bytes`` per replication) would pass :data:`BLOCK_BYTES`.

    Examples
    --------
    >>> rep_blocks(10, 1).tolist(), rep_blocks(10, 2).tolist()
    ([0, 10], [0, 1, 2, 3, 5, 6, 7, 8, 10])
    >>> rep_blocks(10, 1, rep_bytes=BLOCK_BYTES // 3).tolist()
    [0, 2, 5, 7, 10]
    """
    n_blocks = 1 if n_threads == 1 else 4 * n_threads
    if rep_bytes > 0:
        n_blocks = max(n_blocks, -(-reps * rep_bytes // BLOCK_BYTES))
    n_blocks = max(1, min(reps, n_blocks))
    return np.linspace(0, reps, n_blocks + 1).astype(np.int64)


def over_rep_blocks(
    fn: Callable,
    rep0: int,
    reps: int,
    parallel: bool,
    axis: int = -1,
    *,
    sink: Callable | None = None,
    rep_bytes: int = 0,
):
    """Concatenate ``fn(first_rep, n_reps)`` over blocks covering ``rep0 .. rep0+reps-1``.

    ``fn`` returns an array, or a tuple of arrays, whose ``axis`` is the
    replication; ``rep_bytes`` is its size per replication (blocks hold at
    most :data:`BLOCK_BYTES`). With a ``sink``, nothing is concatenated:
    ``sink(offset, result)`` takes each block's result (``offset``: its first
    replication, counted from ``rep0``) on the thread that made it, and
    ``None`` is returned.

    Examples
    --------
    >>> over_rep_blocks(lambda a, n: np.arange(a, a + n)[None, :], 5, 7, True).tolist()
    [[5, 6, 7, 8, 9, 10, 11]]
    >>> a, b = over_rep_blocks(lambda a, n: (np.arange(a, a + n), np.ones(n)), 0, 3, True, axis=0)
    >>> a.tolist(), b.tolist()
    ([0, 1, 2], [1.0, 1.0, 1.0])
    >>> got = []
    >>> over_rep_blocks(lambda a, n: np.arange(a, a + n), 5, 3, False, rep_bytes=BLOCK_BYTES,
    ...                 sink=lambda offset, x: got.append((offset, x.tolist())))
    >>> got
    [(0, [5]), (1, [6]), (2, [7])]
    """
    n_threads = threads() if parallel else 1
    edges = rep_blocks(reps, n_threads, rep_bytes)

    def block(i: int):
        a, b = int(edges[i]), int(edges[i + 1])
        out = fn(rep0 + a, b - a)
        if sink is None:
            return out
        sink(a, out)
        return None

    n_blocks = len(edges) - 1
    if n_threads == 1 or n_blocks == 1:
        parts = [block(i) for i in range(n_blocks)]
    else:
        with ThreadPoolExecutor(max_workers=n_threads) as pool:
            parts = list(pool.map(block, range(n_blocks)))
    if sink is not None:
        return None
    if n_blocks == 1:
        return parts[0]
    if isinstance(parts[0], tuple):
        return tuple(np.concatenate(p, axis=axis) for p in zip(*parts, strict=True))
    return np.concatenate(parts, axis=axis)
