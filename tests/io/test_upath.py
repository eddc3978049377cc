"""``UPathIOManager`` on local disk and ``memory://``: paths, metadata, partitions, missing
partitions on the sync and async paths, atomic writes, concurrent loads."""

from __future__ import annotations

import asyncio
import os
import pickle
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import fsspec
import pytest
from upath import UPath

import dockyard as dg
from dockyard.errors import (
    CheckError,
    DagsterInvalidDefinitionError,
    DagsterInvariantViolationError,
)
from dockyard.io.upath import UPathIOManager, run_coroutine, writes_whole_object
from dockyard.testing import IOManagerSuite
from dockyard.testing.io_manager_suite import GRID, LETTERS, in_ctx, out_ctx


def memory_base() -> str:
    return f"memory://bucket/{uuid.uuid4().hex}"


class JsonIOManager(UPathIOManager):
    """A text format with an extension, the shape users write."""

    extension = ".json"

    def dump_to_path(self, context: Any, obj: Any, path: UPath) -> None:
        import json

        path.write_text(json.dumps(obj))

    def load_from_path(self, context: Any, path: UPath) -> Any:
        import json

        return json.loads(path.read_text())

    def get_metadata(self, context: Any, obj: Any) -> dict[str, Any]:
        return {"n": dg.MetadataValue.int(len(obj) if isinstance(obj, list) else 1)}


class AsyncIOManager(UPathIOManager):
    async def load_from_path(self, context: Any, path: UPath) -> Any:  # type: ignore[override]
        await asyncio.sleep(0)
        with path.open("rb") as f:
            return pickle.load(f)


# -- conformance: the suite on both filesystems -------------------------------------------------
class TestUPathConformance(IOManagerSuite):
    """``UPathIOManager`` on the local disk and on memory://, and a JSON subclass on memory://."""

    @pytest.fixture(params=["local-disk", "memory", "json-subclass-on-memory"])
    def mode(self, request: pytest.FixtureRequest) -> str:
        return request.param  # type: ignore[no-any-return]

    @pytest.fixture
    def base_path(self, mode: str, tmp_path: Path) -> Any:
        if mode == "local-disk":
            return UPath(tmp_path)
        return memory_base() if mode == "memory" else UPath(memory_base())

    @pytest.fixture
    def io_manager_factory(self, mode: str) -> Any:
        cls = JsonIOManager if mode == "json-subclass-on-memory" else UPathIOManager
        return lambda base: cls(base_path=base)


# -- base path, extension ------------------------------------------------------------------------
def test_base_path_accepts_a_string_and_defaults_to_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert isinstance(UPathIOManager(base_path=str(tmp_path))._base_path, UPath)
    monkeypatch.chdir(tmp_path)
    mgr = UPathIOManager()
    mgr.handle_output(out_ctx(["here"]), 1)
    assert (tmp_path / "here").is_file()
    assert mgr.load_input(in_ctx(["here"])) == 1


def test_fs_and_storage_options_come_from_the_base_path() -> None:
    mgr = UPathIOManager(base_path=memory_base())
    assert mgr.fs is fsspec.filesystem("memory")
    assert mgr.storage_options == {}


@pytest.mark.parametrize("ext", ["json", "x", ".", 5])
def test_extension_without_leading_dot_is_rejected(ext: Any) -> None:
    bad = type("Bad", (UPathIOManager,), {"extension": ext})
    with pytest.raises(DagsterInvalidDefinitionError, match=r"extension must be None or a file suffix"):
        bad(base_path=memory_base())


def test_bad_extension_error_is_also_an_assertion_error() -> None:
    # Dagster asserts on the extension in __init__: `except AssertionError` must keep working.
    bad = type("Bad", (UPathIOManager,), {"extension": "json"})
    with pytest.raises(AssertionError):
        bad(base_path=memory_base())


# -- exact paths ----------------------------------------------------------------------------------
def test_paths_follow_the_layout(tmp_path: Path) -> None:
    mgr = JsonIOManager(base_path=UPath(tmp_path))
    mgr.handle_output(out_ctx(["raw", "orders"]), [1])
    mgr.handle_output(out_ctx(["daily"], ["a"], LETTERS), [2])
    grid_key = next(iter(GRID.get_partition_keys()))
    mgr.handle_output(out_ctx(["grid"], [grid_key], GRID), [3])
    mgr.handle_output(out_ctx(None, step_key="op", name="out", run_id="r1"), [4])
    found = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    # multi-partition values nest by dimension name: alpha before zeta
    assert found == ["daily/a.json", "grid/a1/z1.json", "r1/op/out.json", "raw/orders.json"]


def test_partition_keys_cannot_leave_the_asset_directory(tmp_path: Path) -> None:
    mgr = UPathIOManager(base_path=UPath(tmp_path))
    for pk in ["/abs", "..", "x/../y", "0.5-to-1.0"]:
        mgr.handle_output(out_ctx(["odd"], [pk], LETTERS), pk)
    found = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert found == ["odd/%2E%2E", "odd/%2Fabs", "odd/0.5-to-1.0", "odd/x/%2E%2E/y"]


def test_memory_paths_and_metadata() -> None:
    base = memory_base()
    mgr = JsonIOManager(base_path=base)
    ctx = out_ctx(["clicks"], ["a"], LETTERS)
    mgr.handle_output(ctx, [1, 2])
    meta = ctx.get_logged_metadata()
    assert meta["path"] == dg.MetadataValue.path(f"{base}/clicks/a.json")
    assert meta["n"] == dg.MetadataValue.int(2)
    assert fsspec.filesystem("memory").exists(base.removeprefix("memory://") + "/clicks/a.json")
    assert mgr.has_output(out_ctx(["clicks"])) is False


# -- metadata ------------------------------------------------------------------------------------
def test_metadata_has_path_merged_with_get_metadata(tmp_path: Path) -> None:
    ctx = out_ctx(["a"])
    JsonIOManager(base_path=UPath(tmp_path)).handle_output(ctx, [1, 2, 3])
    assert ctx.get_logged_metadata() == {
        "path": dg.MetadataValue.path(str(tmp_path / "a.json")),
        "n": dg.MetadataValue.int(3),
    }


def test_get_metadata_can_override_path(tmp_path: Path) -> None:
    class Custom(UPathIOManager):
        def get_metadata(self, context: Any, obj: Any) -> dict[str, Any]:
            return {"path": "elsewhere"}

    ctx = out_ctx(["a"])
    Custom(base_path=UPath(tmp_path)).handle_output(ctx, 1)
    assert ctx.get_logged_metadata()["path"] == dg.MetadataValue.text("elsewhere")


def test_none_value_is_stored_without_path_metadata(tmp_path: Path) -> None:
    ctx = out_ctx(["nothing"])
    mgr = UPathIOManager(base_path=UPath(tmp_path))
    mgr.handle_output(ctx, None)
    assert ctx.get_logged_metadata() == {}
    assert (tmp_path / "nothing").is_file()
    assert mgr.load_input(in_ctx(["nothing"])) is None


# -- missing values ------------------------------------------------------------------------------
def test_missing_partition_error_names_asset_partition_and_path(tmp_path: Path) -> None:
    mgr = JsonIOManager(base_path=UPath(tmp_path))
    mgr.handle_output(out_ctx(["letters"], ["a"], LETTERS), [1])
    with pytest.raises(FileNotFoundError) as info:
        mgr.load_input(in_ctx(["letters"], ["a", "b"], LETTERS))
    expected = str(tmp_path / "letters" / "b.json")
    assert str(info.value) == (
        f"No stored value for partition 'b' of asset ['letters']: {expected} does not exist. "
        "Materialize that partition first, or set metadata={'allow_missing_partitions': True} "
        "on the input to skip missing partitions."
    )
    assert isinstance(info.value.__cause__, FileNotFoundError)


def test_loader_failing_on_an_existing_file_is_not_reported_as_missing(tmp_path: Path) -> None:
    class Broken(UPathIOManager):
        def load_from_path(self, context: Any, path: UPath) -> Any:
            raise FileNotFoundError("some other file")

    mgr = Broken(base_path=UPath(tmp_path))
    mgr.handle_output(out_ctx(["x"], ["a"], LETTERS), 1)
    mgr.handle_output(out_ctx(["x"], ["b"], LETTERS), 1)
    with pytest.raises(FileNotFoundError, match=r"^some other file$"):
        mgr.load_input(in_ctx(["x"], ["a", "b"], LETTERS, {"allow_missing_partitions": True}))


# -- async loaders -------------------------------------------------------------------------------
def test_async_loader_returns_a_dict_even_for_one_partition() -> None:
    mgr = AsyncIOManager(base_path=memory_base())
    mgr.handle_output(out_ctx(["x"], ["a"], LETTERS), "A")
    mgr.handle_output(out_ctx(["x"], ["b"], LETTERS), "B")
    assert mgr.load_input(in_ctx(["x"], ["a"], LETTERS)) == {"a": "A"}
    assert mgr.load_input(in_ctx(["x"], ["b", "a"], LETTERS)) == {"b": "B", "a": "A"}
    mgr.handle_output(out_ctx(["plain"]), 7)
    assert mgr.load_input(in_ctx(["plain"])) == 7


def test_async_loader_skips_missing_partitions_when_allowed(tmp_path: Path) -> None:
    mgr = AsyncIOManager(base_path=UPath(tmp_path))
    for pk in "ace":
        mgr.handle_output(out_ctx(["x"], [pk], LETTERS), pk.upper())
    loaded = mgr.load_input(in_ctx(["x"], list("abcde"), LETTERS, {"allow_missing_partitions": True}))
    assert loaded == {"a": "A", "c": "C", "e": "E"}


def test_async_loader_failures_raise_runtime_error_with_causes(tmp_path: Path) -> None:
    mgr = AsyncIOManager(base_path=UPath(tmp_path))
    mgr.handle_output(out_ctx(["x"], ["a"], LETTERS), "A")
    with pytest.raises(RuntimeError, match=r"^2 partitions could not be loaded: 'b', 'c' of asset \['x'\]") as info:
        mgr.load_input(in_ctx(["x"], ["a", "b", "c"], LETTERS))
    group = info.value.__cause__
    assert isinstance(group, ExceptionGroup)
    assert [type(e) for e in group.exceptions] == [FileNotFoundError, FileNotFoundError]
    assert "partition 'b'" in str(group.exceptions[0])
    with pytest.raises(RuntimeError, match=r"^1 partitions could not be loaded") as one:
        mgr.load_input(in_ctx(["x"], ["a", "b"], LETTERS))
    assert isinstance(one.value.__cause__, FileNotFoundError)


def test_async_partitions_load_concurrently() -> None:
    active = 0
    peak = 0

    class Slow(UPathIOManager):
        async def load_from_path(self, context: Any, path: UPath) -> Any:  # type: ignore[override]
            nonlocal active, peak
            active += 1
            peak = max(peak, active)
            await asyncio.sleep(0.01)
            active -= 1
            return path.name

    mgr = Slow(base_path=memory_base())
    assert len(mgr.load_input(in_ctx(["x"], list("abcdefgh"), LETTERS))) == 8
    assert peak == 8


def test_run_coroutine_works_inside_a_running_loop() -> None:
    async def inner() -> int:
        return 3

    async def outer() -> int:
        return int(run_coroutine(inner()))

    assert asyncio.run(outer()) == 3


# -- concurrency ---------------------------------------------------------------------------------
def test_sync_partitions_load_concurrently_on_a_bounded_pool() -> None:
    lock = threading.Lock()
    active = 0
    peak = 0
    threads: set[int] = set()

    class Recording(UPathIOManager):
        def load_from_path(self, context: Any, path: UPath) -> Any:
            nonlocal active, peak
            with lock:
                active += 1
                peak = max(peak, active)
                threads.add(threading.get_ident())
            time.sleep(0.02)
            with lock:
                active -= 1
            return path.name

    mgr = Recording(base_path=memory_base())
    keys = [f"k{i:02d}" for i in range(12)]
    loaded = mgr.load_input(in_ctx(["x"], keys, dg.StaticPartitionsDefinition(keys)))
    assert list(loaded) == keys and loaded["k03"] == "k03"
    assert 1 < peak <= 8
    assert len(threads) > 1


def test_loads_reuse_the_same_threads_across_calls(tmp_path: Path) -> None:
    threads: list[set[int]] = []

    class Recording(UPathIOManager):
        def load_from_path(self, context: Any, path: UPath) -> Any:
            threads[-1].add(threading.get_native_id())
            time.sleep(0.01)
            return super().load_from_path(context, path)

    mgr = Recording(base_path=UPath(tmp_path))
    for key in "abc":
        mgr.handle_output(out_ctx(["x"], [key], LETTERS), key)
    for _ in range(3):
        threads.append(set())
        assert mgr.load_input(in_ctx(["x"], ["a", "b", "c"], LETTERS)) == {"a": "a", "b": "b", "c": "c"}
    assert threading.get_native_id() not in threads[0]
    # Local loads run on the two persistent loader threads, not on new threads per call.
    assert threads[0] | threads[1] | threads[2] == threads[0] and len(threads[0]) <= 2


def test_a_load_nested_in_a_loader_thread_runs_inline(tmp_path: Path) -> None:
    """A ``load_from_path`` that loads partitions itself must not wait on the pool its own
    callers fill (2 outer loads on the 2 local threads, each with nested loads: no deadlock)."""
    inner = UPathIOManager(base_path=UPath(tmp_path / "inner"))
    for key in "abc":
        inner.handle_output(out_ctx(["inner"], [key], LETTERS), key.upper())

    class Outer(UPathIOManager):
        def load_from_path(self, context: Any, path: UPath) -> Any:
            nested = inner.load_input(in_ctx(["inner"], ["a", "b", "c"], LETTERS))
            return (path.name, "".join(nested.values()))

    outer = Outer(base_path=UPath(tmp_path / "outer"))
    result: dict[str, Any] = {}
    worker = threading.Thread(
        target=lambda: result.update(outer.load_input(in_ctx(["o"], ["a", "b", "c"], LETTERS))), daemon=True
    )
    worker.start()
    worker.join(10)
    assert not worker.is_alive(), "nested partition loads deadlocked"
    assert result == {"a": ("a", "ABC"), "b": ("b", "ABC"), "c": ("c", "ABC")}


def test_a_forked_child_loads_on_its_own_threads(tmp_path: Path) -> None:
    """The parent's loader threads do not exist in a forked child: the child must start its own
    (a pool object inherited as-is would queue the loads for threads that never run them)."""
    mgr = UPathIOManager(base_path=UPath(tmp_path))
    for key in "abc":
        mgr.handle_output(out_ctx(["x"], [key], LETTERS), key)
    ctx = in_ctx(["x"], ["a", "b", "c"], LETTERS)
    assert mgr.load_input(ctx) == {"a": "a", "b": "b", "c": "c"}  # the parent's pool exists now
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through its exit code
        code = 2
        try:
            import signal

            signal.signal(signal.SIGALRM, signal.SIG_DFL)  # pytest-timeout may own SIGALRM
            signal.alarm(10)  # a hung load kills the child instead of hanging the test run
            code = 0 if mgr.load_input(ctx) == {"a": "a", "b": "b", "c": "c"} else 1
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_a_failed_load_leaves_no_load_running(tmp_path: Path) -> None:
    finished: list[str] = []

    class SlowThenFail(UPathIOManager):
        def load_from_path(self, context: Any, path: UPath) -> Any:
            if path.stem == "a":
                raise ValueError("bad partition a")
            time.sleep(0.05)
            finished.append(path.stem)
            return path.stem

    mgr = SlowThenFail(base_path=UPath(tmp_path))
    for key in "abc":
        mgr.handle_output(out_ctx(["x"], [key], LETTERS), key)
    with pytest.raises(ValueError, match="bad partition a"):
        mgr.load_input(in_ctx(["x"], ["a", "b", "c"], LETTERS))
    snapshot = list(finished)
    time.sleep(0.2)
    assert finished == snapshot  # every load that had started was over when the error was raised


def test_first_failing_partition_in_key_order_is_raised(tmp_path: Path) -> None:
    mgr = UPathIOManager(base_path=UPath(tmp_path))
    mgr.handle_output(out_ctx(["x"], ["c"], LETTERS), 1)
    with pytest.raises(FileNotFoundError, match="partition 'a'"):
        mgr.load_input(in_ctx(["x"], ["a", "b", "c"], LETTERS))


# -- writes --------------------------------------------------------------------------------------
def test_failing_dump_keeps_the_previous_file_and_leaves_no_temp_files(tmp_path: Path) -> None:
    class Flaky(UPathIOManager):
        extension = ".bin"

        def dump_to_path(self, context: Any, obj: Any, path: UPath) -> None:
            with path.open("wb") as f:
                f.write(b"partial")
                if obj == "boom":
                    raise OSError("disk full")
            path.write_bytes(pickle.dumps(obj))

    mgr = Flaky(base_path=UPath(tmp_path))
    mgr.handle_output(out_ctx(["a"]), "good")
    with pytest.raises(OSError, match="disk full"):
        mgr.handle_output(out_ctx(["a"]), "boom")
    assert os.listdir(tmp_path) == ["a.bin"]
    assert mgr.load_input(in_ctx(["a"])) == "good"


def test_dump_sees_a_temporary_path_with_the_final_suffix(tmp_path: Path) -> None:
    seen: list[UPath] = []

    class Recording(JsonIOManager):
        def dump_to_path(self, context: Any, obj: Any, path: UPath) -> None:
            seen.append(path)
            super().dump_to_path(context, obj, path)

    Recording(base_path=UPath(tmp_path)).handle_output(out_ctx(["a"]), [1])
    assert seen[0].name.endswith("a.json") and seen[0].name != "a.json"
    assert os.listdir(tmp_path) == ["a.json"]


def test_directory_values_are_replaced_whole(tmp_path: Path) -> None:
    class Dataset(UPathIOManager):
        def dump_to_path(self, context: Any, obj: Any, path: UPath) -> None:
            path.mkdir()
            for name, value in obj.items():
                (path / name).write_text(value)

        def load_from_path(self, context: Any, path: UPath) -> Any:
            return {p.name: p.read_text() for p in path.iterdir()}

    mgr = Dataset(base_path=UPath(tmp_path))
    mgr.handle_output(out_ctx(["ds"]), {"p1": "a", "p2": "b"})
    mgr.handle_output(out_ctx(["ds"]), {"p3": "c"})
    assert mgr.load_input(in_ctx(["ds"])) == {"p3": "c"}
    assert os.listdir(tmp_path) == ["ds"]


def test_memory_writes_go_through_a_temporary_object_unless_written_whole() -> None:
    seen: list[str] = []

    class Recording(UPathIOManager):
        def dump_to_path(self, context: Any, obj: Any, path: UPath) -> None:
            seen.append(path.name)
            super().dump_to_path(context, obj, path)

    class WholeObject(UPathIOManager):
        @writes_whole_object
        def dump_to_path(self, context: Any, obj: Any, path: UPath) -> None:
            seen.append(path.name)
            path.fs.pipe_file(path.path, pickle.dumps(obj))

    base = memory_base()
    Recording(base_path=base).handle_output(out_ctx(["a"]), 1)
    assert seen[0].startswith(".dockyard-tmp-") and seen[0].endswith("-a")
    assert [p.name for p in UPath(base).iterdir()] == ["a"]
    WholeObject(base_path=base).handle_output(out_ctx(["b"]), 2)
    assert seen[1] == "b"
    assert UPathIOManager(base_path=base).load_input(in_ctx(["b"])) == 2


@pytest.mark.parametrize("where", ["local", "memory"])
def test_unpartitioned_asset_file_becomes_a_partition_directory(where: str, tmp_path: Path) -> None:
    base = UPath(tmp_path) if where == "local" else UPath(memory_base())
    mgr = UPathIOManager(base_path=base)
    mgr.handle_output(out_ctx(["evolving"]), "whole")
    assert (base / "evolving").is_file()
    grid_key = next(iter(GRID.get_partition_keys()))
    mgr.handle_output(out_ctx(["evolving"], [grid_key], GRID), "cell")
    assert (base / "evolving").is_dir()
    assert mgr.load_input(in_ctx(["evolving"], [grid_key], GRID)) == "cell"


def test_unpicklable_value_raises_invariant_violation(tmp_path: Path) -> None:
    mgr = UPathIOManager(base_path=UPath(tmp_path))
    with pytest.raises(DagsterInvariantViolationError, match=r"is not picklable") as info:
        mgr.handle_output(out_ctx(["lock"]), threading.Lock())
    assert isinstance(info.value.__cause__, TypeError)
    assert os.listdir(tmp_path) == []


def test_several_partitions_in_one_output_is_a_check_error(tmp_path: Path) -> None:
    with pytest.raises(CheckError, match=r"got 3 partitions \('a'..'c'\)"):
        UPathIOManager(base_path=UPath(tmp_path)).handle_output(out_ctx(["x"], ["a", "b", "c"], LETTERS), 1)


# -- through the engine --------------------------------------------------------------------------
def test_materialize_with_a_upath_manager_on_memory() -> None:
    base = memory_base()
    daily = dg.DailyPartitionsDefinition(start_date="2024-01-01")

    @dg.asset(partitions_def=daily)
    def days(context: dg.AssetExecutionContext) -> str:
        return context.partition_key

    @dg.asset(ins={"days": dg.AssetIn(metadata={"allow_missing_partitions": True})})
    def summary(days: dict[str, str]) -> list[str]:
        return sorted(days)

    io = JsonIOManager(base_path=base)
    for pk in ["2024-01-01", "2024-01-03"]:
        result = dg.materialize([days], partition_key=pk, resources={"io_manager": io})
        [mat] = result.asset_materializations_for_node("days")
        assert mat.metadata["path"] == dg.MetadataValue.path(f"{base}/days/{pk}.json")
    bounded = dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-01-04")

    @dg.asset(partitions_def=bounded, name="days")
    def days_source() -> str:
        raise AssertionError("not run")

    result = dg.materialize([*days_source.to_source_assets(), summary], resources={"io_manager": io})
    assert result.output_for_node("summary") == ["2024-01-01", "2024-01-03"]


def test_load_partitions_override_is_used_for_one_or_many_partitions(tmp_path: Path) -> None:
    class Batched(UPathIOManager):
        def load_partitions(self, context: Any) -> Any:
            return ("batched", list(context.asset_partition_keys))

    mgr = Batched(base_path=UPath(tmp_path))
    assert mgr.load_input(in_ctx(["x"], ["a"], LETTERS)) == ("batched", ["a"])
    assert mgr.load_input(in_ctx(["x"], ["a", "b"], LETTERS)) == ("batched", ["a", "b"])
    fs_mgr = type("FsBatched", (dg.PickledObjectFilesystemIOManager,), {"load_partitions": Batched.load_partitions})(
        base_dir=str(tmp_path)
    )
    assert fs_mgr._fast_root is None
    assert fs_mgr.load_input(in_ctx(["x"], ["a", "b"], LETTERS)) == ("batched", ["a", "b"])
