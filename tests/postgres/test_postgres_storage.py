"""PostgreSQL instance storage against a real server: the shared suite, dockyard.yaml, concurrency."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import threading
import time
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

import dockyard as dg
from dockyard.defs.keys import AssetKey
from dockyard.errors import DagsterInvalidConfigError, DagsterInvariantViolationError
from dockyard.instance.events import DagsterEventType
from dockyard.postgres import PostgresInstanceStorage
from dockyard.testing.storage_suite import InstanceStorageSuite, materialization_entry, plain_entry

pytestmark = pytest.mark.postgres


@pytest.fixture
def schema_storage(postgres_url: str) -> Iterator[PostgresInstanceStorage]:
    """A storage in a fresh PostgreSQL schema of the session's server (cheaper than a database)."""
    schema = f"dy_{uuid.uuid4().hex[:10]}"
    storage = PostgresInstanceStorage(postgres_url, schema=schema)
    yield storage
    storage.dispose()
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


class TestPostgresStorage(InstanceStorageSuite):
    @pytest.fixture
    def storage(self, schema_storage: PostgresInstanceStorage) -> PostgresInstanceStorage:
        return schema_storage


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, postgres_database: str) -> Path:
    """An instance home whose dockyard.yaml reads the PostgreSQL URL from the environment."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "dockyard.yaml").write_text("storage:\n  postgres:\n    url:\n      env: DOCKYARD_TEST_PG_URL\n")
    monkeypatch.setenv("DOCKYARD_HOME", str(home))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.setenv("DOCKYARD_TEST_PG_URL", postgres_database)
    return home


@dg.asset(partitions_def=dg.StaticPartitionsDefinition(["x", "y"]))
def parted(context: dg.AssetExecutionContext) -> str:
    return f"part {context.partition_key}"


def test_dockyard_yaml_with_env_url_selects_postgres(home: Path, postgres_database: str) -> None:
    instance = dg.DagsterInstance.get()
    assert isinstance(instance.storage, PostgresInstanceStorage) and instance.storage.schema == "dockyard"
    for pk in ("x", "y", "x"):
        assert dg.materialize([parted], partition_key=pk, instance=instance).success
    instance.dispose()
    again = dg.DagsterInstance.get()
    assert again.get_materialized_partitions("parted") == {"x", "y"}
    assert len(again.get_runs()) == 3
    again.dispose()
    with psycopg.connect(postgres_database) as conn:
        assert conn.execute("SELECT count(*) FROM dockyard.materializations").fetchone() == (3,)


def test_dockyard_yaml_names_an_unset_env_var(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOCKYARD_TEST_PG_URL")
    with pytest.raises(DagsterInvalidConfigError, match="'DOCKYARD_TEST_PG_URL', which is not set"):
        dg.DagsterInstance.get()


def _materialize_many(home: str, url: str, worker: int, count: int) -> None:
    os.environ["DOCKYARD_HOME"] = home
    os.environ["DOCKYARD_TEST_PG_URL"] = url

    @dg.asset(name=f"w{worker}")
    def produced() -> int:
        return worker

    instance = dg.DagsterInstance.get()
    for _ in range(count):
        assert dg.materialize([produced], instance=instance).success
    instance.dispose()


def test_two_processes_writing_one_instance_lose_no_event(home: Path, postgres_database: str) -> None:
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_materialize_many, args=(str(home), postgres_database, w, 15)) for w in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    instance = dg.DagsterInstance.get()
    runs = instance.get_runs()
    assert len(runs) == 30 and all(r.is_success for r in runs)
    per_run = {len(instance.all_logs(r.run_id)) for r in runs}
    assert len(per_run) == 1  # every run stored its whole event log
    for w in range(2):
        assert len(instance.get_materialization_history(f"w{w}")) == 15
    instance.dispose()
    with psycopg.connect(postgres_database) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM dockyard.events ORDER BY id")]
    assert len(ids) == len(set(ids)) == 30 * per_run.pop()


def _store_in_child(storage: PostgresInstanceStorage) -> None:
    storage.store_events([materialization_entry("child", "forked")])
    storage.dispose()


def test_storage_inherited_through_fork_reconnects_and_leaves_the_parent_alone(schema_storage: PostgresInstanceStorage) -> None:
    schema_storage.store_events([materialization_entry("parent", "forked")])
    parent_conn = schema_storage._connection()
    child = multiprocessing.get_context("fork").Process(target=_store_in_child, args=(schema_storage,))
    with warnings.catch_warnings():  # Python 3.12+ warns about fork() in a process with threads
        warnings.simplefilter("ignore", DeprecationWarning)
        child.start()
    child.join(30)
    assert child.exitcode == 0
    assert schema_storage._connection() is parent_conn and not parent_conn.broken
    history = schema_storage.get_materializations(AssetKey("forked"))
    assert [e.run_id for e in history] == ["child", "parent"]


def test_pickled_storage_reconnects_to_the_same_data(schema_storage: PostgresInstanceStorage) -> None:
    schema_storage.store_events([materialization_entry("r", "pickled")])
    copy = pickle.loads(pickle.dumps(schema_storage))
    assert copy.schema == schema_storage.schema and copy.get_asset_keys() == [AssetKey("pickled")]
    copy.dispose()


def test_threads_write_through_their_own_connections(schema_storage: PostgresInstanceStorage) -> None:
    connections: set[int] = set()

    def write(n: int) -> None:
        connections.add(id(schema_storage._connection()))
        for i in range(10):
            schema_storage.store_events([plain_entry(f"t{n}", DagsterEventType.STEP_START, f"s{i}")])

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(connections) == 4
    assert [len(schema_storage.get_logs_for_run(f"t{n}")) for n in range(4)] == [10] * 4


def test_materialization_history_of_ten_thousand_uses_the_index(schema_storage: PostgresInstanceStorage, postgres_url: str) -> None:
    started = time.perf_counter()
    schema_storage.store_events([materialization_entry("r", "big", metadata={"i": i}) for i in range(10_000)])
    stored = time.perf_counter() - started
    schema_storage.store_events([materialization_entry("r", "other")])
    instance = dg.DagsterInstance(None, schema_storage)
    started = time.perf_counter()
    first = instance.fetch_materializations("big", limit=50)
    second = instance.fetch_materializations("big", limit=50, cursor=first.cursor)
    latest = instance.get_latest_materialization_event("big")
    elapsed = time.perf_counter() - started
    assert [r.event_log_entry.asset_materialization.metadata["i"].value for r in first.records][:2] == [9999, 9998]
    assert second.records[0].event_log_entry.asset_materialization.metadata["i"].value == 9949
    assert latest is not None and first.has_more
    assert elapsed < 0.2, elapsed
    assert stored < 5, stored
    t = f'"{schema_storage.schema}".materializations'
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"ANALYZE {t}")
        # a rare asset among many: the planner must find it through the asset index
        plan = conn.execute(f"EXPLAIN SELECT event_id FROM {t} WHERE asset_key = %s ORDER BY event_id DESC LIMIT 1", ['["other"]']).fetchall()
    assert any("mats_by" in row[0] for row in plan), plan


def test_unreachable_server_error_hides_the_password() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    storage = PostgresInstanceStorage(f"postgresql://ann:s3cret@127.0.0.1:{port}/db?connect_timeout=2")
    with pytest.raises(DagsterInvariantViolationError, match=r"password=\*\*\*") as info:
        storage.get_runs()
    assert "s3cret" not in str(info.value) and "s3cret" not in repr(storage)


def test_newer_schema_version_is_refused(schema_storage: PostgresInstanceStorage, postgres_url: str) -> None:
    schema_storage.get_runs()
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'UPDATE "{schema_storage.schema}".schema_version SET version = 99')
    newer = PostgresInstanceStorage(postgres_url, schema=schema_storage.schema)
    with pytest.raises(DagsterInvariantViolationError, match="schema version 99, newer"):
        newer.get_runs()
    newer.dispose()
