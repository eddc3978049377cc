"""What the SQL instance storages (SQLite here, PostgreSQL in ``dockyard.postgres``) share: how
records become rows and rows become records, and the queries whose ``WHERE`` clause is built
from optional filters.

Both storages keep the same tables and columns; only the parameter marker (``?`` / ``%s``), the
table names (PostgreSQL qualifies them with a schema), the tie-break column for runs created in
the same instant and how a list of partitions is passed differ. ``SqlQueries`` holds those
differences, so each storage keeps only its connection and transaction handling.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from dockyard.defs.keys import AssetKey
from dockyard.instance.events import EventLogEntry
from dockyard.instance.runs import DagsterRun, DagsterRunStatus
from dockyard.instance.serdes import (
    dumps,
    event_log_entry_from_dict,
    event_log_entry_to_dict,
    run_from_dict,
)


def asset_key_column(key: AssetKey) -> str:
    """The ``asset_key`` column value: the key's path as compact JSON."""
    return json.dumps(list(key.path), separators=(",", ":"))


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
        tables: The name to use for ``runs``, ``events`` and ``materializations``.
        run_tiebreak: The column ordering runs created in the same instant (newest last).
        array_params: Whether a list can be passed as one parameter (``= ANY(%s)``); if not,
            a partition filter is spelled ``IN (?, ?, ...)``.
    """

    __slots__ = ("_array_params", "_events", "_materializations", "_param", "_run_tiebreak", "_runs")

    def __init__(
        self, param: str, tables: Mapping[str, str], run_tiebreak: str, array_params: bool
    ) -> None:
        self._param = param
        self._runs = tables["runs"]
        self._events = tables["events"]
        self._materializations = tables["materializations"]
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
            if self._array_params:
                where.append(f"m.partition = ANY({p})")
                params.append(parts)
            else:
                where.append(f"m.partition IN ({', '.join([p] * len(parts))})")
                params.extend(parts)
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
