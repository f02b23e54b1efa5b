"""Replenishment cycles of a stock point, counted in one int64 word per point.

The definitions are in :mod:`fasttwin.kernels.layout`. A day step updates the
word of each (node, policy point) with :func:`next_cycle_word`; the kernels
keep it apart from their running sums, clear its counts when the warm-up ends
(:func:`restart_counts`) and report :func:`cycle_sums` at the end.

Bit 0 is set while the open cycle has had a stockout; bits 1-31 count the
cycles closed, bits 32-62 those of them that were short (``periods < 2**31``,
checked by :mod:`fasttwin.plan.run`, keeps both within their bits). One word,
not three arrays: the single-node day loop touches ~14 arrays, and past ~16
LLVM needs over 128 runtime alias checks and stops vectorising it (measured:
4x slower).
"""

from fasttwin.kernels.jit import INLINE

OPEN_SHORT = 1
_CYCLE = 2
_SHORT_CYCLE = 1 << 32
_COUNT = (1 << 31) - 1


@INLINE
def next_cycle_word(word, closes, short):
    """The word after a day (or an instant) that ``closes`` the open cycle and is ``short``.

    Closing adds a cycle, and a short one if the open cycle was, and clears
    the flag; then a stockout (``short``) marks the open cycle. Selects and
    shifts only, so that loops over points stay vectorised.
    """
    was_short = word & OPEN_SHORT
    word += (_CYCLE + was_short * _SHORT_CYCLE - was_short) if closes else 0
    return word | (OPEN_SHORT if short else 0)


@INLINE
def restart_counts(word):
    """Forget the cycles closed so far (the warm-up's), keep the open cycle's flag."""
    return word & OPEN_SHORT


@INLINE
def cycle_sums(word):
    """``(cycles, short cycles)`` to report: those closed, or the open one if none closed."""
    closed = (word >> 1) & _COUNT
    if closed > 0:
        return closed, word >> 32
    return 1, word & OPEN_SHORT
