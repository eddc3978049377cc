"""``LocalFileManager`` and the ``local_file_manager`` resource."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

import dockyard as dg
from dockyard.errors import DagsterInvalidInvocationError


def test_write_data_returns_a_local_handle_named_by_uuid_and_ext(tmp_path: Path) -> None:
    fm = dg.LocalFileManager(str(tmp_path / "files"))
    handle = fm.write_data(b"abc", ext="bin")
    assert isinstance(handle, dg.FileHandle) and isinstance(handle, dg.LocalFileHandle)
    assert handle.path_desc == handle.path and os.path.dirname(handle.path) == str(tmp_path / "files")
    name, ext = os.path.splitext(os.path.basename(handle.path))
    assert ext == ".bin" and len(name) == 36
    assert fm.read_data(handle) == b"abc"
    assert fm.write_data(b"x").path != handle.path


def test_write_data_accepts_str_and_json_and_the_handle_is_a_context_manager(tmp_path: Path) -> None:
    fm = dg.LocalFileManager(str(tmp_path))
    with fm.write_data({"key": "value"}) as handle:
        assert handle.path.endswith(".json")
    with fm.read(handle, mode="r") as f:
        assert json.load(f) == {"key": "value"}
    assert fm.read_data(fm.write_data("héllo")) == "héllo".encode()
    with pytest.raises(DagsterInvalidInvocationError, match="bytes"):
        fm.write_data(3.5)  # type: ignore[arg-type]


def test_write_copies_a_file_object_atomically(tmp_path: Path) -> None:
    fm = dg.LocalFileManager(str(tmp_path))
    handle = fm.write(io.BytesIO(b"x" * (3 << 20)), ext="dat")
    assert os.path.getsize(handle.path) == 3 << 20
    assert [p for p in os.listdir(tmp_path) if p.endswith(".tmp")] == []
    text_handle = fm.write(io.StringIO("text"), mode="w")
    assert fm.read_data(text_handle) == b"text"
    with pytest.raises(DagsterInvalidInvocationError, match="mode"):
        fm.write(io.BytesIO(b""), mode="a")


def test_copy_handle_to_local_temp_and_delete(tmp_path: Path) -> None:
    fm = dg.LocalFileManager(str(tmp_path / "m"))
    handle = fm.write_data(b"data", ext="txt")
    local = fm.copy_handle_to_local_temp(handle)
    assert isinstance(local, str) and local != handle.path and Path(local).read_bytes() == b"data"
    fm.delete_local_temp()
    assert not os.path.exists(local) and os.path.exists(handle.path)


def test_copy_handle_to_local_temp_of_a_path_copies_it_into_managed_storage(tmp_path: Path) -> None:
    src = tmp_path / "config.json"
    src.write_text('{"a": 1}')
    fm = dg.LocalFileManager(str(tmp_path / "managed"))
    handle = fm.copy_handle_to_local_temp(str(src))
    assert isinstance(handle, dg.LocalFileHandle) and handle.path.endswith(".json")
    assert os.path.dirname(handle.path) == str(tmp_path / "managed")
    assert json.loads(fm.read_data(handle)) == {"a": 1}


def test_reading_a_foreign_handle_names_the_expected_type(tmp_path: Path) -> None:
    class Remote(dg.FileHandle):
        @property
        def path_desc(self) -> str:
            return "remote://x"

    with pytest.raises(DagsterInvalidInvocationError, match="LocalFileHandle"):
        dg.LocalFileManager(str(tmp_path)).read_data(Remote())


def test_local_file_manager_resource_defaults_under_instance_storage(tmp_path: Path) -> None:
    instance = dg.DagsterInstance.ephemeral(tempdir=str(tmp_path))

    @dg.asset(required_resource_keys={"file_manager"})
    def report(context: dg.AssetExecutionContext) -> dg.FileHandle:
        return context.resources.file_manager.write_data(b"report", ext="txt")

    result = dg.materialize([report], resources={"file_manager": dg.local_file_manager}, instance=instance)
    handle = result.output_for_node("report")
    assert os.path.dirname(handle.path) == os.path.join(instance.storage_directory(), "file_manager")


def test_local_file_manager_resource_with_base_dir(tmp_path: Path) -> None:
    with dg.build_resources({"fm": dg.local_file_manager.configured({"base_dir": str(tmp_path / "b")})}) as res:
        handle = res.fm.write_data(b"1")
    assert os.path.dirname(handle.path) == str(tmp_path / "b")
