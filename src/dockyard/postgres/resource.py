"""``PostgresResource``: psycopg 3 connections from a conninfo string or separate fields."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pydantic import Field

from dockyard._internal.imports import require_extra
from dockyard.defs.configurable import ConfigurableResource


def make_conninfo(
    conninfo: str | None = None,
    host: str | None = None,
    port: int | None = None,
    user: str | None = None,
    password: str | None = None,
    database: str | None = None,
) -> str:
    """A libpq conninfo string; the separate fields override those in ``conninfo``."""
    psycopg = require_extra("psycopg")
    fields = {"host": host, "port": port, "user": user, "password": password, "dbname": database}
    return str(psycopg.conninfo.make_conninfo(conninfo or "", **{k: v for k, v in fields.items() if v is not None}))


@contextmanager
def open_postgres(conninfo: str, connect_args: dict[str, Any] | None = None) -> Iterator[Any]:
    """Yield a ``psycopg.Connection``; it is closed (uncommitted work rolled back) after."""
    psycopg = require_extra("psycopg")
    conn = psycopg.connect(conninfo, **(connect_args or {}))
    try:
        yield conn
    finally:
        conn.close()


class PostgresResource(ConfigurableResource):
    """Connections to a PostgreSQL database (empty fields fall back to the ``PG*`` variables)."""

    conninfo: str | None = Field(default=None, description="A libpq URL or key=value string.")
    host: str | None = None
    port: int | None = None
    user: str | None = None
    password: str | None = None
    database: str | None = None
    connect_args: dict[str, Any] = Field(default_factory=dict, description="Extra psycopg.connect kwargs.")

    def get_conninfo(self) -> str:
        """The conninfo string the fields describe."""
        return make_conninfo(self.conninfo, self.host, self.port, self.user, self.password, self.database)

    @contextmanager
    def get_connection(self) -> Iterator[Any]:
        """A ``psycopg.Connection``; commit yourself (``with conn.transaction():``)."""
        with open_postgres(self.get_conninfo(), self.connect_args) as conn:
            yield conn
