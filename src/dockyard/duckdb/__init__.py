"""DuckDB: ``DuckDBResource`` and the DuckDB I/O managers (pandas, polars, pyarrow).

``dagster_duckdb``, ``dagster_duckdb_pandas``, ``dagster_duckdb_polars`` and
``dagster_duckdb_pyarrow`` names all live here. Modules: ``lock`` (cross-process file lock),
``resource`` (connections), ``io_manager`` (client and pythonic base), ``handlers`` (types).
"""

from __future__ import annotations

from dockyard.duckdb.handlers import (
    DuckDBPandasIOManager,
    DuckDBPandasTypeHandler,
    DuckDBPolarsIOManager,
    DuckDBPolarsTypeHandler,
    DuckDBPyArrowIOManager,
    DuckDBPyArrowTypeHandler,
    duckdb_pandas_io_manager,
    duckdb_polars_io_manager,
    duckdb_pyarrow_io_manager,
)
from dockyard.duckdb.io_manager import DuckDbClient, DuckDBIOManager, build_duckdb_io_manager
from dockyard.duckdb.resource import DuckDBResource
from dockyard.errors import DatabaseLockTimeoutError

__all__ = [
    "DatabaseLockTimeoutError",
    "DuckDBIOManager",
    "DuckDBPandasIOManager",
    "DuckDBPandasTypeHandler",
    "DuckDBPolarsIOManager",
    "DuckDBPolarsTypeHandler",
    "DuckDBPyArrowIOManager",
    "DuckDBPyArrowTypeHandler",
    "DuckDBResource",
    "DuckDbClient",
    "build_duckdb_io_manager",
    "duckdb_pandas_io_manager",
    "duckdb_polars_io_manager",
    "duckdb_pyarrow_io_manager",
]
