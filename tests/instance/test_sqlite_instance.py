"""The persistent SQLite instance: configuration, durability, concurrency, history queries."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import time
from pathlib import Path

import pytest

import dockyard as dg
from dockyard.defs.keys import AssetKey
from dockyard.errors import DagsterInvalidConfigError
from dockyard.instance.instance import AssetRecordsFilter
from dockyard.instance.storage.memory import InMemoryInstanceStorage
from dockyard.instance.storage.sqlite import SqliteInstanceStorage
from dockyard.testing.storage_suite import materialization_entry


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DOCKYARD_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    return tmp_path / "home"


@dg.asset
def numbers() -> list[int]:
    return [1, 2, 3]


@dg.asset(partitions_def=dg.StaticPartitionsDefinition(["x", "y"]))
def parted(context: dg.AssetExecutionContext) -> str:
    return f"part {context.partition_key}"


@dg.asset
def broken() -> int:
    raise ValueError("broken on purpose")


def test_get_uses_sqlite_in_wal_mode_under_dockyard_home(home: Path) -> None:
    instance = dg.DagsterInstance.get()
    assert isinstance(instance.storage, SqliteInstanceStorage)
    assert instance.storage_directory() == str(home / "storage")
    assert dg.materialize([numbers], instance=instance).success
    instance.dispose()
    conn = sqlite3.connect(home / "dockyard.sqlite")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    assert (home / "storage" / "numbers").is_file()


def test_runs_and_events_survive_a_new_instance(home: Path) -> None:
    first = dg.DagsterInstance.get()
    ok = dg.materialize([numbers], instance=first)
    bad = dg.materialize([broken], instance=first, raise_on_error=False)
    first.dispose()
    again = dg.DagsterInstance.get()
    assert {r.run_id for r in again.get_runs()} == {ok.run_id, bad.run_id}
    failed = again.get_runs(status=dg.DagsterRunStatus.FAILURE)
    assert [r.run_id for r in failed] == [bad.run_id]
    failure = next(e for e in again.all_logs(bad.run_id) if e.dagster_event and e.dagster_event.is_step_failure)
    error = failure.dagster_event.step_failure_data.error
    assert "broken on purpose" in error.to_string()
    latest = again.get_latest_materialization_event("numbers")
    assert latest is not None and latest.run_id == ok.run_id
    assert latest.asset_materialization.metadata["path"].value.endswith("numbers")
    assert again.get_runs(job_name=ok.dagster_run.job_name, limit=1)[0].run_id == bad.run_id


def test_materialized_partitions_and_latest_per_partition(home: Path) -> None:
    instance = dg.DagsterInstance.get()
    for pk in ("x", "y", "x"):
        assert dg.materialize([parted], partition_key=pk, instance=instance).success
    assert instance.get_materialized_partitions("parted") == {"x", "y"}
    by_partition = instance.get_latest_materialization_events_by_partition("parted")
    assert by_partition["x"].storage_id > by_partition["y"].storage_id
    assert instance.get_latest_materialization_event("parted", partition="y") is not None
    page = instance.fetch_materializations(AssetRecordsFilter(AssetKey("parted"), ["x"]), limit=10)
    assert [r.partition_key for r in page.records] == ["x", "x"]


def test_wipe_assets_forgets_history_but_keeps_values(home: Path) -> None:
    instance = dg.DagsterInstance.get()
    dg.materialize([numbers], instance=instance)
    instance.wipe_assets([AssetKey("numbers")])
    assert instance.get_latest_materialization_event("numbers") is None
    assert not instance.has_asset_key("numbers")
    assert (home / "storage" / "numbers").is_file()


def test_fetch_materializations_pages_through_ten_thousand_rows_quickly(tmp_path: Path) -> None:
    storage = SqliteInstanceStorage(tmp_path / "big.sqlite")
    batch = [materialization_entry("r", "big", metadata={"i": i}) for i in range(10_000)]
    storage.store_events(batch)
    storage.store_events([materialization_entry("r", "other")])
    instance = dg.DagsterInstance(str(tmp_path), storage)
    started = time.perf_counter()
    first = instance.fetch_materializations("big", limit=50)
    second = instance.fetch_materializations("big", limit=50, cursor=first.cursor)
    latest = instance.get_latest_materialization_event("big")
    elapsed = time.perf_counter() - started
    assert [r.event_log_entry.asset_materialization.metadata["i"].value for r in first.records][:2] == [9999, 9998]
    assert second.records[0].event_log_entry.asset_materialization.metadata["i"].value == 9949
    assert first.has_more and latest is not None
    assert elapsed < 0.2, elapsed
    plan = storage._read("EXPLAIN QUERY PLAN SELECT event_id FROM materializations WHERE asset_key=? ORDER BY event_id DESC LIMIT 1", ('["big"]',))
    assert any("mats_by" in str(row) for row in plan), plan
    instance.dispose()


def _materialize_many(home: str, worker: int, count: int) -> None:
    os.environ["DOCKYARD_HOME"] = home

    @dg.asset(name=f"w{worker}")
    def produced() -> int:
        return worker

    instance = dg.DagsterInstance.get()
    for _ in range(count):
        assert dg.materialize([produced], instance=instance).success
    instance.dispose()


def test_two_processes_writing_one_instance_lose_no_event(home: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_materialize_many, args=(str(home), w, 15)) for w in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    instance = dg.DagsterInstance.get()
    runs = instance.get_runs()
    assert len(runs) == 30 and all(r.is_success for r in runs)
    counts = {len(instance.all_logs(r.run_id)) for r in runs}
    assert len(counts) == 1  # every run stored its full event log
    for w in range(2):
        assert len(instance.get_materialization_history(f"w{w}")) == 15
    conn = sqlite3.connect(home / "dockyard.sqlite")
    ids = [r[0] for r in conn.execute("SELECT id FROM events ORDER BY id")]
    conn.close()
    assert len(ids) == len(set(ids)) == 30 * counts.pop()


def test_dockyard_yaml_selects_sqlite_path(home: Path) -> None:
    home.mkdir(parents=True)
    (home / "dockyard.yaml").write_text("storage:\n  sqlite:\n    path: custom.db\n")
    instance = dg.DagsterInstance.get()
    dg.materialize([numbers], instance=instance)
    instance.dispose()
    assert (home / "custom.db").is_file() and not (home / "dockyard.sqlite").exists()


def test_dockyard_yaml_postgres_names_the_missing_extra(home: Path) -> None:
    pytest.importorskip("yaml")
    home.mkdir(parents=True)
    (home / "dockyard.yaml").write_text("storage:\n  postgres:\n    url: postgresql://localhost/db\n")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match=r"dockyard\[postgres\]"):
            dg.DagsterInstance.get()
    else:  # pragma: no cover - depends on the environment; tests/postgres uses a real server
        storage = dg.DagsterInstance.get().storage
        assert type(storage).__name__ == "PostgresInstanceStorage"
        assert "dbname=db" in repr(storage)


def test_dockyard_yaml_unknown_backend_lists_valid_ones(home: Path) -> None:
    home.mkdir(parents=True)
    (home / "dockyard.yaml").write_text("storage:\n  mysql: {}\n")
    with pytest.raises(DagsterInvalidConfigError, match="'sqlite', 'postgres'"):
        dg.DagsterInstance.get()


def test_ephemeral_instance_stays_in_memory() -> None:
    instance = dg.DagsterInstance.ephemeral()
    assert isinstance(instance.storage, InMemoryInstanceStorage)
    assert dg.materialize([numbers], instance=instance).success
    assert instance.get_latest_materialization_event("numbers") is not None
