"""An exclusive lock on a store, safe on shared file systems, with stale-lock recovery.

A sweep (or an optimiser run) that writes a resumable store holds this lock
from before it looks at the store until it has finished writing, so a second
run on the same store refuses at once, touching nothing, and names the holder::

    with StoreLock("out/cube.zarr", purpose="fasttwin sweep"):
        ...  # inspect, (re)create and write the store

**The lock file** is ``<store>.lock``, beside the store (the store itself may
not exist yet, and ``--overwrite`` deletes it). It holds JSON: the holder's
host, pid, process start time, user, command, a random token, when it was taken
and its lease. It is created atomically with the ``link(2)`` recipe of the
``open(2)`` manual (a uniquely named file with the contents is hard-linked to the
lock name, which fails if the name exists; a link whose reply was lost is
recognised by the link count), because ``O_EXCL`` and POSIX advisory locks
(``fcntl``) are unreliable on NFS. While held, a thread renews the lease every
``lease / 4`` seconds (the file's modification time) and checks that the lock
is still its own; :meth:`StoreLock.check` raises if it was lost.

**Stale locks.** A lock is stale when its holder runs on this host (same host
name) and its process is gone, or its pid now belongs to a process started at
another time (pid reuse); or, from any host, when its lease was not renewed for
``lease`` seconds (a crashed machine, a killed job). A stale lock is broken
under a guard file (``<store>.lock.break``, created the same atomic way) and
only if it is still the same lock, so two runs recovering at once cannot both
win. Host clocks must agree to within a fraction of the lease (NTP does), and
containers that share a store must have distinct host names (the default).

**fsspec URLs** (``s3://``, ``gs://``, ...): object stores have no atomic
create-if-absent that fsspec exposes, so there the lock is best effort: the
lock object is written only when absent, then read back after a pause to
check that this run's token won. Two runs started within that pause on the
same store could both proceed; the lease and stale rules are the same.

Why not a library: ``filelock.SoftFileLock`` never recovers a lock left by a
crashed holder, and ``flufl.lock`` breaks a dead holder's lock only after its
whole lifetime and records no process start time; both know nothing of object
stores.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import secrets
import socket
import sys
import threading
import time
from dataclasses import dataclass

#: Seconds a holder's lease lasts without renewal before another host may break it.
LEASE_SECONDS = 120.0
#: Pause before reading back a lock written to an object store (best-effort race check).
OBJECT_STORE_SETTLE = 1.0
SUFFIX = ".lock"


class StoreLocked(RuntimeError):
    """The store is locked by another live run (``holder`` describes it)."""

    def __init__(self, message: str, holder: dict | None = None):
        super().__init__(message)
        self.holder = holder or {}


@dataclass(frozen=True)
class Holder:
    """What a lock file says about the run that holds it."""

    info: dict
    age: float  # seconds since the lease was last renewed

    def describe(self) -> str:
        i = self.info
        return (
            f"{i.get('purpose', 'a run')} (pid {i.get('pid')} on host {i.get('host')!r}, "
            f"user {i.get('user')!r}, since {i.get('created')}, lease renewed "
            f"{self.age:.0f} s ago; command: {i.get('command', '?')})"
        )


def lock_path(url: str) -> str:
    """The lock file of a store: ``<store>.lock`` beside it.

    Examples
    --------
    >>> lock_path("/data/cube.zarr/"), lock_path("s3://bucket/cube.zarr")
    ('/data/cube.zarr.lock', 's3://bucket/cube.zarr.lock')
    """
    return url.rstrip("/") + SUFFIX


class StoreLock:
    """An exclusive, lease-renewed lock on a store (a path or an fsspec URL).

    Parameters
    ----------
    store
        The store's path or URL (a :class:`~fasttwin.sweep.store.StoreRef` too).
    storage_options
        fsspec options for a URL.
    purpose
        Who holds it, for the message a second run prints (``"fasttwin sweep"``).
    lease
        Seconds without renewal after which another host may break the lock.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     store = pathlib.Path(d) / "cube.zarr"
    ...     with StoreLock(store, purpose="doctest"):
    ...         try:
    ...             StoreLock(store, purpose="second").acquire()
    ...         except StoreLocked as err:
    ...             print(str(err).split(" (pid")[0])  # doctest: +ELLIPSIS
    ...     StoreLock(store).acquire().release()  # free again
    store '...' is locked by doctest
    """

    def __init__(
        self,
        store,
        storage_options: dict | None = None,
        *,
        purpose: str = "fasttwin",
        lease: float = LEASE_SECONDS,
    ):
        url = getattr(store, "url", None) or os.fspath(store)
        options = dict(getattr(store, "storage_options", ()) or storage_options or {})
        if url.startswith("file://"):
            url = url[len("file://") :]
        self.remote = "://" in url
        self.url = url if self.remote else os.path.abspath(url)
        self.path = lock_path(self.url)
        self.options = options
        self.purpose = purpose
        self.lease = float(lease)
        self.token = secrets.token_hex(8)
        self._held = False
        self._lost: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- public -------------------------------------------------------------------------

    def acquire(self) -> StoreLock:
        """Take the lock, breaking a stale one; raise :class:`StoreLocked` if it is held."""
        if self._held:
            raise RuntimeError(f"lock {self.path!r} is already held by this object")
        for _ in range(3):
            if self._create(self.path, self._info()):
                self._held = True
                self._start_heartbeat()
                return self
            holder = self.holder()
            if holder is None:  # released between our attempt and the read: try again
                continue
            why = self._stale(holder)
            if why is None:
                raise StoreLocked(
                    f"store {self.url!r} is locked by {holder.describe()}. Wait for it to "
                    f"finish, or stop it; if you are sure nothing runs on this store, delete "
                    f"{self.path!r}",
                    holder.info,
                )
            self._break(holder)
        raise StoreLocked(f"store {self.url!r}: could not take its lock {self.path!r}")

    def release(self) -> None:
        """Give the lock up (only if it is still ours)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._held:
            self._held = False
            current = self._read(self.path)
            if current is not None and current.info.get("token") == self.token:
                self._remove(self.path)

    def check(self) -> None:
        """Raise ``RuntimeError`` if the lock was lost (broken by another run) while held."""
        if self._lost is not None:
            raise RuntimeError(
                f"lost the lock on store {self.url!r}: {self._lost}; stopped so as not to "
                "write alongside another run"
            )

    def holder(self) -> Holder | None:
        """Who holds the lock now (``None`` when free)."""
        return self._read(self.path)

    def __enter__(self) -> StoreLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()

    # -- the lock's contents ------------------------------------------------------------

    def _info(self) -> dict:
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        return {
            "purpose": self.purpose,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "started": _start_time(os.getpid()),
            "user": _user(),
            "command": " ".join(sys.argv)[:300],
            "token": self.token,
            "created": now,
            "lease_seconds": self.lease,
            "heartbeat": time.time(),
        }

    def _stale(self, holder: Holder) -> str | None:
        """Why the holder's lock is stale, or ``None`` if it may be alive."""
        info = holder.info
        lease = float(info.get("lease_seconds", LEASE_SECONDS))
        if holder.age > lease:
            return f"its lease was not renewed for {holder.age:.0f} s (lease {lease:.0f} s)"
        if info.get("host") == socket.gethostname() and isinstance(info.get("pid"), int):
            started = _start_time(info["pid"])
            if started is None:
                return f"its process {info['pid']} is gone"
            recorded = info.get("started")
            if started >= 0 and isinstance(recorded, float) and abs(started - recorded) > 1.0:
                return f"pid {info['pid']} now belongs to another process"
        return None

    def _break(self, stale: Holder) -> None:
        """Remove ``stale`` if it is still the lock, under a guard only one run can hold."""
        guard = self.path + ".break"
        if not self._create(guard, self._info()):
            other = self._read(guard)
            # A breaker that died mid-way leaves its guard: old guards are ignored.
            if other is not None and other.age < 30:
                raise StoreLocked(
                    f"store {self.url!r}: another run is recovering its stale lock right now",
                    other.info,
                )
            self._remove(guard)
            if not self._create(guard, self._info()):
                raise StoreLocked(f"store {self.url!r}: another run is recovering its stale lock")
        try:
            current = self._read(self.path)
            if current is not None and current.info.get("token") == stale.info.get("token"):
                self._remove(self.path)
        finally:
            self._remove(guard)

    # -- heartbeat ----------------------------------------------------------------------

    def _start_heartbeat(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._beat, name=f"fasttwin-lock-{self.token}", daemon=True
        )
        self._thread.start()

    def _beat(self) -> None:
        while not self._stop.wait(self.lease / 4):
            try:
                current = self._read(self.path)
                if current is None or current.info.get("token") != self.token:
                    self._lost = "its lock file was removed or taken by another run"
                    return
                self._renew()
            except OSError:  # a flaky share: try again next beat, the lease allows for it
                continue

    def _renew(self) -> None:
        if self.remote:
            info = {**self._read(self.path).info, "heartbeat": time.time()}
            fs, path = self._fs()
            fs.pipe_file(path, json.dumps(info).encode())
        else:
            os.utime(self.path)

    # -- file operations: local files (link recipe) or fsspec objects ----------------------

    def _fs(self):
        from fsspec.core import url_to_fs

        return url_to_fs(self.url, **self.options)[0], self.path.split("://", 1)[-1]

    def _create(self, path: str, info: dict) -> bool:
        data = json.dumps(info, indent=1).encode()
        if self.remote:
            return self._create_object(path, data)
        parent = os.path.dirname(path)
        claim = f"{path}.{info['host']}.{info['pid']}.{secrets.token_hex(4)}"
        with open(claim, "xb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        try:
            try:
                os.link(claim, path)
                return True
            except FileExistsError:
                return False
            except OSError:
                # NFS: the link may have been made though its reply was lost.
                if os.stat(claim).st_nlink == 2:
                    return True
                raise
        finally:
            os.unlink(claim)
            _sync_dir(parent)

    def _create_object(self, path: str, data: bytes) -> bool:
        fs, key = self._fs()
        key = path.split("://", 1)[-1]
        if fs.exists(key):
            return False
        fs.pipe_file(key, data)
        time.sleep(OBJECT_STORE_SETTLE)
        won = self._read(path)
        return won is not None and won.info.get("token") == json.loads(data)["token"]

    def _read(self, path: str) -> Holder | None:
        try:
            if self.remote:
                fs, _ = self._fs()
                key = path.split("://", 1)[-1]
                data = fs.cat_file(key)
                info = json.loads(data)
                age = time.time() - float(info.get("heartbeat", 0.0))
            else:
                with open(path, "rb") as f:
                    info = json.loads(f.read())
                age = time.time() - os.stat(path).st_mtime
        except FileNotFoundError:
            return None
        except (ValueError, TypeError):
            # Not our JSON: treat as a lock of unknown holder, stale once old.
            info = {"purpose": "an unknown program", "token": None}
            age = time.time() - _mtime(path) if not self.remote else 0.0
        if not isinstance(info, dict):
            info = {"purpose": "an unknown program", "token": None}
        return Holder(info, max(age, 0.0))

    def _remove(self, path: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            if self.remote:
                fs, _ = self._fs()
                fs.rm_file(path.split("://", 1)[-1])
            else:
                os.unlink(path)


def _start_time(pid: int) -> float | None:
    """Start time of process ``pid`` (seconds since the epoch); ``None`` if it is gone
    (or a zombie), -1 if it runs but its start time is hidden from us."""
    import psutil

    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return None
        return process.create_time()
    except psutil.NoSuchProcess:
        return None
    except psutil.AccessDenied:
        return -1.0


def _user() -> str:
    try:
        import getpass

        return getpass.getuser()
    except (KeyError, OSError):
        return "?"


def _mtime(path: str) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return time.time()


def _sync_dir(path: str) -> None:
    """Flush a directory entry (the lock's name) to disk where the OS allows it."""
    try:
        fd = os.open(path or ".", os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def take_lock(ref, purpose: str) -> StoreLock:
    """Take the lock of the store ``ref`` for a run that writes it.

    Raises :class:`StoreLocked` if another run holds it, and ``ValueError``
    naming the store if the lock cannot be written at all (a read-only place).
    """
    lock = StoreLock(ref, purpose=purpose)
    try:
        return lock.acquire()
    except OSError as err:
        raise ValueError(
            f"cannot write the store {ref.url!r}: {err.strerror or err} ({err.filename or ''})"
        ) from None
