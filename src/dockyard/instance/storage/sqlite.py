"""SQLite instance storage: runs, events, the asset index and dynamic partitions in one file.

The database runs in WAL mode with ``synchronous=NORMAL`` (a commit survives a process crash;
a power loss may drop the last commits, never corrupt the file) and a busy timeout, so several
processes can write one instance at once. Each ``store_events`` call is one ``BEGIN IMMEDIATE``
transaction: a step's events land together or not at all, and concurrent writers queue on the
write lock instead of failing. Payloads are JSON written by ``dockyard.instance.serdes``.

Tables::

    runs(run_id PK, job_name, status, partition, created, body)
    events(id PK, run_id, event_type, step_key, asset_key, partition, timestamp, body)
    materializations(event_id PK, asset_key, partition)   -- the asset index
    asset_origins(asset_key PK, body)
    dynamic_partitions(id PK, name, partition_key, UNIQUE(name, partition_key))

Connections are opened per process (and per thread through a lock), lazily, so a storage object
inherited through ``fork`` reconnects instead of sharing a socket-like handle with its parent.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from dockyard.instance.events import EventLogEntry
from dockyard.instance.origins import AssetOrigin
from dockyard.instance.runs import DagsterRun
from dockyard.instance.serdes import dumps, run_to_dict
from dockyard.instance.storage.sql import SqlInstanceStorage, SqlQueries, event_rows, origin_rows

if TYPE_CHECKING:
    import sqlite3

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, job_name TEXT NOT NULL, status TEXT NOT NULL, partition TEXT,
    created REAL NOT NULL, body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_status ON runs(status, created);
CREATE INDEX IF NOT EXISTS runs_by_job ON runs(job_name, created);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, event_type TEXT, step_key TEXT,
    asset_key TEXT, partition TEXT, timestamp REAL NOT NULL, body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_run ON events(run_id, id);
CREATE INDEX IF NOT EXISTS events_by_asset ON events(asset_key, id) WHERE asset_key IS NOT NULL;
CREATE TABLE IF NOT EXISTS materializations (
    event_id INTEGER PRIMARY KEY, asset_key TEXT NOT NULL, partition TEXT
);
CREATE INDEX IF NOT EXISTS mats_by_asset ON materializations(asset_key, event_id);
CREATE INDEX IF NOT EXISTS mats_by_partition ON materializations(asset_key, partition, event_id);
CREATE TABLE IF NOT EXISTS asset_origins (asset_key TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS dynamic_partitions (
    id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, partition_key TEXT NOT NULL,
    UNIQUE(name, partition_key)
);
"""
_QUERIES = SqlQueries(
    "?",
    {name: name for name in ("runs", "events", "materializations", "asset_origins", "dynamic_partitions")},
    run_tiebreak="rowid",
    array_params=False,
)


class SqliteInstanceStorage(SqlInstanceStorage):
    """Instance storage in one SQLite database file (WAL mode).

    Args:
        path: The database file; its directory is created if missing.
        busy_timeout_ms: How long a writer waits for another process's write lock.
    """

    def __init__(self, path: str | os.PathLike[str], busy_timeout_ms: int = 60_000) -> None:
        self.path = os.path.abspath(os.fspath(path))
        self._busy_timeout_ms = int(busy_timeout_ms)
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._pid = -1
        self._queries = _QUERIES

    # -- connection -------------------------------------------------------------------------------
    def _connection(self) -> sqlite3.Connection:
        if self._conn is None or self._pid != os.getpid():
            import sqlite3

            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=self._busy_timeout_ms / 1000, isolation_level=None, check_same_thread=False)
            conn.execute(f"PRAGMA busy_timeout={self._busy_timeout_ms}")
            self._enable_wal(conn)
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=OFF")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version < SCHEMA_VERSION:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    # another process may have created the schema while we waited for the lock
                    if conn.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
                        for statement in _SCHEMA.split(";"):
                            if statement.strip():
                                conn.execute(statement)
                        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
            self._conn, self._pid = conn, os.getpid()
        return self._conn

    def _enable_wal(self, conn: sqlite3.Connection) -> None:
        """Switch to WAL. Changing the journal mode ignores the busy handler: when another process
        opens the new database at the same moment SQLite answers "database is locked" at once, so
        retry until the busy timeout."""
        import sqlite3
        import time

        deadline = time.monotonic() + self._busy_timeout_ms / 1000
        delay = 0.005
        while True:
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 0.1)

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._lock:
            return self._connection().execute(sql, params).fetchall()

    def dispose(self) -> None:
        with self._lock:
            if self._conn is not None and self._pid == os.getpid():
                self._conn.close()
            self._conn = None

    # -- runs -------------------------------------------------------------------------------------
    def _upsert_run(self, run: DagsterRun) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT INTO runs(run_id, job_name, status, partition, created, body) VALUES (?,?,?,?,?,?) "
                "ON CONFLICT(run_id) DO UPDATE SET status=excluded.status, partition=excluded.partition, body=excluded.body",
                (run.run_id, run.job_name, run.status.value, run.partition_key, run.start_time or time.time(), dumps(run_to_dict(run))),
            )

    # -- events -----------------------------------------------------------------------------------
    def store_events(self, entries: Sequence[EventLogEntry], asset_origins: Sequence[AssetOrigin] = ()) -> None:
        rows, indexed = event_rows(entries)
        with self._write() as conn:
            for e, row in zip(entries, rows, strict=True):
                cur = conn.execute(
                    "INSERT INTO events(run_id, event_type, step_key, asset_key, partition, timestamp, body) VALUES (?,?,?,?,?,?,?)",
                    row,
                )
                e.storage_id = cur.lastrowid
            if indexed:
                conn.executemany(
                    "INSERT INTO materializations(event_id, asset_key, partition) VALUES (?,?,?)",
                    [(entries[i].storage_id, key, partition) for i, key, partition in indexed],
                )
            if asset_origins:
                conn.executemany(
                    "INSERT OR REPLACE INTO asset_origins(asset_key, body) VALUES (?,?)",
                    origin_rows(asset_origins),
                )

    # -- dynamic partitions -----------------------------------------------------------------------
    def add_dynamic_partitions(self, name: str, keys: Sequence[str]) -> None:
        with self._write() as conn:
            conn.executemany("INSERT OR IGNORE INTO dynamic_partitions(name, partition_key) VALUES (?,?)", [(name, k) for k in keys])

    def __repr__(self) -> str:
        return f"SqliteInstanceStorage({self.path!r})"
