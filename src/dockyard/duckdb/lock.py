"""Cross-process serialization of DuckDB connections to one database file.

DuckDB lets one process at a time open a file read-write, and while it does, no other process
can open it at all (not even read-only). Connections opened through dockyard therefore take an
exclusive ``fcntl.flock`` on ``<database>.lock`` first, waiting up to a timeout; the holder
writes its pid into the file so the timeout error can name it.

Within one process, connections to one file share a DuckDB instance and do not conflict, so the
lock is counted: the first user in a process takes the flock, the last releases it. The count is
keyed by pid too, so a forked child never believes it holds its parent's lock.

A process that finds the file taken announces that it is waiting: while it waits it holds a
shared ``flock`` on ``<database>.lock.waiting``. A holder that keeps a connection open between
uses (``resource.ConnectionCache``) probes that file with a non-blocking exclusive ``flock``
(:func:`others_waiting`); failing to get it means someone waits, and the holder lets go. A
process about to take the lock while someone already waits lets that waiter try first (for up
to ``POLITE_S``), so letting go for a waiter is not undone by taking the file straight back.
The probe and the announcement are each one system call, and a crashed waiter's lock vanishes
with its process, so there is nothing to clean up.
"""

from __future__ import annotations

import fcntl
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

from dockyard.errors import DatabaseLockTimeoutError

T = TypeVar("T")
_IN_MEMORY = ("", ":memory:")
WAITING_SUFFIX = ".lock.waiting"
MAX_WAIT_SLEEP_S = 0.05  # a waiter's longest sleep between tries
POLITE_S = 0.1  # how long a newcomer lets an earlier waiter go first


@dataclass
class _Held:
    pid: int
    mutex: threading.Lock = field(default_factory=threading.Lock)
    count: int = 0
    fd: int | None = None


_registry: dict[str, _Held] = {}
_registry_mutex = threading.Lock()


def is_file_database(database: str) -> bool:
    """Whether ``database`` names a local file (not memory, not a remote ``scheme:`` URL)."""
    return database not in _IN_MEMORY and not database.startswith(":memory:") and not re.match(
        r"^[a-z][a-z0-9+]*:(?!\\)", database, re.IGNORECASE
    )


def _entry(path: str) -> _Held:
    pid = os.getpid()
    with _registry_mutex:
        held = _registry.get(path)
        if held is None or held.pid != pid:
            held = _registry[path] = _Held(pid)
        return held


def _holder(lock_path: str) -> int | None:
    try:
        with open(lock_path, encoding="ascii") as f:
            text = f.read().strip()
        return int(text) if text.isdigit() else None
    except OSError:
        return None


def _timeout_error(database: str, timeout: float, pid: int | None) -> DatabaseLockTimeoutError:
    who = f"process {pid}" if pid is not None else "another process"
    return DatabaseLockTimeoutError(
        f"DuckDB database {database!r} is locked by {who}; waited {timeout:g}s. DuckDB allows one "
        "process at a time per file: wait for that process to finish, raise the lock timeout, or "
        "use one database file per writer.",
        path=database,
        holder_pid=pid,
    )


class DatabaseLease:
    """One counted hold on a database's cross-process lock; ``release()`` once (idempotent)."""

    __slots__ = ("_held",)

    def __init__(self, held: _Held | None) -> None:
        self._held = held

    def release(self) -> None:
        held, self._held = self._held, None
        if held is None or held.pid != os.getpid():  # in-memory, released, or inherited by fork
            return
        with held.mutex:
            held.count -= 1
            if held.count == 0 and held.fd is not None:
                fcntl.flock(held.fd, fcntl.LOCK_UN)
                os.close(held.fd)
                held.fd = None


def acquire_database_lock(database: str, timeout: float) -> DatabaseLease:
    """Take a counted hold on the cross-process lock for ``database``, waiting up to ``timeout``
    seconds (a no-op lease for in-memory databases)."""
    if not is_file_database(database):
        return DatabaseLease(None)
    path = os.path.realpath(database)
    lock_path = path + ".lock"
    held = _entry(path)
    deadline = time.monotonic() + timeout
    if not held.mutex.acquire(timeout=max(timeout, 0.0)):
        raise _timeout_error(database, timeout, _holder(lock_path))
    try:
        if held.count == 0:
            held.fd = _acquire(database, path, deadline, timeout)
        held.count += 1
    finally:
        held.mutex.release()
    return DatabaseLease(held)


@contextmanager
def database_lock(database: str, timeout: float) -> Iterator[None]:
    """Hold the cross-process lock for ``database`` (a no-op for in-memory databases)."""
    lease = acquire_database_lock(database, timeout)
    try:
        yield
    finally:
        lease.release()


def others_waiting(database: str) -> bool:
    """Whether another process is waiting for ``database``'s lock (see the module docstring)."""
    try:
        fd = os.open(os.path.realpath(database) + WAITING_SUFFIX, os.O_RDONLY)
    except OSError:  # nobody ever waited (or the directory is gone)
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # also drops the probe's lock
    return False


def _acquire(database: str, path: str, deadline: float, timeout: float) -> int:
    lock_path = path + ".lock"
    os.makedirs(os.path.dirname(lock_path) or ".", exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    waiting: int | None = None  # our fd on the waiting file, once it is open
    announced = False
    delay = 0.002
    # A process already waiting goes first: while it still waits, we neither try nor announce
    # for up to POLITE_S (longer than a waiter's longest sleep), so a process that just let go
    # of the file for a waiter does not take it straight back.
    polite_until = time.monotonic() + POLITE_S if others_waiting(path) else 0.0
    try:
        while True:
            if polite_until and time.monotonic() < polite_until and others_waiting(path):
                pass
            else:
                polite_until = 0.0
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    pass
            if not polite_until and not announced:
                if waiting is None:
                    waiting = os.open(path + WAITING_SUFFIX, os.O_RDWR | os.O_CREAT, 0o644)
                try:  # a holder's probe holds it exclusively for an instant: try again next turn
                    fcntl.flock(waiting, fcntl.LOCK_SH | fcntl.LOCK_NB)
                    announced = True
                except BlockingIOError:
                    pass
            if time.monotonic() >= deadline:
                os.close(fd)
                raise _timeout_error(database, timeout, _holder(lock_path)) from None
            time.sleep(delay)
            delay = min(delay * 2, MAX_WAIT_SLEEP_S)
    finally:
        if waiting is not None:
            os.close(waiting)  # no longer waiting
    os.ftruncate(fd, 0)
    os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
    return fd


def retry_on_duckdb_lock(
    database: str, timeout: float, open_fn: Callable[[], T], lock_error: type[BaseException]
) -> T:
    """Call ``open_fn`` until DuckDB stops reporting a file lock held by a process outside
    dockyard, or the timeout passes (then raise a ``DatabaseLockTimeoutError``)."""
    deadline = time.monotonic() + timeout
    delay = 0.01
    while True:
        try:
            return open_fn()
        except lock_error as exc:
            message = str(exc)
            if "lock" not in message.lower():
                raise
            if time.monotonic() >= deadline:
                match = re.search(r"PID (\d+)", message)
                raise _timeout_error(
                    database, timeout, int(match.group(1)) if match else None
                ) from exc
            time.sleep(delay)
            delay = min(delay * 2, 0.2)

