"""PostgreSQL I/O manager against a real server: the shared DB suite and an end-to-end run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import psycopg
import pytest

import dockyard as dg
from dockyard.postgres import PostgresPandasIOManager, PostgresResource
from dockyard.testing.db_suite import DbIOManagerSuite, FrameAdapter

pytestmark = pytest.mark.postgres

PANDAS = FrameAdapter(pd.DataFrame, pd.DataFrame, lambda df: [tuple(r) for r in df.itertuples(index=False)])


@pytest.fixture
def query(postgres_database: str) -> Callable[[str], list[tuple[Any, ...]]]:
    def run(sql: str) -> list[tuple[Any, ...]]:
        with psycopg.connect(postgres_database) as conn:
            return list(conn.execute(sql).fetchall())

    return run


class TestPostgresPandas(DbIOManagerSuite):
    @pytest.fixture
    def frame_adapter(self) -> FrameAdapter:
        return PANDAS

    @pytest.fixture
    def io_manager_factory(self, postgres_database: str) -> Callable[..., Any]:
        def make(schema: str | None = None) -> Any:
            return PostgresPandasIOManager(conninfo=postgres_database, schema=schema).create_io_manager(None)

        return make


def test_materialize_round_trip_with_nulls_and_resource(postgres_database: str) -> None:
    @dg.asset
    def raw() -> pd.DataFrame:
        return pd.DataFrame({"owner": ["ann", "", None], "amount": [1.5, None, 2.0], "ok": [True, False, True]})

    @dg.asset
    def summary(raw: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({"nulls": [int(raw["owner"].isna().sum())], "blank": [int((raw["owner"] == "").sum())]})

    io = PostgresPandasIOManager(conninfo=postgres_database, schema="analytics")
    result = dg.materialize([raw, summary], resources={"io_manager": io})
    assert result.success
    assert result.output_for_node("summary").to_dict("records") == [{"nulls": 1, "blank": 1}]
    with PostgresResource(conninfo=postgres_database).get_connection() as conn:
        assert conn.execute("SELECT count(*) FROM analytics.raw WHERE amount IS NULL").fetchone() == (1,)
