"""Both built-in storages pass the shared conformance suite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dockyard.instance.storage.base import InstanceStorage
from dockyard.instance.storage.memory import InMemoryInstanceStorage
from dockyard.instance.storage.sqlite import SqliteInstanceStorage
from dockyard.testing.storage_suite import InstanceStorageSuite


class TestInMemoryStorage(InstanceStorageSuite):
    @pytest.fixture
    def storage(self) -> InstanceStorage:
        return InMemoryInstanceStorage()


class TestSqliteStorage(InstanceStorageSuite):
    @pytest.fixture
    def storage(self, tmp_path: Path) -> Iterator[InstanceStorage]:
        s = SqliteInstanceStorage(tmp_path / "dockyard.sqlite")
        yield s
        s.dispose()
