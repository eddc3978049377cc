"""``PickledObjectFilesystemIOManager`` / ``FilesystemIOManager`` / ``fs_io_manager``: the exact
Dagster layout, the os-path fast path agreeing with the UPath route, atomic writes, and the
partition behaviour through the engine."""

from __future__ import annotations

import os
import pickle
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from upath import UPath

import dockyard as dg
import dockyard.io.filesystem as fs_module
from dockyard.defs.partitions.multi import MultiPartitionKey
from dockyard.errors import CheckError, DagsterInvariantViolationError
from dockyard.io.filesystem import PickledObjectFilesystemIOManager
from dockyard.io.upath import UPathIOManager
from dockyard.testing import IOManagerSuite
from dockyard.testing.io_manager_suite import GRID, LETTERS, ODD_KEYS, in_ctx, out_ctx


class ViaUPath(PickledObjectFilesystemIOManager):
    """Overrides a hook, so every call takes the generic UPath route."""

    def path_exists(self, path: UPath) -> bool:
        return super().path_exists(path)


def files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


# -- conformance ---------------------------------------------------------------------------------
class TestFilesystemConformance(IOManagerSuite):
    """The suite on the local fast path, through UPath with the fast path off, and on memory://."""

    @pytest.fixture(params=["fast-path", "via-upath", "memory"])
    def mode(self, request: pytest.FixtureRequest) -> str:
        return request.param  # type: ignore[no-any-return]

    @pytest.fixture
    def base_path(self, mode: str, tmp_path: Path) -> Any:
        return f"memory://fs/{uuid.uuid4().hex}" if mode == "memory" else str(tmp_path)

    @pytest.fixture
    def io_manager_factory(self, mode: str) -> Any:
        def make(base: str) -> PickledObjectFilesystemIOManager:
            if mode == "via-upath":
                mgr: PickledObjectFilesystemIOManager = ViaUPath(base_dir=base)
                assert mgr._fast_root is None
            else:
                mgr = PickledObjectFilesystemIOManager(base_dir=base)
                if mode == "fast-path":
                    assert mgr._fast_root == base
            return mgr

        return make


# -- layout --------------------------------------------------------------------------------------
EXPECTED_LAYOUT = [
    "daily/2024-01-02",
    "grid/a1/z2",
    "odd/%2E%2E",
    "odd/%2Flead",
    "odd/0.5-to-1.0",
    "odd/a|b",
    "odd/with space",
    "odd/x/%2E%2E/y",
    "raw/orders",
    "run1/op/out",
    "run2/op/out/m1",
    "versioned_outputs/v7/op/out",
]


@pytest.mark.parametrize("cls", [PickledObjectFilesystemIOManager, ViaUPath])
def test_layout_matches_dagster(cls: type[PickledObjectFilesystemIOManager], tmp_path: Path) -> None:
    mgr = cls(base_dir=str(tmp_path))
    mgr.handle_output(out_ctx(["raw", "orders"]), 1)
    mgr.handle_output(out_ctx(["daily"], ["2024-01-02"], LETTERS), 2)
    mgr.handle_output(out_ctx(["grid"], [MultiPartitionKey({"zeta": "z2", "alpha": "a1"})], GRID), 3)
    for pk in ODD_KEYS.get_partition_keys():
        mgr.handle_output(out_ctx(["odd"], [pk], ODD_KEYS), pk)
    mgr.handle_output(out_ctx(None, step_key="op", name="out", run_id="run1"), 4)
    mgr.handle_output(dg.build_output_context(step_key="op", name="out", run_id="run2", mapping_key="m1"), 5)
    mgr.handle_output(dg.build_output_context(step_key="op", name="out", version="v7"), 6)
    assert files_under(tmp_path) == EXPECTED_LAYOUT


def test_fast_path_builds_no_upath(tmp_path: Path) -> None:
    mgr = PickledObjectFilesystemIOManager(base_dir=str(tmp_path))
    mgr.handle_output(out_ctx(["a"], ["b"], LETTERS), 1)
    mgr.load_input(in_ctx(["a"], ["b", "c"], LETTERS, {"allow_missing_partitions": True}))
    assert mgr._upath is None


def test_relative_base_dir_is_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert PickledObjectFilesystemIOManager(base_dir="store").base_dir == str(tmp_path / "store")
    assert PickledObjectFilesystemIOManager().base_dir == str(tmp_path)


def test_is_a_upath_io_manager_with_no_extension(tmp_path: Path) -> None:
    mgr = dg.FilesystemIOManager(base_dir=str(tmp_path)).create_io_manager(dg.build_init_resource_context())
    assert isinstance(mgr, UPathIOManager) and mgr.extension is None
    assert mgr._base_path == UPath(str(tmp_path))


def test_metadata_path_is_absolute_and_omitted_for_none(tmp_path: Path) -> None:
    mgr = PickledObjectFilesystemIOManager(base_dir=str(tmp_path))
    ctx = out_ctx(["a"])
    mgr.handle_output(ctx, 1)
    assert ctx.get_logged_metadata() == {"path": dg.MetadataValue.path(str(tmp_path / "a"))}
    none_ctx = out_ctx(["b"])
    mgr.handle_output(none_ctx, None)
    assert none_ctx.get_logged_metadata() == {}
    assert mgr.load_input(in_ctx(["b"])) is None


def test_legacy_multi_partition_path_still_loads(tmp_path: Path) -> None:
    key = MultiPartitionKey({"zeta": "z1", "alpha": "a2"})
    (tmp_path / "grid").mkdir()
    (tmp_path / "grid" / "a2|z1").write_bytes(pickle.dumps("old"))
    for cls in (PickledObjectFilesystemIOManager, ViaUPath):
        assert cls(base_dir=str(tmp_path)).load_input(in_ctx(["grid"], [key], GRID)) == "old"


def test_missing_unpartitioned_value_names_asset_and_path(tmp_path: Path) -> None:
    mgr = PickledObjectFilesystemIOManager(base_dir=str(tmp_path))
    with pytest.raises(FileNotFoundError) as info:
        mgr.load_input(in_ctx(["raw", "orders"]))
    assert str(info.value).startswith(
        f"No stored value for asset ['raw', 'orders']: {tmp_path / 'raw' / 'orders'} does not exist."
    )


def test_missing_op_output_names_step_and_output(tmp_path: Path) -> None:
    mgr = PickledObjectFilesystemIOManager(base_dir=str(tmp_path))
    upstream = out_ctx(None, step_key="make", name="out", run_id="r9")
    with pytest.raises(FileNotFoundError, match=r"output 'out' of step 'make'"):
        mgr.load_input(in_ctx(None, upstream=upstream))


# -- writes --------------------------------------------------------------------------------------
def test_failed_write_keeps_previous_value_and_no_temp_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mgr = PickledObjectFilesystemIOManager(base_dir=str(tmp_path))
    mgr.handle_output(out_ctx(["a"], ["b"], LETTERS), "old")

    def failing_replace(src: str, dst: str) -> None:
        raise OSError("simulated crash before the rename")

    monkeypatch.setattr(fs_module.os, "replace", failing_replace)
    with pytest.raises(OSError, match="simulated crash"):
        mgr.handle_output(out_ctx(["a"], ["b"], LETTERS), "new")
    monkeypatch.undo()
    assert os.listdir(tmp_path / "a") == ["b"]
    assert mgr.load_input(in_ctx(["a"], ["b"], LETTERS)) == "old"


def test_unpicklable_value_names_the_manager_and_executor(tmp_path: Path) -> None:
    mgr = PickledObjectFilesystemIOManager(base_dir=str(tmp_path))
    mgr.handle_output(out_ctx(["a"]), "old")
    with pytest.raises(DagsterInvariantViolationError) as info:
        mgr.handle_output(out_ctx(["a"]), threading.Lock())
    assert "is not picklable. You are currently using the fs_io_manager and the in_process executor" in str(info.value)
    assert "asset ['a']" in str(info.value)
    assert mgr.load_input(in_ctx(["a"])) == "old"
    assert os.listdir(tmp_path) == ["a"]


def test_too_deep_value_reports_the_recursion_limit(tmp_path: Path) -> None:
    deep: list[Any] = []
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(DagsterInvariantViolationError, match="exceeds recursion limit"):
        PickledObjectFilesystemIOManager(base_dir=str(tmp_path)).handle_output(out_ctx(["a"]), deep)


@pytest.mark.parametrize("cls", [PickledObjectFilesystemIOManager, ViaUPath])
def test_file_becomes_partition_directory(cls: type[PickledObjectFilesystemIOManager], tmp_path: Path) -> None:
    mgr = cls(base_dir=str(tmp_path))
    mgr.handle_output(out_ctx(["evolving"]), "whole")
    mgr.handle_output(out_ctx(["evolving"], [MultiPartitionKey({"alpha": "a1", "zeta": "z1"})], GRID), "cell")
    assert files_under(tmp_path) == ["evolving/a1/z1"]


def test_partition_directory_where_a_file_goes_is_an_invariant_violation(tmp_path: Path) -> None:
    mgr = PickledObjectFilesystemIOManager(base_dir=str(tmp_path))
    mgr.handle_output(out_ctx(["evolving"], ["a"], LETTERS), "part")
    with pytest.raises(DagsterInvariantViolationError, match="a directory is there"):
        mgr.handle_output(out_ctx(["evolving"]), "whole")
    assert files_under(tmp_path) == ["evolving/a"]


def test_several_partitions_in_one_output_is_a_check_error(tmp_path: Path) -> None:
    mgr = PickledObjectFilesystemIOManager(base_dir=str(tmp_path))
    with pytest.raises(CheckError, match="does not support persisting an output associated with multiple partitions"):
        mgr.handle_output(out_ctx(["x"], ["a", "b"], LETTERS), 1)


# -- concurrent loads ----------------------------------------------------------------------------
def test_fast_path_loads_partitions_concurrently(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mgr = PickledObjectFilesystemIOManager(base_dir=str(tmp_path))
    keys = list("abcdefgh")
    for pk in keys:
        mgr.handle_output(out_ctx(["x"], [pk], LETTERS), pk)
    lock = threading.Lock()
    active = peak = 0
    real_load = pickle.load

    def slow_load(f: Any) -> Any:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.02)
        with lock:
            active -= 1
        return real_load(f)

    monkeypatch.setattr(fs_module.pickle, "load", slow_load)
    assert mgr.load_input(in_ctx(["x"], keys, LETTERS)) == {k: k for k in keys}
    assert peak > 1


# -- through the engine --------------------------------------------------------------------------
HOURLY = dg.HourlyPartitionsDefinition(start_date="2024-01-01-00:00")
DAILY = dg.DailyPartitionsDefinition(start_date="2024-01-01")


class Recording(PickledObjectFilesystemIOManager):
    """Keeps the contexts the engine passes (handle_output/load_input overrides keep the fast path)."""

    def __init__(self, base_dir: str) -> None:
        super().__init__(base_dir=base_dir)
        self.seen: list[tuple[str, Any, Any, Any]] = []

    def handle_output(self, context: Any, obj: Any) -> None:
        self.seen.append(("out", context.partition_key, context.asset_partition_key, context.asset_partitions_def))
        super().handle_output(context, obj)

    def load_input(self, context: Any) -> Any:
        keys = context.asset_partition_keys
        self.seen.append(("in", context.partition_key, keys, context.asset_partition_key_range))
        return super().load_input(context)


def test_hourly_upstream_loads_as_24_key_dict_in_a_daily_run(tmp_path: Path) -> None:
    @dg.asset(partitions_def=HOURLY)
    def hours(context: dg.AssetExecutionContext) -> str:
        return context.partition_key

    @dg.asset(partitions_def=DAILY)
    def day(hours: dict[str, str]) -> int:
        return len(hours)

    io = Recording(str(tmp_path))
    assert io._fast_root == str(tmp_path)
    for h in range(24):
        result = dg.materialize([hours], partition_key=f"2024-01-01-{h:02d}:00", resources={"io_manager": io})
        assert result.success
    result = dg.materialize([*hours.to_source_assets(), day], partition_key="2024-01-01", resources={"io_manager": io})
    assert result.output_for_node("day") == 24
    assert io.seen[0] == ("out", "2024-01-01-00:00", "2024-01-01-00:00", HOURLY)
    kind, run_key, keys, key_range = io.seen[-2]
    assert (kind, run_key, len(keys), keys[0], keys[-1]) == ("in", "2024-01-01", 24, "2024-01-01-00:00", "2024-01-01-23:00")
    assert key_range == dg.PartitionKeyRange("2024-01-01-00:00", "2024-01-01-23:00")
    assert len(os.listdir(tmp_path / "hours")) == 24
    [mat] = result.asset_materializations_for_node("day")
    assert mat.metadata["path"] == dg.MetadataValue.path(str(tmp_path / "day" / "2024-01-01"))


def test_daily_upstream_loads_the_containing_day_in_an_hourly_run(tmp_path: Path) -> None:
    @dg.asset(partitions_def=DAILY)
    def day(context: dg.AssetExecutionContext) -> str:
        return context.partition_key

    @dg.asset(partitions_def=HOURLY)
    def hour(day: str) -> str:
        return day

    io = dg.FilesystemIOManager(base_dir=str(tmp_path))
    dg.materialize([day], partition_key="2024-01-02", resources={"io_manager": io})
    result = dg.materialize([*day.to_source_assets(), hour], partition_key="2024-01-02-05:00", resources={"io_manager": io})
    assert result.output_for_node("hour") == "2024-01-02"


def test_key_range_run_writes_one_value_per_partition_with_a_range_aware_manager(tmp_path: Path) -> None:
    class PerPartition(dg.IOManager):
        def __init__(self) -> None:
            self.stored: dict[str, Any] = {}

        def handle_output(self, context: Any, obj: Any) -> None:
            for pk in context.asset_partition_keys:
                self.stored[pk] = obj[pk]

        def load_input(self, context: Any) -> Any:
            return {pk: self.stored[pk] for pk in context.asset_partition_keys}

    @dg.asset(partitions_def=DAILY)
    def days(context: dg.AssetExecutionContext) -> dict[str, int]:
        return {pk: i for i, pk in enumerate(context.partition_keys)}

    tags = {"dagster/asset_partition_range_start": "2024-01-01", "dagster/asset_partition_range_end": "2024-01-03"}
    io = PerPartition()
    result = dg.materialize([days], tags=tags, resources={"io_manager": io})
    assert io.stored == {"2024-01-01": 0, "2024-01-02": 1, "2024-01-03": 2}
    assert sorted(m.partition for m in result.asset_materializations_for_node("days")) == list(io.stored)

    # the filesystem manager stores one partition per file: a range in one output is refused
    with pytest.raises(CheckError, match="multiple partitions: asset \\['days'\\] got 3 partitions"):
        dg.materialize([days], tags=tags, resources={"io_manager": dg.FilesystemIOManager(base_dir=str(tmp_path))})
    assert not (tmp_path / "days").exists()


def test_missing_upstream_partition_fails_the_run_with_file_not_found(tmp_path: Path) -> None:
    @dg.asset(partitions_def=DAILY)
    def src() -> int:
        return 1

    @dg.asset(partitions_def=DAILY, ins={"src": dg.AssetIn(partition_mapping=dg.TimeWindowPartitionMapping(start_offset=-1))})
    def two_days(src: Any) -> int:  # a dict of two days, or the first day's bare value
        return sum(src.values()) if isinstance(src, dict) else src

    io = dg.fs_io_manager.configured({"base_dir": str(tmp_path)})
    dg.materialize([src], partition_key="2024-01-03", resources={"io_manager": io})
    with pytest.raises(FileNotFoundError, match="partition '2024-01-02' of asset \\['src'\\]"):
        dg.materialize([*src.to_source_assets(), two_days], partition_key="2024-01-03", resources={"io_manager": io})
    # the first partition: the offset is clipped to the upstream's first day, not an error
    dg.materialize([src], partition_key="2024-01-01", resources={"io_manager": io})
    result = dg.materialize([*src.to_source_assets(), two_days], partition_key="2024-01-01", resources={"io_manager": io})
    assert result.output_for_node("two_days") == 1


def test_invalid_partition_mapping_is_rejected_naming_both_assets() -> None:
    @dg.asset(partitions_def=dg.StaticPartitionsDefinition(["a", "b"]))
    def colors() -> int:
        return 1

    @dg.asset(partitions_def=DAILY, ins={"colors": dg.AssetIn(partition_mapping=dg.TimeWindowPartitionMapping())})
    def daily_colors(colors: int) -> int:
        return colors

    with pytest.raises(dg.DagsterInvalidDefinitionError, match=r"Invalid partition mapping from .*daily_colors.* to .*colors"):
        dg.Definitions.validate_loadable(dg.Definitions(assets=[colors, daily_colors]))


# -- audit against Dagster ------------------------------------------------------------------------
def test_value_pickle_rejects_with_type_error_stays_a_type_error(tmp_path: Path) -> None:
    # Dagster lets pickle's TypeError (locks, sockets) through; dockyard's clearer error keeps
    # that class so `except TypeError` still works.
    @dg.asset
    def lock() -> Any:
        return threading.Lock()

    manager = dg.FilesystemIOManager(base_dir=str(tmp_path))
    with pytest.raises(TypeError, match="not picklable"):
        dg.materialize([lock], resources={"io_manager": manager})


def test_custom_path_fs_io_manager_writes_metadata_paths(tmp_path: Path) -> None:
    custom_path_fs_io_manager = dg.custom_path_fs_io_manager

    @dg.op(out=dg.Out(metadata={"path": "sub/dir/first.pkl"}))
    def first() -> dict[str, int]:
        return {"x": 1}

    @dg.op(out=dg.Out(metadata={"path": "second.pkl"}))
    def second(value: dict[str, int]) -> dict[str, int]:
        return {**value, "y": 2}

    @dg.job(resource_defs={"io_manager": custom_path_fs_io_manager.configured({"base_dir": str(tmp_path)})})
    def custom() -> None:
        second(first())

    result = custom.execute_in_process()
    assert result.output_for_node("second") == {"x": 1, "y": 2}
    assert files_under(tmp_path) == ["second.pkl", "sub/dir/first.pkl"]
    with open(tmp_path / "sub" / "dir" / "first.pkl", "rb") as f:
        assert pickle.load(f) == {"x": 1}
    mats = [
        (e.event_specific_data.materialization.asset_key.path,
         e.event_specific_data.materialization.metadata["path"].value)
        for e in result.all_events
        if e.event_type_value == "ASSET_MATERIALIZATION"
    ]
    assert mats == [
        (["custom", "first", "result"], str(tmp_path / "sub" / "dir" / "first.pkl")),
        (["custom", "second", "result"], str(tmp_path / "second.pkl")),
    ]

    @dg.op
    def no_path() -> int:
        return 1

    @dg.job(resource_defs={"io_manager": custom_path_fs_io_manager.configured({"base_dir": str(tmp_path)})})
    def missing() -> None:
        no_path()

    with pytest.raises(CheckError, match="'path'"):
        missing.execute_in_process()


def test_custom_path_fs_io_manager_failed_write_keeps_the_previous_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    values: list[Any] = [{"version": 1}, {"version": 2}]

    @dg.op(out=dg.Out(metadata={"path": "value.pkl"}))
    def produce() -> Any:
        return values.pop(0)

    @dg.job(resource_defs={"io_manager": dg.custom_path_fs_io_manager.configured({"base_dir": str(tmp_path)})})
    def write() -> None:
        produce()

    assert write.execute_in_process().success
    real_replace = os.replace

    def failing_replace(src: Any, dst: Any) -> None:
        if os.fspath(dst).endswith("value.pkl"):
            raise OSError("disk full (simulated) while moving the new value into place")
        real_replace(src, dst)

    monkeypatch.setattr(fs_module.os, "replace", failing_replace)
    assert not write.execute_in_process(raise_on_error=False).success
    assert files_under(tmp_path) == ["value.pkl"]  # the temporary file is gone too
    with open(tmp_path / "value.pkl", "rb") as f:
        assert pickle.load(f) == {"version": 1}
