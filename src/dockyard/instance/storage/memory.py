"""In-memory instance storage (ephemeral instances)."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from dockyard.definitions.keys import AssetKey
from dockyard.instance.events import EventLogEntry
from dockyard.instance.runs import DagsterRun
from dockyard.instance.storage.base import InstanceStorage


class InMemoryInstanceStorage(InstanceStorage):
    """Keeps everything in dicts; thread-safe; gone with the process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._runs: dict[str, DagsterRun] = {}
        self._logs: dict[str, list[EventLogEntry]] = {}
        self._mats: dict[AssetKey, list[EventLogEntry]] = {}
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

    def get_runs(self, limit: int | None = None) -> list[DagsterRun]:
        runs = list(reversed(self._runs.values()))
        return runs[:limit] if limit is not None else runs

    def store_events(self, entries: Sequence[EventLogEntry]) -> None:
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

    def get_logs_for_run(self, run_id: str) -> list[EventLogEntry]:
        return list(self._logs.get(run_id, ()))

    def get_materializations(self, asset_key: AssetKey, limit: int | None = None, ascending: bool = False) -> list[EventLogEntry]:
        mats = list(self._mats.get(asset_key, ()))
        if not ascending:
            mats.reverse()
        return mats[:limit] if limit is not None else mats

    def get_asset_keys(self) -> list[AssetKey]:
        return sorted(self._mats)

    def wipe_asset(self, asset_key: AssetKey) -> None:
        with self._lock:
            self._mats.pop(asset_key, None)

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
