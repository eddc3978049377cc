"""PostgreSQL instance storage: runs, events, the asset index and dynamic partitions (psycopg 3).

The same tables as the SQLite storage, in their own PostgreSQL schema (``dockyard`` by default,
so an I/O manager writing an asset called ``runs`` into ``public`` cannot collide with them)::

    schema_version(version)
    runs(run_id PK, seq BIGSERIAL, job_name, status, partition, created, body)
    events(id BIGSERIAL PK, run_id, event_type, step_key, asset_key, partition, timestamp, body)
    materializations(event_id PK, asset_key, partition)    -- the asset index
    asset_origins(asset_key PK, body)
    dynamic_partitions(id BIGSERIAL PK, name, partition_key, UNIQUE(name, partition_key))

Choices, and why:

* Payloads are ``TEXT`` holding the JSON of ``dockyard.instance.serdes``, not ``JSONB``: JSONB
  rejects what Python's ``json`` happily writes for user metadata (``NaN``, ``Infinity``,
  ``\\u0000``), and the rows are only ever read back whole, so parsing them on insert buys nothing.
* The schema is created on first use with ``CREATE ... IF NOT EXISTS`` under a transaction-level
  advisory lock, so processes starting together do not race on the catalog.
* ``store_events`` is one transaction that takes an advisory lock for the event log, inserts the
  batch in one pipelined ``executemany`` and indexes its materializations. The lock makes commit
  order equal id order: a reader paging with ``after_id`` never skips an event that commits late
  with a smaller id. It is held only for the few milliseconds of one step's batch.
* One connection per thread, opened lazily in autocommit mode (reads need no transaction). A
  storage object inherited through ``fork`` opens new connections in the child; the inherited ones
  are kept referenced and never closed there, because closing would end the parent's session.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from dockyard._internal.imports import require_extra
from dockyard.errors import DagsterInvariantViolationError
from dockyard.instance.events import EventLogEntry
from dockyard.instance.origins import AssetOrigin
from dockyard.instance.runs import DagsterRun
from dockyard.instance.serdes import dumps, run_to_dict
from dockyard.instance.storage.sql import SqlInstanceStorage, SqlQueries, event_rows, origin_rows

if TYPE_CHECKING:
    import psycopg

SCHEMA_VERSION = 1
DEFAULT_SCHEMA = "dockyard"

# Connections a forked child inherited. Dropping them would run their finalizers in the child,
# so they stay referenced for the life of the process instead.
_INHERITED: list[Any] = []

_DDL = """
CREATE SCHEMA IF NOT EXISTS {s};
CREATE TABLE IF NOT EXISTS {s}.schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS {s}.runs (
    run_id TEXT PRIMARY KEY, seq BIGSERIAL NOT NULL, job_name TEXT NOT NULL, status TEXT NOT NULL,
    partition TEXT, created DOUBLE PRECISION NOT NULL, body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_created ON {s}.runs (created, seq);
CREATE INDEX IF NOT EXISTS runs_by_status ON {s}.runs (status, created, seq);
CREATE INDEX IF NOT EXISTS runs_by_job ON {s}.runs (job_name, created, seq);
CREATE TABLE IF NOT EXISTS {s}.events (
    id BIGSERIAL PRIMARY KEY, run_id TEXT NOT NULL, event_type TEXT, step_key TEXT,
    asset_key TEXT, partition TEXT, timestamp DOUBLE PRECISION NOT NULL, body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_run ON {s}.events (run_id, id);
CREATE INDEX IF NOT EXISTS events_by_asset ON {s}.events (asset_key, id) WHERE asset_key IS NOT NULL;
CREATE TABLE IF NOT EXISTS {s}.materializations (
    event_id BIGINT PRIMARY KEY, asset_key TEXT NOT NULL, partition TEXT
);
CREATE INDEX IF NOT EXISTS mats_by_asset ON {s}.materializations (asset_key, event_id);
CREATE INDEX IF NOT EXISTS mats_by_partition ON {s}.materializations (asset_key, partition, event_id);
CREATE TABLE IF NOT EXISTS {s}.asset_origins (asset_key TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS {s}.dynamic_partitions (
    id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL, partition_key TEXT NOT NULL,
    UNIQUE (name, partition_key)
)
"""


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lock_key(schema: str, purpose: str) -> int:
    """A stable signed 32-bit advisory-lock key for ``purpose`` in ``schema``."""
    return zlib.crc32(f"dockyard:{schema}:{purpose}".encode()) - 2**31


def redact_url(url: str) -> str:
    """``url`` with any password replaced by ``***``, for messages."""
    try:
        params = require_extra("psycopg").conninfo.conninfo_to_dict(url)
    except Exception:  # an unparsable URL: show nothing that could hold a secret
        return "<unparsable connection string>"
    if "password" in params:
        params["password"] = "***"
    return " ".join(f"{k}={v}" for k, v in params.items())


class _Held:
    """A thread's connection; closes it when the thread (and so its ``threading.local``) ends."""

    __slots__ = ("__weakref__", "conn", "pid")

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn
        self.pid = os.getpid()

    def close(self) -> None:
        if self.pid == os.getpid():
            self.conn.close()
        else:
            _INHERITED.append(self.conn)

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown; nothing useful to do
            pass


class PostgresInstanceStorage(SqlInstanceStorage):
    """Instance storage in a PostgreSQL database.

    Args:
        url: A libpq connection URL or ``key=value`` string, e.g.
            ``postgresql://user:pass@localhost:5432/dockyard``.
        schema: The PostgreSQL schema holding dockyard's tables (created if missing).
        connect_args: Extra keyword arguments for ``psycopg.connect``.
    """

    def __init__(self, url: str, schema: str = DEFAULT_SCHEMA, connect_args: dict[str, Any] | None = None) -> None:
        if not url or not isinstance(url, str):
            raise DagsterInvariantViolationError(
                f"PostgresInstanceStorage needs a connection URL, got {url!r}. "
                "Pass e.g. 'postgresql://user:pass@localhost:5432/dockyard'."
            )
        self.url = url
        self.schema = schema
        self._connect_args = dict(connect_args or {})
        self._local = threading.local()
        self._held: weakref.WeakSet[_Held] = weakref.WeakSet()
        self._schema_ready = False
        self._schema_lock = threading.Lock()
        s = _quote(schema)
        self._t = {name: f"{s}.{name}" for name in ("runs", "events", "materializations", "asset_origins", "dynamic_partitions")}
        self._events_lock = _lock_key(schema, "events")
        self._queries = SqlQueries("%s", self._t, run_tiebreak="seq", array_params=True)

    # -- connection -------------------------------------------------------------------------------
    def _connect(self) -> psycopg.Connection[Any]:
        psycopg = require_extra("psycopg")
        try:
            return psycopg.connect(self.url, autocommit=True, **self._connect_args)  # type: ignore[no-any-return]
        except psycopg.OperationalError as exc:
            raise DagsterInvariantViolationError(
                f"Could not connect to the PostgreSQL instance storage at {redact_url(self.url)}: "
                f"{str(exc).strip()}. Check that the server is running and that storage.postgres.url "
                "in dockyard.yaml points at it."
            ) from exc

    def _connection(self) -> psycopg.Connection[Any]:
        held: _Held | None = getattr(self._local, "held", None)
        if held is None or held.pid != os.getpid() or held.conn.closed or held.conn.broken:
            if held is not None:
                held.close()
            held = _Held(self._connect())
            self._local.held = held
            self._held.add(held)
        if not self._schema_ready:
            self._ensure_schema(held.conn)
        return held.conn

    def _ensure_schema(self, conn: psycopg.Connection[Any]) -> None:
        with self._schema_lock:
            if self._schema_ready:
                return
            try:
                self._create_schema(conn)
            except require_extra("psycopg").Error as exc:
                raise DagsterInvariantViolationError(
                    f"Could not create dockyard's tables in schema {self.schema!r} at {redact_url(self.url)}: "
                    f"{str(exc).strip()}. Grant the user CREATE on the database, or create the schema for it."
                ) from exc
            self._schema_ready = True

    def _create_schema(self, conn: psycopg.Connection[Any]) -> None:
        s = _quote(self.schema)
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_lock_key(self.schema, "schema"),))
            exists = conn.execute(
                "SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = 'schema_version'",
                (self.schema,),
            ).fetchone()
            version = conn.execute(f"SELECT max(version) FROM {s}.schema_version").fetchone() if exists else None
            current = version[0] if version and version[0] is not None else 0
            if current > SCHEMA_VERSION:
                raise DagsterInvariantViolationError(
                    f"The instance storage in schema {self.schema!r} at {redact_url(self.url)} has schema "
                    f"version {current}, newer than this dockyard understands ({SCHEMA_VERSION}). Upgrade dockyard."
                )
            if current < SCHEMA_VERSION:
                for statement in _DDL.format(s=s).split(";"):
                    conn.execute(statement)
                conn.execute(f"DELETE FROM {s}.schema_version")
                conn.execute(f"INSERT INTO {s}.schema_version (version) VALUES (%s)", (SCHEMA_VERSION,))

    @contextmanager
    def _write(self) -> Iterator[psycopg.Connection[Any]]:
        conn = self._connection()
        with conn.transaction():
            yield conn

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return self._connection().execute(sql, params).fetchall()  # type: ignore[arg-type]

    def dispose(self) -> None:
        for held in list(self._held):
            held.close()
        self._held = weakref.WeakSet()
        self._local = threading.local()

    # -- runs -------------------------------------------------------------------------------------
    def _upsert_run(self, run: DagsterRun) -> None:
        self._connection().execute(
            f"INSERT INTO {self._t['runs']} (run_id, job_name, status, partition, created, body) "
            "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (run_id) DO UPDATE SET "
            "status = excluded.status, partition = excluded.partition, body = excluded.body",
            (run.run_id, run.job_name, run.status.value, run.partition_key, run.start_time or time.time(), dumps(run_to_dict(run))),
        )

    # -- events -----------------------------------------------------------------------------------
    def store_events(self, entries: Sequence[EventLogEntry], asset_origins: Sequence[AssetOrigin] = ()) -> None:
        if not entries and not asset_origins:
            return
        rows, indexed = event_rows(entries)
        ids: list[int] = []
        with self._write() as conn, conn.cursor() as cur:
            if rows:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", (self._events_lock,))
                cur.executemany(
                    f"INSERT INTO {self._t['events']} (run_id, event_type, step_key, asset_key, partition, timestamp, body) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
                    rows,
                    returning=True,
                )
                while True:
                    ids.append(cur.fetchone()[0])  # type: ignore[index]
                    if not cur.nextset():
                        break
            if indexed:
                cur.executemany(
                    f"INSERT INTO {self._t['materializations']} (event_id, asset_key, partition) VALUES (%s, %s, %s)",
                    [(ids[i], key, partition) for i, key, partition in indexed],
                )
            if asset_origins:
                cur.executemany(
                    f"INSERT INTO {self._t['asset_origins']} (asset_key, body) VALUES (%s, %s) "
                    "ON CONFLICT (asset_key) DO UPDATE SET body = excluded.body",
                    origin_rows(asset_origins),
                )
        for entry, storage_id in zip(entries, ids, strict=True):
            entry.storage_id = storage_id

    # -- dynamic partitions -----------------------------------------------------------------------
    def add_dynamic_partitions(self, name: str, keys: Sequence[str]) -> None:
        if not keys:
            return
        with self._write() as conn, conn.cursor() as cur:
            cur.executemany(
                f"INSERT INTO {self._t['dynamic_partitions']} (name, partition_key) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                [(name, k) for k in keys],
            )

    def __reduce__(self) -> tuple[Any, ...]:
        # connections, locks and thread-locals stay behind; the copy connects on first use
        return (PostgresInstanceStorage, (self.url, self.schema, self._connect_args))

    def __repr__(self) -> str:
        return f"PostgresInstanceStorage({redact_url(self.url)!r}, schema={self.schema!r})"
