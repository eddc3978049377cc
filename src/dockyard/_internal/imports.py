"""``require_extra``: import an optional driver, or fail with the install command to run."""

from __future__ import annotations

import importlib
from types import ModuleType

# module name -> the dockyard extra that installs it
_EXTRAS = {
    "duckdb": "duckdb",
    "pandas": "pandas",
    "polars": "polars",
    "pyarrow": "pandas",
    "psycopg": "postgres",
    "snowflake": "snowflake",
    "boto3": "aws",
    "botocore": "aws",
    "s3fs": "aws",
    "gcsfs": "gcp",
    "google": "gcp",
    "adlfs": "azure",
    "azure": "azure",
}


def require_extra(module: str, extra: str | None = None) -> ModuleType:
    """Import ``module``; if missing, raise ``ImportError`` naming ``pip install 'dockyard[extra]'``."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        name = extra or _EXTRAS.get(module.split(".")[0], module.split(".")[0])
        raise ImportError(
            f"{module!r} is not installed, and it is needed here. "
            f"Install it with: pip install 'dockyard[{name}]'"
        ) from exc
