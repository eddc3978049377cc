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
from dockyard.duckdb.io_manager import DuckDBIOManager, build_duckdb_io_manager, table_exists
from dockyard.io.db import DbTypeHandler, TableSlice, qualified_table_name, select_query
from dockyard.io.db_managers import (
    collect_polars,
    pandas_metadata,
    polars_for_input,
    polars_types,
    stores,
    table_metadata,
)


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


def _skip_empty(context: Any, table_slice: TableSlice) -> None:
    """An output with no rows writes nothing, as in Dagster: the slice's old rows are already
    deleted, and a table that does not exist yet is not created (loading it then fails)."""
    context.log.warning(
        f"Skipping write of an empty table to {table_slice.schema}.{table_slice.table}: no rows."
    )


class DuckDBPandasTypeHandler(DbTypeHandler[Any]):
    """Stores and loads ``pandas.DataFrame``."""

    def handle_output(
        self, context: Any, table_slice: TableSlice, obj: Any, connection: Any
    ) -> Mapping[str, Any] | None:
        if obj.empty:
            _skip_empty(context, table_slice)
        else:
            _write(connection, table_slice, obj)
        return pandas_metadata(context, "duckdb", obj)

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
        frame = collect_polars(obj)
        if frame.is_empty():
            _skip_empty(context, table_slice)
        else:
            _write(connection, table_slice, frame.to_arrow())
        return table_metadata(context, "duckdb", frame.height, [(c, str(t)) for c, t in frame.schema.items()])

    def load_input(self, context: Any, table_slice: TableSlice, connection: Any) -> Any:
        pl = require_extra("polars")
        frame = pl.DataFrame() if _is_empty_selection(table_slice) else pl.from_arrow(
            _fetch_arrow(connection, table_slice)
        )
        return polars_for_input(context, frame)

    @property
    def supported_types(self) -> Sequence[type]:
        return polars_types()


class DuckDBPyArrowTypeHandler(DbTypeHandler[Any]):
    """Stores and loads ``pyarrow.Table``."""

    def handle_output(
        self, context: Any, table_slice: TableSlice, obj: Any, connection: Any
    ) -> Mapping[str, Any] | None:
        if obj.num_rows == 0:
            _skip_empty(context, table_slice)
        else:
            _write(connection, table_slice, obj)
        return table_metadata(context, "duckdb", obj.num_rows, [(f.name, str(f.type)) for f in obj.schema])

    def load_input(self, context: Any, table_slice: TableSlice, connection: Any) -> Any:
        pa = require_extra("pyarrow")
        if _is_empty_selection(table_slice):
            return pa.table({})
        return _fetch_arrow(connection, table_slice)

    @property
    def supported_types(self) -> Sequence[type]:
        return [require_extra("pyarrow").Table]


@stores(DuckDBPandasTypeHandler, "pandas", "DataFrame")
class DuckDBPandasIOManager(DuckDBIOManager):
    """Stores pandas DataFrames as DuckDB tables; unannotated inputs load as DataFrames."""


@stores(DuckDBPolarsTypeHandler, "polars", "DataFrame")
class DuckDBPolarsIOManager(DuckDBIOManager):
    """Stores polars DataFrames as DuckDB tables; unannotated inputs load as DataFrames."""


@stores(DuckDBPyArrowTypeHandler, "pyarrow", "Table")
class DuckDBPyArrowIOManager(DuckDBIOManager):
    """Stores pyarrow Tables as DuckDB tables; unannotated inputs load as Tables."""


duckdb_pandas_io_manager = build_duckdb_io_manager([DuckDBPandasTypeHandler()])
duckdb_pandas_io_manager.__doc__ = "Function-style DuckDB I/O manager for pandas DataFrames."
duckdb_polars_io_manager = build_duckdb_io_manager([DuckDBPolarsTypeHandler()])
duckdb_pyarrow_io_manager = build_duckdb_io_manager([DuckDBPyArrowTypeHandler()])
