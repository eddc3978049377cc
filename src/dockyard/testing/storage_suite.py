"""``EventLogStorageSuite`` and ``InstanceStorageSuite``: what every instance storage must do.

Subclass one in a test module and provide a ``storage`` fixture returning a fresh, empty
``InstanceStorage`` (dispose it after the test)::

    class TestMyStorage(InstanceStorageSuite):
        @pytest.fixture
        def storage(self, tmp_path):
            s = MyStorage(tmp_path)
            yield s
            s.dispose()

``EventLogStorageSuite`` covers events and the asset index; ``InstanceStorageSuite`` adds runs,
asset origins and dynamic partitions.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from dockyard.defs.keys import AssetKey
from dockyard.defs.metadata import MetadataValue, TableColumn, TableRecord, TableSchema
from dockyard.defs.results import AssetMaterialization
from dockyard.instance.events import (
    DagsterEvent,
    DagsterEventType,
    EventLogEntry,
    HandledOutputData,
    SerializableErrorInfo,
    StepFailureData,
    StepMaterializationData,
)
from dockyard.instance.origins import AssetOrigin
from dockyard.instance.runs import DagsterRun, DagsterRunStatus
from dockyard.instance.storage.base import InstanceStorage

JOB = "suite_job"


def materialization_entry(run_id: str, key: Any, partition: str | None = None, metadata: Any = None) -> EventLogEntry:
    """An ``ASSET_MATERIALIZATION`` event log entry for ``key``."""
    mat = AssetMaterialization(key, metadata=metadata, partition=partition)
    step = "__".join(mat.asset_key.path)
    event = DagsterEvent(DagsterEventType.ASSET_MATERIALIZATION.value, JOB, step, step, StepMaterializationData(mat), partition=partition)
    return EventLogEntry(run_id, event)


def plain_entry(run_id: str, event_type: DagsterEventType, step_key: str | None = None, data: Any = None) -> EventLogEntry:
    return EventLogEntry(run_id, DagsterEvent(event_type.value, JOB, step_key, step_key, data, message=f"{event_type.value} message"))


class EventLogStorageSuite:
    """Events and the asset index: round-trips, ordering, paging, partitions, wiping."""

    @pytest.fixture
    def storage(self) -> InstanceStorage:  # pragma: no cover - subclasses override
        raise NotImplementedError("Provide a `storage` fixture returning an empty InstanceStorage.")

    def test_store_events_assigns_increasing_storage_ids(self, storage: InstanceStorage) -> None:
        entries = [plain_entry("r1", DagsterEventType.RUN_START), plain_entry("r1", DagsterEventType.STEP_START, "a")]
        storage.store_events(entries)
        storage.store_events([plain_entry("r1", DagsterEventType.RUN_SUCCESS)])
        ids = [e.storage_id or 0 for e in storage.get_logs_for_run("r1")]
        assert ids == sorted(ids) and len(set(ids)) == 3 and all(i > 0 for i in ids)
        assert [e.storage_id for e in entries] == ids[:2]

    def test_logs_for_run_keep_order_and_separate_runs(self, storage: InstanceStorage) -> None:
        storage.store_events([plain_entry("r1", DagsterEventType.RUN_START), plain_entry("r2", DagsterEventType.RUN_START)])
        storage.store_events([plain_entry("r1", DagsterEventType.STEP_START, "x")])
        logs = storage.get_logs_for_run("r1")
        assert [e.dagster_event.event_type_value for e in logs if e.dagster_event] == ["PIPELINE_START", "STEP_START"]
        assert logs[1].step_key == "x" and logs[1].job_name == JOB
        assert storage.get_logs_for_run("missing") == []

    def test_event_payloads_round_trip(self, storage: InstanceStorage) -> None:
        try:
            try:
                raise KeyError("inner")
            except KeyError as inner:
                raise ValueError("outer") from inner
        except ValueError as exc:
            error = SerializableErrorInfo.from_exception(exc)
        metadata = {
            "rows": 3, "ratio": 0.5, "ok": True, "note": "text", "path": MetadataValue.path("/tmp/x"),
            "url": MetadataValue.url("https://example.com"), "json": {"a": [1, 2]}, "md": MetadataValue.md("# t"),
            "none": None, "asset": AssetKey(["up", "stream"]), "ts": MetadataValue.timestamp(1700000000.0),
            "schema": TableSchema([TableColumn("id", "int")]),
            "table": MetadataValue.table([TableRecord({"id": 1})], TableSchema([TableColumn("id", "int")])),
        }
        entry = materialization_entry("r1", ["db", "orders"], "2024-01-01", metadata)
        storage.store_events([
            entry,
            plain_entry("r1", DagsterEventType.HANDLED_OUTPUT, "s", HandledOutputData("result", "io_manager", {"path": MetadataValue.path("/p")})),
            plain_entry("r1", DagsterEventType.STEP_FAILURE, "s", StepFailureData(error)),
        ])
        mat_entry, handled, failed = storage.get_logs_for_run("r1")
        assert handled.dagster_event is not None and failed.dagster_event is not None
        mat = mat_entry.asset_materialization
        assert mat.asset_key == AssetKey(["db", "orders"]) and mat.partition == "2024-01-01"
        assert {k: v.value for k, v in mat.metadata.items() if k not in ("table", "schema")} == {
            k: v.value for k, v in AssetMaterialization("x", metadata=metadata).metadata.items() if k not in ("table", "schema")
        }
        assert mat.metadata["schema"].value.columns[0].name == "id"
        assert mat.metadata["table"].records[0].data == {"id": 1}
        assert mat_entry.timestamp == pytest.approx(entry.timestamp)
        assert handled.dagster_event.event_specific_data.manager_key == "io_manager"
        assert handled.dagster_event.event_specific_data.metadata["path"].value == "/p"
        got = failed.dagster_event.step_failure_data.error
        assert got is not None and got.cls_name == "ValueError" and "outer" in got.message and got.stack == error.stack
        assert got.cause is not None and got.cause.cls_name == "KeyError"

    def test_latest_and_history_of_materializations(self, storage: InstanceStorage) -> None:
        for i in range(5):
            storage.store_events([materialization_entry(f"r{i}", "a", metadata={"i": i}), materialization_entry(f"r{i}", "b")])
        newest = storage.get_materializations(AssetKey("a"), limit=1)
        assert newest[0].asset_materialization.metadata["i"].value == 4
        history = storage.get_materializations(AssetKey("a"))
        assert [e.asset_materialization.metadata["i"].value for e in history] == [4, 3, 2, 1, 0]
        ascending = storage.get_materializations(AssetKey("a"), ascending=True, limit=2)
        assert [e.asset_materialization.metadata["i"].value for e in ascending] == [0, 1]
        assert storage.get_materializations(AssetKey("missing")) == []

    def test_latest_materializations_of_many_assets(self, storage: InstanceStorage) -> None:
        for i in range(4):
            storage.store_events([
                materialization_entry(f"r{i}", "a", metadata={"i": i}),
                materialization_entry(f"r{i}", ["b", "c"], f"p{i}", {"i": i}),
            ])
        storage.store_events([materialization_entry("r9", "late", metadata={"i": 9}), plain_entry("r9", DagsterEventType.RUN_SUCCESS)])
        keys = [AssetKey("a"), AssetKey(["b", "c"]), AssetKey("missing"), AssetKey("late"), AssetKey("a")]
        latest = storage.get_latest_materializations(keys)
        assert set(latest) == {AssetKey("a"), AssetKey(["b", "c"]), AssetKey("late")}
        for key, entry in latest.items():
            assert entry.asset_materialization.asset_key == key
            assert entry.storage_id == storage.get_materializations(key, limit=1)[0].storage_id
        assert latest[AssetKey("a")].asset_materialization.metadata["i"].value == 3 and latest[AssetKey("a")].run_id == "r3"
        assert latest[AssetKey(["b", "c"])].asset_materialization.partition == "p3"
        assert storage.get_latest_materializations([]) == {}
        storage.wipe_asset(AssetKey("a"))
        assert set(storage.get_latest_materializations(keys)) == {AssetKey(["b", "c"]), AssetKey("late")}

    def test_latest_materializations_of_more_assets_than_one_query_takes(self, storage: InstanceStorage) -> None:
        keys = [AssetKey(["many", f"k{i:04d}"]) for i in range(1_203)]
        storage.store_events([materialization_entry("r1", k, metadata={"run": 1}) for k in keys])
        storage.store_events([materialization_entry("r2", k, metadata={"run": 2}) for k in keys[::2]])
        latest = storage.get_latest_materializations([*keys, AssetKey("missing")])
        assert sorted(latest) == keys
        assert all(latest[k].asset_materialization.metadata["run"].value == (2 if i % 2 == 0 else 1) for i, k in enumerate(keys))

    def test_materialization_history_pages_by_storage_id(self, storage: InstanceStorage) -> None:
        storage.store_events([materialization_entry("r", "a", metadata={"i": i}) for i in range(7)])
        seen, before = [], None
        while True:
            page = storage.get_materializations(AssetKey("a"), limit=3, before_id=before)
            if not page:
                break
            seen += [e.asset_materialization.metadata["i"].value for e in page]
            before = page[-1].storage_id
        assert seen == [6, 5, 4, 3, 2, 1, 0]
        first = storage.get_materializations(AssetKey("a"), ascending=True, limit=1)[0]
        after = storage.get_materializations(AssetKey("a"), ascending=True, after_id=first.storage_id)
        assert [e.asset_materialization.metadata["i"].value for e in after] == [1, 2, 3, 4, 5, 6]

    def test_latest_materialization_per_partition(self, storage: InstanceStorage) -> None:
        storage.store_events([
            materialization_entry("r1", "p", "x", {"n": 1}), materialization_entry("r1", "p", "y", {"n": 2}),
            materialization_entry("r2", "p", "x", {"n": 3}), materialization_entry("r2", "p"),
        ])
        latest = storage.get_latest_materializations_by_partition(AssetKey("p"))
        assert sorted(latest) == ["x", "y"]
        assert latest["x"].asset_materialization.metadata["n"].value == 3
        only_y = storage.get_materializations(AssetKey("p"), partitions=["y"])
        assert [e.asset_materialization.metadata["n"].value for e in only_y] == [2]

    def test_materialized_partitions_of_many_assets(self, storage: InstanceStorage) -> None:
        keys = [AssetKey(["parts", f"k{i:04d}"]) for i in range(1_050)]
        storage.store_events([materialization_entry("r1", k, f"p{i % 4}") for i, k in enumerate(keys)])
        storage.store_events([materialization_entry("r2", k, f"p{(i + 1) % 4}") for i, k in enumerate(keys[:3])])
        storage.store_events([materialization_entry("r2", k, f"p{i % 4}") for i, k in enumerate(keys[:3])])
        storage.store_events([materialization_entry("r3", "plain"), materialization_entry("r3", "mixed", "x"), materialization_entry("r3", "mixed")])
        got = storage.get_materialized_partitions([*keys, AssetKey("plain"), AssetKey("mixed"), AssetKey("missing")])
        assert set(got) == {*keys, AssetKey("mixed")}
        assert got[keys[0]] == {"p0", "p1"} and got[keys[2]] == {"p2", "p3"} and got[keys[3]] == {"p3"} and got[keys[1049]] == {"p1"}
        assert got[AssetKey("mixed")] == {"x"}
        assert got[keys[7]] == set(storage.get_latest_materializations_by_partition(keys[7]))
        storage.wipe_asset(keys[0])
        assert keys[0] not in storage.get_materialized_partitions(keys[:2]) and storage.get_materialized_partitions([]) == {}

    def test_asset_keys_and_wipe(self, storage: InstanceStorage) -> None:
        storage.store_events([materialization_entry("r", ["b", "x"]), materialization_entry("r", "a")])
        storage.store_events([], [AssetOrigin(AssetKey("a"), "io_manager", True, run_id="r")])
        assert storage.get_asset_keys() == [AssetKey("a"), AssetKey(["b", "x"])]
        storage.wipe_asset(AssetKey("a"))
        assert storage.get_asset_keys() == [AssetKey(["b", "x"])]
        assert storage.get_materializations(AssetKey("a")) == []
        assert storage.get_asset_origin(AssetKey("a")) is None
        assert all(e.asset_materialization is None or e.asset_materialization.asset_key != AssetKey("a") for e in storage.get_logs_for_run("r"))
        storage.store_events([materialization_entry("r2", "a")])
        assert len(storage.get_materializations(AssetKey("a"))) == 1


class InstanceStorageSuite(EventLogStorageSuite):
    """Everything an instance stores: events (inherited), runs, origins, dynamic partitions."""

    def test_runs_round_trip_and_update(self, storage: InstanceStorage) -> None:
        run = DagsterRun("r1", JOB, DagsterRunStatus.STARTED, {"ops": {"a": {"config": {"n": 1}}}}, {"dagster/partition": "p1"},
                         frozenset({AssetKey(["x", "y"])}), start_time=time.time())
        storage.add_run(run)
        got = storage.get_run("r1")
        assert got is not None and got.job_name == JOB and got.status == DagsterRunStatus.STARTED
        assert got.run_config == run.run_config and got.tags == run.tags and got.partition_key == "p1"
        assert got.asset_selection == frozenset({AssetKey(["x", "y"])})
        run.status, run.end_time = DagsterRunStatus.SUCCESS, time.time()
        storage.update_run(run)
        got = storage.get_run("r1")
        assert got is not None and got.is_success and got.end_time == pytest.approx(run.end_time)
        assert storage.get_run("nope") is None

    def test_runs_filter_by_status_and_job_newest_first(self, storage: InstanceStorage) -> None:
        for i, (job, status) in enumerate([("a", DagsterRunStatus.SUCCESS), ("b", DagsterRunStatus.FAILURE), ("a", DagsterRunStatus.FAILURE)]):
            storage.add_run(DagsterRun(f"r{i}", job, status, start_time=1000.0 + i))
        assert [r.run_id for r in storage.get_runs()] == ["r2", "r1", "r0"]
        assert [r.run_id for r in storage.get_runs(limit=2)] == ["r2", "r1"]
        assert [r.run_id for r in storage.get_runs(status=DagsterRunStatus.FAILURE)] == ["r2", "r1"]
        assert [r.run_id for r in storage.get_runs(job_name="a")] == ["r2", "r0"]
        assert [r.run_id for r in storage.get_runs(job_name="a", status=DagsterRunStatus.SUCCESS)] == ["r0"]

    def test_asset_origin_is_replaced_by_the_latest(self, storage: InstanceStorage) -> None:
        key = AssetKey(["o"])
        storage.store_events([materialization_entry("r1", key)], [AssetOrigin(key, "io_manager", True, "pkg.mod", "defs", None, None, "r1")])
        storage.store_events([materialization_entry("r2", key)], [AssetOrigin(key, "warehouse", False, "pkg.mod", "defs", None, None, "r2")])
        origin = storage.get_asset_origin(key)
        assert origin == AssetOrigin(key, "warehouse", False, "pkg.mod", "defs", None, None, "r2")
        assert storage.get_asset_origin(AssetKey("none")) is None

    def test_asset_origins_of_many_assets(self, storage: InstanceStorage) -> None:
        keys = [AssetKey(["o", f"k{i:04d}"]) for i in range(1_101)]
        origins = [AssetOrigin(k, f"io_{i % 3}", i % 2 == 0, run_id="r1") for i, k in enumerate(keys)]
        storage.store_events([materialization_entry("r1", k) for k in keys], origins)
        replaced = AssetOrigin(keys[0], "warehouse", False, "pkg.mod", "defs", None, None, "r2")
        storage.store_events([materialization_entry("r2", keys[0])], [replaced])
        got = storage.get_asset_origins([*keys, AssetKey("none"), keys[1]])
        assert got == {replaced.asset_key: replaced, **{o.asset_key: o for o in origins[1:]}}
        assert storage.get_asset_origins([AssetKey("none")]) == {} and storage.get_asset_origins([]) == {}

    def test_dynamic_partitions(self, storage: InstanceStorage) -> None:
        storage.add_dynamic_partitions("files", ["b", "a"])
        storage.add_dynamic_partitions("files", ["a", "c"])
        storage.add_dynamic_partitions("other", ["z"])
        assert storage.get_dynamic_partitions("files") == ["b", "a", "c"]
        storage.delete_dynamic_partition("files", "a")
        storage.delete_dynamic_partition("files", "missing")
        assert storage.get_dynamic_partitions("files") == ["b", "c"]
        assert storage.get_dynamic_partitions("none") == []
