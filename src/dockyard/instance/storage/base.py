"""The storage contract behind an instance: runs, events, the asset index, dynamic partitions.

Every backend passes ``dockyard.testing.storage_suite.InstanceStorageSuite``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

from dockyard.defs.keys import AssetKey
from dockyard.instance.events import EventLogEntry
from dockyard.instance.origins import AssetOrigin
from dockyard.instance.runs import DagsterRun, DagsterRunStatus


class InstanceStorage(ABC):
    """Where an instance keeps runs and events (never asset values)."""

    # -- runs -----------------------------------------------------------------------------------
    @abstractmethod
    def add_run(self, run: DagsterRun) -> None: ...

    @abstractmethod
    def update_run(self, run: DagsterRun) -> None: ...

    @abstractmethod
    def get_run(self, run_id: str) -> DagsterRun | None: ...

    @abstractmethod
    def get_runs(
        self, limit: int | None = None, status: DagsterRunStatus | None = None, job_name: str | None = None
    ) -> list[DagsterRun]:
        """Runs, newest first, optionally filtered by status and job."""

    # -- events ---------------------------------------------------------------------------------
    @abstractmethod
    def store_events(self, entries: Sequence[EventLogEntry], asset_origins: Sequence[AssetOrigin] = ()) -> None:
        """Append events (a step's batch) and the origins of what they materialized, atomically.

        Sets ``storage_id`` on each entry (increasing in insertion order).
        """

    @abstractmethod
    def get_logs_for_run(self, run_id: str) -> list[EventLogEntry]: ...

    # -- asset index ----------------------------------------------------------------------------
    @abstractmethod
    def get_materializations(
        self,
        asset_key: AssetKey,
        limit: int | None = None,
        ascending: bool = False,
        partitions: Sequence[str] | None = None,
        after_id: int | None = None,
        before_id: int | None = None,
    ) -> list[EventLogEntry]:
        """Materializations of an asset by storage id (newest first unless ``ascending``)."""

    def get_latest_materializations(self, asset_keys: Sequence[AssetKey]) -> dict[AssetKey, EventLogEntry]:
        """The newest materialization of each of ``asset_keys`` that has one (keys without any are
        left out). Backends override this with one query (or a few chunked ones); this fallback
        asks once per key."""
        out: dict[AssetKey, EventLogEntry] = {}
        for key in dict.fromkeys(asset_keys):
            mats = self.get_materializations(key, limit=1)
            if mats:
                out[key] = mats[0]
        return out

    @abstractmethod
    def get_latest_materializations_by_partition(self, asset_key: AssetKey) -> dict[str, EventLogEntry]:
        """The newest materialization of each materialized partition."""

    def get_materialized_partitions(self, asset_keys: Sequence[AssetKey]) -> dict[AssetKey, set[str]]:
        """The materialized partitions of each of ``asset_keys`` that has any (keys without are
        left out). Backends override this with one query (or a few chunked ones) that reads no
        event; this fallback asks once per key."""
        out: dict[AssetKey, set[str]] = {}
        for key in dict.fromkeys(asset_keys):
            partitions = set(self.get_latest_materializations_by_partition(key))
            if partitions:
                out[key] = partitions
        return out

    @abstractmethod
    def get_asset_keys(self) -> list[AssetKey]:
        """Every asset with at least one materialization, sorted."""

    @abstractmethod
    def wipe_asset(self, asset_key: AssetKey) -> None:
        """Forget an asset: its materializations, its events and its origin."""

    @abstractmethod
    def get_asset_origin(self, asset_key: AssetKey) -> AssetOrigin | None: ...

    def get_asset_origins(self, asset_keys: Sequence[AssetKey]) -> dict[AssetKey, AssetOrigin]:
        """The origins of those of ``asset_keys`` that have one. Backends override this with one
        query (or a few chunked ones); this fallback asks once per key."""
        out: dict[AssetKey, AssetOrigin] = {}
        for key in dict.fromkeys(asset_keys):
            origin = self.get_asset_origin(key)
            if origin is not None:
                out[key] = origin
        return out

    # -- dynamic partitions ---------------------------------------------------------------------
    @abstractmethod
    def get_dynamic_partitions(self, name: str) -> list[str]: ...

    @abstractmethod
    def add_dynamic_partitions(self, name: str, keys: Sequence[str]) -> None: ...

    @abstractmethod
    def delete_dynamic_partition(self, name: str, key: str) -> None: ...

    def dispose(self) -> None:
        """Release connections; the storage is unusable afterwards."""
        return None
