"""The catalog and the lineage read the instance in batches: the number of storage queries does
not grow with the number of assets (a page used to ask once per asset, and once more per
partitioned or code-less asset)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import dockyard as dg
from dockyard.instance.origins import AssetOrigin
from dockyard.instance.storage.sqlite import SqliteInstanceStorage
from dockyard.testing.storage_suite import materialization_entry
from dockyard.ui.assets import catalog_rows, lineage
from dockyard.ui.workspace import Workspace

PARTS = dg.StaticPartitionsDefinition(["a", "b", "c"])


class CountingStorage(SqliteInstanceStorage):
    """A SQLite storage that counts the queries it reads with."""

    reads = 0

    def _read(self, sql: str, params: Any = ()) -> list[Any]:
        self.reads += 1
        return super()._read(sql, params)


def _defined(i: int) -> Any:
    """Asset ``a<i>``: every fifth one partitioned, in one of three groups."""
    return dg.asset(name=f"a{i:04d}", group_name=f"g{i % 3}", partitions_def=PARTS if i % 5 == 0 else None)(lambda: 1)


def _instance(tmp_path: Path, assets: int) -> tuple[dg.DagsterInstance, CountingStorage, dg.Definitions]:
    storage = CountingStorage(tmp_path / "dockyard.sqlite")
    # every other defined asset materialized (two partitions of the partitioned ones)
    events = [
        materialization_entry("r", f"a{i:04d}", p)
        for i in range(0, assets, 2) for p in (["a", "b"] if i % 5 == 0 else [None])
    ]
    # recorded but not defined: shown from their origins (partitioned ones with their partitions)
    events += [materialization_entry("r", f"gone{i}", "x" if i % 2 else None) for i in range(assets // 4)]
    storage.store_events(events, [AssetOrigin(dg.AssetKey(f"gone{i}"), f"io_{i}", True, run_id="r") for i in range(assets // 4)])
    return dg.DagsterInstance(str(tmp_path), storage), storage, dg.Definitions(assets=[_defined(i) for i in range(assets)])


@pytest.mark.parametrize("read_only", [False, True])
def test_catalog_queries_do_not_grow_with_the_assets(tmp_path: Path, read_only: bool) -> None:
    counts = []
    for n in (40, 400):
        instance, storage, defs = _instance(tmp_path / str(n), n)
        ws = Workspace(instance, None if read_only else defs)
        storage.reads = 0
        rows = catalog_rows(ws)
        counts.append(storage.reads)
        by_key = {r.key.to_user_string(): r for r in rows}
        assert len(rows) == (n // 2 if read_only else n) + n // 4
        gone_plain, gone_parted = by_key["gone0"], by_key["gone1"]
        assert gone_plain.io_manager_key == "io_0" and gone_plain.partitions_filled is None and gone_plain.status == "materialized"
        assert gone_parted.io_manager_key == "io_1" and gone_parted.partitions_filled == 1 and gone_parted.is_partitioned
        if not read_only:
            assert by_key["a0000"].partitions_filled == 2 and by_key["a0000"].partitions_total == 3
            assert by_key["a0005"].partitions_filled == 0 and by_key["a0001"].status == "missing"
            assert by_key["a0002"].status == "materialized" and by_key["a0002"].last_run_id == "r"
            assert by_key["a0002"].io_manager_key == "io_manager"
        instance.dispose()
    assert counts[1] == counts[0] and counts[1] <= 8, counts


def test_lineage_reads_latest_materializations_in_one_batch(tmp_path: Path) -> None:
    counts = []
    for n in (30, 300):
        instance, storage, defs = _instance(tmp_path / str(n), n)
        storage.reads = 0
        layout = lineage(Workspace(instance, defs))
        counts.append(storage.reads)
        status = {node.key.to_user_string(): node.status for node in layout.nodes}
        assert status["a0002"] == "materialized" and status["a0001"] == "missing" and len(status) == n
        instance.dispose()
    assert counts[1] == counts[0] and counts[1] <= 3, counts
