"""Database I/O managers, split in three: the table slice (which rows an output or input is),
the type handler (how one Python type is written and read), and the client (connections, DDL and
the slice's SQL for one database).

``DbIOManager`` works out the :class:`TableSlice` from the context (table = last asset-key part;
schema from ``schema`` metadata, then the manager's config, then the key prefix, then
``public``), deletes the slice and lets the handler insert, inside one transaction.

SQL safety: identifiers are always double-quoted (quotes doubled) and partition values are bound
parameters. :func:`select_query` / :func:`delete_query` return a :class:`SqlQuery` (``sql`` with
placeholders plus ``params``) for clients to execute. ``DbClient.get_select_statement`` keeps the
string-returning signature for compatibility; it inlines values as escaped literals and is meant
for display (the ``Query`` metadata), not for execution.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, NamedTuple, TypeVar, cast

from dockyard.defs.metadata import MetadataValue
from dockyard.defs.partitions.multi import (
    MULTIPARTITION_KEY_DELIMITER,
    MultiPartitionKey,
    MultiPartitionsDefinition,
)
from dockyard.defs.partitions.time_window import TimeWindow, TimeWindowPartitionsDefinition
from dockyard.errors import CheckError, DagsterInvariantViolationError
from dockyard.io.base import IOManager

T = TypeVar("T")

__all__ = [
    "DbClient",
    "DbIOManager",
    "DbTypeHandler",
    "SqlQuery",
    "TablePartitionDimension",
    "TableSlice",
    "delete_query",
    "quote_identifier",
    "select_query",
]

_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


class TablePartitionDimension(NamedTuple):
    """One partition filter: the column expression and the window or keys it must match."""

    partition_expr: str
    partitions: TimeWindow | Sequence[str]


class TableSlice(NamedTuple):
    """The rows of one table an output writes or an input reads."""

    table: str
    schema: str
    database: str | None = None
    columns: Sequence[str] | None = None
    partition_dimensions: Sequence[TablePartitionDimension] | None = None


@dataclass(frozen=True, slots=True)
class SqlQuery:
    """SQL text with placeholders, and the values to bind to them in order."""

    sql: str
    params: tuple[Any, ...] = ()


def quote_identifier(name: str) -> str:
    """``name`` as a double-quoted SQL identifier (embedded quotes doubled)."""
    return '"' + str(name).replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    """``value`` as a single-quoted SQL string literal (embedded quotes doubled); display only."""
    return "'" + str(value).replace("'", "''") + "'"


def qualified_table_name(table_slice: TableSlice) -> str:
    """``"schema"."table"`` with both parts quoted."""
    return f"{quote_identifier(table_slice.schema)}.{quote_identifier(table_slice.table)}"


def _where(table_slice: TableSlice, placeholder: str) -> SqlQuery:
    """The WHERE clause for the slice's partitions (empty when unpartitioned)."""
    if not table_slice.partition_dimensions:
        return SqlQuery("")
    clauses: list[str] = []
    params: list[Any] = []
    for dim in table_slice.partition_dimensions:
        # partition_expr is a SQL expression the asset author wrote (e.g. "CAST(ts AS DATE)"),
        # so it is used as written; keys and bounds are always bound values.
        expr = dim.partition_expr
        if isinstance(dim.partitions, TimeWindow):
            clauses.append(f"{expr} >= {placeholder} AND {expr} < {placeholder}")
            params += [_naive(dim.partitions.start), _naive(dim.partitions.end)]
        else:
            keys = list(dim.partitions)
            if not keys:
                clauses.append("FALSE")
                continue
            clauses.append(f"{expr} IN ({', '.join([placeholder] * len(keys))})")
            params += keys
    return SqlQuery(" WHERE\n" + " AND\n".join(clauses), tuple(params))


def _naive(moment: datetime) -> str:
    return moment.strftime(_TIME_FORMAT)


def select_query(table_slice: TableSlice, placeholder: str = "?") -> SqlQuery:
    """``SELECT <columns|*> FROM "schema"."table" [WHERE ...]`` with bound partition values."""
    cols = ", ".join(quote_identifier(c) for c in table_slice.columns) if table_slice.columns else "*"
    where = _where(table_slice, placeholder)
    return SqlQuery(f"SELECT {cols} FROM {qualified_table_name(table_slice)}{where.sql}", where.params)


def delete_query(table_slice: TableSlice, placeholder: str = "?") -> SqlQuery:
    """``DELETE FROM "schema"."table" [WHERE ...]`` with bound partition values."""
    where = _where(table_slice, placeholder)
    return SqlQuery(f"DELETE FROM {qualified_table_name(table_slice)}{where.sql}", where.params)


def render_for_display(query: SqlQuery, placeholder: str = "?") -> str:
    """The query with its values inlined as escaped literals, for metadata and logs."""
    parts = query.sql.split(placeholder)
    if len(parts) != len(query.params) + 1:  # a placeholder-like char inside an identifier
        return query.sql
    out = [parts[0]]
    for value, rest in zip(query.params, parts[1:], strict=True):
        out += [quote_literal(value), rest]
    return "".join(out)


class DbTypeHandler(ABC, Generic[T]):
    """Writes and reads one family of Python types for one database."""

    @abstractmethod
    def handle_output(
        self, context: Any, table_slice: TableSlice, obj: T, connection: Any
    ) -> Mapping[str, Any] | None:
        """Insert ``obj`` into the (already cleared) slice; return metadata to record."""

    @abstractmethod
    def load_input(self, context: Any, table_slice: TableSlice, connection: Any) -> T:
        """Read the slice as a ``T``."""

    @property
    @abstractmethod
    def supported_types(self) -> Sequence[type]:
        """The Python types this handler writes and reads."""


class DbClient(ABC):
    """Connections and SQL for one database. Methods are static, as integrations expect."""

    @staticmethod
    @abstractmethod
    def delete_table_slice(context: Any, table_slice: TableSlice, connection: Any) -> None:
        """Delete the slice's rows (a missing table is not an error)."""

    @staticmethod
    @abstractmethod
    def ensure_schema_exists(context: Any, table_slice: TableSlice, connection: Any) -> None:
        """Create the slice's schema if missing."""

    @staticmethod
    @abstractmethod
    def get_select_statement(table_slice: TableSlice) -> str:
        """The select for the slice as display text."""

    @staticmethod
    @abstractmethod
    def connect(context: Any, table_slice: TableSlice) -> AbstractContextManager[Any]:
        """A context manager yielding a connection."""

    @staticmethod
    def get_table_name(table_slice: TableSlice) -> str:
        """``<schema>.<table>``, or ``<database>.<schema>.<table>`` when a database is set."""
        parts = [table_slice.database] if table_slice.database else []
        return ".".join([*parts, table_slice.schema, table_slice.table])

    @staticmethod
    @contextmanager
    def transaction(connection: Any) -> Iterator[None]:
        """Run the delete and insert of one output atomically. Default: no transaction."""
        yield


class DbIOManager(IOManager):
    """Stores outputs as table slices through a client and per-type handlers."""

    def __init__(
        self,
        *,
        type_handlers: Sequence[DbTypeHandler[Any]],
        db_client: DbClient | type[DbClient],
        database: str,
        schema: str | None = None,
        io_manager_name: str | None = None,
        default_load_type: type | None = None,
    ) -> None:
        self._handlers: dict[type, DbTypeHandler[Any]] = {}
        for handler in type_handlers:
            for typ in handler.supported_types:
                if typ in self._handlers:
                    raise CheckError(
                        f"{type(self._handlers[typ]).__name__} and {type(handler).__name__} both "
                        f"handle type {typ.__name__!r}. Pass one handler per type."
                    )
                self._handlers[typ] = handler
        self._db_client = db_client
        self._database = database
        self._schema = schema
        self._name = io_manager_name or type(self).__name__
        if default_load_type is None and len(type_handlers) == 1 and len(self._handlers) == 1:
            default_load_type = next(iter(self._handlers))
        self._default_load_type = default_load_type

    @property
    def db_client(self) -> DbClient | type[DbClient]:
        """The client this manager connects through."""
        return self._db_client

    def handle_output(self, context: Any, obj: Any) -> None:
        if obj is None:
            raise DagsterInvariantViolationError(
                f"Unexpected 'None' output value from {_describe(context)}. If a 'None' value is "
                "intentional, set the output type to None by adding return type annotation '-> None'."
            )
        handler = self._handler_for(type(obj), context)
        table_slice = self._table_slice(context, context)
        client = self._db_client
        with client.connect(context, table_slice) as conn, client.transaction(conn):
            client.ensure_schema_exists(context, table_slice, conn)
            client.delete_table_slice(context, table_slice, conn)
            metadata = dict(handler.handle_output(context, table_slice, obj, conn) or {})
        metadata["Query"] = client.get_select_statement(table_slice)
        context.add_output_metadata(metadata)
        if "dagster/table_name" not in (context.definition_metadata or {}):
            context.add_output_metadata({"dagster/table_name": client.get_table_name(table_slice)})

    def load_input(self, context: Any) -> Any:
        load_type = getattr(context.dagster_type, "typing_type", Any)
        if load_type is Any or load_type is object or load_type is None:
            load_type = self._default_load_type if self._default_load_type is not None else Any
        handler = self._handler_for(load_type, context)
        upstream = context.upstream_output
        table_slice = self._table_slice(upstream if upstream is not None else context, context)
        with self._db_client.connect(context, table_slice) as conn:
            return handler.load_input(context, table_slice, conn)

    def _handler_for(self, typ: Any, context: Any) -> DbTypeHandler[Any]:
        if isinstance(typ, type):
            for known, handler in self._handlers.items():
                if issubclass(typ, known):
                    return handler
        names = ", ".join(repr(t.__name__) for t in self._handlers) or "none"
        hint = (
            f"Please add {names} type hints to your assets and ops."
            if typ is Any
            else f"Please build the {self._name} with an type handler for type '{_type_name(typ)}', "
            f"so the {self._name} can correctly handle the output."
        )
        raise CheckError(
            f"{self._name} does not have a handler for type '{_type_name(typ)}' "
            f"({_describe(context)}). Has handlers for types {names}. {hint}"
        )

    def _table_slice(self, output_context: Any, context: Any) -> TableSlice:
        """Slice from the output's metadata; columns from ``context`` (the input, when loading)."""
        meta = _plain(output_context.definition_metadata)
        own = _plain(context.definition_metadata) if context is not output_context else meta
        columns = own.get("columns")
        asset_key = getattr(output_context, "asset_key", None)
        if asset_key is not None and getattr(output_context, "has_asset_key", True):
            path = list(asset_key.path)
            table = path[-1]
            schema = meta.get("schema") or self._schema or (path[-2] if len(path) > 1 else "public")
            dims = self._partition_dimensions(context, asset_key, meta)
        else:
            table = meta.get("table") or output_context.name
            schema = meta.get("schema") or self._schema or "public"
            dims = None
        return TableSlice(
            table=str(table),
            schema=str(schema),
            database=self._database,
            columns=list(columns) if columns else None,
            partition_dimensions=dims,
        )

    @staticmethod
    def _partition_dimensions(
        context: Any, asset_key: Any, meta: Mapping[str, Any]
    ) -> list[TablePartitionDimension] | None:
        if not context.has_asset_partitions:
            return None
        partition_expr = meta.get("partition_expr")
        asset_key = asset_key.to_user_string()
        if partition_expr is None:
            raise ValueError(
                f"Asset '{asset_key}' has partitions, but no 'partition_expr' metadata value, so "
                "we don't know what column it's partitioned on. To specify a column, set this "
                "metadata value. E.g. @asset(metadata={\"partition_expr\": \"your_partition_column\"})."
            )
        pdef = context.asset_partitions_def
        keys = list(context.asset_partition_keys)
        if isinstance(pdef, MultiPartitionsDefinition):
            if not isinstance(partition_expr, Mapping):
                raise ValueError(
                    f"Asset '{asset_key}' is multi-partitioned, so its 'partition_expr' metadata "
                    f"must map each dimension to a column, e.g. "
                    f"{ {d.name: '<column>' for d in pdef.partitions_defs}!r}; got {partition_expr!r}."
                )
            dims = []
            for index, dim in enumerate(pdef.partitions_defs):
                if dim.name not in partition_expr:
                    raise ValueError(
                        f"Asset '{asset_key}' 'partition_expr' metadata has no column for "
                        f"dimension {dim.name!r}; got {partition_expr!r}."
                    )
                dim_keys = list(dict.fromkeys(_dimension_key(k, dim.name, index) for k in keys))
                dims.append(_dimension(str(partition_expr[dim.name]), dim.partitions_def, dim_keys))
            return dims
        return [_dimension(str(partition_expr), pdef, keys)]


def _dimension(expr: str, pdef: Any, keys: list[str]) -> TablePartitionDimension:
    if isinstance(pdef, TimeWindowPartitionsDefinition):
        if not keys:
            return TablePartitionDimension(expr, [])
        windows = [pdef.time_window_for_partition_key(k) for k in keys]
        return TablePartitionDimension(
            expr, TimeWindow(min(w.start for w in windows), max(w.end for w in windows))
        )
    return TablePartitionDimension(expr, keys)


def _dimension_key(key: str, name: str, index: int) -> str:
    if isinstance(key, MultiPartitionKey):
        return key.keys_by_dimension[name]
    return key.split(MULTIPARTITION_KEY_DELIMITER)[index]


def _plain(metadata: Mapping[str, Any] | None) -> dict[str, Any]:
    """Definition metadata with ``MetadataValue`` wrappers removed."""
    return {
        k: (cast(Any, v).value if isinstance(v, MetadataValue) else v)
        for k, v in (metadata or {}).items()
    }


def _describe(context: Any) -> str:
    key = getattr(context, "asset_key", None)
    if key is not None:
        return f"asset {list(key.path)!r}"
    return f"output {getattr(context, 'name', '?')!r}"


def _type_name(typ: Any) -> str:
    return getattr(typ, "__name__", None) or str(typ)
