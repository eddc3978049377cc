"""``SnowflakeIOManager`` (the pythonic base), ``SnowflakeDbClient``, and Snowflake's names.

Names. Snowflake upper-cases unquoted identifiers, so ``SELECT * FROM analytics.orders`` means
``"ANALYTICS"."ORDERS"``. Tables, schemas, the database and columns are therefore written as
Snowflake would store them unquoted: a plain lower-case name (``orders``, ``order_id``) becomes
upper case, anything else (``Orders``, ``"odd name"``) is kept exactly. Every identifier is then
quoted, so a hostile key cannot inject SQL, and a ``partition_expr`` such as ``order_date``
finds its column. Loading reverses the rule for columns (``ORDER_ID`` -> ``order_id``), so a
frame with lower-case columns round-trips; a column that was upper case comes back lower case.

Atomic writes. Snowflake commits any open transaction when a DDL statement runs, and
``write_pandas`` runs DDL (a temporary stage, and the table when it is missing). A handler that
implements :class:`StagedTypeHandler` therefore loads the value into a staging table first, and
only then runs ``BEGIN; DELETE <slice>; INSERT INTO <table> SELECT ... FROM <staging>; COMMIT``:
the slice is replaced in one transaction of DML only. Other handlers get the plain
``DbIOManager`` order (delete, then insert) in autocommit mode.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from pydantic import Field

from dockyard.defs.resource import InitResourceContext
from dockyard.io.configurable import ConfigurableIOManagerFactory
from dockyard.io.db import (
    DbClient,
    DbIOManager,
    TableSlice,
    delete_query,
    quote_identifier,
    render_for_display,
    select_query,
)
from dockyard.io.db_managers import TypeHandlerFactory
from dockyard.snowflake.resource import connection_args, open_snowflake

PLACEHOLDER = "%s"  # the connector's default paramstyle ("pyformat"), bound by the connector
_PLAIN_LOWER = re.compile(r"[a-z_][a-z0-9_$]*")
_PLAIN_UPPER = re.compile(r"[A-Z_][A-Z0-9_$]*")


def to_snowflake_name(name: str) -> str:
    """The stored form of ``name``: plain lower-case identifiers upper-cased, others unchanged."""
    return name.upper() if _PLAIN_LOWER.fullmatch(name) else name


def from_snowflake_name(name: str) -> str:
    """A stored column name as a frame column: plain upper-case identifiers lower-cased."""
    return name.lower() if _PLAIN_UPPER.fullmatch(name) else name


def snowflake_slice(table_slice: TableSlice) -> TableSlice:
    """``table_slice`` with its names in their stored Snowflake form."""
    return table_slice._replace(
        table=to_snowflake_name(table_slice.table),
        schema=to_snowflake_name(table_slice.schema),
        database=to_snowflake_name(table_slice.database) if table_slice.database else None,
        columns=[to_snowflake_name(c) for c in table_slice.columns] if table_slice.columns else None,
    )


def table_exists(connection: Any, table_slice: TableSlice) -> bool:
    """Whether the (stored-form) slice's table exists in the session's database."""
    row = connection.cursor().execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s AND table_name = %s",
        [table_slice.schema, table_slice.table],
    ).fetchone()
    return bool(row and row[0])


class StagedTypeHandler(ABC):
    """A Snowflake handler that can replace a slice atomically (see the module docstring)."""

    @abstractmethod
    def replace_slice(
        self,
        context: Any,
        table_slice: TableSlice,
        obj: Any,
        connection: Any,
        delete_slice: Callable[[], None],
    ) -> Mapping[str, Any] | None:
        """Write ``obj`` as the slice; call ``delete_slice`` inside the transaction that inserts."""


class SnowflakeDbClient(DbClient):
    """Snowflake SQL: ``%s`` placeholders bound by the connector, names in stored form."""

    def __init__(self, connect_args: Mapping[str, Any]) -> None:
        self._connect_args = dict(connect_args)

    @staticmethod
    def delete_table_slice(context: Any, table_slice: TableSlice, connection: Any) -> None:
        stored = snowflake_slice(table_slice)
        if table_exists(connection, stored):
            query = delete_query(stored, PLACEHOLDER)
            connection.cursor().execute(query.sql, list(query.params))

    @staticmethod
    def ensure_schema_exists(context: Any, table_slice: TableSlice, connection: Any) -> None:
        schema = to_snowflake_name(table_slice.schema)
        cur = connection.cursor()
        if not cur.execute("SELECT count(*) FROM information_schema.schemata WHERE schema_name = %s", [schema]).fetchone()[0]:
            cur.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_identifier(schema)}")

    @staticmethod
    def get_select_statement(table_slice: TableSlice) -> str:
        return render_for_display(select_query(snowflake_slice(table_slice), PLACEHOLDER), PLACEHOLDER)

    @staticmethod
    def get_table_name(table_slice: TableSlice) -> str:
        return DbClient.get_table_name(snowflake_slice(table_slice))

    @contextmanager
    def connect(self, context: Any, table_slice: TableSlice) -> Iterator[Any]:  # type: ignore[override]
        with open_snowflake(self._connect_args) as conn:
            yield conn


@contextmanager
def transaction(connection: Any) -> Iterator[None]:
    """``BEGIN`` ... ``COMMIT``, or ``ROLLBACK`` when the block raises."""
    cur = connection.cursor()
    cur.execute("BEGIN")
    try:
        yield
    except BaseException:
        cur.execute("ROLLBACK")
        raise
    cur.execute("COMMIT")


class SnowflakeDbIOManager(DbIOManager):
    """``DbIOManager`` that lets :class:`StagedTypeHandler` handlers replace slices atomically."""

    def handle_output(self, context: Any, obj: Any) -> None:
        handler = self._handler_for(type(obj), context) if obj is not None else None
        if not isinstance(handler, StagedTypeHandler):
            super().handle_output(context, obj)
            return
        table_slice = self._table_slice(context, context)
        client = self._db_client
        with client.connect(context, table_slice) as conn:
            client.ensure_schema_exists(context, table_slice, conn)
            metadata = dict(
                handler.replace_slice(
                    context, table_slice, obj, conn, lambda: client.delete_table_slice(context, table_slice, conn)
                )
                or {}
            )
        metadata["Query"] = client.get_select_statement(table_slice)
        context.add_output_metadata(metadata)
        if "dagster/table_name" not in (context.definition_metadata or {}):
            context.add_output_metadata({"dagster/table_name": client.get_table_name(table_slice)})


class SnowflakeIOManager(TypeHandlerFactory, ConfigurableIOManagerFactory):
    """Base for Snowflake I/O managers: subclasses name their type handlers."""

    database: str = Field(description="Database for the tables.")
    account: str | None = Field(default=None, description="Account identifier.")
    user: str = Field(description="User name.")
    password: str | None = Field(default=None, description="Password.")
    schema_: str | None = Field(
        default=None, alias="schema", description="Schema for tables (default: key prefix or 'public')."
    )
    role: str | None = Field(default=None, description="Role for the session.")
    warehouse: str | None = Field(default=None, description="Warehouse for the session.")
    authenticator: str | None = Field(default=None, description="e.g. 'externalbrowser' or 'oauth'.")
    private_key: str | None = Field(default=None, description="A PEM private key for key-pair authentication.")
    private_key_path: str | None = Field(default=None, description="Path to a PEM private key file.")
    private_key_password: str | None = Field(default=None, description="Passphrase of the private key.")
    additional_snowflake_connection_args: dict[str, Any] | None = Field(
        default=None, description="Extra keyword arguments for snowflake.connector.connect."
    )

    def create_io_manager(self, context: InitResourceContext) -> DbIOManager:
        fields = {
            "account": self.account, "user": self.user, "password": self.password,
            "database": to_snowflake_name(self.database), "role": self.role, "warehouse": self.warehouse,
            "authenticator": self.authenticator, "private_key": self.private_key,
            "private_key_path": self.private_key_path, "private_key_password": self.private_key_password,
        }
        return SnowflakeDbIOManager(
            type_handlers=self.type_handlers(),
            db_client=SnowflakeDbClient(connection_args(fields, self.additional_snowflake_connection_args)),
            database=self.database,
            schema=self.schema_,
            io_manager_name=type(self).__name__,
            default_load_type=self.default_load_type(),
        )
