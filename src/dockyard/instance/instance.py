"""``DagsterInstance``: where runs and events are recorded and where local storage lives.

``DagsterInstance.ephemeral()`` keeps runs and events in memory and stores files in a temporary
directory; ``DagsterInstance.get()`` uses ``$DOCKYARD_HOME`` (then ``$DAGSTER_HOME``, then
``./.dockyard``). Asset values never go through the instance: I/O managers store them.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from typing import Any

from dockyard.definitions.keys import AssetKey
from dockyard.instance.events import EventLogEntry
from dockyard.instance.runs import DagsterRun, DagsterRunStatus
from dockyard.instance.storage.base import InstanceStorage
from dockyard.instance.storage.memory import InMemoryInstanceStorage


def _coerce_key(key: Any) -> AssetKey:
    return key if isinstance(key, AssetKey) else AssetKey.from_coercible(key)


class DagsterInstance:
    """Records runs and events; knows the local storage directory."""

    def __init__(self, root_dir: str | None, storage: InstanceStorage, is_ephemeral: bool = False) -> None:
        self._root_dir = root_dir
        self._storage = storage
        self.is_ephemeral = is_ephemeral

    # -- construction -------------------------------------------------------------------------
    @staticmethod
    def ephemeral(tempdir: str | None = None, preload: Sequence[Any] | None = None, settings: Any = None) -> DagsterInstance:
        """An in-memory instance; files go under ``tempdir`` (or a fresh temporary directory)."""
        return DagsterInstance(tempdir, InMemoryInstanceStorage(), is_ephemeral=True)

    @staticmethod
    def get() -> DagsterInstance:
        """The instance at ``$DOCKYARD_HOME`` (or ``$DAGSTER_HOME``, or ``./.dockyard``)."""
        home = os.environ.get("DOCKYARD_HOME") or os.environ.get("DAGSTER_HOME") or os.path.join(os.getcwd(), ".dockyard")
        home = os.path.abspath(os.path.expanduser(home))
        os.makedirs(home, exist_ok=True)
        return DagsterInstance(home, InMemoryInstanceStorage())

    @staticmethod
    def local_temp(tempdir: str | None = None) -> DagsterInstance:
        return DagsterInstance(tempdir or tempfile.mkdtemp(prefix="dockyard-"), InMemoryInstanceStorage())

    # -- locations ----------------------------------------------------------------------------
    @property
    def root_directory(self) -> str:
        if self._root_dir is None:
            self._root_dir = tempfile.mkdtemp(prefix="dockyard-ephemeral-")
            atexit.register(shutil.rmtree, self._root_dir, True)
        return self._root_dir

    def storage_directory(self) -> str:
        """Where the default filesystem I/O manager keeps asset values."""
        return os.path.join(self.root_directory, "storage")

    # -- runs -----------------------------------------------------------------------------------
    def add_run(self, run: DagsterRun) -> DagsterRun:
        self._storage.add_run(run)
        return run

    def update_run(self, run: DagsterRun) -> None:
        self._storage.update_run(run)

    def get_run_by_id(self, run_id: str) -> DagsterRun | None:
        return self._storage.get_run(run_id)

    def get_runs(self, limit: int | None = None, status: DagsterRunStatus | None = None) -> list[DagsterRun]:
        runs = self._storage.get_runs(limit=None if status is not None else limit)
        if status is not None:
            runs = [r for r in runs if r.status == status][:limit]
        return runs

    # -- events ---------------------------------------------------------------------------------
    def store_events(self, entries: Sequence[EventLogEntry]) -> None:
        if entries:
            self._storage.store_events(entries)

    def handle_new_event(self, entry: EventLogEntry) -> None:
        self._storage.store_events([entry])

    def all_logs(self, run_id: str, of_type: Any = None) -> list[EventLogEntry]:
        logs = self._storage.get_logs_for_run(run_id)
        if of_type is None:
            return logs
        types = {getattr(t, "value", t) for t in (of_type if isinstance(of_type, (set, list, tuple, frozenset)) else [of_type])}
        return [e for e in logs if e.dagster_event is not None and e.dagster_event.event_type_value in types]

    def get_latest_materialization_event(self, asset_key: Any) -> EventLogEntry | None:
        mats = self._storage.get_materializations(_coerce_key(asset_key), limit=1)
        return mats[0] if mats else None

    def get_latest_materialization_events(self, asset_keys: Iterable[Any]) -> dict[AssetKey, EventLogEntry | None]:
        return {_coerce_key(k): self.get_latest_materialization_event(k) for k in asset_keys}

    def fetch_materializations(self, asset_key: Any, limit: int | None = None, ascending: bool = False) -> list[EventLogEntry]:
        return self._storage.get_materializations(_coerce_key(asset_key), limit=limit, ascending=ascending)

    def get_materialized_partitions(self, asset_key: Any) -> set[str]:
        out: set[str] = set()
        for e in self._storage.get_materializations(_coerce_key(asset_key)):
            mat = e.asset_materialization
            if mat is not None and mat.partition is not None:
                out.add(mat.partition)
        return out

    def has_asset_key(self, asset_key: Any) -> bool:
        return bool(self._storage.get_materializations(_coerce_key(asset_key), limit=1))

    def get_asset_keys(self) -> list[AssetKey]:
        return self._storage.get_asset_keys()

    def wipe_assets(self, asset_keys: Iterable[Any]) -> None:
        for k in asset_keys:
            self._storage.wipe_asset(_coerce_key(k))

    # -- dynamic partitions ---------------------------------------------------------------------
    def get_dynamic_partitions(self, partitions_def_name: str) -> list[str]:
        return self._storage.get_dynamic_partitions(partitions_def_name)

    def has_dynamic_partition(self, partitions_def_name: str, partition_key: str) -> bool:
        return partition_key in self._storage.get_dynamic_partitions(partitions_def_name)

    def add_dynamic_partitions(self, partitions_def_name: str, partition_keys: Sequence[str]) -> None:
        self._storage.add_dynamic_partitions(partitions_def_name, list(partition_keys))

    def delete_dynamic_partition(self, partitions_def_name: str, partition_key: str) -> None:
        self._storage.delete_dynamic_partition(partitions_def_name, partition_key)

    def __enter__(self) -> DagsterInstance:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def __repr__(self) -> str:
        return f"<DagsterInstance root={self._root_dir!r} ephemeral={self.is_ephemeral}>"
