"""``UPathIOManager`` writes on non-local filesystems (``memory://`` here; the object stores in
tests/objectstores): all or nothing, through a temporary sibling object, unless ``dump_to_path``
is a marked whole-object writer."""

from __future__ import annotations

import pickle
import uuid
from typing import Any

import fsspec
import pytest
from upath import UPath

from dockyard.io.upath import UPathIOManager, writes_whole_object
from dockyard.testing.io_manager_suite import LETTERS, in_ctx, out_ctx


def memory_base() -> str:
    return f"memory://bucket/{uuid.uuid4().hex}"


def listing(base: str) -> list[str]:
    root = "/" + base.removeprefix("memory://")  # memory:// paths are absolute
    return sorted(p[len(root) + 1 :] for p in fsspec.filesystem("memory").find(root))


class HalfWriter(UPathIOManager):
    """Writes part of the value through an fsspec file, then fails (a serializer error)."""

    def dump_to_path(self, context: Any, obj: Any, path: UPath) -> None:
        with path.open("wb") as f:
            f.write(b"partial")
            raise RuntimeError("serializer failed half-way")


def test_failing_dump_leaves_the_previous_value_and_no_partial_object() -> None:
    base = memory_base()
    UPathIOManager(base_path=base).handle_output(out_ctx(["a"]), "old")
    for key in (["a"], ["b"]):
        with pytest.raises(RuntimeError, match="half-way"):
            HalfWriter(base_path=base).handle_output(out_ctx(key), "new")
    assert UPathIOManager(base_path=base).load_input(in_ctx(["a"])) == "old"
    assert listing(base) == ["a"]


def test_failing_partition_dump_leaves_no_partial_partition() -> None:
    base = memory_base()
    with pytest.raises(RuntimeError):
        HalfWriter(base_path=base).handle_output(out_ctx(["p"], ["a"], LETTERS), "new")
    assert listing(base) == []


def test_directory_outputs_replace_the_previous_directory() -> None:
    class Dataset(UPathIOManager):
        def dump_to_path(self, context: Any, obj: Any, path: UPath) -> None:
            for name, value in obj.items():
                (path / name).write_text(value)

        def load_from_path(self, context: Any, path: UPath) -> Any:
            return {p.name: p.read_text() for p in path.iterdir()}

    base = memory_base()
    mgr = Dataset(base_path=base)
    mgr.handle_output(out_ctx(["ds"]), {"p1": "a", "p2": "b"})
    mgr.handle_output(out_ctx(["ds"]), {"p3": "c"})
    assert mgr.load_input(in_ctx(["ds"])) == {"p3": "c"}
    assert listing(base) == ["ds/p3"]


def test_dump_that_writes_elsewhere_is_left_alone() -> None:
    base = memory_base()

    class Elsewhere(UPathIOManager):
        def dump_to_path(self, context: Any, obj: Any, path: UPath) -> None:
            (path.parent / "side-file").write_bytes(pickle.dumps(obj))

    Elsewhere(base_path=base).handle_output(out_ctx(["x"]), 1)
    assert listing(base) == ["side-file"]


def test_whole_object_writers_write_the_final_path_once() -> None:
    calls: list[str] = []

    class Whole(UPathIOManager):
        @writes_whole_object
        def dump_to_path(self, context: Any, obj: Any, path: UPath) -> None:
            calls.append(path.name)
            path.fs.pipe_file(path.path, pickle.dumps(obj))

    class Overriding(Whole):  # an override is not marked: it goes through the temporary object
        def dump_to_path(self, context: Any, obj: Any, path: UPath) -> None:
            calls.append(path.name)
            super().dump_to_path(context, obj, path)

    base = memory_base()
    Whole(base_path=base).handle_output(out_ctx(["w"]), 1)
    Overriding(base_path=base).handle_output(out_ctx(["o"]), 2)
    assert calls[0] == "w" and calls[1].startswith(".dockyard-tmp-") and calls[1].endswith("-o")
    assert listing(base) == ["o", "w"]
