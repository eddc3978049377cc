"""PostgreSQL I/O managers against a real server: the shared DB suite per handler, type round trips."""

from __future__ import annotations

import datetime as dt
import decimal
import math
from collections.abc import Callable
from typing import Any

import pandas as pd
import polars as pl
import psycopg
import pytest

import dockyard as dg
from dockyard.postgres import PostgresPandasIOManager, PostgresPolarsIOManager, PostgresResource
from dockyard.testing.db_suite import DbIOManagerSuite, FrameAdapter

pytestmark = pytest.mark.postgres

PANDAS = FrameAdapter(pd.DataFrame, pd.DataFrame, lambda df: [tuple(r) for r in df.itertuples(index=False)])
POLARS = FrameAdapter(pl.DataFrame, pl.DataFrame, lambda df: df.rows())


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


class TestPostgresPolars(DbIOManagerSuite):
    @pytest.fixture
    def frame_adapter(self) -> FrameAdapter:
        return POLARS

    @pytest.fixture
    def io_manager_factory(self, postgres_database: str) -> Callable[..., Any]:
        def make(schema: str | None = None) -> Any:
            return PostgresPolarsIOManager(conninfo=postgres_database, schema=schema).create_io_manager(None)

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


AWKWARD_STRINGS = ["", None, 'quote " inside', "comma, and\nnewline", "\\N", "back\\slash", "ünïcode ✓", "  padded  "]


def _round_trip(manager: Any, frame: Any, annotation: type) -> Any:
    """Store ``frame`` as asset ``trip`` and load it into ``back``; both annotated ``annotation``."""

    def trip() -> Any:
        return frame

    def back(trip: Any) -> Any:
        return trip

    trip.__annotations__ = {"return": annotation}
    back.__annotations__ = {"trip": annotation, "return": annotation}
    result = dg.materialize([dg.asset(name="trip")(trip), dg.asset(name="back")(back)], resources={"io_manager": manager})
    assert result.success
    return result.output_for_node("back")


def test_pandas_round_trip_keeps_values_nulls_and_types(postgres_database: str) -> None:
    n = len(AWKWARD_STRINGS)
    frame = pd.DataFrame({
        "s": AWKWARD_STRINGS,
        "i": list(range(n)),
        "f": [math.nan, math.inf, -math.inf, 0.1, 1e300, -0.0, 2.5, 1 / 3],
        "b": [True, False] * (n // 2),
        "ts": pd.date_range("2024-01-01 00:00:00.123456", periods=n, freq="37min"),
        "tz": pd.date_range("2024-03-30 22:00", periods=n, freq="h", tz="Europe/Paris"),
    })
    got = _round_trip(PostgresPandasIOManager(conninfo=postgres_database), frame, pd.DataFrame)
    assert got["s"].tolist()[:1] == [""] and got["s"].isna().tolist() == [False, True] + [False] * (n - 2)
    assert got["s"].tolist()[2:] == AWKWARD_STRINGS[2:]
    assert got["i"].tolist() == frame["i"].tolist() and got["b"].tolist() == frame["b"].tolist()
    # pandas writes NaN as missing, so it comes back as NaN; infinities survive
    assert math.isnan(got["f"][0]) and got["f"].tolist()[1:] == frame["f"].tolist()[1:]
    assert got["ts"].tolist() == frame["ts"].tolist() and str(got["ts"].dtype) == "datetime64[ns]"
    assert (got["tz"] == frame["tz"]).all() and str(got["tz"].dt.tz) == "UTC"


def test_polars_round_trip_keeps_values_nulls_and_types(postgres_database: str) -> None:
    n = len(AWKWARD_STRINGS)
    frame = pl.DataFrame({
        "s": AWKWARD_STRINGS,
        "i": pl.Series([*range(n - 1), None], dtype=pl.Int64),
        "f": [math.nan, math.inf, None, 0.1, 1e300, -0.0, 2.5, 1 / 3],
        "d": [dt.date(2024, 1, 1) + dt.timedelta(days=k) for k in range(n)],
        "dec": pl.Series([decimal.Decimal("1.25")] * n, dtype=pl.Decimal(10, 2)),
        "cat": pl.Series(["a", "b"] * (n // 2), dtype=pl.Categorical),
    })
    got = _round_trip(PostgresPolarsIOManager(conninfo=postgres_database), frame, pl.DataFrame)
    assert got["s"].to_list() == AWKWARD_STRINGS
    assert got["i"].to_list() == frame["i"].to_list()
    f = got["f"].to_list()
    assert math.isnan(f[0]) and f[1:] == frame["f"].to_list()[1:]  # polars keeps NaN apart from null
    assert got["d"].to_list() == frame["d"].to_list()
    assert got["dec"].to_list() == [decimal.Decimal("1.25")] * n
    assert got["cat"].to_list() == ["a", "b"] * (n // 2)


def test_polars_lazy_frames_store_and_load_lazily(postgres_database: str) -> None:
    lazy = pl.DataFrame({"a": [1, 2, 3]}).lazy()
    got = _round_trip(PostgresPolarsIOManager(conninfo=postgres_database), lazy, pl.LazyFrame)
    assert isinstance(got, pl.LazyFrame) and got.collect()["a"].to_list() == [1, 2, 3]


def test_polars_nested_columns_are_refused_by_name(postgres_database: str) -> None:
    @dg.asset
    def nested() -> pl.DataFrame:
        return pl.DataFrame({"ok": [1], "tags": [["x", "y"]]})

    with pytest.raises(TypeError, match=r"column\(s\) tags \(large_list.*cast\(pl.String\)"):
        dg.materialize([nested], resources={"io_manager": PostgresPolarsIOManager(conninfo=postgres_database)})


def test_pandas_mixed_object_column_is_written_as_text(postgres_database: str, query: Callable[[str], list[tuple[Any, ...]]]) -> None:
    @dg.asset
    def mixed() -> pd.DataFrame:
        return pd.DataFrame({"o": [1, "x", None]})

    assert dg.materialize([mixed], resources={"io_manager": PostgresPandasIOManager(conninfo=postgres_database)}).success
    assert query('SELECT o FROM public.mixed ORDER BY o NULLS LAST') == [("1",), ("x",), (None,)]


def test_columns_without_a_text_parser_load_as_driver_objects(postgres_database: str) -> None:
    with psycopg.connect(postgres_database) as conn:
        conn.execute("CREATE TABLE public.foreign_t (id uuid, doc jsonb, n numeric, tags text[])")
        conn.execute("""INSERT INTO public.foreign_t VALUES ('6f1c1e7e-8d2b-4a7e-9a43-1c2f3b4d5e6f', '{"a": 1}', 1.5, '{x,y}')""")
    manager = PostgresPandasIOManager(conninfo=postgres_database).create_io_manager(None)
    upstream = dg.build_output_context(asset_key=dg.AssetKey("foreign_t"))
    frame = manager.load_input(dg.build_input_context(upstream_output=upstream, asset_key=dg.AssetKey("foreign_t"), dagster_type=pd.DataFrame))
    row = frame.iloc[0]
    assert str(row["id"]) == "6f1c1e7e-8d2b-4a7e-9a43-1c2f3b4d5e6f" and row["doc"] == {"a": 1}
    assert row["n"] == decimal.Decimal("1.5") and row["tags"] == ["x", "y"]


def test_single_column_of_nulls_keeps_every_row(postgres_database: str) -> None:
    frame = pl.DataFrame({"s": [None, "a", None]}, schema={"s": pl.String})
    got = _round_trip(PostgresPolarsIOManager(conninfo=postgres_database), frame, pl.DataFrame)
    assert sorted(got["s"].to_list(), key=str) == sorted([None, "a", None], key=str)


def test_writing_a_column_the_table_lacks_names_it(postgres_database: str) -> None:
    manager = PostgresPandasIOManager(conninfo=postgres_database)
    first = dg.asset(name="evolving")(lambda: pd.DataFrame({"a": [1]}))
    assert dg.materialize([first], resources={"io_manager": manager}).success
    second = dg.asset(name="evolving")(lambda: pd.DataFrame({"a": [1], "b": [2]}))
    with pytest.raises(ValueError, match=r"has no column\(s\) \['b'\]; it has \['a'\]"):
        dg.materialize([second], resources={"io_manager": manager})
