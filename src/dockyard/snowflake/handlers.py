"""``SnowflakePandasTypeHandler`` and ``SnowflakePandasIOManager``.

Writes go through ``snowflake.connector.pandas_tools.write_pandas`` (a Parquet upload and a
``COPY INTO``), with ``use_logical_type=True`` so datetimes keep their type. The function is
looked up on its module at each call rather than imported by name, so patching it (as fakesnow
does) takes effect. Reads use ``fetch_pandas_all`` (Arrow batches). Names follow the rules in
``dockyard.snowflake.io_manager``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from dockyard._internal.imports import require_extra
from dockyard.io.db import (
    DbTypeHandler,
    TableSlice,
    qualified_table_name,
    quote_identifier,
    select_query,
)
from dockyard.io.db_managers import pandas_metadata, stores
from dockyard.snowflake.io_manager import (
    PLACEHOLDER,
    SnowflakeIOManager,
    StagedTypeHandler,
    from_snowflake_name,
    snowflake_slice,
    table_exists,
    to_snowflake_name,
    transaction,
)


def _write_pandas(connection: Any, frame: Any, table: str, schema: str, **kwargs: Any) -> None:
    tools = require_extra("snowflake.connector.pandas_tools", "snowflake")
    ok, _chunks, _rows, *_ = tools.write_pandas(
        connection, frame, table, schema=schema, quote_identifiers=True, use_logical_type=True, **kwargs
    )
    if not ok:
        raise RuntimeError(f"write_pandas could not load {schema}.{table}; see the COPY INTO result in the query history.")


def _stored_columns(frame: Any) -> Any:
    """``frame`` with its column names in stored Snowflake form (no data copied)."""
    renamed = frame.copy(deep=False)
    renamed.columns = [to_snowflake_name(str(c)) for c in frame.columns]
    return renamed


class SnowflakePandasTypeHandler(DbTypeHandler[Any], StagedTypeHandler):
    """Stores ``pandas.DataFrame`` with ``write_pandas`` and loads it with ``fetch_pandas_all``."""

    def handle_output(
        self, context: Any, table_slice: TableSlice, obj: Any, connection: Any
    ) -> Mapping[str, Any] | None:
        stored = snowflake_slice(table_slice)
        if len(obj.columns):
            _write_pandas(connection, _stored_columns(obj), stored.table, stored.schema, auto_create_table=True)
        return pandas_metadata(context, "snowflake", obj)

    def replace_slice(
        self,
        context: Any,
        table_slice: TableSlice,
        obj: Any,
        connection: Any,
        delete_slice: Callable[[], None],
    ) -> Mapping[str, Any] | None:
        stored = snowflake_slice(table_slice)
        frame = _stored_columns(obj)
        if not len(frame.columns):
            context.log.warning(f"Skipping write of a DataFrame with no columns to {stored.schema}.{stored.table}.")
            return pandas_metadata(context, "snowflake", obj)
        if not table_exists(connection, stored):  # nothing to replace: load straight into a new table
            _write_pandas(connection, frame, stored.table, stored.schema, auto_create_table=True)
            return pandas_metadata(context, "snowflake", obj)
        staging = stored._replace(table=f"__DOCKYARD_STAGE_{uuid.uuid4().hex.upper()}")
        _write_pandas(connection, frame, staging.table, staging.schema, auto_create_table=True, table_type="transient")
        try:
            columns = ", ".join(quote_identifier(str(c)) for c in frame.columns)
            with transaction(connection):
                delete_slice()
                connection.cursor().execute(
                    f"INSERT INTO {qualified_table_name(stored)} ({columns}) SELECT {columns} FROM {qualified_table_name(staging)}"
                )
        finally:
            connection.cursor().execute(f"DROP TABLE IF EXISTS {qualified_table_name(staging)}")
        return pandas_metadata(context, "snowflake", obj)

    def load_input(self, context: Any, table_slice: TableSlice, connection: Any) -> Any:
        query = select_query(snowflake_slice(table_slice), PLACEHOLDER)
        frame = connection.cursor().execute(query.sql, list(query.params)).fetch_pandas_all()
        return frame.rename(columns=from_snowflake_name)

    @property
    def supported_types(self) -> Sequence[type]:
        return [require_extra("pandas").DataFrame]


@stores(SnowflakePandasTypeHandler, "pandas", "DataFrame")
class SnowflakePandasIOManager(SnowflakeIOManager):
    """Stores pandas DataFrames as Snowflake tables; unannotated inputs load as DataFrames."""
