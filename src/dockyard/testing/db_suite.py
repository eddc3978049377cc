"""``DbIOManagerSuite``: the behaviour every database I/O manager must show.

Subclass it in a test module and provide three fixtures:

* ``io_manager_factory(schema=None)`` -> a ready ``IOManager`` (e.g. ``create_io_manager(...)``
  of a configured ``DuckDBPandasIOManager``);
* ``query(sql)`` -> the rows (tuples) of a raw SQL query against the same database;
* ``frame_adapter`` -> a :class:`FrameAdapter` for the handler's Python type.

The tests call ``handle_output`` / ``load_input`` directly with contexts built here, so they run
without an engine and fail with the manager's own error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest

from dockyard.defs.keys import AssetKey
from dockyard.defs.partitions.multi import MultiPartitionKey, MultiPartitionsDefinition
from dockyard.defs.partitions.static import StaticPartitionsDefinition
from dockyard.defs.partitions.time_window_shorthands import DailyPartitionsDefinition
from dockyard.defs.types import resolve_dagster_type
from dockyard.errors import CheckError, DagsterInvariantViolationError
from dockyard.io.context import InputContext, OutputContext

HOSTILE_TABLE = "t'); DROP TABLE canary; --\"x"
HOSTILE_SCHEMA = 's"; DROP TABLE canary; --'
HOSTILE_KEYS = ["a'); DROP TABLE canary; --", 'b"; DELETE FROM canary; --', "c' OR '1'='1"]


@dataclass(frozen=True)
class FrameAdapter:
    """How the suite builds values of the handled type and reads them back as row tuples."""

    frame_type: type
    make: Callable[[dict[str, list[Any]]], Any]
    rows: Callable[[Any], list[tuple[Any, ...]]]


def _out(
    key: Sequence[str],
    frame_type: type,
    metadata: Mapping[str, Any] | None = None,
    partitions_def: Any = None,
    keys: Sequence[str] | None = None,
) -> OutputContext:
    return OutputContext(
        name="result",
        step_key="step",
        run_id="run",
        asset_key=AssetKey(list(key)),
        definition_metadata=dict(metadata or {}),
        dagster_type=resolve_dagster_type(frame_type),
        asset_partitions_def=partitions_def,
        asset_partition_keys=list(keys) if keys is not None else None,
        partition_key=keys[0] if keys else None,
    )


def _in(
    upstream: OutputContext,
    frame_type: type,
    metadata: Mapping[str, Any] | None = None,
    keys: Sequence[str] | None = None,
) -> InputContext:
    return InputContext(
        name="upstream",
        upstream_output=upstream,
        asset_key=upstream.asset_key,
        definition_metadata=dict(metadata or {}),
        dagster_type=resolve_dagster_type(frame_type),
        asset_partitions_def=upstream._partitions_def,
        asset_partition_keys=list(keys) if keys is not None else upstream._keys,
    )


def _day(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d")


class DbIOManagerSuite:
    """Conformance tests for database I/O managers; see the module docstring for fixtures."""

    def _store(self, manager: Any, ctx: OutputContext, data: dict[str, list[Any]], fa: FrameAdapter) -> None:
        manager.handle_output(ctx, fa.make(data))

    def _load(self, manager: Any, ctx: InputContext, fa: FrameAdapter) -> list[tuple[Any, ...]]:
        return sorted(fa.rows(manager.load_input(ctx)), key=repr)

    def test_unpartitioned_write_replaces_all_rows(self, io_manager_factory: Any, query: Any, frame_adapter: FrameAdapter) -> None:
        manager, fa = io_manager_factory(), frame_adapter
        ctx = _out(["sales"], fa.frame_type)
        self._store(manager, ctx, {"a": [1, 2, 3], "b": ["x", "y", "z"]}, fa)
        self._store(manager, _out(["sales"], fa.frame_type), {"a": [4, 5], "b": ["p", "q"]}, fa)
        assert query('SELECT a, b FROM "public"."sales" ORDER BY a') == [(4, "p"), (5, "q")]
        assert self._load(manager, _in(ctx, fa.frame_type), fa) == [(4, "p"), (5, "q")]

    def test_output_metadata_names_table_and_query(self, io_manager_factory: Any, frame_adapter: FrameAdapter) -> None:
        manager, fa = io_manager_factory(), frame_adapter
        ctx = _out(["meta_t"], fa.frame_type)
        self._store(manager, ctx, {"a": [1, 2]}, fa)
        meta = {k: v.value for k, v in ctx.get_logged_metadata().items()}
        assert str(meta["dagster/table_name"]).endswith("public.meta_t")
        assert "meta_t" in meta["Query"]
        assert meta["dagster/row_count"] == 2

    def test_static_partition_write_replaces_only_that_partition(self, io_manager_factory: Any, query: Any, frame_adapter: FrameAdapter) -> None:
        manager, fa = io_manager_factory(), frame_adapter
        pdef = StaticPartitionsDefinition(["red", "blue"])
        meta = {"partition_expr": "color"}
        for color, n in [("red", 2), ("blue", 3), ("red", 1)]:
            ctx = _out(["colored"], fa.frame_type, meta, pdef, [color])
            self._store(manager, ctx, {"color": [color] * n, "v": list(range(n))}, fa)
        assert query('SELECT color, count(*) FROM "public"."colored" GROUP BY 1 ORDER BY 1') == [("blue", 3), ("red", 1)]
        ctx = _out(["colored"], fa.frame_type, meta, pdef, ["blue"])
        assert [r[0] for r in self._load(manager, _in(ctx, fa.frame_type), fa)] == ["blue"] * 3

    def test_time_partition_write_replaces_only_that_partition(self, io_manager_factory: Any, query: Any, frame_adapter: FrameAdapter) -> None:
        manager, fa = io_manager_factory(), frame_adapter
        pdef = DailyPartitionsDefinition(start_date="2024-01-01")
        meta = {"partition_expr": "day"}
        for day, n in [("2024-01-01", 2), ("2024-01-02", 2), ("2024-01-02", 3)]:
            ctx = _out(["daily"], fa.frame_type, meta, pdef, [day])
            self._store(manager, ctx, {"day": [_day(day)] * n, "v": list(range(n))}, fa)
        got = query('SELECT CAST(day AS DATE), count(*) FROM "public"."daily" GROUP BY 1 ORDER BY 1')
        assert [(str(d), c) for d, c in got] == [("2024-01-01", 2), ("2024-01-02", 3)]

    def test_multi_partition_write_replaces_only_that_partition(self, io_manager_factory: Any, query: Any, frame_adapter: FrameAdapter) -> None:
        manager, fa = io_manager_factory(), frame_adapter
        pdef = MultiPartitionsDefinition(
            {"color": StaticPartitionsDefinition(["red", "blue"]), "date": DailyPartitionsDefinition(start_date="2024-01-01")}
        )
        meta = {"partition_expr": {"color": "color", "date": "day"}}
        writes = [("red", "2024-01-01", 2), ("blue", "2024-01-01", 2), ("red", "2024-01-02", 2), ("red", "2024-01-01", 1)]
        for color, day, n in writes:
            key = MultiPartitionKey({"color": color, "date": day})
            ctx = _out(["multi"], fa.frame_type, meta, pdef, [key])
            self._store(manager, ctx, {"color": [color] * n, "day": [_day(day)] * n}, fa)
        got = query('SELECT color, CAST(day AS DATE), count(*) FROM "public"."multi" GROUP BY 1, 2 ORDER BY 1, 2')
        assert [(c, str(d), n) for c, d, n in got] == [("blue", "2024-01-01", 2), ("red", "2024-01-01", 1), ("red", "2024-01-02", 2)]

    def test_loading_several_partitions_concatenates_them(self, io_manager_factory: Any, frame_adapter: FrameAdapter) -> None:
        manager, fa = io_manager_factory(), frame_adapter
        pdef = DailyPartitionsDefinition(start_date="2024-01-01")
        meta = {"partition_expr": "day"}
        for day in ["2024-01-01", "2024-01-02", "2024-01-03"]:
            self._store(manager, _out(["span"], fa.frame_type, meta, pdef, [day]), {"day": [_day(day)], "v": [int(day[-1])]}, fa)
        upstream = _out(["span"], fa.frame_type, meta, pdef, ["2024-01-01"])
        rows = self._load(manager, _in(upstream, fa.frame_type, keys=["2024-01-01", "2024-01-02"]), fa)
        assert sorted(r[1] for r in rows) == [1, 2]
        static = StaticPartitionsDefinition(["a", "b", "c"])
        for k in ["a", "b", "c"]:
            self._store(manager, _out(["letters"], fa.frame_type, {"partition_expr": "k"}, static, [k]), {"k": [k]}, fa)
        up = _out(["letters"], fa.frame_type, {"partition_expr": "k"}, static, ["a"])
        assert self._load(manager, _in(up, fa.frame_type, keys=["a", "c"]), fa) == [("a",), ("c",)]

    def test_columns_metadata_projects_columns(self, io_manager_factory: Any, frame_adapter: FrameAdapter) -> None:
        manager, fa = io_manager_factory(), frame_adapter
        ctx = _out(["wide"], fa.frame_type)
        self._store(manager, ctx, {"a": [1], "b": ["x"], "c": [2.5]}, fa)
        assert self._load(manager, _in(ctx, fa.frame_type, {"columns": ["c", "a"]}), fa) == [(2.5, 1)]

    def test_schema_precedence_metadata_config_prefix_public(self, io_manager_factory: Any, query: Any, frame_adapter: FrameAdapter) -> None:
        fa = frame_adapter
        plain, configured = io_manager_factory(), io_manager_factory(schema="cfg")
        self._store(configured, _out(["pre", "t1"], fa.frame_type, {"schema": "meta"}), {"a": [1]}, fa)
        self._store(configured, _out(["pre", "t2"], fa.frame_type), {"a": [1]}, fa)
        self._store(plain, _out(["pre", "t3"], fa.frame_type), {"a": [1]}, fa)
        self._store(plain, _out(["t4"], fa.frame_type), {"a": [1]}, fa)
        got = query(
            "SELECT table_name, table_schema FROM information_schema.tables "
            "WHERE table_name IN ('t1', 't2', 't3', 't4') ORDER BY 1"
        )
        assert got == [("t1", "meta"), ("t2", "cfg"), ("t3", "pre"), ("t4", "public")]

    def test_none_output_raises_naming_the_asset(self, io_manager_factory: Any, frame_adapter: FrameAdapter) -> None:
        with pytest.raises(DagsterInvariantViolationError, match=r"'None' output value.*nothing_here"):
            io_manager_factory().handle_output(_out(["nothing_here"], frame_adapter.frame_type), None)

    def test_unsupported_type_names_supported_types(self, io_manager_factory: Any, frame_adapter: FrameAdapter) -> None:
        with pytest.raises(CheckError, match=frame_adapter.frame_type.__name__):
            io_manager_factory().handle_output(_out(["bad"], frame_adapter.frame_type), {"a": 1})

    def test_partitioned_asset_without_partition_expr_raises(self, io_manager_factory: Any, frame_adapter: FrameAdapter) -> None:
        ctx = _out(["nopx"], frame_adapter.frame_type, {}, StaticPartitionsDefinition(["a"]), ["a"])
        with pytest.raises(ValueError, match="no 'partition_expr' metadata"):
            io_manager_factory().handle_output(ctx, frame_adapter.make({"k": ["a"]}))

    def test_hostile_keys_cannot_inject_sql(self, io_manager_factory: Any, query: Any, frame_adapter: FrameAdapter) -> None:
        manager, fa = io_manager_factory(), frame_adapter
        self._store(manager, _out(["canary"], fa.frame_type), {"a": [1]}, fa)
        pdef = StaticPartitionsDefinition(HOSTILE_KEYS)
        meta = {"partition_expr": "k"}
        for key in HOSTILE_KEYS + HOSTILE_KEYS[:1]:
            self._store(manager, _out([HOSTILE_SCHEMA, HOSTILE_TABLE], fa.frame_type, meta, pdef, [key]), {"k": [key]}, fa)
        upstream = _out([HOSTILE_SCHEMA, HOSTILE_TABLE], fa.frame_type, meta, pdef, [HOSTILE_KEYS[0]])
        assert self._load(manager, _in(upstream, fa.frame_type, keys=HOSTILE_KEYS[:2]), fa) == sorted(
            [(k,) for k in HOSTILE_KEYS[:2]], key=repr
        )
        table = '"' + HOSTILE_SCHEMA.replace('"', '""') + '"."' + HOSTILE_TABLE.replace('"', '""') + '"'
        assert sorted(query(f"SELECT k FROM {table}")) == sorted((k,) for k in HOSTILE_KEYS)
        assert query('SELECT a FROM "public"."canary"') == [(1,)]
