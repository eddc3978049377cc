"""SQL built by ``dockyard.io.db``: quoted identifiers, bound partition values."""

from __future__ import annotations

from datetime import UTC, datetime

from dockyard.defs.partitions.time_window import TimeWindow
from dockyard.io.db import (
    TablePartitionDimension,
    TableSlice,
    delete_query,
    render_for_display,
    select_query,
)


def test_select_query_quotes_identifiers_and_binds_keys() -> None:
    sl = TableSlice('t"x', "s", columns=["a", 'b"'], partition_dimensions=[TablePartitionDimension("k", ["x'; --", "y"])])
    q = select_query(sl)
    assert q.sql == 'SELECT "a", "b""" FROM "s"."t""x" WHERE\nk IN (?, ?)'
    assert q.params == ("x'; --", "y")
    assert render_for_display(q).endswith("k IN ('x''; --', 'y')")


def test_delete_query_binds_time_window_bounds_with_placeholder_style() -> None:
    window = TimeWindow(datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 2, tzinfo=UTC))
    q = delete_query(TableSlice("t", "s", partition_dimensions=[TablePartitionDimension("day", window)]), "%s")
    assert q.sql == 'DELETE FROM "s"."t" WHERE\nday >= %s AND day < %s'
    assert q.params == ("2024-01-01 00:00:00", "2024-01-02 00:00:00")


def test_unpartitioned_slice_has_no_where_clause() -> None:
    assert select_query(TableSlice("t", "s")).sql == 'SELECT * FROM "s"."t"'
