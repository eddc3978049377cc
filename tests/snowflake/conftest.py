"""fakesnow in patch mode (local-servers.md section 6): an in-process fake Snowflake per test.

Skipped when the ``snowflake-test`` tools (fakesnow, snowflake-connector-python<5) are missing.
fakesnow runs on DuckDB, whose DB-API Arrow output warns about an extra copy on every query;
that warning is fakesnow's, and test modules ignore it with ``DUCKDB_COPY_WARNING``.
"""

from __future__ import annotations

import atexit
import importlib
import shutil
from collections.abc import Iterator

import pytest

fakesnow = pytest.importorskip("fakesnow")
pytest.importorskip("snowflake.connector.pandas_tools")

DUCKDB_COPY_WARNING = "ignore:Arrow output on a DB-API result:UserWarning"
CONNECT = {"account": "fake", "user": "fake", "password": "snow", "database": "DOCKYARD", "schema": "PUBLIC"}


# fakesnow makes one temp directory per process when imported (above, at collection, even if no
# test here runs); remove this process's when it exits.
atexit.register(shutil.rmtree, importlib.import_module("fakesnow.transforms.stage").LOCAL_BUCKET_PATH, True)


@pytest.fixture
def fake_snowflake() -> Iterator[None]:
    """A fresh in-memory fake Snowflake; ``snowflake.connector.connect`` reaches it."""
    with fakesnow.patch():
        yield
