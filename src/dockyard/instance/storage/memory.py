"""In-memory instance storage (ephemeral instances)."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from dockyard.defs.keys import AssetKey
from dockyard.instance.events import EventLogEntry
from dockyard.instance.origins import AssetOrigin
from dockyard.instance.runs import DagsterRun, DagsterRunStatus
from dockyard.instance.storage.base import InstanceStorage


def _filter_ids(entries: list[EventLogEntry], after_id: int | None, before_id: int | None) -> list[EventLogEntry]:
    if after_id is not None:
        entries = [e for e in entries if e.storage_id is not None and e.storage_id > after_id]
    if before_id is not None:
        entries = [e for e in entries if e.storage_id is not None and e.storage_id < before_id]
    return entries


class InMemoryInstanceStorage(InstanceStorage):
    """Keeps everything in dicts; thread-safe; gone with the process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._runs: dict[str, DagsterRun] = {}
        self._logs: dict[str, list[EventLogEntry]] = {}
        self._mats: dict[AssetKey, list[EventLogEntry]] = {}
        self._origins: dict[AssetKey, AssetOrigin] = {}
        self._dynamic: dict[str, list[str]] = {}
        self._next_id = 1

    def add_run(self, run: DagsterRun) -> None:
        with self._lock:
            self._runs[run.run_id] = run

    def update_run(self, run: DagsterRun) -> None:
        with self._lock:
            self._runs[run.run_id] = run

    def get_run(self, run_id: str) -> DagsterRun | None:
        return self._runs.get(run_id)

    def get_runs(
        self, limit: int | None = None, status: DagsterRunStatus | None = None, job_name: str | None = None
    ) -> list[DagsterRun]:
        runs = [
            r for r in reversed(self._runs.values())
            if (status is None or r.status == status) and (job_name is None or r.job_name == job_name)
        ]
        return runs[:limit] if limit is not None else runs

    def store_events(self, entries: Sequence[EventLogEntry], asset_origins: Sequence[AssetOrigin] = ()) -> None:
        with self._lock:
            for e in entries:
                e.storage_id = self._next_id
                self._next_id += 1
                self._logs.setdefault(e.run_id, []).append(e)
                ev = e.dagster_event
                if ev is not None and ev.is_step_materialization:
                    key = ev.asset_key
                    if key is not None:
                        self._mats.setdefault(key, []).append(e)
            for origin in asset_origins:
                self._origins[origin.asset_key] = origin

    def get_logs_for_run(self, run_id: str) -> list[EventLogEntry]:
        return list(self._logs.get(run_id, ()))

    def get_materializations(
        self,
        asset_key: AssetKey,
        limit: int | None = None,
        ascending: bool = False,
        partitions: Sequence[str] | None = None,
        after_id: int | None = None,
        before_id: int | None = None,
    ) -> list[EventLogEntry]:
        mats = _filter_ids(list(self._mats.get(asset_key, ())), after_id, before_id)
        if partitions is not None:
            wanted = set(partitions)
            mats = [e for e in mats if e.asset_materialization.partition in wanted]
        if not ascending:
            mats.reverse()
        return mats[:limit] if limit is not None else mats

    def get_latest_materializations(self, asset_keys: Sequence[AssetKey]) -> dict[AssetKey, EventLogEntry]:
        out: dict[AssetKey, EventLogEntry] = {}
        for key in asset_keys:
            mats = self._mats.get(key)
            if mats:
                out[key] = mats[-1]
        return out

    def get_latest_materializations_by_partition(self, asset_key: AssetKey) -> dict[str, EventLogEntry]:
        out: dict[str, EventLogEntry] = {}
        for e in self._mats.get(asset_key, ()):
            partition = e.asset_materialization.partition
            if partition is not None:
                out[partition] = e
        return out

    def get_materialized_partitions(self, asset_keys: Sequence[AssetKey]) -> dict[AssetKey, set[str]]:
        out: dict[AssetKey, set[str]] = {}
        for key in asset_keys:
            partitions = {p for e in self._mats.get(key, ()) if (p := e.asset_materialization.partition) is not None}
            if partitions:
                out[key] = partitions
        return out

    def get_asset_keys(self) -> list[AssetKey]:
        return sorted(k for k, v in self._mats.items() if v)

    def wipe_asset(self, asset_key: AssetKey) -> None:
        with self._lock:
            wiped = {id(e) for e in self._mats.pop(asset_key, ())}
            self._origins.pop(asset_key, None)
            if wiped:
                for run_id, logs in self._logs.items():
                    self._logs[run_id] = [e for e in logs if id(e) not in wiped]

    def get_asset_origin(self, asset_key: AssetKey) -> AssetOrigin | None:
        return self._origins.get(asset_key)

    def get_asset_origins(self, asset_keys: Sequence[AssetKey]) -> dict[AssetKey, AssetOrigin]:
        return {key: self._origins[key] for key in asset_keys if key in self._origins}

    def get_dynamic_partitions(self, name: str) -> list[str]:
        return list(self._dynamic.get(name, ()))

    def add_dynamic_partitions(self, name: str, keys: Sequence[str]) -> None:
        with self._lock:
            existing = self._dynamic.setdefault(name, [])
            seen = set(existing)
            for k in keys:
                if k not in seen:
                    existing.append(k)
                    seen.add(k)

    def delete_dynamic_partition(self, name: str, key: str) -> None:
        with self._lock:
            if key in self._dynamic.get(name, []):
                self._dynamic[name].remove(key)
