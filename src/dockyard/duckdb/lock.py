"""Cross-process serialization of DuckDB connections to one database file.

DuckDB lets one process at a time open a file read-write, and while it does, no other process
can open it at all (not even read-only). Connections opened through dockyard therefore take an
exclusive ``fcntl.flock`` on ``<database>.lock`` first, waiting up to a timeout; the holder
writes its pid into the file so the timeout error can name it.

Within one process, connections to one file share a DuckDB instance and do not conflict, so the
lock is counted: the first user in a process takes the flock, the last releases it. The count is
keyed by pid too, so a forked child never believes it holds its parent's lock.
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


@contextmanager
def database_lock(database: str, timeout: float) -> Iterator[None]:
    """Hold the cross-process lock for ``database`` (a no-op for in-memory databases)."""
    if not is_file_database(database):
        yield
        return
    path = os.path.realpath(database)
    lock_path = path + ".lock"
    held = _entry(path)
    deadline = time.monotonic() + timeout
    if not held.mutex.acquire(timeout=max(timeout, 0.0)):
        raise _timeout_error(database, timeout, _holder(lock_path))
    try:
        if held.count == 0:
            held.fd = _acquire(database, lock_path, deadline, timeout)
        held.count += 1
    finally:
        held.mutex.release()
    try:
        yield
    finally:
        with held.mutex:
            held.count -= 1
            if held.count == 0 and held.fd is not None:
                fcntl.flock(held.fd, fcntl.LOCK_UN)
                os.close(held.fd)
                held.fd = None


def _acquire(database: str, lock_path: str, deadline: float, timeout: float) -> int:
    os.makedirs(os.path.dirname(lock_path) or ".", exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    delay = 0.005
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(fd)
                raise _timeout_error(database, timeout, _holder(lock_path)) from None
            time.sleep(delay)
            delay = min(delay * 2, 0.1)
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

