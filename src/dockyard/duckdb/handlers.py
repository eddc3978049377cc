"""Type handlers and ready-made I/O managers for pandas, polars and pyarrow.

Data crosses into DuckDB by registering the frame or Arrow table as a view (DuckDB scans it in
place, no row-by-row copy) and comes back as Arrow (``to_arrow_table`` on duckdb 2.x,
``fetch_arrow_table`` on 1.x) or DuckDB's pandas conversion. The drivers are imported when a
handler is used, so ``import dockyard.duckdb`` needs only duckdb.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from dockyard._internal.imports import require_extra
from dockyard.defs.metadata import MetadataValue, TableColumn, TableSchema
from dockyard.duckdb.io_manager import DuckDBIOManager, build_duckdb_io_manager, table_exists
from dockyard.io.db import DbTypeHandler, TableSlice, qualified_table_name, select_query


def _fetch_arrow(connection: Any, table_slice: TableSlice) -> Any:
    """The slice as an Arrow table, through a relation (no extra copy on duckdb 2)."""
    query = select_query(table_slice)
    relation = connection.sql(query.sql, params=list(query.params))
    to_arrow = getattr(relation, "to_arrow_table", None) or relation.fetch_arrow_table
    return to_arrow()


def _select(connection: Any, table_slice: TableSlice) -> Any:
    query = select_query(table_slice)
    return connection.execute(query.sql, list(query.params))


def _is_empty_selection(table_slice: TableSlice) -> bool:
    return any(
        isinstance(d.partitions, (list, tuple)) and not d.partitions
        for d in table_slice.partition_dimensions or ()
    )


def _write(connection: Any, table_slice: TableSlice, source: Any) -> None:
    """Insert ``source`` (a DataFrame or Arrow table) into the slice's table, creating it."""
    view = f"__dockyard_{uuid.uuid4().hex}"
    connection.register(view, source)
    try:
        target = qualified_table_name(table_slice)
        if table_exists(connection, table_slice):
            connection.execute(f'INSERT INTO {target} BY NAME SELECT * FROM "{view}"').fetchall()
        else:
            connection.execute(f'CREATE TABLE {target} AS SELECT * FROM "{view}"').fetchall()
    finally:
        # After a failed statement DuckDB refuses everything until rollback, unregister included;
        # that secondary error must not replace the real one.
        try:
            connection.unregister(view)
        except Exception:
            pass


def _metadata(context: Any, rows: int, columns: Sequence[tuple[str, str]]) -> dict[str, Any]:
    count_key = "dagster/partition_row_count" if context.has_partition_key else "dagster/row_count"
    schema = TableSchema(columns=[TableColumn(name=n, type=t) for n, t in columns])
    return {
        count_key: rows,
        "dagster/storage_kind": "duckdb",
        "dataframe_columns": MetadataValue.table_schema(schema),
    }


class DuckDBPandasTypeHandler(DbTypeHandler[Any]):
    """Stores and loads ``pandas.DataFrame``."""

    def handle_output(
        self, context: Any, table_slice: TableSlice, obj: Any, connection: Any
    ) -> Mapping[str, Any] | None:
        if obj.empty and len(obj.columns) == 0:
            context.log.warning(
                f"Skipping write of an empty DataFrame with no columns to {table_slice.schema}.{table_slice.table}."
            )
            return _metadata(context, 0, [])
        _write(connection, table_slice, obj)
        return _metadata(context, len(obj), [(str(c), str(t)) for c, t in obj.dtypes.items()])

    def load_input(self, context: Any, table_slice: TableSlice, connection: Any) -> Any:
        pd = require_extra("pandas")
        if _is_empty_selection(table_slice):
            return pd.DataFrame()
        return _select(connection, table_slice).df()

    @property
    def supported_types(self) -> Sequence[type]:
        return [require_extra("pandas").DataFrame]


class DuckDBPolarsTypeHandler(DbTypeHandler[Any]):
    """Stores ``polars.DataFrame`` / ``LazyFrame`` and loads them (lazy when annotated so)."""

    def handle_output(
        self, context: Any, table_slice: TableSlice, obj: Any, connection: Any
    ) -> Mapping[str, Any] | None:
        pl = require_extra("polars")
        frame = obj.collect() if isinstance(obj, pl.LazyFrame) else obj
        _write(connection, table_slice, frame.to_arrow())
        return _metadata(context, frame.height, [(c, str(t)) for c, t in frame.schema.items()])

    def load_input(self, context: Any, table_slice: TableSlice, connection: Any) -> Any:
        pl = require_extra("polars")
        frame = pl.DataFrame() if _is_empty_selection(table_slice) else pl.from_arrow(
            _fetch_arrow(connection, table_slice)
        )
        wants_lazy = getattr(context.dagster_type, "typing_type", None) is pl.LazyFrame
        return frame.lazy() if wants_lazy else frame

    @property
    def supported_types(self) -> Sequence[type]:
        pl = require_extra("polars")
        return [pl.DataFrame, pl.LazyFrame]


class DuckDBPyArrowTypeHandler(DbTypeHandler[Any]):
    """Stores and loads ``pyarrow.Table``."""

    def handle_output(
        self, context: Any, table_slice: TableSlice, obj: Any, connection: Any
    ) -> Mapping[str, Any] | None:
        _write(connection, table_slice, obj)
        return _metadata(context, obj.num_rows, [(f.name, str(f.type)) for f in obj.schema])

    def load_input(self, context: Any, table_slice: TableSlice, connection: Any) -> Any:
        pa = require_extra("pyarrow")
        if _is_empty_selection(table_slice):
            return pa.table({})
        return _fetch_arrow(connection, table_slice)

    @property
    def supported_types(self) -> Sequence[type]:
        return [require_extra("pyarrow").Table]


class DuckDBPandasIOManager(DuckDBIOManager):
    """Stores pandas DataFrames as DuckDB tables; unannotated inputs load as DataFrames."""

    @staticmethod
    def type_handlers() -> Sequence[DbTypeHandler[Any]]:
        return [DuckDBPandasTypeHandler()]

    @staticmethod
    def default_load_type() -> type | None:
        return require_extra("pandas").DataFrame  # type: ignore[no-any-return]


class DuckDBPolarsIOManager(DuckDBIOManager):
    """Stores polars DataFrames as DuckDB tables; unannotated inputs load as DataFrames."""

    @staticmethod
    def type_handlers() -> Sequence[DbTypeHandler[Any]]:
        return [DuckDBPolarsTypeHandler()]

    @staticmethod
    def default_load_type() -> type | None:
        return require_extra("polars").DataFrame  # type: ignore[no-any-return]


class DuckDBPyArrowIOManager(DuckDBIOManager):
    """Stores pyarrow Tables as DuckDB tables; unannotated inputs load as Tables."""

    @staticmethod
    def type_handlers() -> Sequence[DbTypeHandler[Any]]:
        return [DuckDBPyArrowTypeHandler()]

    @staticmethod
    def default_load_type() -> type | None:
        return require_extra("pyarrow").Table  # type: ignore[no-any-return]



duckdb_pandas_io_manager = build_duckdb_io_manager([DuckDBPandasTypeHandler()])
duckdb_pandas_io_manager.__doc__ = "Function-style DuckDB I/O manager for pandas DataFrames."
duckdb_polars_io_manager = build_duckdb_io_manager([DuckDBPolarsTypeHandler()])
duckdb_pyarrow_io_manager = build_duckdb_io_manager([DuckDBPyArrowTypeHandler()])
