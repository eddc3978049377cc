"""What the DuckDB, PostgreSQL and Snowflake I/O managers share: the ``type_handlers`` /
``default_load_type`` contract of their configurable bases, the decorator that makes a
one-type I/O manager out of a base and a handler, the output metadata of a stored table and
the polars conversions.

It imports no database driver or dataframe library until a function that needs one is called.
"""

from __future__ import annotations

import abc
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from dockyard._internal.imports import require_extra
from dockyard.defs.metadata import MetadataValue, TableColumn, TableSchema
from dockyard.io.db import DbTypeHandler

C = TypeVar("C", bound=type)


class TypeHandlerFactory(ABC):
    """Mixed into a configurable database I/O manager: subclasses name their type handlers."""

    @staticmethod
    @abstractmethod
    def type_handlers() -> Sequence[DbTypeHandler[Any]]:
        """The handlers for the Python types this manager stores."""

    @staticmethod
    def default_load_type() -> type | None:
        """The type unannotated inputs load as (None: the only handled type, if just one)."""
        return None


def stores(handler: Callable[[], DbTypeHandler[Any]], extra: str, type_name: str) -> Callable[[C], C]:
    """Class decorator for a ``TypeHandlerFactory`` subclass that stores one type: its
    ``type_handlers()`` is ``[handler()]`` and unannotated inputs load as ``type_name`` of the
    module ``extra`` (imported when first asked)."""

    def type_handlers() -> Sequence[DbTypeHandler[Any]]:
        return [handler()]

    def default_load_type() -> type | None:
        return getattr(require_extra(extra), type_name)  # type: ignore[no-any-return]

    def decorate(cls: C) -> C:
        cls.type_handlers = staticmethod(type_handlers)  # type: ignore[attr-defined]
        cls.default_load_type = staticmethod(default_load_type)  # type: ignore[attr-defined]
        abc.update_abstractmethods(cls)
        return cls

    return decorate


def table_metadata(context: Any, storage_kind: str, rows: int, columns: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """The output metadata of a stored table: its row count (of the partition, when the output
    has one), ``dagster/storage_kind`` and the ``(name, type)`` columns as a table schema."""
    count_key = "dagster/partition_row_count" if context.has_partition_key else "dagster/row_count"
    schema = TableSchema(columns=[TableColumn(name=n, type=t) for n, t in columns])
    return {count_key: rows, "dagster/storage_kind": storage_kind, "dataframe_columns": MetadataValue.table_schema(schema)}


def pandas_metadata(context: Any, storage_kind: str, frame: Any) -> dict[str, Any]:
    """``table_metadata`` of a pandas DataFrame."""
    return table_metadata(context, storage_kind, len(frame), [(str(c), str(t)) for c, t in frame.dtypes.items()])


def collect_polars(obj: Any) -> Any:
    """A polars DataFrame from a DataFrame or a LazyFrame (collected)."""
    pl = require_extra("polars")
    return obj.collect() if isinstance(obj, pl.LazyFrame) else obj


def polars_for_input(context: Any, frame: Any) -> Any:
    """``frame`` as the input asks for it: a LazyFrame when annotated so, else the DataFrame."""
    wants_lazy = getattr(context.dagster_type, "typing_type", None) is require_extra("polars").LazyFrame
    return frame.lazy() if wants_lazy else frame


def polars_types() -> Sequence[type]:
    """The types a polars handler supports."""
    pl = require_extra("polars")
    return [pl.DataFrame, pl.LazyFrame]
