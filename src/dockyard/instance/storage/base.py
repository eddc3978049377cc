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

    @abstractmethod
    def get_latest_materializations_by_partition(self, asset_key: AssetKey) -> dict[str, EventLogEntry]:
        """The newest materialization of each materialized partition."""

    @abstractmethod
    def get_asset_keys(self) -> list[AssetKey]:
        """Every asset with at least one materialization, sorted."""

    @abstractmethod
    def wipe_asset(self, asset_key: AssetKey) -> None:
        """Forget an asset: its materializations, its events and its origin."""

    @abstractmethod
    def get_asset_origin(self, asset_key: AssetKey) -> AssetOrigin | None: ...

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
