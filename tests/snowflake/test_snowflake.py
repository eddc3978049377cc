"""Snowflake resource and pandas I/O manager against fakesnow: the shared DB suite, names, atomicity."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

import dockyard as dg
from dockyard.defs.partitions.static import StaticPartitionsDefinition
from dockyard.snowflake import SnowflakePandasIOManager, SnowflakeResource
from dockyard.snowflake.io_manager import from_snowflake_name, to_snowflake_name
from dockyard.testing.db_suite import HOSTILE_KEYS, DbIOManagerSuite, FrameAdapter, _in, _out

from .conftest import CONNECT, DUCKDB_COPY_WARNING

pytestmark = pytest.mark.filterwarnings(DUCKDB_COPY_WARNING)

PANDAS = FrameAdapter(pd.DataFrame, pd.DataFrame, lambda df: [tuple(r) for r in df.itertuples(index=False)])


def _manager(schema: str | None = None) -> SnowflakePandasIOManager:
    return SnowflakePandasIOManager(database="dockyard", account="fake", user="fake", password="snow", schema=schema)


@pytest.fixture
def query(fake_snowflake: None) -> Callable[[str], list[tuple[Any, ...]]]:
    def run(sql: str) -> list[tuple[Any, ...]]:
        with SnowflakeResource(**CONNECT).get_connection() as conn:
            return list(conn.cursor().execute(sql).fetchall())

    return run


class TestSnowflakePandas(DbIOManagerSuite):
    """The shared suite. fakesnow (DuckDB) matches names case-insensitively, so the suite's
    lower-case SQL finds the upper-case tables; the tests that read names back are adapted."""

    @pytest.fixture
    def frame_adapter(self) -> FrameAdapter:
        return PANDAS

    @pytest.fixture
    def io_manager_factory(self, fake_snowflake: None) -> Callable[..., Any]:
        return lambda schema=None: _manager(schema).create_io_manager(None)

    def test_output_metadata_names_table_and_query(self, io_manager_factory: Any, frame_adapter: FrameAdapter) -> None:
        ctx = _out(["meta_t"], pd.DataFrame)
        io_manager_factory().handle_output(ctx, pd.DataFrame({"a": [1, 2]}))
        meta = {k: v.value for k, v in ctx.get_logged_metadata().items()}
        assert meta["dagster/table_name"] == "DOCKYARD.PUBLIC.META_T"
        assert meta["Query"] == 'SELECT * FROM "PUBLIC"."META_T"' and meta["dagster/row_count"] == 2

    def test_schema_precedence_metadata_config_prefix_public(self, io_manager_factory: Any, query: Any, frame_adapter: FrameAdapter) -> None:
        plain, configured = io_manager_factory(), io_manager_factory(schema="cfg")
        configured.handle_output(_out(["pre", "t1"], pd.DataFrame, {"schema": "meta"}), pd.DataFrame({"a": [1]}))
        configured.handle_output(_out(["pre", "t2"], pd.DataFrame), pd.DataFrame({"a": [1]}))
        plain.handle_output(_out(["pre", "t3"], pd.DataFrame), pd.DataFrame({"a": [1]}))
        plain.handle_output(_out(["t4"], pd.DataFrame), pd.DataFrame({"a": [1]}))
        got = query(
            "SELECT table_name, table_schema FROM information_schema.tables "
            "WHERE table_name IN ('T1', 'T2', 'T3', 'T4') ORDER BY 1"
        )
        assert got == [("T1", "META"), ("T2", "CFG"), ("T3", "PRE"), ("T4", "PUBLIC")]

    @pytest.mark.skip(reason="fakesnow 0.12 breaks on quotes in names (its SET schema and its write_pandas "
                             "CREATE TABLE leave them unquoted); test_hostile_partition_keys_cannot_inject_sql "
                             "covers bound values")
    def test_hostile_keys_cannot_inject_sql(self) -> None: ...


def test_hostile_partition_keys_cannot_inject_sql(fake_snowflake: None, query: Callable[[str], list[tuple[Any, ...]]]) -> None:
    manager = _manager().create_io_manager(None)
    manager.handle_output(_out(["canary"], pd.DataFrame), pd.DataFrame({"a": [1]}))
    pdef = StaticPartitionsDefinition(HOSTILE_KEYS)
    meta = {"partition_expr": "k"}
    for key in HOSTILE_KEYS + HOSTILE_KEYS[:1]:
        manager.handle_output(_out(["hostile"], pd.DataFrame, meta, pdef, [key]), pd.DataFrame({"k": [key]}))
    upstream = _out(["hostile"], pd.DataFrame, meta, pdef, [HOSTILE_KEYS[0]])
    loaded = manager.load_input(_in(upstream, pd.DataFrame, keys=HOSTILE_KEYS[:2]))
    assert sorted(loaded["k"]) == sorted(HOSTILE_KEYS[:2])
    assert sorted(r[0] for r in query("SELECT k FROM public.hostile")) == sorted(HOSTILE_KEYS)
    assert query("SELECT a FROM public.canary") == [(1,)]


def test_names_are_stored_as_snowflake_stores_unquoted_ones(fake_snowflake: None, query: Callable[[str], list[tuple[Any, ...]]]) -> None:
    @dg.asset(key_prefix=["analytics"])
    def orders() -> pd.DataFrame:
        return pd.DataFrame({"order_id": [1, 2], "amount": [1.5, 2.5]})

    @dg.asset(ins={"orders": dg.AssetIn(key=["analytics", "orders"])})
    def summary(orders: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({"columns": [",".join(orders.columns)]})

    result = dg.materialize([orders, summary], resources={"io_manager": _manager()})
    assert result.output_for_node("summary")["columns"].tolist() == ["order_id,amount"]
    cols = query("SELECT column_name FROM information_schema.columns WHERE table_schema = 'ANALYTICS' AND table_name = 'ORDERS' ORDER BY 1")
    assert cols == [("AMOUNT",), ("ORDER_ID",)]


def test_name_rules_fold_only_plain_lower_case_identifiers() -> None:
    # fakesnow upper-cases every identifier, so mixed case is only checkable on the rules themselves
    assert [to_snowflake_name(n) for n in ["orders", "order_id", "Orders", "ORDERS", "odd name", "x$1"]] == [
        "ORDERS", "ORDER_ID", "Orders", "ORDERS", "odd name", "X$1",
    ]
    assert [from_snowflake_name(n) for n in ["ORDER_ID", "Orders", "odd NAME"]] == ["order_id", "Orders", "odd NAME"]


def test_replacing_a_partition_rolls_back_when_the_insert_fails(fake_snowflake: None, query: Callable[[str], list[tuple[Any, ...]]]) -> None:
    manager = _manager().create_io_manager(None)
    pdef = StaticPartitionsDefinition(["a", "b"])
    meta = {"partition_expr": "k"}
    manager.handle_output(_out(["atomic"], pd.DataFrame, meta, pdef, ["a"]), pd.DataFrame({"k": ["a", "a"], "v": [1, 2]}))
    # a column the table lacks makes the INSERT ... SELECT fail after the DELETE ran
    with pytest.raises(Exception, match=r"(?i)extra"):
        manager.handle_output(_out(["atomic"], pd.DataFrame, meta, pdef, ["a"]), pd.DataFrame({"k": ["a"], "extra": [3]}))
    assert query("SELECT k, v FROM public.atomic ORDER BY v") == [("a", 1), ("a", 2)]
    assert query("SELECT count(*) FROM information_schema.tables WHERE table_name LIKE '__DOCKYARD_STAGE%'") == [(0,)]


def test_resource_connection_runs_queries(fake_snowflake: None) -> None:
    @dg.asset
    def answer(snowflake: SnowflakeResource) -> int:
        with snowflake.get_connection() as conn:
            return int(conn.cursor().execute("SELECT 40 + 2").fetchone()[0])

    result = dg.materialize([answer], resources={"snowflake": SnowflakeResource(**CONNECT)})
    assert result.output_for_node("answer") == 42


def test_connection_args_map_key_pair_fields(tmp_path: Any) -> None:
    resource = SnowflakeResource(
        account="acct", user="u", private_key_path=str(tmp_path / "k.p8"), private_key_password="pw",
        warehouse="wh", additional_snowflake_connection_args={"login_timeout": 5},
    )
    assert resource.connection_args() == {
        "account": "acct", "user": "u", "warehouse": "wh", "private_key_file": str(tmp_path / "k.p8"),
        "private_key_file_pwd": "pw", "login_timeout": 5,
    }
