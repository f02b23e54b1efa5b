"""The one place where fasttwin's Numba settings live.

Kernels are compiled serially with ``nogil`` and run on all cores by
:mod:`fasttwin.engine.threads` (threads over replication blocks); ``error_model="numpy"``
keeps divisions branch-free in hot loops. Caching is opt-in
(``FASTTWIN_NUMBA_CACHE=1``) because ``cache=True`` with many processes
writing the same cache directory has crashed workers (numba issues 4807, 10128).
"""

import os

import numba

CACHE = os.environ.get("FASTTWIN_NUMBA_CACHE", "0") == "1"

_OPTIONS = {"nogil": True, "error_model": "numpy", "cache": CACHE}


def jit(func):
    """Compile ``func`` lazily with the project's defaults."""
    return numba.njit(**_OPTIONS)(func)


#: Decorator for small helpers of a hot loop: inlined at Numba IR level, which
#: lets LLVM see the caller's freshly allocated arrays and drop its runtime
#: aliasing checks (measured 1.5x on the periodic kernel).
INLINE = numba.njit(inline="always", **_OPTIONS)
