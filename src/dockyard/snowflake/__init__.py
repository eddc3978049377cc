"""Snowflake: ``SnowflakeResource`` and ``SnowflakePandasIOManager`` (snowflake-connector-python).

Modules: ``resource`` (connections), ``io_manager`` (client, pythonic base, naming rules and
atomic slice replacement), ``handlers`` (pandas). Importing this package does not import the
connector; it is loaded when the first connection opens.
"""

from __future__ import annotations

from dockyard.snowflake.handlers import SnowflakePandasIOManager, SnowflakePandasTypeHandler
from dockyard.snowflake.io_manager import SnowflakeDbClient, SnowflakeIOManager
from dockyard.snowflake.resource import SnowflakeResource

__all__ = [
    "SnowflakeDbClient",
    "SnowflakeIOManager",
    "SnowflakePandasIOManager",
    "SnowflakePandasTypeHandler",
    "SnowflakeResource",
]
