"""DuckDB I/O managers: the shared DB suite per handler, the file lock, and end-to-end runs."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import dockyard as dg
from dockyard.duckdb import (
    DatabaseLockTimeoutError,
    DuckDBPandasIOManager,
    DuckDBPolarsIOManager,
    DuckDBPyArrowIOManager,
    DuckDBResource,
)
from dockyard.testing.db_suite import DbIOManagerSuite, FrameAdapter


def _rows_of_pandas(df: pd.DataFrame) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in df.itertuples(index=False)]


PANDAS = FrameAdapter(pd.DataFrame, pd.DataFrame, _rows_of_pandas)
POLARS = FrameAdapter(pl.DataFrame, pl.DataFrame, lambda df: df.rows())
ARROW = FrameAdapter(pa.Table, pa.table, lambda t: [tuple(r.values()) for r in t.to_pylist()])


@pytest.fixture
def database(tmp_path: Path) -> str:
    return str(tmp_path / "warehouse.duckdb")


@pytest.fixture
def query(database: str) -> Callable[[str], list[tuple[Any, ...]]]:
    def run(sql: str) -> list[tuple[Any, ...]]:
        with duckdb.connect(database) as con:
            return con.execute(sql).fetchall()

    return run


def _factory(cls: type, database: str) -> Callable[..., Any]:
    def make(schema: str | None = None) -> Any:
        return cls(database=database, schema=schema).create_io_manager(None)

    return make


class TestDuckDBConformance(DbIOManagerSuite):
    """The suite for the pandas, polars and PyArrow managers."""

    @pytest.fixture(
        params=[(PANDAS, DuckDBPandasIOManager), (POLARS, DuckDBPolarsIOManager), (ARROW, DuckDBPyArrowIOManager)],
        ids=["pandas", "polars", "pyarrow"],
    )
    def flavour(self, request: pytest.FixtureRequest) -> tuple[FrameAdapter, type]:
        return request.param  # type: ignore[no-any-return]

    @pytest.fixture
    def frame_adapter(self, flavour: tuple[FrameAdapter, type]) -> FrameAdapter:
        return flavour[0]

    @pytest.fixture
    def io_manager_factory(self, flavour: tuple[FrameAdapter, type], database: str) -> Callable[..., Any]:
        return _factory(flavour[1], database)


_WRITER = textwrap.dedent(
    """
    import sys, time
    import pandas as pd
    import dockyard as dg
    from dockyard.duckdb import DuckDBPandasIOManager

    database, name = sys.argv[1], sys.argv[2]

    @dg.asset(name=name)
    def slow() -> pd.DataFrame:
        return pd.DataFrame({"who": [name] * 3})

    manager = DuckDBPandasIOManager(database=database, lock_timeout=60)
    assert dg.materialize([slow], resources={"io_manager": manager}).success
    print("done", name)
    """
)


def test_two_processes_writing_one_file_are_serialized(database: str, tmp_path: Path) -> None:
    script = tmp_path / "writer.py"
    script.write_text(_WRITER)
    procs = [
        subprocess.Popen([sys.executable, str(script), database, name], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for name in ("first", "second", "third")
    ]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], results
    with duckdb.connect(database) as con:
        for name in ("first", "second", "third"):
            assert con.execute(f'SELECT count(*) FROM public."{name}"').fetchall() == [(3,)]


def _hold_lock(database: str, ready: Any, release: Any) -> None:
    resource = DuckDBResource(database=database)
    with resource.get_connection() as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS held (a INT)").fetchall()
        ready.set()
        release.wait(30)


def test_lock_timeout_names_file_and_holder(database: str) -> None:
    ctx = multiprocessing.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(database, ready, release))
    holder.start()
    try:
        assert ready.wait(30)
        resource = DuckDBResource(database=database, lock_timeout=0.3)
        with pytest.raises(DatabaseLockTimeoutError) as info, resource.get_connection():
            pass
        assert database in str(info.value)
        assert info.value.holder_pid == holder.pid
        assert str(holder.pid) in str(info.value)
    finally:
        release.set()
        holder.join(30)
    with DuckDBResource(database=database, lock_timeout=5).get_connection() as conn:
        assert conn.execute("SELECT count(*) FROM held").fetchall() == [(0,)]


def test_foreign_duckdb_lock_is_reported_not_leaked(database: str, tmp_path: Path) -> None:
    script = tmp_path / "hold.py"
    script.write_text(
        "import duckdb, sys, time\ncon = duckdb.connect(sys.argv[1])\nprint('ready', flush=True)\ntime.sleep(30)\n"
    )
    proc = subprocess.Popen([sys.executable, str(script), database], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        resource = DuckDBResource(database=database, lock_timeout=0.3)
        with pytest.raises(DatabaseLockTimeoutError, match="locked by process"), resource.get_connection():
            pass
    finally:
        proc.kill()
        proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def test_materialize_daily_partitioned_asset_end_to_end(database: str) -> None:
    daily = dg.DailyPartitionsDefinition(start_date="2024-01-01")

    @dg.asset(partitions_def=daily, metadata={"partition_expr": "day"})
    def events(context: Any) -> pd.DataFrame:
        day = pd.Timestamp(context.partition_key)
        return pd.DataFrame({"day": [day] * 2, "n": [1, 2]})

    @dg.asset(partitions_def=daily, metadata={"partition_expr": "day"})
    def totals(events: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({"day": events["day"].iloc[:1], "total": [int(events["n"].sum())]})

    io = DuckDBPandasIOManager(database=database, schema="analytics")
    instance = dg.DagsterInstance.ephemeral()
    for key in ["2024-01-01", "2024-01-02", "2024-01-01"]:
        result = dg.materialize([events, totals], partition_key=key, resources={"io_manager": io}, instance=instance)
        assert result.success
    [mat] = result.asset_materializations_for_node("events")
    assert mat.metadata["dagster/partition_row_count"].value == 2
    assert mat.metadata["dagster/storage_kind"].value == "duckdb"
    assert mat.metadata["dagster/table_name"].value == f"{database}.analytics.events"
    with duckdb.connect(database) as con:
        got = con.execute("SELECT CAST(day AS DATE)::VARCHAR, count(*) FROM analytics.events GROUP BY 1 ORDER BY 1").fetchall()
        assert got == [("2024-01-01", 2), ("2024-01-02", 2)]
        assert con.execute("SELECT count(*), sum(total) FROM analytics.totals").fetchall() == [(2, 6)]


@pytest.mark.parametrize(
    ("manager_cls", "make_empty"),
    [
        (DuckDBPandasIOManager, lambda: pd.DataFrame({"a": []})),
        (DuckDBPandasIOManager, lambda: pd.DataFrame()),
        (DuckDBPolarsIOManager, lambda: pl.DataFrame({"a": []})),
        (DuckDBPolarsIOManager, lambda: pl.DataFrame()),
        (DuckDBPyArrowIOManager, lambda: pa.table({"a": pa.array([], pa.int64())})),
    ],
)
def test_empty_output_writes_nothing(
    database: str, manager_cls: type, make_empty: Callable[[], Any], query: Callable[[str], list[tuple[Any, ...]]]
) -> None:
    # As in Dagster: no rows -> no table is created (loading it later fails), a partition's old
    # rows are still deleted, and the row count is 0.
    @dg.asset
    def nothing() -> Any:
        return make_empty()

    result = dg.materialize([nothing], resources={"io_manager": manager_cls(database=database)})
    [mat] = result.asset_materializations_for_node("nothing")
    assert mat.metadata["dagster/row_count"].value == 0
    assert query("SELECT count(*) FROM information_schema.tables WHERE table_name = 'nothing'") == [(0,)]

    letters = dg.StaticPartitionsDefinition(["a", "b"])

    @dg.asset(partitions_def=letters, metadata={"partition_expr": "k"}, name="parts")
    def full(context: Any) -> pd.DataFrame:
        return pd.DataFrame({"k": [context.partition_key], "v": [1]})

    @dg.asset(partitions_def=letters, metadata={"partition_expr": "k"}, name="parts")
    def emptied() -> pd.DataFrame:
        return pd.DataFrame({"k": [], "v": []})

    io = DuckDBPandasIOManager(database=database)
    for key in ["a", "b"]:
        dg.materialize([full], partition_key=key, resources={"io_manager": io})
    dg.materialize([emptied], partition_key="a", resources={"io_manager": io})
    assert query("SELECT k FROM public.parts") == [("b",)]


def test_legacy_duckdb_pandas_io_manager_configured(database: str) -> None:
    from dockyard.duckdb import duckdb_pandas_io_manager

    @dg.asset
    def legacy() -> pd.DataFrame:
        return pd.DataFrame({"a": [1, 2]})

    @dg.asset
    def after(legacy):  # type: ignore[no-untyped-def]
        return legacy.assign(b=legacy["a"] * 2)

    manager = duckdb_pandas_io_manager.configured({"database": database, "schema": "old"})
    result = dg.materialize([legacy, after], resources={"io_manager": manager})
    assert result.success
    assert list(result.output_for_node("after")["b"]) == [2, 4]


def test_import_needs_only_duckdb() -> None:
    code = (
        "import sys\n"
        "for m in ('pandas', 'polars', 'pyarrow'): sys.modules[m] = None\n"
        "import dockyard.duckdb as d\n"
        "print(d.DuckDBPandasIOManager.__name__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "DuckDBPandasIOManager"
