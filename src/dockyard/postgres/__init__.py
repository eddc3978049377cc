"""PostgreSQL: ``PostgresResource`` and ``PostgresPandasIOManager`` (psycopg 3, COPY writes)."""

from __future__ import annotations

from dockyard.postgres.io_manager import (
    PostgresDbClient,
    PostgresIOManager,
    PostgresPandasIOManager,
    PostgresPandasTypeHandler,
)
from dockyard.postgres.resource import PostgresResource

__all__ = [
    "PostgresDbClient",
    "PostgresIOManager",
    "PostgresPandasIOManager",
    "PostgresPandasTypeHandler",
    "PostgresResource",
]
