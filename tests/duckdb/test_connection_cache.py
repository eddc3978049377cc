"""The DuckDB connection cache: one connection per run and process, let go as soon as another
process waits, after idleness, after an error and at teardown; the waiting signal of the lock."""

from __future__ import annotations

import contextlib
import fcntl
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

import dockyard as dg
from dockyard.defs.types import resolve_dagster_type
from dockyard.duckdb import DuckDBPandasIOManager, DuckDBResource, duckdb_pandas_io_manager
from dockyard.duckdb import resource as duckdb_resource
from dockyard.duckdb.io_manager import table_exists
from dockyard.duckdb.lock import database_lock, others_waiting
from dockyard.duckdb.resource import ConnectionCache
from dockyard.execution.reconstruct import ReconstructableJob
from dockyard.io.context import OutputContext
from dockyard.io.db import TableSlice
from dockyard.testing.db_suite import DbIOManagerSuite, FrameAdapter

pytestmark = pytest.mark.timeout(120)
PANDAS = FrameAdapter(pd.DataFrame, pd.DataFrame, lambda df: [tuple(r) for r in df.itertuples(index=False)])


@pytest.fixture
def database(tmp_path: Path) -> str:
    return str(tmp_path / "warehouse.duckdb")


@pytest.fixture
def cache(database: str) -> Iterator[ConnectionCache]:
    c = ConnectionCache(database, lock_timeout=10)
    yield c
    c.close()


@pytest.fixture
def connects(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every ``duckdb.connect`` dockyard makes, by database."""
    seen: list[str] = []
    real = duckdb_resource._connect

    def counting(database: str, *args: Any) -> Any:
        seen.append(database)
        return real(database, *args)

    monkeypatch.setattr(duckdb_resource, "_connect", counting)
    return seen


def lock_is_free(database: str) -> bool:
    fd = os.open(database + ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def released(database: str) -> bool:
    """No connection of this process keeps the file open, and no process holds its lock."""
    if not lock_is_free(database):
        return False
    try:  # a live instance of this process would refuse a read-only connection (other config)
        duckdb.connect(database, read_only=True).close()
    except duckdb.ConnectionException:
        return False
    return True


def wait_until(check: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


@dg.asset
def big() -> pd.DataFrame:
    return pd.DataFrame({"a": range(1000), "b": [1.5] * 1000})


@dg.asset(io_manager_key="mem")
def total(big: pd.DataFrame) -> int:
    return int(big["a"].sum())


# -- runs ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("legacy", [False, True], ids=["pythonic", "legacy"])
def test_run_stores_and_loads_through_one_connection_closed_at_teardown(
    database: str, connects: list[str], legacy: bool
) -> None:
    manager: Any = (
        duckdb_pandas_io_manager.configured({"database": database, "schema": "s"})
        if legacy
        else DuckDBPandasIOManager(database=database, schema="s")
    )
    result = dg.materialize([big, total], resources={"io_manager": manager, "mem": dg.mem_io_manager})
    assert result.success
    assert result.output_for_node("total") == sum(range(1000))
    assert connects == [database]  # the load reused the store's connection
    assert released(database)  # closed (and checkpointed) before materialize returned
    with duckdb.connect(database) as con:
        assert con.execute("SELECT count(*) FROM s.big").fetchall() == [(1000,)]
    assert not any(name.endswith(".wal") for name in os.listdir(os.path.dirname(database)))


def test_create_io_manager_outside_a_run_opens_a_connection_per_use(database: str, connects: list[str]) -> None:
    manager = DuckDBPandasIOManager(database=database).create_io_manager(None)
    for value in (1, 2):
        context = OutputContext(
            name="result", step_key="step", run_id="run", asset_key=dg.AssetKey("first"),
            definition_metadata={}, dagster_type=resolve_dagster_type(pd.DataFrame),
        )
        manager.handle_output(context, pd.DataFrame({"a": [value]}))
    assert len(connects) == 2
    assert released(database)


def test_workers_of_a_multiprocess_run_share_the_file(database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Four writers in two worker processes, then a reader: each worker caches its connection,
    and lets go when the other waits, so nothing waits for a timeout (the manager's is 30 s)."""
    monkeypatch.setenv("DOCKYARD_TEST_DUCKDB", database)
    job = ReconstructableJob.for_file(str(Path(__file__).with_name("duckdb_jobs.py")), "writers_defs")
    run_config = {"execution": {"config": {"multiprocess": {"max_concurrent": 2}}}}
    start = time.monotonic()
    with (
        dg.DagsterInstance.from_home(str(tmp_path / "home")) as instance,
        dg.execute_job(job, instance, run_config=run_config) as result,
    ):
        assert result.success
        parts = result.output_for_node("all_parts")
    assert sorted(set(parts["part"])) == ["w1", "w2", "w3", "w4"]
    assert parts["pid"].nunique() <= 2 and os.getpid() not in set(parts["pid"])
    assert time.monotonic() - start < 25
    assert released(database)


# -- the cache -------------------------------------------------------------------------------------
def test_connection_is_kept_between_uses(cache: ConnectionCache, database: str, connects: list[str]) -> None:
    with cache.connection() as first:
        first.execute("CREATE TABLE t AS SELECT 1 AS a").fetchall()
    assert cache.is_open and not lock_is_free(database)
    with cache.connection() as second:
        assert second is first
        assert second.execute("SELECT a FROM t").fetchall() == [(1,)]
    assert connects == [database]
    cache.close()
    assert not cache.is_open and released(database)


def test_use_after_close_opens_a_connection_each_time(cache: ConnectionCache, database: str) -> None:
    cache.close()
    with cache.connection() as conn:
        conn.execute("CREATE TABLE t (a INT)").fetchall()
    assert not cache.is_open and released(database)


def test_a_connection_that_raised_is_closed(cache: ConnectionCache, database: str) -> None:
    with pytest.raises(duckdb.CatalogException), cache.connection() as conn:
        conn.execute("SELECT * FROM missing").fetchall()
    assert not cache.is_open and released(database)
    with cache.connection() as conn:  # and the next use opens a new one
        assert conn.execute("SELECT 42").fetchall() == [(42,)]
    assert cache.is_open


def test_concurrent_user_gets_its_own_connection(cache: ConnectionCache, database: str) -> None:
    with cache.connection() as outer:
        outer.execute("CREATE TABLE t AS SELECT 1 AS a").fetchall()
        with cache.connection() as inner:
            assert inner is not outer
            assert inner.execute("SELECT a FROM t").fetchall() == [(1,)]
    assert cache.is_open
    with cache.connection() as again:
        assert again is outer


def test_close_while_in_use_closes_after_the_use(cache: ConnectionCache, database: str) -> None:
    with cache.connection() as conn:
        cache.close()
        assert conn.execute("SELECT 1").fetchall() == [(1,)]
    assert not cache.is_open and released(database)


def test_idle_connection_is_closed_after_the_idle_timeout(cache: ConnectionCache, database: str) -> None:
    cache.idle_timeout = 0.1
    with cache.connection() as conn:
        conn.execute("SELECT 1").fetchall()
    assert wait_until(lambda: released(database))
    assert not cache.is_open


def test_in_memory_databases_are_not_cached() -> None:
    cache = ConnectionCache(":memory:")
    with cache.connection() as conn:
        conn.execute("SELECT 1").fetchall()
    assert not cache.is_open


def test_dockyard_connection_with_another_config_closes_idle_cached_ones(cache: ConnectionCache, database: str) -> None:
    with cache.connection() as conn:
        conn.execute("CREATE TABLE t AS SELECT 1 AS a").fetchall()
    assert cache.is_open
    with DuckDBResource(database=database, connection_config={"threads": 1}).get_connection() as other:
        assert other.execute("SELECT a FROM t").fetchall() == [(1,)]
    assert not cache.is_open


_WAITER = textwrap.dedent(
    """
    import sys, time
    from dockyard.duckdb import DuckDBResource

    start = time.monotonic()
    with DuckDBResource(database=sys.argv[1], lock_timeout=20).get_connection() as conn:
        waited = time.monotonic() - start
        rows = conn.execute("SELECT count(*) FROM t").fetchall()
    print(f"{waited:.3f} {rows[0][0]}")
    """
)


def test_idle_cached_connection_is_released_for_a_waiting_process(cache: ConnectionCache, database: str) -> None:
    cache.idle_timeout = 600.0  # only the waiter's signal can make it let go
    with cache.connection() as conn:
        conn.execute("CREATE TABLE t AS SELECT 1 AS a").fetchall()
    assert cache.is_open
    out = subprocess.run([sys.executable, "-c", _WAITER, database], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    waited, count = out.stdout.split()
    assert count == "1"
    assert float(waited) < 3.0  # the watcher polls every 20 ms; far from the 20 s lock timeout
    assert not cache.is_open
    with cache.connection() as conn:  # the file is ours again on the next use
        assert conn.execute("SELECT count(*) FROM t").fetchall() == [(1,)]


def test_waiting_process_is_announced_to_the_holder(database: str) -> None:
    assert not others_waiting(database)
    with database_lock(database, 5):
        waiter = subprocess.Popen(
            [sys.executable, "-c", _WAITER, database], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        try:
            assert wait_until(lambda: others_waiting(database), timeout=30)
            with duckdb.connect(database) as con:
                con.execute("CREATE TABLE t AS SELECT 1 AS a").fetchall()
        except BaseException:
            waiter.kill()
            raise
    out, err = waiter.communicate(timeout=60)
    assert waiter.returncode == 0, err
    assert out.split()[1] == "1"
    assert not others_waiting(database)


_MARKER = textwrap.dedent(
    """
    import sys
    from dockyard.duckdb import DuckDBResource

    with DuckDBResource(database=sys.argv[1], lock_timeout=20).get_connection() as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS turns (who VARCHAR)").fetchall()
        conn.execute("INSERT INTO turns VALUES ('waiter')").fetchall()
    """
)


def test_letting_go_for_a_waiter_is_not_undone_by_taking_the_file_back(database: str) -> None:
    with database_lock(database, 5):
        waiter = subprocess.Popen([sys.executable, "-c", _MARKER, database], stderr=subprocess.PIPE, text=True)
        try:
            assert wait_until(lambda: others_waiting(database), timeout=30)
        except BaseException:
            waiter.kill()
            raise
    with database_lock(database, 20), duckdb.connect(database) as con:  # right after letting go
        con.execute("CREATE TABLE IF NOT EXISTS turns (who VARCHAR)").fetchall()
        con.execute("INSERT INTO turns VALUES ('us')").fetchall()
    _, err = waiter.communicate(timeout=60)
    assert waiter.returncode == 0, err
    with duckdb.connect(database) as con:
        assert con.execute("SELECT who FROM turns ORDER BY rowid").fetchall() == [("waiter",), ("us",)]


# -- existence checks ------------------------------------------------------------------------------
def test_table_exists_matches_names_as_duckdb_resolves_them(database: str) -> None:
    with duckdb.connect(database) as con:
        con.execute('CREATE SCHEMA "Sales"; CREATE TABLE "Sales"."Orders" (a INT); CREATE VIEW "Sales".v AS SELECT 1')
        assert table_exists(con, TableSlice(table="Orders", schema="Sales"))
        assert table_exists(con, TableSlice(table="orders", schema="sales"))
        assert not table_exists(con, TableSlice(table="Orders", schema="main"))
        assert not table_exists(con, TableSlice(table="missing", schema="Sales"))
        assert not table_exists(con, TableSlice(table="%", schema="Sales"))


# -- the shared suite, with the connection cached as in a run ---------------------------------------
class TestDuckDBPandasCached(DbIOManagerSuite):
    @pytest.fixture
    def frame_adapter(self) -> FrameAdapter:
        return PANDAS

    @pytest.fixture
    def io_manager_factory(self, database: str) -> Iterator[Callable[..., Any]]:
        with contextlib.ExitStack() as stack:

            def make(schema: str | None = None) -> Any:
                manager = DuckDBPandasIOManager(database=database, schema=schema)
                return stack.enter_context(manager.yield_for_execution(None))  # type: ignore[arg-type]

            yield make

    @pytest.fixture
    def query(self, database: str) -> Callable[[str], list[tuple[Any, ...]]]:
        def run(sql: str) -> list[tuple[Any, ...]]:
            with duckdb.connect(database) as con:
                return con.execute(sql).fetchall()

        return run
