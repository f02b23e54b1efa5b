"""The one place where fasttwin's Numba settings live.

``nogil`` lets Dask threads run kernels side by side; ``error_model="numpy"``
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


def jit_pair(func):
    """Return ``(serial, parallel)`` builds of a kernel that uses ``prange``.

    The serial build runs inside Dask workers: ``parallel=True`` called from a
    thread pool can abort under Numba's workqueue layer (numba issue 9288), and
    one single-threaded worker per core avoids oversubscription anyway.
    """
    serial = numba.njit(**_OPTIONS)(func)
    parallel = numba.njit(parallel=True, **_OPTIONS)(func)
    return serial, parallel
