"""``DuckDBIOManager`` (the pythonic base), its ``DbClient`` and the legacy
``build_duckdb_io_manager``.

Each output is written in one DuckDB transaction: create the schema, delete the slice (the whole
table, or only the partition's rows), insert. Whether the table exists is read from DuckDB's
catalog function ``duckdb_tables()`` with bound parameters (``information_schema.tables`` costs
~7-15 ms to bind on a connection's first use, ``duckdb_tables()`` well under 1 ms).

Connections: during a run (the manager's ``yield_for_execution``, or the legacy definition's
generator) the client keeps one connection in a ``resource.ConnectionCache``, so a store and the
load that follows share it; the cache lets the file go as soon as another process waits for it,
after a second of idleness, after an error, and at the run's teardown (see ``resource``).
Outside a run (``create_io_manager`` called directly) each output or input opens and closes its
own connection, as does the static ``DuckDbClient.connect``; all of them hold the cross-process
file lock while open.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from pydantic import Field

from dockyard.defs.config import Field as ConfigField
from dockyard.defs.config import Permissive
from dockyard.defs.resource import InitResourceContext
from dockyard.duckdb.resource import DEFAULT_LOCK_TIMEOUT, ConnectionCache, open_duckdb
from dockyard.io.base import IOManagerDefinition
from dockyard.io.configurable import ConfigurableIOManagerFactory
from dockyard.io.db import (
    DbClient,
    DbIOManager,
    DbTypeHandler,
    TableSlice,
    delete_query,
    quote_identifier,
    render_for_display,
    select_query,
)
from dockyard.io.db_managers import TypeHandlerFactory

_TABLE_EXISTS = (
    "SELECT 1 FROM duckdb_tables() WHERE database_name = current_database()"
    " AND lower(schema_name) = lower(?) AND lower(table_name) = lower(?) LIMIT 1"
)


def table_exists(connection: Any, table_slice: TableSlice) -> bool:
    """Whether the slice's table exists in the connection's current database (names compared
    as DuckDB resolves identifiers: case-insensitively)."""
    rows = connection.execute(_TABLE_EXISTS, [table_slice.schema, table_slice.table]).fetchall()
    return bool(rows)


class DuckDbClient(DbClient):
    """DuckDB SQL: ``?`` placeholders, transactions with BEGIN/COMMIT."""

    @staticmethod
    def delete_table_slice(context: Any, table_slice: TableSlice, connection: Any) -> None:
        if table_exists(connection, table_slice):
            query = delete_query(table_slice)
            connection.execute(query.sql, list(query.params)).fetchall()

    @staticmethod
    def ensure_schema_exists(context: Any, table_slice: TableSlice, connection: Any) -> None:
        connection.execute(
            f"CREATE SCHEMA IF NOT EXISTS {quote_identifier(table_slice.schema)}"
        ).fetchall()  # duckdb 2 refuses new work while a result is unconsumed

    @staticmethod
    def get_select_statement(table_slice: TableSlice) -> str:
        return render_for_display(select_query(table_slice))

    @staticmethod
    @contextmanager
    def connect(context: Any, table_slice: TableSlice) -> Iterator[Any]:
        config = context.resource_config or {}
        with open_duckdb(
            config["database"],
            config.get("connection_config") or {},
            lock_timeout=config.get("lock_timeout") or DEFAULT_LOCK_TIMEOUT,
        ) as conn:
            yield conn

    @staticmethod
    @contextmanager
    def transaction(connection: Any) -> Iterator[None]:
        connection.begin()
        try:
            yield
        except BaseException:
            connection.rollback()
            raise
        connection.commit()


class _ConfiguredDuckDbClient(DuckDbClient):
    """A client bound to one manager's settings (the pythonic path has no resource config on
    the I/O context); between ``start_caching`` and ``stop_caching`` it reuses a connection."""

    def __init__(self, database: str, connection_config: dict[str, Any], lock_timeout: float):
        self._settings = (database, connection_config, lock_timeout)
        self._cache: ConnectionCache | None = None

    def start_caching(self) -> None:
        if self._cache is None:
            self._cache = ConnectionCache(*self._settings)

    def stop_caching(self) -> None:
        cache, self._cache = self._cache, None
        if cache is not None:
            cache.close()

    @contextmanager
    def connect(self, context: Any, table_slice: TableSlice) -> Iterator[Any]:  # type: ignore[override]
        cache = self._cache
        if cache is not None:
            with cache.connection() as conn:
                yield conn
            return
        database, connection_config, lock_timeout = self._settings
        with open_duckdb(database, connection_config, lock_timeout=lock_timeout) as conn:
            yield conn


@contextmanager
def _caching(manager: Any) -> Iterator[Any]:
    """Let ``manager``'s DuckDB client (if it has one of ours) reuse a connection in the block."""
    client = getattr(manager, "db_client", None)
    if not isinstance(client, _ConfiguredDuckDbClient):
        yield manager
        return
    client.start_caching()
    try:
        yield manager
    finally:
        client.stop_caching()


class DuckDBIOManager(TypeHandlerFactory, ConfigurableIOManagerFactory):
    """Base for DuckDB I/O managers: subclasses name their type handlers.

    Tables are ``<schema>.<asset name>``; see ``dockyard.io.db`` for how the schema is chosen.
    """

    database: str = Field(description="Path to the DuckDB database file.")
    connection_config: dict[str, Any] = Field(
        default_factory=dict, description="DuckDB configuration passed to duckdb.connect."
    )
    schema_: str | None = Field(
        default=None, alias="schema", description="Schema for tables (default: key prefix or 'public')."
    )
    lock_timeout: float = Field(
        default=DEFAULT_LOCK_TIMEOUT,
        description="Seconds to wait for another process to release the database file.",
    )

    @contextmanager
    def yield_for_execution(self, context: InitResourceContext) -> Iterator[Any]:
        """The run's manager, reusing one connection until the run's resources are torn down."""
        with super().yield_for_execution(context) as manager, _caching(manager):
            yield manager

    def create_io_manager(self, context: InitResourceContext) -> DbIOManager:
        client = _ConfiguredDuckDbClient(self.database, dict(self.connection_config), self.lock_timeout)
        return DbIOManager(
            type_handlers=self.type_handlers(),
            db_client=client,
            database=self.database,
            schema=self.schema_,
            io_manager_name=type(self).__name__,
            default_load_type=self.default_load_type(),
        )


def build_duckdb_io_manager(
    type_handlers: Sequence[DbTypeHandler[Any]], default_load_type: type | None = None
) -> IOManagerDefinition:
    """A function-style DuckDB I/O-manager definition (config: ``database``, ``schema``,
    ``connection_config``, ``lock_timeout``) using ``type_handlers``."""

    def duckdb_io_manager(init_context: InitResourceContext) -> Iterator[DbIOManager]:
        config = init_context.resource_config
        client = _ConfiguredDuckDbClient(
            config["database"], dict(config.get("connection_config") or {}),
            float(config.get("lock_timeout") or DEFAULT_LOCK_TIMEOUT),
        )
        manager = DbIOManager(
            type_handlers=type_handlers,
            db_client=client,
            database=config["database"],
            schema=config.get("schema"),
            io_manager_name="DuckDBIOManager",
            default_load_type=default_load_type,
        )
        with _caching(manager):
            yield manager

    config_schema = {
        "database": ConfigField(str, description="Path to the DuckDB database file."),
        "schema": ConfigField(str, is_required=False, description="Schema for tables."),
        "connection_config": ConfigField(
            Permissive(), is_required=False, default_value={}, description="duckdb.connect config."
        ),
        "lock_timeout": ConfigField(
            float, is_required=False, default_value=DEFAULT_LOCK_TIMEOUT,
            description="Seconds to wait for the database file.",
        ),
    }
    return IOManagerDefinition(
        duckdb_io_manager, config_schema=config_schema, description=build_duckdb_io_manager.__doc__
    )
