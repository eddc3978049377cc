"""The storage contract behind an instance: runs, events, dynamic partitions."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

from dockyard.definitions.keys import AssetKey
from dockyard.instance.events import EventLogEntry
from dockyard.instance.runs import DagsterRun


class InstanceStorage(ABC):
    """Where an instance keeps runs and events (never asset values)."""

    @abstractmethod
    def add_run(self, run: DagsterRun) -> None: ...

    @abstractmethod
    def update_run(self, run: DagsterRun) -> None: ...

    @abstractmethod
    def get_run(self, run_id: str) -> DagsterRun | None: ...

    @abstractmethod
    def get_runs(self, limit: int | None = None) -> list[DagsterRun]: ...

    @abstractmethod
    def store_events(self, entries: Sequence[EventLogEntry]) -> None:
        """Append events (a step's batch at once)."""

    @abstractmethod
    def get_logs_for_run(self, run_id: str) -> list[EventLogEntry]: ...

    @abstractmethod
    def get_materializations(self, asset_key: AssetKey, limit: int | None = None, ascending: bool = False) -> list[EventLogEntry]: ...

    @abstractmethod
    def get_asset_keys(self) -> list[AssetKey]: ...

    @abstractmethod
    def wipe_asset(self, asset_key: AssetKey) -> None: ...

    @abstractmethod
    def get_dynamic_partitions(self, name: str) -> list[str]: ...

    @abstractmethod
    def add_dynamic_partitions(self, name: str, keys: Sequence[str]) -> None: ...

    @abstractmethod
    def delete_dynamic_partition(self, name: str, key: str) -> None: ...
