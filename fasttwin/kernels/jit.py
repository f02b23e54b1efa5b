"""The one place where fasttwin's Numba settings live.

Kernels are compiled serially with ``nogil`` and run on all cores by
:mod:`fasttwin.engine.threads` (threads over replication blocks); ``error_model="numpy"``
keeps divisions branch-free in hot loops.

Compiled kernels are cached on disk by default, so only the first run on a
machine pays for compiling. The cache lives in one directory per user,
``<user cache dir>/fasttwin/numba/<version>-<hash of the kernels' source>``
(or under ``FASTTWIN_NUMBA_CACHE_DIR``, e.g. a shared file system for a
cluster's workers): a new fasttwin version, or any edit of a kernel, looks in
a new directory and never loads a stale kernel. ``FASTTWIN_NUMBA_CACHE=0``
turns caching off.

Numba's own file cache cannot serve fasttwin's specialised kernels: it keys a
closure by the pickle of its cells, and a cell holding another compiled
function pickles with a fresh identifier in every process, so each process
recompiled and added an entry. :class:`_KernelCache` keys a closure by a
stable fingerprint of its cells (the flags and sampler codes a kernel was
built for, and the names of the functions it calls) instead. Each compiled
kernel is written to a data file named by the hash of its key, in one atomic
rename, so processes that compile at once (Dask workers on a first run) write
identical files or different files, never one file for two kernels. The
crashes of numba issues 4807 and 10128 came from ``guvectorize``'s two files
per function written apart; numba's numbered data files could also let one
process's index point at another process's kernel.

A one-line notice goes to stderr the first time a process really compiles a
fasttwin kernel (not when it loads one from the cache).
"""

import functools
import hashlib
import os
import sys
import types
from pathlib import Path

import numba
from numba.core import event
from numba.core.caching import (
    CompileResultCacheImpl,
    FunctionCache,
    IndexDataCacheFile,
    _CacheLocator,
    _SourceFileBackedLocatorMixin,
)
from numba.core.dispatcher import Dispatcher
from numba.misc.appdirs import AppDirs

from fasttwin._version import __version__

#: Whether compiled kernels are cached on disk (``FASTTWIN_NUMBA_CACHE=0`` turns it off).
CACHE = os.environ.get("FASTTWIN_NUMBA_CACHE", "1") != "0"

_OPTIONS = {"nogil": True, "error_model": "numpy"}


@functools.cache
def _source_hash() -> str:
    """Hash of every kernel module's source: what a compiled kernel depends on in fasttwin."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def cache_dir() -> str:
    """The directory where this fasttwin's compiled kernels are cached.

    Examples
    --------
    >>> from fasttwin._version import __version__
    >>> Path(cache_dir()).name.startswith(__version__ + "-")
    True
    """
    base = os.environ.get("FASTTWIN_NUMBA_CACHE_DIR") or os.path.join(
        AppDirs("fasttwin", appauthor=False).user_cache_dir, "numba"
    )
    return os.path.join(base, f"{__version__}-{_source_hash()}")


def _fingerprint(value) -> str:
    """A text that names ``value`` the same in every process, or ``TypeError``.

    Closure cells hold the flags a kernel was specialised for and the compiled
    helpers it calls; a helper is named by its module, qualified name and, in
    turn, its own cells (its code is covered by :func:`_source_hash`).
    """
    if value is None or isinstance(value, (bool, int, float, str)):
        return repr(value)
    if isinstance(value, (frozenset, set)):
        return "{" + ",".join(sorted(_fingerprint(v) for v in value)) + "}"
    if isinstance(value, tuple):
        return "(" + ",".join(_fingerprint(v) for v in value) + ")"
    func = getattr(value, "py_func", value)
    if isinstance(func, types.FunctionType):
        cells = func.__closure__ or ()
        inner = ",".join(_fingerprint(c.cell_contents) for c in cells)
        return f"{func.__module__}.{func.__qualname__}[{inner}]"
    raise TypeError(f"no stable fingerprint for {type(value).__name__}")


class _KernelLocator(_SourceFileBackedLocatorMixin, _CacheLocator):
    """Puts every kernel's cache files in :func:`cache_dir`."""

    def __init__(self, py_func, py_file):
        self._py_file = py_file
        self._lineno = py_func.__code__.co_firstlineno
        self._cache_path = cache_dir()

    def get_cache_path(self):
        return self._cache_path


class _KernelCacheImpl(CompileResultCacheImpl):
    _locator_classes = [_KernelLocator]


class _KeyedDataFile(IndexDataCacheFile):
    """Names each data file by the hash of its key, not by a counter.

    With numbered files, two processes saving different kernels at once
    could both pick number 1 and leave an index that points at the other's
    code. Keyed names make concurrent saves of one key write the same
    content, and saves of two keys write two files; a lost index update only
    costs a recompile.
    """

    def __init__(self, cache_path, filename_base, source_stamp):
        super().__init__(cache_path, filename_base, source_stamp)
        self._base = filename_base

    def save(self, key, data):
        overloads = self._load_index()
        name = f"{self._base}.{hashlib.sha256(repr(key).encode()).hexdigest()[:20]}.nbc"
        self._save_data(name, data)
        if overloads.get(key) != name:
            overloads[key] = name
            self._save_index(overloads)


class _KernelCache(FunctionCache):
    """Numba's function cache, keyed by a kernel's specialisation (see the module docstring)."""

    _impl_class = _KernelCacheImpl

    def __init__(self, py_func, spec: str):
        super().__init__(py_func)
        self._spec = hashlib.sha256(spec.encode()).hexdigest()[:16]
        self._cache_file = _KeyedDataFile(
            cache_path=self._cache_path,
            filename_base=f"{self._impl.filename_base}-{self._spec}",
            source_stamp=self._impl.locator.get_source_stamp(),
        )

    def _index_key(self, sig, codegen):
        code = hashlib.sha256(self._py_func.__code__.co_code).hexdigest()
        return (sig, codegen.magic_tuple(), (code, self._spec))


def _enable_cache(dispatcher) -> None:
    """Cache ``dispatcher`` in :func:`cache_dir` when its specialisation has a stable name."""
    try:
        spec = _fingerprint(dispatcher.py_func)
    except TypeError:
        return  # compiled in every process; no kernel of fasttwin's is such
    try:
        dispatcher._cache = _KernelCache(dispatcher.py_func, spec)
    except (RuntimeError, OSError):
        # numba found no writable cache directory: say so when compiling
        _CompileNotice.text = NOTICE_UNWRITABLE.format(cache_dir())


def jit(func):
    """Compile ``func`` lazily with the project's defaults, cached on disk (see above)."""
    dispatcher = numba.njit(**_OPTIONS)(func)
    if CACHE and isinstance(dispatcher, Dispatcher):
        _enable_cache(dispatcher)
    return dispatcher


#: Decorator for small helpers of a hot loop: inlined at Numba IR level, which
#: lets LLVM see the caller's freshly allocated arrays and drop its runtime
#: aliasing checks (measured 1.5x on the periodic kernel). Never cached on
#: their own: their code lives in the kernels that inline them.
INLINE = numba.njit(inline="always", **_OPTIONS)

NOTICE = "fasttwin: compiling kernels (first run only)…"
NOTICE_UNCACHED = "fasttwin: compiling kernels (caching is off: FASTTWIN_NUMBA_CACHE=0)…"
NOTICE_UNWRITABLE = (
    "fasttwin: compiling kernels (no kernel cache: cannot write {}; set FASTTWIN_NUMBA_CACHE_DIR)…"
)


class _CompileNotice(event.Listener):
    """Says once per process, on stderr, that fasttwin kernels are being compiled."""

    said = False
    text = NOTICE if CACHE else NOTICE_UNCACHED

    def on_start(self, ev):
        func = getattr(ev.data["dispatcher"], "py_func", None)
        if not self.said and getattr(func, "__module__", "").startswith("fasttwin."):
            type(self).said = True
            print(self.text, file=sys.stderr, flush=True)

    def on_end(self, ev):
        pass


event.register("numba:compile", _CompileNotice())
