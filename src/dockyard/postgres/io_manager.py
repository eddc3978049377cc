"""``PostgresIOManager`` (pythonic base), its client, and the pandas handler.

Writes go through ``COPY ... FROM STDIN (FORMAT csv, NULL '\\N')``: the frame is rendered to CSV by
pandas (missing values as an unquoted ``\\N``, so an empty string stays an empty string; the one
casualty is a string that is exactly ``\\N``, which arrives as NULL) and streamed in chunks. The
delete of the slice and the COPY share one transaction. Reads bind the partition values as
parameters (COPY cannot take parameters) and build the frame from the fetched rows.
"""

from __future__ import annotations

import csv
import io
from abc import abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from pydantic import Field

from dockyard._internal.imports import require_extra
from dockyard.definitions.metadata import MetadataValue, TableColumn, TableSchema
from dockyard.definitions.resource import InitResourceContext
from dockyard.io.configurable import ConfigurableIOManagerFactory
from dockyard.io.db import (
    DbClient,
    DbIOManager,
    DbTypeHandler,
    TableSlice,
    delete_query,
    qualified_table_name,
    quote_identifier,
    render_for_display,
    select_query,
)
from dockyard.postgres.resource import make_conninfo, open_postgres

_PLACEHOLDER = "%s"
_CHUNK_ROWS = 100_000


def table_exists(connection: Any, table_slice: TableSlice) -> bool:
    """Whether the slice's table exists."""
    row = connection.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s AND table_name = %s",
        [table_slice.schema, table_slice.table],
    ).fetchone()
    return bool(row and row[0])


class PostgresDbClient(DbClient):
    """PostgreSQL SQL with ``%s`` placeholders; one connection per output or input."""

    def __init__(self, conninfo: str, connect_args: dict[str, Any] | None = None) -> None:
        self._conninfo = conninfo
        self._connect_args = dict(connect_args or {})

    @staticmethod
    def delete_table_slice(context: Any, table_slice: TableSlice, connection: Any) -> None:
        if table_exists(connection, table_slice):
            query = delete_query(table_slice, _PLACEHOLDER)
            connection.execute(query.sql, list(query.params))

    @staticmethod
    def ensure_schema_exists(context: Any, table_slice: TableSlice, connection: Any) -> None:
        if not connection.execute(
            "SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", [table_slice.schema]
        ).fetchone():
            connection.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_identifier(table_slice.schema)}")

    @staticmethod
    def get_select_statement(table_slice: TableSlice) -> str:
        return render_for_display(select_query(table_slice, _PLACEHOLDER), _PLACEHOLDER)

    @contextmanager
    def connect(self, context: Any, table_slice: TableSlice) -> Iterator[Any]:  # type: ignore[override]
        with open_postgres(self._conninfo, self._connect_args) as conn:
            yield conn

    @staticmethod
    @contextmanager
    def transaction(connection: Any) -> Iterator[None]:
        with connection.transaction():
            yield


def _pg_type(dtype: Any) -> str:
    kind = getattr(dtype, "kind", "O")
    name = str(dtype).lower()
    if kind == "b" or name == "boolean":
        return "BOOLEAN"
    if kind in "iu" or name.startswith(("int", "uint")):
        return "BIGINT"
    if kind == "f" or name.startswith("float"):
        return "DOUBLE PRECISION"
    if kind == "M" or name.startswith("datetime64"):
        return "TIMESTAMPTZ" if getattr(dtype, "tz", None) is not None else "TIMESTAMP"
    return "TEXT"


class PostgresPandasTypeHandler(DbTypeHandler[Any]):
    """Stores ``pandas.DataFrame`` with COPY and loads it back."""

    def handle_output(
        self, context: Any, table_slice: TableSlice, obj: Any, connection: Any
    ) -> Mapping[str, Any] | None:
        target = qualified_table_name(table_slice)
        columns = [str(c) for c in obj.columns]
        if not table_exists(connection, table_slice):
            defs = ", ".join(f"{quote_identifier(c)} {_pg_type(t)}" for c, t in zip(columns, obj.dtypes, strict=True))
            connection.execute(f"CREATE TABLE {target} ({defs})")
        col_list = ", ".join(quote_identifier(c) for c in columns)
        with connection.cursor().copy(f"COPY {target} ({col_list}) FROM STDIN (FORMAT csv, NULL '\\N')") as copy:
            for start in range(0, len(obj), _CHUNK_ROWS):
                buf = io.StringIO()
                obj.iloc[start : start + _CHUNK_ROWS].to_csv(
                    buf, index=False, header=False, quoting=csv.QUOTE_MINIMAL, na_rep="\\N",
                    date_format="%Y-%m-%d %H:%M:%S.%f",
                )
                copy.write(buf.getvalue())
        count_key = "dagster/partition_row_count" if context.has_partition_key else "dagster/row_count"
        schema = TableSchema(columns=[TableColumn(name=c, type=str(t)) for c, t in zip(columns, obj.dtypes, strict=True)])
        return {
            count_key: len(obj),
            "dagster/storage_kind": "postgres",
            "dataframe_columns": MetadataValue.table_schema(schema),
        }

    def load_input(self, context: Any, table_slice: TableSlice, connection: Any) -> Any:
        pd = require_extra("pandas")
        query = select_query(table_slice, _PLACEHOLDER)
        cur = connection.execute(query.sql, list(query.params))
        names = [d.name for d in cur.description or ()]
        return pd.DataFrame.from_records(cur.fetchall(), columns=names)

    @property
    def supported_types(self) -> Sequence[type]:
        return [require_extra("pandas").DataFrame]


class PostgresIOManager(ConfigurableIOManagerFactory):
    """Base for PostgreSQL I/O managers: subclasses name their type handlers."""

    conninfo: str | None = Field(default=None, description="A libpq URL or key=value string.")
    host: str | None = None
    port: int | None = None
    user: str | None = None
    password: str | None = None
    database: str | None = None
    schema_: str | None = Field(
        default=None, alias="schema", description="Schema for tables (default: key prefix or 'public')."
    )
    connect_args: dict[str, Any] = Field(default_factory=dict)

    @staticmethod
    @abstractmethod
    def type_handlers() -> Sequence[DbTypeHandler[Any]]:
        """The handlers for the Python types this manager stores."""

    @staticmethod
    def default_load_type() -> type | None:
        """The type unannotated inputs load as."""
        return None

    def create_io_manager(self, context: InitResourceContext) -> DbIOManager:
        conninfo = make_conninfo(self.conninfo, self.host, self.port, self.user, self.password, self.database)
        return DbIOManager(
            type_handlers=self.type_handlers(),
            db_client=PostgresDbClient(conninfo, self.connect_args),
            database=self.database or "postgres",
            schema=self.schema_,
            io_manager_name=type(self).__name__,
            default_load_type=self.default_load_type(),
        )


class PostgresPandasIOManager(PostgresIOManager):
    """Stores pandas DataFrames as PostgreSQL tables."""

    @staticmethod
    def type_handlers() -> Sequence[DbTypeHandler[Any]]:
        return [PostgresPandasTypeHandler()]

    @staticmethod
    def default_load_type() -> type | None:
        return require_extra("pandas").DataFrame  # type: ignore[no-any-return]
