"""PostgreSQL: ``PostgresResource``, the pandas and polars I/O managers, and instance storage.

Modules: ``resource`` (connections), ``io_manager`` (client and pythonic base), ``handlers``
(pandas and polars), ``transfer`` (the COPY-in / CSV-out data paths), ``storage`` (runs and
events for ``dockyard.yaml``'s ``storage: {postgres: ...}``).
"""

from __future__ import annotations

from dockyard.postgres.handlers import (
    PostgresPandasIOManager,
    PostgresPandasTypeHandler,
    PostgresPolarsIOManager,
    PostgresPolarsTypeHandler,
)
from dockyard.postgres.io_manager import PostgresDbClient, PostgresIOManager
from dockyard.postgres.resource import PostgresResource
from dockyard.postgres.storage import PostgresInstanceStorage

__all__ = [
    "PostgresDbClient",
    "PostgresIOManager",
    "PostgresInstanceStorage",
    "PostgresPandasIOManager",
    "PostgresPandasTypeHandler",
    "PostgresPolarsIOManager",
    "PostgresPolarsTypeHandler",
    "PostgresResource",
]
