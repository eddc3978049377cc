"""``DagsterInstance``: where runs and events are recorded and where local storage lives.

``DagsterInstance.ephemeral()`` keeps runs and events in memory and stores files in a temporary
directory; ``DagsterInstance.get()`` uses ``$DOCKYARD_HOME`` (then ``$DAGSTER_HOME``, then
``./.dockyard``): runs and events in the storage ``dockyard.yaml`` there selects (SQLite at
``dockyard.sqlite`` by default), asset values under ``storage/``. Asset values never go through
the instance: I/O managers store them; the instance only records where (``AssetOrigin``).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dockyard.defs.keys import AssetKey
from dockyard.instance.events import EventLogEntry
from dockyard.instance.origins import AssetOrigin
from dockyard.instance.runs import DagsterRun, DagsterRunStatus
from dockyard.instance.storage.base import InstanceStorage
from dockyard.instance.storage.memory import InMemoryInstanceStorage


def _coerce_key(key: Any) -> AssetKey:
    return key if isinstance(key, AssetKey) else AssetKey.from_coercible(key)


@dataclass(frozen=True, slots=True)
class EventLogRecord:
    """A stored event and its storage id."""

    storage_id: int
    event_log_entry: EventLogEntry

    @property
    def run_id(self) -> str:
        return self.event_log_entry.run_id

    @property
    def timestamp(self) -> float:
        return self.event_log_entry.timestamp

    @property
    def asset_materialization(self) -> Any:
        return self.event_log_entry.asset_materialization

    @property
    def partition_key(self) -> str | None:
        mat = self.event_log_entry.asset_materialization
        return mat.partition if mat is not None else None


@dataclass(frozen=True, slots=True)
class EventRecordsResult:
    """One page of event records; pass ``cursor`` back to get the next page."""

    records: list[EventLogRecord]
    cursor: str | None
    has_more: bool


@dataclass(frozen=True, slots=True)
class AssetRecordsFilter:
    """Which materializations to fetch: an asset, optionally some of its partitions."""

    asset_key: AssetKey
    asset_partitions: Sequence[str] | None = None


class DagsterInstance:
    """Records runs and events; knows the local storage directory."""

    def __init__(
        self, root_dir: str | None, storage: InstanceStorage, is_ephemeral: bool = False, settings: Mapping[str, Any] | None = None
    ) -> None:
        self._root_dir = root_dir
        self._storage = storage
        self.is_ephemeral = is_ephemeral
        self._settings = dict(settings or {})

    @property
    def storage(self) -> InstanceStorage:
        """The run and event storage."""
        return self._storage

    def get_settings(self, key: str) -> Any:
        """A top-level section of ``dockyard.yaml`` (``{}`` when absent)."""
        return self._settings.get(key) or {}

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
        return DagsterInstance.from_home(home)

    @staticmethod
    def from_home(home: str) -> DagsterInstance:
        """The persistent instance rooted at ``home`` (its ``dockyard.yaml`` picks the storage)."""
        from dockyard.instance.config import load_instance_config, storage_from_config

        home = os.path.abspath(os.path.expanduser(home))
        settings = load_instance_config(home)
        return DagsterInstance(home, storage_from_config(home, settings), settings=settings)

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

    def has_run(self, run_id: str) -> bool:
        return self._storage.get_run(run_id) is not None

    def get_runs(
        self, limit: int | None = None, status: DagsterRunStatus | None = None, job_name: str | None = None
    ) -> list[DagsterRun]:
        """Runs, newest first, optionally only those with ``status`` / of ``job_name``."""
        return self._storage.get_runs(limit=limit, status=status, job_name=job_name)

    # -- events ---------------------------------------------------------------------------------
    def store_events(self, entries: Sequence[EventLogEntry], asset_origins: Sequence[AssetOrigin] = ()) -> None:
        """Store a batch of events (one transaction) with the origins of what they materialized."""
        if entries or asset_origins:
            self._storage.store_events(entries, asset_origins)

    def handle_new_event(self, entry: EventLogEntry) -> None:
        self._storage.store_events([entry])

    def all_logs(self, run_id: str, of_type: Any = None) -> list[EventLogEntry]:
        logs = self._storage.get_logs_for_run(run_id)
        if of_type is None:
            return logs
        types = {getattr(t, "value", t) for t in (of_type if isinstance(of_type, (set, list, tuple, frozenset)) else [of_type])}
        return [e for e in logs if e.dagster_event is not None and e.dagster_event.event_type_value in types]

    def get_latest_materialization_event(self, asset_key: Any, partition: str | None = None) -> EventLogEntry | None:
        """The newest materialization of an asset (or of one of its partitions)."""
        mats = self._storage.get_materializations(
            _coerce_key(asset_key), limit=1, partitions=[partition] if partition is not None else None
        )
        return mats[0] if mats else None

    def get_latest_materialization_events(self, asset_keys: Iterable[Any]) -> dict[AssetKey, EventLogEntry | None]:
        """The newest materialization of each asset (``None`` for one never materialized), in
        one storage lookup."""
        keys = [_coerce_key(k) for k in asset_keys]
        latest = self._storage.get_latest_materializations(keys)
        return {k: latest.get(k) for k in keys}

    def get_latest_materialization_events_by_partition(self, asset_key: Any) -> dict[str, EventLogEntry]:
        """The newest materialization of each materialized partition of an asset."""
        return self._storage.get_latest_materializations_by_partition(_coerce_key(asset_key))

    def fetch_materializations(
        self, records_filter: Any, limit: int, cursor: str | None = None, ascending: bool = False
    ) -> EventRecordsResult:
        """One page of an asset's materialization history (newest first unless ``ascending``).

        ``records_filter`` is an asset key or an ``AssetRecordsFilter``; ``cursor`` comes from
        the previous page's result.
        """
        if isinstance(records_filter, AssetRecordsFilter):
            key, partitions = records_filter.asset_key, records_filter.asset_partitions
        else:
            key, partitions = _coerce_key(records_filter), None
        after = before = None
        if cursor is not None:
            try:
                position = int(cursor)
            except ValueError:
                raise ValueError(f"Invalid cursor {cursor!r}: pass the cursor of a previous EventRecordsResult.") from None
            after, before = (position, None) if ascending else (None, position)
        entries = self._storage.get_materializations(
            _coerce_key(key), limit=limit + 1, ascending=ascending,
            partitions=list(partitions) if partitions is not None else None, after_id=after, before_id=before,
        )
        has_more = len(entries) > limit
        records = [EventLogRecord(e.storage_id or 0, e) for e in entries[:limit]]
        next_cursor = str(records[-1].storage_id) if records else cursor
        return EventRecordsResult(records, next_cursor, has_more)

    def get_materialization_history(self, asset_key: Any, limit: int | None = None, before_id: int | None = None) -> list[EventLogEntry]:
        """Materializations of an asset, newest first (``before_id`` pages back)."""
        return self._storage.get_materializations(_coerce_key(asset_key), limit=limit, before_id=before_id)

    def get_materialized_partitions(self, asset_key: Any) -> set[str]:
        """Every partition of an asset that has been materialized (and not wiped)."""
        key = _coerce_key(asset_key)
        return self._storage.get_materialized_partitions([key]).get(key, set())

    def get_materialized_partitions_by_asset(self, asset_keys: Iterable[Any]) -> dict[AssetKey, set[str]]:
        """The materialized partitions of each asset (empty for an unpartitioned one), in one
        storage lookup."""
        keys = [_coerce_key(k) for k in asset_keys]
        found = self._storage.get_materialized_partitions(keys)
        return {k: found.get(k, set()) for k in keys}

    def has_asset_key(self, asset_key: Any) -> bool:
        return bool(self._storage.get_materializations(_coerce_key(asset_key), limit=1))

    def get_asset_keys(self) -> list[AssetKey]:
        return self._storage.get_asset_keys()

    def wipe_assets(self, asset_keys: Iterable[Any]) -> None:
        """Forget the materialization history of these assets (their stored values stay)."""
        for k in asset_keys:
            self._storage.wipe_asset(_coerce_key(k))

    def get_asset_origin(self, asset_key: Any) -> AssetOrigin | None:
        """Where the asset's latest materialization came from (code location, I/O manager key)."""
        return self._storage.get_asset_origin(_coerce_key(asset_key))

    def get_asset_origins(self, asset_keys: Iterable[Any]) -> dict[AssetKey, AssetOrigin]:
        """The origins of those of ``asset_keys`` that have one, in one storage lookup."""
        return self._storage.get_asset_origins([_coerce_key(k) for k in asset_keys])

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
        self.dispose()

    def dispose(self) -> None:
        """Close storage connections."""
        self._storage.dispose()

    def __repr__(self) -> str:
        return f"<DagsterInstance root={self._root_dir!r} ephemeral={self.is_ephemeral}>"
