"""``DuckDBResource`` and ``open_duckdb``, the one place dockyard opens DuckDB connections.

Every connection is opened under the cross-process file lock (see ``lock``), closed when the
block ends, and DuckDB's own "Could not set lock" errors (a process outside dockyard holding the
file) are retried until the same timeout, then reported as ``DatabaseLockTimeoutError``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from pydantic import Field

from dockyard._internal.imports import require_extra
from dockyard.defs.configurable import ConfigurableResource
from dockyard.duckdb.lock import database_lock, retry_on_duckdb_lock

DEFAULT_LOCK_TIMEOUT = 120.0


@contextmanager
def open_duckdb(
    database: str,
    connection_config: Mapping[str, Any] | None = None,
    *,
    read_only: bool = False,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
) -> Iterator[Any]:
    """Yield a ``duckdb`` connection to ``database`` held under the file lock; close it after."""
    duckdb = require_extra("duckdb")
    config = dict(connection_config or {})
    with database_lock(database, lock_timeout):
        conn = retry_on_duckdb_lock(
            database,
            lock_timeout,
            lambda: duckdb.connect(database, read_only=read_only, config=config),
            duckdb.IOException,
        )
        try:
            yield conn
        finally:
            conn.close()


class DuckDBResource(ConfigurableResource):
    """Connections to a DuckDB database file.

    ``schema``, when set, is created if missing and put on the search path after ``main``, so its
    tables can be read unqualified; unqualified new tables still go to ``main``.
    """

    database: str = Field(description="Path to the DuckDB database file (or ':memory:').")
    schema_: str | None = Field(default=None, alias="schema", description="An extra schema to search.")
    connection_config: dict[str, Any] = Field(
        default_factory=dict, description="DuckDB configuration passed to duckdb.connect."
    )
    lock_timeout: float = Field(
        default=DEFAULT_LOCK_TIMEOUT,
        description="Seconds to wait for another process to release the database file.",
    )

    @contextmanager
    def get_connection(self) -> Iterator[Any]:
        """A ``duckdb.DuckDBPyConnection``, closed (and the file released) when the block ends."""
        with open_duckdb(
            self.database, self.connection_config, lock_timeout=self.lock_timeout
        ) as conn:
            if self.schema_:
                from dockyard.io.db import quote_identifier, quote_literal

                conn.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_identifier(self.schema_)}").fetchall()
                path = ",".join(quote_identifier(s) for s in ("main", self.schema_))
                conn.execute(f"SET search_path = {quote_literal(path)}").fetchall()
            yield conn
