"""``DuckDBResource``, ``open_duckdb`` and ``ConnectionCache``: the one place dockyard opens DuckDB
connections.

Every connection is opened under the cross-process file lock (see ``lock``), and DuckDB's own
"Could not set lock" errors (a process outside dockyard holding the file) are retried until the
same timeout, then reported as ``DatabaseLockTimeoutError``. ``open_duckdb`` closes its
connection (and lets the file go) when the block ends.

``ConnectionCache`` is what the DuckDB I/O managers use during a run: it keeps one connection
(and the file lock) open between uses, so a store followed by a load pays one connect and one
close, and the load finds the freshly written blocks still in DuckDB's buffer pool (opening the
file again costs ~12 ms to connect, ~10-25 ms to close, and reading the table back cold ~30 ms
more for a 1M-row frame). Closing is mostly tearing the instance down, not writing: by the
commit DuckDB has written the table's blocks to the file (the WAL keeps a few KB), and the
checkpoint at close takes ~1 ms; the commit itself is durable either way. Holding the file must
never make another process wait for long, so the connection is closed, and the lock released:

* after any use, if another process is waiting for the file (it announces that through
  ``<database>.lock.waiting``; see ``lock``);
* while idle, by a watcher thread that checks for waiters every ``poll_interval`` (20 ms), so a
  waiter gets the file within about that plus the close, even while this process computes;
* after ``idle_timeout`` (1 s) without use, so a long step between two uses does not keep the
  file and DuckDB's buffer memory held;
* after a use that raised (a connection that saw an error is never reused);
* when the run's resources are torn down (``close()``): nothing stays open after a run, and the
  close, with DuckDB's checkpoint of the WAL into the file, is part of the run.

Only one user at a time gets the cached connection; a concurrent user (another thread) gets its
own connection to the same DuckDB instance, which is cheap. Only file databases are cached (each
``:memory:`` connection is its own database). A process forked while a connection is cached
does not touch the inherited one. DuckDB refuses a second connection to an open file with a
different configuration (e.g. ``read_only``); when dockyard itself opens such a connection, idle
cached connections to that file are closed first and the connect is retried. A bare
``duckdb.connect(path, read_only=True)`` in an asset body cannot be intercepted: while the
manager's connection is cached (up to ``idle_timeout`` after its last use) it meets that DuckDB
error; open connections through ``DuckDBResource`` instead.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from pydantic import Field

from dockyard._internal.imports import require_extra
from dockyard.defs.configurable import ConfigurableResource
from dockyard.duckdb.lock import (
    DatabaseLease,
    acquire_database_lock,
    database_lock,
    is_file_database,
    others_waiting,
    retry_on_duckdb_lock,
)

DEFAULT_LOCK_TIMEOUT = 120.0


def _connect(database: str, config: Mapping[str, Any], read_only: bool, lock_timeout: float) -> Any:
    """``duckdb.connect`` (the caller holds the file lock), retrying DuckDB lock errors and, once,
    a configuration conflict with an idle cached connection of this process."""
    duckdb = require_extra("duckdb")

    def attempt() -> Any:
        try:
            return duckdb.connect(database, read_only=read_only, config=dict(config))
        except duckdb.ConnectionException as exc:
            if "different configuration" not in str(exc) or not release_idle_connections(database):
                raise
            return duckdb.connect(database, read_only=read_only, config=dict(config))

    return retry_on_duckdb_lock(database, lock_timeout, attempt, duckdb.IOException)


@contextmanager
def open_duckdb(
    database: str,
    connection_config: Mapping[str, Any] | None = None,
    *,
    read_only: bool = False,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
) -> Iterator[Any]:
    """Yield a ``duckdb`` connection to ``database`` held under the file lock; close it after."""
    with database_lock(database, lock_timeout):
        conn = _connect(database, connection_config or {}, read_only, lock_timeout)
        try:
            yield conn
        finally:
            conn.close()


_caches: weakref.WeakSet[ConnectionCache] = weakref.WeakSet()
_caches_mutex = threading.Lock()
_inherited: list[Any] = []  # connections a forked child must neither use nor close


def release_idle_connections(database: str) -> bool:
    """Close this process's idle cached connections to ``database``; whether any was closed
    (a cache busy in this very call is skipped: its mutex is taken without blocking)."""
    if not is_file_database(database):
        return False
    path = os.path.realpath(database)
    closed = False
    with _caches_mutex:
        caches = list(_caches)
    for cache in caches:
        if cache.path == path:
            closed = cache.release_if_idle() or closed
    return closed


class ConnectionCache:
    """One read-write connection to a DuckDB file, kept open between uses while nobody else
    needs the file (see the module docstring for when it is closed)."""

    poll_interval = 0.02
    idle_timeout = 1.0

    def __init__(
        self, database: str, connection_config: Mapping[str, Any] | None = None,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    ) -> None:
        self.database = database
        self.path = os.path.realpath(database) if is_file_database(database) else None
        self._config = dict(connection_config or {})
        self._lock_timeout = lock_timeout
        self._mutex = threading.Lock()
        self._pid = os.getpid()
        self._conn: Any = None
        self._lease: DatabaseLease | None = None
        self._stop: threading.Event | None = None  # the current watcher's stop signal
        self._busy = False
        self._closed = False
        self._last_used = 0.0
        with _caches_mutex:
            _caches.add(self)

    @property
    def is_open(self) -> bool:
        """Whether a connection is cached right now."""
        return self._conn is not None

    @contextmanager
    def connection(self) -> Iterator[Any]:
        """The cached connection (opened if needed), or a fresh one when it is in use, the
        database is not a file, or the cache is closed."""
        conn = self._checkout()
        if conn is None:
            with open_duckdb(self.database, self._config, lock_timeout=self._lock_timeout) as fresh:
                yield fresh
            return
        ok = False
        try:
            yield conn
            ok = True
        finally:
            self._checkin(ok)

    def close(self) -> None:
        """Close the cached connection; later uses open a connection each."""
        with self._mutex:
            self._closed = True
            if not self._busy:  # else the user's check-in closes it
                self._drop()

    def release_if_idle(self) -> bool:
        """Close the cached connection if it is open and not in use; whether it was."""
        if not self._mutex.acquire(blocking=False):  # busy with it, or closing it already
            return False
        try:
            if self._conn is None or self._busy:
                return False
            self._drop()
            return True
        finally:
            self._mutex.release()

    # -- internals ----------------------------------------------------------------------------
    def _checkout(self) -> Any:
        with self._mutex:
            if self._pid != os.getpid():
                self._forget_inherited()
            if self._closed or self._busy or self.path is None:
                return None
            if self._conn is None:
                lease = acquire_database_lock(self.database, self._lock_timeout)
                try:
                    self._conn = _connect(self.database, self._config, False, self._lock_timeout)
                except BaseException:
                    lease.release()
                    raise
                self._lease = lease
                self._start_watcher()
            self._busy = True
            return self._conn

    def _checkin(self, ok: bool) -> None:
        with self._mutex:
            self._busy = False
            self._last_used = time.monotonic()
            if not ok or self._closed or others_waiting(self.database):
                self._drop()

    def _drop(self) -> None:
        """Close the connection and release the lock (caller holds ``_mutex``)."""
        conn, lease, stop = self._conn, self._lease, self._stop
        self._conn = self._lease = self._stop = None
        if stop is not None:
            stop.set()
        try:
            if conn is not None:
                conn.close()
        finally:
            if lease is not None:
                lease.release()

    def _start_watcher(self) -> None:
        stop = self._stop = threading.Event()
        threading.Thread(
            target=self._watch, args=(stop,), name="dockyard-duckdb-cache", daemon=True
        ).start()

    def _watch(self, stop: threading.Event) -> None:
        while not stop.wait(self.poll_interval):
            with self._mutex:
                if stop.is_set() or self._conn is None:
                    return
                if self._busy:
                    continue
                idle = time.monotonic() - self._last_used >= self.idle_timeout
                if idle or others_waiting(self.database):
                    self._drop()
                    return

    def _forget_inherited(self) -> None:
        """After ``fork``: the parent's connection and lock are not ours to use or close."""
        if self._conn is not None:
            _inherited.append(self._conn)
        self._conn = self._lease = self._stop = None
        self._busy = False
        self._pid = os.getpid()


class DuckDBResource(ConfigurableResource):
    """Connections to a DuckDB database file.

    ``schema``, when set, is created if missing and put on the search path after ``main``, so its
    tables can be read unqualified; unqualified new tables still go to ``main``.
    """

    database: str = Field(description="Path to the DuckDB database file (or ':memory:').")
    schema_: str | None = Field(default=None, alias="schema", description="An extra schema to search.")
    connection_config: dict[str, Any] = Field(
        default_factory=dict, description="DuckDB configuration passed to duckdb.connect."
    )
    lock_timeout: float = Field(
        default=DEFAULT_LOCK_TIMEOUT,
        description="Seconds to wait for another process to release the database file.",
    )

    @contextmanager
    def get_connection(self) -> Iterator[Any]:
        """A ``duckdb.DuckDBPyConnection``, closed (and the file released) when the block ends."""
        with open_duckdb(
            self.database, self.connection_config, lock_timeout=self.lock_timeout
        ) as conn:
            if self.schema_:
                from dockyard.io.db import quote_identifier, quote_literal

                conn.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_identifier(self.schema_)}").fetchall()
                path = ",".join(quote_identifier(s) for s in ("main", self.schema_))
                conn.execute(f"SET search_path = {quote_literal(path)}").fetchall()
            yield conn
