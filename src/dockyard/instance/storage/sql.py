"""What the SQL instance storages (SQLite here, PostgreSQL in ``dockyard.postgres``) share: how
records become rows and rows become records, the queries whose ``WHERE`` clause is built from
optional filters or lists of asset keys, and ``SqlInstanceStorage``, their common base, which
implements every read and delete.

Both storages keep the same tables and columns; only the parameter marker (``?`` / ``%s``), the
table names (PostgreSQL qualifies them with a schema), the tie-break column for runs created in
the same instant and how a list is passed differ. ``SqlQueries`` holds those differences, so
each storage keeps only its connection and transaction handling, and its inserts.

The batched lookups (``get_latest_materializations``, ``get_materialized_partitions``,
``get_asset_origins``) take any number of keys: PostgreSQL gets them as one array parameter,
SQLite in chunks of ``SqlQueries.KEY_CHUNK`` bound parameters, one query per chunk. They use the
indexes of schema version 1 (``mats_by_asset``, ``mats_by_partition``, the primary keys), so no
schema migration is needed.
"""

from __future__ import annotations

import json
from abc import abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

from dockyard.defs.keys import AssetKey
from dockyard.instance.events import EventLogEntry
from dockyard.instance.origins import AssetOrigin
from dockyard.instance.runs import DagsterRun, DagsterRunStatus
from dockyard.instance.serdes import (
    dumps,
    event_log_entry_from_dict,
    event_log_entry_to_dict,
    run_from_dict,
)
from dockyard.instance.storage.base import InstanceStorage

_COMPACT_JSON = json.JSONEncoder(separators=(",", ":"))


def asset_key_column(key: AssetKey) -> str:
    """The ``asset_key`` column value: the key's path as compact JSON."""
    return _COMPACT_JSON.encode(list(key.path))


def event_from_row(row: Any) -> EventLogEntry:
    """An event from an ``(id, body)`` row."""
    return event_log_entry_from_dict(json.loads(row[1]), storage_id=row[0])


def run_from_row(row: Any) -> DagsterRun:
    """A run from a ``(body,)`` row."""
    return run_from_dict(json.loads(row[0]))


def event_rows(
    entries: Sequence[EventLogEntry],
) -> tuple[list[tuple[Any, ...]], list[tuple[int, str | None, str | None]]]:
    """The ``events`` rows of a batch, and ``(index, asset_key, partition)`` for each
    materialization in it (the rows of the asset index, once the events have their ids).

    An ``events`` row is ``(run_id, event_type, step_key, asset_key, partition, timestamp,
    body)``.
    """
    rows: list[tuple[Any, ...]] = []
    indexed: list[tuple[int, str | None, str | None]] = []
    for i, e in enumerate(entries):
        ev = e.dagster_event
        key = ev.asset_key if ev is not None else None
        mat = ev.asset_materialization if ev is not None else None
        partition = mat.partition if mat is not None else (ev.partition if ev is not None else None)
        key_str = asset_key_column(key) if key is not None else None
        rows.append((
            e.run_id, ev.event_type_value if ev is not None else None, e.step_key, key_str, partition,
            e.timestamp, dumps(event_log_entry_to_dict(e)),
        ))
        if mat is not None:
            indexed.append((i, key_str, partition))
    return rows, indexed


def origin_rows(origins: Sequence[AssetOrigin]) -> list[tuple[str, str]]:
    """The ``asset_origins`` rows ``(asset_key, body)`` of ``origins``."""
    return [(asset_key_column(o.asset_key), dumps(o.to_dict())) for o in origins]


def latest_by_partition(rows: Iterable[Any]) -> dict[str, EventLogEntry]:
    """``(id, body)`` materialization rows keyed by their partition (a later row wins)."""
    out: dict[str, EventLogEntry] = {}
    for r in rows:
        entry = event_from_row(r)
        out[entry.asset_materialization.partition] = entry
    return out


class SqlQueries:
    """The filtered queries of one SQL storage, spelled for its database.

    Args:
        param: The parameter marker, ``"?"`` or ``"%s"``.
        tables: The name to use for each table (``runs``, ``events``, ``materializations``,
            ``asset_origins``, ``dynamic_partitions``).
        run_tiebreak: The column ordering runs created in the same instant (newest last).
        array_params: Whether a list can be passed as one parameter (``= ANY(%s)``); if not,
            a list filter is spelled ``IN (?, ?, ...)``, and the lists of asset keys of the
            batched lookups are split into chunks of ``KEY_CHUNK``.
    """

    KEY_CHUNK = 500  # asset keys per query when each one is a parameter (SQLite's limit is 32766)

    __slots__ = (
        "_array_params", "_asset_origins", "_events", "_materializations", "_param", "_run_tiebreak", "_runs", "param",
        "tables",
    )

    def __init__(
        self, param: str, tables: Mapping[str, str], run_tiebreak: str, array_params: bool
    ) -> None:
        self.param = self._param = param
        self.tables = dict(tables)
        self._runs = tables["runs"]
        self._events = tables["events"]
        self._materializations = tables["materializations"]
        self._asset_origins = tables["asset_origins"]
        self._run_tiebreak = run_tiebreak
        self._array_params = array_params

    def runs(
        self, limit: int | None, status: DagsterRunStatus | None, job_name: str | None
    ) -> tuple[str, list[Any]]:
        """``SELECT body`` of runs, newest first, with the given filters."""
        p = self._param
        where: list[str] = []
        params: list[Any] = []
        if status is not None:
            where.append(f"status = {p}")
            params.append(DagsterRunStatus(status).value)
        if job_name is not None:
            where.append(f"job_name = {p}")
            params.append(job_name)
        sql = f"SELECT body FROM {self._runs}" + (" WHERE " + " AND ".join(where) if where else "")
        sql += f" ORDER BY created DESC, {self._run_tiebreak} DESC"
        if limit is not None:
            sql += f" LIMIT {p}"
            params.append(int(limit))
        return sql, params

    def _in_list(self, column: str, values: list[Any], params: list[Any]) -> str:
        """``column`` is one of ``values`` (not empty), spelled for this database; appends the
        parameters to ``params``."""
        if self._array_params:
            params.append(values)
            return f"{column} = ANY({self._param})"
        params.extend(values)
        return f"{column} IN ({', '.join([self._param] * len(values))})"

    def _chunks(self, columns: Sequence[str]) -> Iterator[Sequence[str]]:
        """``asset_key`` column values, a chunk per query."""
        size = max(len(columns), 1) if self._array_params else self.KEY_CHUNK
        for start in range(0, len(columns), size):
            yield columns[start:start + size]

    def latest_materializations(self, columns: Sequence[str]) -> Iterator[tuple[str, list[Any]]]:
        """``SELECT asset_key, id, body`` of the newest materialization event of each of the
        assets whose ``asset_key`` column values are ``columns`` (distinct), one query per chunk.
        Each asset's ``max(event_id)`` is one descent of the ``(asset_key, event_id)`` index,
        however long its history."""
        for chunk in self._chunks(columns):
            params: list[Any] = []
            if self._array_params:
                keys = f"SELECT unnest({self._param}::text[])"
                params.append(list(chunk))
            else:
                keys = "VALUES " + ", ".join([f"({self._param})"] * len(chunk))
                params.extend(chunk)
            yield (
                f"WITH k(asset_key) AS ({keys}) SELECT e.asset_key, e.id, e.body FROM {self._events} e WHERE e.id IN ("
                f"SELECT (SELECT max(m.event_id) FROM {self._materializations} m WHERE m.asset_key = k.asset_key) FROM k)",
                params,
            )

    def asset_origins(self, columns: Sequence[str]) -> Iterator[tuple[str, list[Any]]]:
        """``SELECT asset_key, body`` of the origins of the assets whose ``asset_key`` column
        values are ``columns``, one query per chunk."""
        for chunk in self._chunks(columns):
            params: list[Any] = []
            where = self._in_list("asset_key", list(chunk), params)
            yield f"SELECT asset_key, body FROM {self._asset_origins} WHERE {where}", params

    def materialized_partitions(self, columns: Sequence[str]) -> Iterator[tuple[str, list[Any]]]:
        """``SELECT DISTINCT asset_key, partition`` of the partitioned materializations of the
        assets whose ``asset_key`` column values are ``columns``, one query per chunk (from the
        ``(asset_key, partition, event_id)`` index alone, no event is read)."""
        for chunk in self._chunks(columns):
            params: list[Any] = []
            where = self._in_list("asset_key", list(chunk), params)
            yield (
                f"SELECT DISTINCT asset_key, partition FROM {self._materializations} WHERE {where} AND partition IS NOT NULL",
                params,
            )

    def materializations(
        self,
        asset_key: AssetKey,
        limit: int | None,
        ascending: bool,
        partitions: Sequence[str] | None,
        after_id: int | None,
        before_id: int | None,
    ) -> tuple[str, list[Any]] | None:
        """``SELECT id, body`` of an asset's materialization events by id, or ``None`` when
        ``partitions`` is empty (nothing can match)."""
        p = self._param
        where = [f"m.asset_key = {p}"]
        params: list[Any] = [asset_key_column(asset_key)]
        if partitions is not None:
            parts = list(partitions)
            if not parts:
                return None
            where.append(self._in_list("m.partition", parts, params))
        if after_id is not None:
            where.append(f"m.event_id > {p}")
            params.append(int(after_id))
        if before_id is not None:
            where.append(f"m.event_id < {p}")
            params.append(int(before_id))
        sql = (
            f"SELECT e.id, e.body FROM {self._materializations} m JOIN {self._events} e "
            f"ON e.id = m.event_id WHERE {' AND '.join(where)} "
            f"ORDER BY m.event_id {'ASC' if ascending else 'DESC'}"
        )
        if limit is not None:
            sql += f" LIMIT {p}"
            params.append(int(limit))
        return sql, params


class SqlInstanceStorage(InstanceStorage):
    """The parts of a SQL instance storage that are the same statement on every database: the
    reads, and the deletes. A subclass sets ``_queries`` and provides ``_read`` and ``_write``
    (connections, transactions) and the inserts."""

    _queries: SqlQueries

    @abstractmethod
    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """The rows of one query."""

    @abstractmethod
    def _write(self) -> AbstractContextManager[Any]:
        """A transaction: a connection whose ``execute`` statements commit together."""

    def _sql(self, template: str) -> str:
        """``template`` with ``{p}`` as the parameter marker and ``{runs}``, ``{events}``, ...
        as the table names."""
        return template.format(p=self._queries.param, **self._queries.tables)

    @abstractmethod
    def _upsert_run(self, run: DagsterRun) -> None:
        """Insert ``run``, or update the stored run with its id."""

    # -- runs -------------------------------------------------------------------------------------
    def add_run(self, run: DagsterRun) -> None:
        self._upsert_run(run)

    def update_run(self, run: DagsterRun) -> None:
        self._upsert_run(run)

    def get_run(self, run_id: str) -> DagsterRun | None:
        rows = self._read(self._sql("SELECT body FROM {runs} WHERE run_id = {p}"), (run_id,))
        return run_from_row(rows[0]) if rows else None

    def get_runs(
        self, limit: int | None = None, status: DagsterRunStatus | None = None, job_name: str | None = None
    ) -> list[DagsterRun]:
        sql, params = self._queries.runs(limit, status, job_name)
        return [run_from_row(r) for r in self._read(sql, params)]

    # -- events -----------------------------------------------------------------------------------
    def get_logs_for_run(self, run_id: str) -> list[EventLogEntry]:
        rows = self._read(self._sql("SELECT id, body FROM {events} WHERE run_id = {p} ORDER BY id"), (run_id,))
        return [event_from_row(r) for r in rows]

    # -- asset index ------------------------------------------------------------------------------
    def get_materializations(
        self,
        asset_key: AssetKey,
        limit: int | None = None,
        ascending: bool = False,
        partitions: Sequence[str] | None = None,
        after_id: int | None = None,
        before_id: int | None = None,
    ) -> list[EventLogEntry]:
        query = self._queries.materializations(asset_key, limit, ascending, partitions, after_id, before_id)
        if query is None:
            return []
        return [event_from_row(r) for r in self._read(*query)]

    def _by_key(
        self, asset_keys: Sequence[AssetKey], queries: Callable[[Sequence[str]], Iterator[tuple[str, list[Any]]]]
    ) -> Iterator[tuple[AssetKey, Any]]:
        """``(key, row)`` for each row of the chunked ``queries(columns)`` over ``asset_keys``,
        whose rows start with the ``asset_key`` column."""
        by_column = {asset_key_column(k): k for k in asset_keys}
        for sql, params in queries(list(by_column)):
            for row in self._read(sql, params):
                yield by_column[row[0]], row

    def get_latest_materializations(self, asset_keys: Sequence[AssetKey]) -> dict[AssetKey, EventLogEntry]:
        return {
            key: event_from_row(row[1:]) for key, row in self._by_key(asset_keys, self._queries.latest_materializations)
        }

    def get_materialized_partitions(self, asset_keys: Sequence[AssetKey]) -> dict[AssetKey, set[str]]:
        out: dict[AssetKey, set[str]] = {}
        for key, row in self._by_key(asset_keys, self._queries.materialized_partitions):
            out.setdefault(key, set()).add(row[1])
        return out

    def get_latest_materializations_by_partition(self, asset_key: AssetKey) -> dict[str, EventLogEntry]:
        rows = self._read(
            self._sql(
                "SELECT e.id, e.body FROM {events} e JOIN ("
                " SELECT max(event_id) AS id FROM {materializations}"
                " WHERE asset_key = {p} AND partition IS NOT NULL GROUP BY partition"
                ") latest ON latest.id = e.id ORDER BY e.id"
            ),
            (asset_key_column(asset_key),),
        )
        return latest_by_partition(rows)

    def get_asset_keys(self) -> list[AssetKey]:
        rows = self._read(self._sql("SELECT DISTINCT asset_key FROM {materializations}"))
        return sorted(AssetKey(json.loads(r[0])) for r in rows)

    def wipe_asset(self, asset_key: AssetKey) -> None:
        key = asset_key_column(asset_key)
        with self._write() as conn:
            for table in ("materializations", "events", "asset_origins"):
                conn.execute(self._sql(f"DELETE FROM {{{table}}} WHERE asset_key = {{p}}"), (key,))

    def get_asset_origin(self, asset_key: AssetKey) -> AssetOrigin | None:
        return self.get_asset_origins([asset_key]).get(asset_key)

    def get_asset_origins(self, asset_keys: Sequence[AssetKey]) -> dict[AssetKey, AssetOrigin]:
        return {
            key: AssetOrigin.from_dict(json.loads(row[1])) for key, row in self._by_key(asset_keys, self._queries.asset_origins)
        }

    # -- dynamic partitions -----------------------------------------------------------------------
    def get_dynamic_partitions(self, name: str) -> list[str]:
        rows = self._read(self._sql("SELECT partition_key FROM {dynamic_partitions} WHERE name = {p} ORDER BY id"), (name,))
        return [r[0] for r in rows]

    def delete_dynamic_partition(self, name: str, key: str) -> None:
        with self._write() as conn:
            conn.execute(self._sql("DELETE FROM {dynamic_partitions} WHERE name = {p} AND partition_key = {p}"), (name, key))
