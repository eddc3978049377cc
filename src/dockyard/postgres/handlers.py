"""Type handlers and ready-made PostgreSQL I/O managers for pandas and polars.

Both go through Arrow (``dockyard.postgres.transfer``): a pandas or polars frame becomes an Arrow
table without copying column data, is COPYed in as CSV rendered by Arrow, and comes back from
Arrow's CSV reader. A pandas frame that Arrow cannot convert (an ``object`` column mixing ints and
strings, lists in cells, ...) is written through ``DataFrame.to_csv`` instead, as text. Reads of
column types Arrow cannot parse fall back to psycopg's Python objects.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

from dockyard._internal.imports import require_extra
from dockyard.io import db_managers
from dockyard.io.db import (
    DbTypeHandler,
    TableSlice,
    qualified_table_name,
    quote_identifier,
    select_query,
)
from dockyard.postgres.io_manager import PLACEHOLDER, PostgresIOManager
from dockyard.postgres.transfer import (
    fetch_rows,
    read_arrow,
    table_columns,
    unwritable_columns,
    write_arrow,
)


def _pandas_sql_type(dtype: Any) -> str:
    kind = getattr(dtype, "kind", "O")
    if kind == "b":
        return "BOOLEAN"
    if kind in "iu":
        return "BIGINT"
    if kind == "f":
        return "DOUBLE PRECISION"
    if kind == "M":
        return "TIMESTAMPTZ" if getattr(dtype, "tz", None) is not None else "TIMESTAMP"
    return "TEXT"


def _write_pandas_as_text(connection: Any, table_slice: TableSlice, obj: Any) -> None:
    """The slow path for frames Arrow rejects: ``to_csv`` into COPY (missing values as ``\\N``)."""
    target = qualified_table_name(table_slice)
    columns = [str(c) for c in obj.columns]
    if not table_columns(connection, table_slice):
        defs = ", ".join(f"{quote_identifier(c)} {_pandas_sql_type(t)}" for c, t in zip(columns, obj.dtypes, strict=True))
        connection.execute(f"CREATE TABLE {target} ({defs})")
    col_list = ", ".join(quote_identifier(c) for c in columns)
    with connection.cursor() as cur, cur.copy(f"COPY {target} ({col_list}) FROM STDIN (FORMAT csv, NULL '\\N')") as copy:
        for start in range(0, len(obj), 100_000):
            buf = io.StringIO()
            obj.iloc[start : start + 100_000].to_csv(
                buf, index=False, header=False, quoting=csv.QUOTE_MINIMAL, na_rep="\\N",
                date_format="%Y-%m-%d %H:%M:%S.%f",
            )
            copy.write(buf.getvalue())


class PostgresPandasTypeHandler(DbTypeHandler[Any]):
    """Stores ``pandas.DataFrame`` with COPY and loads it back through Arrow."""

    def handle_output(
        self, context: Any, table_slice: TableSlice, obj: Any, connection: Any
    ) -> Mapping[str, Any] | None:
        pa = require_extra("pyarrow", "pandas")
        try:
            table = pa.Table.from_pandas(obj, preserve_index=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            table = None
        if table is None or unwritable_columns(table):
            _write_pandas_as_text(connection, table_slice, obj)
        else:
            write_arrow(connection, table_slice, table)
        return db_managers.pandas_metadata(context, "postgres", obj)

    def load_input(self, context: Any, table_slice: TableSlice, connection: Any) -> Any:
        pd = require_extra("pandas")
        query = select_query(table_slice, PLACEHOLDER)
        table = read_arrow(connection, query)
        if table is not None:
            return table.to_pandas(coerce_temporal_nanoseconds=True)
        names, rows = fetch_rows(connection, query)
        return pd.DataFrame.from_records(rows, columns=names)

    @property
    def supported_types(self) -> Sequence[type]:
        return [require_extra("pandas").DataFrame]


class PostgresPolarsTypeHandler(DbTypeHandler[Any]):
    """Stores ``polars.DataFrame`` / ``LazyFrame`` with COPY; loads them (lazy when annotated so)."""

    def handle_output(
        self, context: Any, table_slice: TableSlice, obj: Any, connection: Any
    ) -> Mapping[str, Any] | None:
        frame = db_managers.collect_polars(obj)
        table = frame.to_arrow()
        if bad := unwritable_columns(table):
            raise TypeError(
                f"PostgresPolarsTypeHandler cannot store column(s) {', '.join(bad)} of {table_slice.schema}.{table_slice.table}: "
                "COPY carries numbers, booleans, strings, dates, datetimes and decimals. "
                "Convert them first, e.g. pl.col(name).cast(pl.String) or .list.join(',')."
            )
        write_arrow(connection, table_slice, table)
        return db_managers.table_metadata(context, "postgres", frame.height, [(c, str(t)) for c, t in frame.schema.items()])

    def load_input(self, context: Any, table_slice: TableSlice, connection: Any) -> Any:
        pl = require_extra("polars")
        query = select_query(table_slice, PLACEHOLDER)
        table = read_arrow(connection, query)
        if table is not None:
            frame = pl.from_arrow(table)
        else:
            names, rows = fetch_rows(connection, query)
            frame = pl.DataFrame(rows, schema=names, orient="row", infer_schema_length=None)
        return db_managers.polars_for_input(context, frame)

    @property
    def supported_types(self) -> Sequence[type]:
        return db_managers.polars_types()


@db_managers.stores(PostgresPandasTypeHandler, "pandas", "DataFrame")
class PostgresPandasIOManager(PostgresIOManager):
    """Stores pandas DataFrames as PostgreSQL tables; unannotated inputs load as DataFrames."""


@db_managers.stores(PostgresPolarsTypeHandler, "polars", "DataFrame")
class PostgresPolarsIOManager(PostgresIOManager):
    """Stores polars DataFrames as PostgreSQL tables; unannotated inputs load as DataFrames."""
