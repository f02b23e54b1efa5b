"""The store lock: two real processes, a crashed (SIGKILLed) holder, leases, pid reuse.

The holder is a separate Python process that takes the lock and waits; the
test process is the second run.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from fasttwin.sweep.lock import StoreLock, StoreLocked, lock_path

ROOT = Path(__file__).resolve().parent.parent

HOLDER = textwrap.dedent(
    """
    import sys, time
    from fasttwin.sweep.lock import StoreLock
    lock = StoreLock(sys.argv[1], purpose="holder-process", lease=float(sys.argv[2]))
    lock.acquire()
    print("locked", flush=True)
    sys.stdin.readline()          # hold until told (or killed)
    lock.release()
    print("released", flush=True)
    """
)


def env() -> dict:
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "PYTHONPATH": path}


@pytest.fixture
def holder(tmp_path):
    """Start a process holding the lock on ``tmp_path/cube.zarr``; yields (store, process)."""
    store = tmp_path / "cube.zarr"
    procs = []

    def start(lease: float = 120.0):
        proc = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(store), str(lease)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env(),
        )
        procs.append(proc)
        assert proc.stdout.readline().strip() == "locked"
        return proc

    yield store, start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stdin.close()
        proc.stdout.close()


def test_a_second_process_is_refused_at_once_and_told_who_holds_it(holder):
    store, start = holder
    proc = start()
    t0 = time.perf_counter()
    with pytest.raises(StoreLocked) as err:
        StoreLock(store, purpose="second").acquire()
    assert time.perf_counter() - t0 < 1.0
    message = str(err.value)
    assert f"pid {proc.pid} on host {socket.gethostname()!r}" in message
    assert "holder-process" in message and lock_path(str(store)) in message
    assert err.value.holder["pid"] == proc.pid
    assert not store.exists()  # the refused run touched nothing
    # Released by its holder, the lock is free.
    proc.stdin.write("\n")
    proc.stdin.flush()
    assert proc.stdout.readline().strip() == "released"
    proc.wait()
    assert not Path(lock_path(str(store))).exists()
    with StoreLock(store):
        pass


@pytest.mark.parametrize("reaped", [True, False])
def test_the_lock_of_a_killed_holder_is_recovered(holder, reaped):
    store, start = holder
    proc = start()
    os.kill(proc.pid, signal.SIGKILL)
    if reaped:
        proc.wait()
    else:  # a zombie until its parent waits: gone all the same
        while psutil.Process(proc.pid).status() != psutil.STATUS_ZOMBIE:
            time.sleep(0.01)
    assert Path(lock_path(str(store))).exists()  # the crash left it behind
    with StoreLock(store, purpose="recoverer") as lock:
        held = json.loads(Path(lock.path).read_text())
        assert held["pid"] == os.getpid() and held["purpose"] == "recoverer"
    assert not Path(lock.path).exists()
    assert not list(store.parent.glob("*.break"))


def _write_lock(store: Path, age: float, **info) -> Path:
    path = Path(lock_path(str(store)))
    base = {"purpose": "elsewhere", "host": "another-host", "pid": 1, "token": "t0"}
    path.write_text(json.dumps({**base, **info}))
    then = time.time() - age
    os.utime(path, (then, then))
    return path


def test_another_hosts_lock_is_kept_while_its_lease_runs_and_broken_after(tmp_path):
    store = tmp_path / "cube.zarr"
    _write_lock(store, age=5, lease_seconds=60)
    with pytest.raises(StoreLocked, match="another-host"):
        StoreLock(store).acquire()
    _write_lock(store, age=61, lease_seconds=60)
    with StoreLock(store) as lock:
        assert json.loads(Path(lock.path).read_text())["token"] == lock.token


def test_a_reused_pid_does_not_keep_a_dead_holders_lock(tmp_path):
    store = tmp_path / "cube.zarr"
    me = psutil.Process(os.getpid())
    _write_lock(
        store, age=1, host=socket.gethostname(), pid=me.pid, started=me.create_time() - 1000.0
    )
    with StoreLock(store):
        pass
    _write_lock(store, age=1, host=socket.gethostname(), pid=me.pid, started=me.create_time())
    with pytest.raises(StoreLocked):
        StoreLock(store).acquire()


def test_the_lease_is_renewed_while_held_and_a_lost_lock_is_noticed(tmp_path):
    store = tmp_path / "cube.zarr"
    lock = StoreLock(store, lease=0.4).acquire()
    path = Path(lock.path)
    first = path.stat().st_mtime
    time.sleep(0.6)
    assert path.stat().st_mtime > first  # renewed: never older than the lease
    with pytest.raises(StoreLocked):
        StoreLock(store, lease=0.4).acquire()
    lock.check()
    path.unlink()  # someone broke it
    time.sleep(0.3)
    with pytest.raises(RuntimeError, match="lost the lock"):
        lock.check()
    lock.release()


def test_breaking_removes_only_the_stale_lock_it_saw(tmp_path):
    store = tmp_path / "cube.zarr"
    _write_lock(store, age=500, lease_seconds=60, token="stale")
    breaker = StoreLock(store)
    stale = breaker.holder()
    # Between reading and breaking, the stale holder let go and a live run took the lock.
    Path(breaker.path).unlink()
    live = StoreLock(store).acquire()
    breaker._break(stale)
    assert json.loads(Path(breaker.path).read_text())["token"] == live.token
    live.release()


def test_fsspec_urls_lock_too(tmp_path):
    store = f"memory://{tmp_path.name}/cube.zarr"
    with StoreLock(store, purpose="first"):
        with pytest.raises(StoreLocked, match="first"):
            StoreLock(store).acquire()
    with StoreLock(store):
        pass
