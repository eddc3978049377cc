"""Moving Arrow tables into and out of PostgreSQL tables, fast, with psycopg 3.

Writes: ``COPY ... FROM STDIN (FORMAT csv)``, fed with CSV that Arrow's C++ writer renders batch
by batch (about 10x faster than ``DataFrame.to_csv``). Missing values are written as unquoted
empty fields and strings are always quoted, so PostgreSQL reads ``""`` as an empty string and an
empty field as NULL: nothing is lost.

Reads do *not* use ``COPY ... TO STDOUT``. COPY sends one protocol message per row and psycopg
hands each to Python separately, which costs about 1.5 us per row on the client (measured: 1M
rows took 2.5-6 s through COPY, against 0.9 s below). Instead one ``SELECT`` makes the server
render each row as one CSV line (strings quoted, quotes doubled, NULL as an empty field); the
lines arrive in one result, are joined in batches and parsed by Arrow's multi-threaded CSV
reader straight into typed columns. A plain ``SELECT`` also keeps the slice's partition values as
bound parameters, which COPY cannot take.

Column types come from a ``LIMIT 0`` describe of the same query. Types Arrow can parse from
PostgreSQL's text form are read that way (integers, floats, numeric with a precision, bool, text,
date, timestamp, timestamptz). Any other type (json, uuid, arrays, intervals, unconstrained
numeric, ...) makes :func:`read_arrow` return ``None``, and callers fall back to fetching Python
objects, exactly as psycopg converts them.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from dockyard._internal.imports import require_extra
from dockyard.io.db import SqlQuery, TableSlice, qualified_table_name, quote_identifier

_WRITE_BATCH_ROWS = 65_536
_FETCH_BATCH_ROWS = 100_000

# PostgreSQL type OIDs whose text output needs no CSV quoting (no commas, quotes or newlines)
_BOOL, _INT8, _INT2, _INT4, _FLOAT4, _FLOAT8, _NUMERIC = 16, 20, 21, 23, 700, 701, 1700
_TEXT, _VARCHAR, _BPCHAR, _NAME = 25, 1043, 1042, 19
_DATE, _TIMESTAMP, _TIMESTAMPTZ = 1082, 1114, 1184
_STRINGS = {_TEXT, _VARCHAR, _BPCHAR, _NAME}


def table_exists(connection: Any, table_slice: TableSlice) -> bool:
    """Whether the slice's table exists."""
    row = connection.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s AND table_name = %s",
        [table_slice.schema, table_slice.table],
    ).fetchone()
    return bool(row and row[0])


def table_columns(connection: Any, table_slice: TableSlice) -> list[str]:
    """The slice's table's column names in table order (empty when there is no table)."""
    rows = connection.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND table_name = %s "
        "ORDER BY ordinal_position",
        [table_slice.schema, table_slice.table],
    ).fetchall()
    return [r[0] for r in rows]


# -- writing ------------------------------------------------------------------------------------
def sql_type(arrow_type: Any) -> str | None:
    """The PostgreSQL column type for an Arrow type, or ``None`` when CSV cannot carry it."""
    pa = require_extra("pyarrow")
    t = pa.types
    if t.is_dictionary(arrow_type):
        return sql_type(arrow_type.value_type)
    if t.is_boolean(arrow_type):
        return "BOOLEAN"
    if t.is_uint64(arrow_type):
        return "NUMERIC(20, 0)"
    if t.is_integer(arrow_type):
        return "BIGINT"
    if t.is_floating(arrow_type):
        return "DOUBLE PRECISION"
    if t.is_timestamp(arrow_type):
        return "TIMESTAMPTZ" if arrow_type.tz is not None else "TIMESTAMP"
    if t.is_date(arrow_type):
        return "DATE"
    if t.is_decimal(arrow_type):
        return f"NUMERIC({arrow_type.precision}, {arrow_type.scale})"
    if t.is_string(arrow_type) or t.is_large_string(arrow_type) or t.is_null(arrow_type) or str(arrow_type) == "string_view":
        return "TEXT"
    return None


def unwritable_columns(table: Any) -> list[str]:
    """Columns of an Arrow table whose type has no CSV form for COPY (lists, structs, binary, ...)."""
    return [f"{f.name} ({f.type})" for f in table.schema if sql_type(f.type) is None]


def _plain(table: Any) -> Any:
    """``table`` with dictionary columns decoded (the CSV writer takes no dictionaries)."""
    pa = require_extra("pyarrow")
    if not any(pa.types.is_dictionary(f.type) for f in table.schema):
        return table
    fields = [pa.field(f.name, f.type.value_type) if pa.types.is_dictionary(f.type) else f for f in table.schema]
    return table.cast(pa.schema(fields))


def write_arrow(connection: Any, table_slice: TableSlice, table: Any) -> None:
    """COPY an Arrow table into the slice's table, creating the table when missing.

    Raises:
        ValueError: The table exists without some of the frame's columns.
    """
    pc = require_extra("pyarrow.csv", "pandas")
    target = qualified_table_name(table_slice)
    names = [str(n) for n in table.column_names]
    existing = table_columns(connection, table_slice)
    if not existing:
        defs = ", ".join(f"{quote_identifier(f.name)} {sql_type(f.type)}" for f in table.schema)
        connection.execute(f"CREATE TABLE {target} ({defs})")
    elif missing := [n for n in names if n not in existing]:
        raise ValueError(
            f"Table {table_slice.schema}.{table_slice.table} has no column(s) {missing!r}; it has {existing!r}. "
            f"Add them (ALTER TABLE {target} ADD COLUMN ...) or drop the table so it is created again."
        )
    if not names:  # nothing to COPY; the (column-less) table exists now
        return
    col_list = ", ".join(quote_identifier(n) for n in names)
    options = pc.WriteOptions(include_header=False, quoting_style="needed")
    with connection.cursor() as cur, cur.copy(f"COPY {target} ({col_list}) FROM STDIN (FORMAT csv)") as copy:
        for batch in _plain(table).to_batches(max_chunksize=_WRITE_BATCH_ROWS):
            buf = io.BytesIO()
            pc.write_csv(batch, buf, options)
            copy.write(buf.getbuffer())


# -- reading ------------------------------------------------------------------------------------
def _arrow_type(column: Any) -> Any:
    """The Arrow type for a described result column, or ``None`` when it has no text parser."""
    pa = require_extra("pyarrow")
    oid = column.type_code
    simple = {
        _BOOL: pa.bool_(), _INT2: pa.int16(), _INT4: pa.int32(), _INT8: pa.int64(),
        _FLOAT4: pa.float32(), _FLOAT8: pa.float64(), _DATE: pa.date32(),
        _TIMESTAMP: pa.timestamp("us"), _TIMESTAMPTZ: pa.timestamp("us", tz="UTC"),
    }
    if oid in simple:
        return simple[oid]
    if oid in _STRINGS:
        return pa.string()
    if oid == _NUMERIC and column.precision is not None and column.precision <= 38:
        return pa.decimal128(column.precision, column.scale or 0)
    return None


def _csv_field(name: str, oid: int) -> str:
    ref = "q." + quote_identifier(name)
    if oid in _STRINGS:
        return f"""CASE WHEN {ref} IS NULL THEN '' ELSE '"' || replace({ref}::text, '"', '""') || '"' END"""
    return f"coalesce({ref}::text, '')"


def read_arrow(connection: Any, query: SqlQuery) -> Any | None:
    """Run a slice's ``SELECT`` and return an Arrow table, or ``None`` for unsupported types."""
    pa = require_extra("pyarrow")
    pc = require_extra("pyarrow.csv", "pandas")
    params = list(query.params)
    with connection.transaction():
        # Fixed text forms regardless of the server's or role's settings.
        connection.execute("SET LOCAL DateStyle TO 'ISO, YMD'")
        connection.execute("SET LOCAL TimeZone TO 'UTC'")
        connection.execute("SET LOCAL extra_float_digits TO 1")
        with connection.cursor() as cur:
            cur.execute(f"SELECT * FROM ({query.sql}) AS q LIMIT 0", params)
            columns = list(cur.description or ())
            types = [_arrow_type(c) for c in columns]
            if any(t is None for t in types) or len({c.name for c in columns}) != len(columns):
                return None
            names = [c.name for c in columns]
            if not columns:
                return pa.table({})
            line = " || ',' || ".join(_csv_field(c.name, c.type_code) for c in columns)
            cur.execute(f"SELECT {line} FROM ({query.sql}) AS q", params)
            chunks: list[bytes] = []
            while rows := cur.fetchmany(_FETCH_BATCH_ROWS):
                # every line ends in a newline: a last row that is one NULL is "\n", not ""
                chunks.append(("\n".join([r[0] for r in rows]) + "\n").encode())
    schema = pa.schema(list(zip(names, types, strict=True)))
    if not chunks:
        return schema.empty_table()
    try:
        return pc.read_csv(
            pa.py_buffer(b"".join(chunks)),
            read_options=pc.ReadOptions(column_names=names),
            # a one-column row holding NULL is an empty line, and still a row
            parse_options=pc.ParseOptions(newlines_in_values=True, ignore_empty_lines=False),
            convert_options=pc.ConvertOptions(
                column_types=dict(zip(names, types, strict=True)),
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid:
        # text forms Arrow cannot parse (infinity timestamps, BC dates, ...): use the driver's
        return None


def fetch_rows(connection: Any, query: SqlQuery) -> tuple[list[str], Sequence[tuple[Any, ...]]]:
    """Column names and rows of a slice's ``SELECT`` as psycopg's Python objects."""
    cur = connection.execute(query.sql, list(query.params))
    return [d.name for d in cur.description or ()], cur.fetchall()
