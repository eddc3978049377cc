"""``AssetValueLoader(instance)`` reloads values through the origin recorded at materialization."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

import dockyard as dg
from dockyard.errors import DagsterInvariantViolationError

EXAMPLE = '''
import os
import dockyard as dg

@dg.asset(io_manager_key="warehouse")
def special() -> dict:
    return {"v": 42}

@dg.asset
def plain() -> list:
    return [1, 2]

defs = dg.Definitions(
    assets=[special, plain],
    resources={"warehouse": dg.fs_io_manager.configured({"base_dir": os.environ["EXAMPLE_WAREHOUSE"]})},
)
'''

BARE = '''
import dockyard as dg

@dg.asset(io_manager_key="warehouse")
def lonely() -> int:
    return 7
'''


@pytest.fixture
def instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dg.DagsterInstance:
    monkeypatch.setenv("EXAMPLE_WAREHOUSE", str(tmp_path / "warehouse"))
    monkeypatch.syspath_prepend(str(tmp_path))
    inst = dg.DagsterInstance.from_home(str(tmp_path / "home"))
    yield inst
    inst.dispose()


def _write_module(tmp_path: Path, name: str, source: str) -> None:
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))


def _forget(name: str) -> None:
    sys.modules.pop(name, None)  # as if loading in a fresh process


def test_loader_reimports_definitions_for_a_custom_io_manager(tmp_path: Path, instance: dg.DagsterInstance) -> None:
    _write_module(tmp_path, "origin_example_defs", EXAMPLE)
    import origin_example_defs  # type: ignore[import-not-found]

    assert origin_example_defs.defs.resolve_implicit_global_asset_job_def().execute_in_process(instance=instance).success
    origin = instance.get_asset_origin("special")
    assert origin is not None and origin.io_manager_key == "warehouse" and not origin.uses_default_storage
    assert (origin.module, origin.attribute) == ("origin_example_defs", "defs")
    assert instance.get_asset_origin("plain").uses_default_storage
    _forget("origin_example_defs")
    with dg.AssetValueLoader(instance) as loader:
        values = loader.load_asset_values(["special", dg.AssetKey("plain")])
    assert values == {dg.AssetKey("special"): {"v": 42}, dg.AssetKey("plain"): [1, 2]}


def test_loader_follows_a_code_pointer_tag(tmp_path: Path, instance: dg.DagsterInstance) -> None:
    _write_module(tmp_path, "pointer_example_defs", EXAMPLE)
    import pointer_example_defs  # type: ignore[import-not-found]

    job = pointer_example_defs.defs.resolve_implicit_global_asset_job_def()
    pointer = f"{tmp_path / 'pointer_example_defs.py'}:defs"
    assert job.execute_in_process(instance=instance, tags={"dockyard/code_pointer": pointer}).success
    assert instance.get_asset_origin("special").code_pointer == pointer
    _forget("pointer_example_defs")
    (tmp_path / "pointer_example_defs.py").rename(tmp_path / "moved.py")  # module import would fail now
    with pytest.raises(DagsterInvariantViolationError, match="does not exist any more"):
        dg.AssetValueLoader(instance).load_asset_value("special")
    (tmp_path / "moved.py").rename(tmp_path / "pointer_example_defs.py")
    assert dg.AssetValueLoader(instance).load_asset_value("special") == {"v": 42}


def test_loader_error_says_to_pass_definitions_when_resources_were_run_only(tmp_path: Path, instance: dg.DagsterInstance) -> None:
    _write_module(tmp_path, "bare_example_assets", BARE)
    import bare_example_assets  # type: ignore[import-not-found]

    warehouse = dg.fs_io_manager.configured({"base_dir": str(tmp_path / "w")})
    assert dg.materialize([bare_example_assets.lonely], resources={"warehouse": warehouse}, instance=instance).success
    with pytest.raises(DagsterInvariantViolationError, match=r"get_asset_value_loader\(instance\)") as info:
        dg.AssetValueLoader(instance).load_asset_value("lonely")
    assert "'warehouse'" in str(info.value)
    defs = dg.Definitions(assets=[bare_example_assets.lonely], resources={"warehouse": warehouse})
    with defs.get_asset_value_loader(instance) as loader:
        assert loader.load_asset_value("lonely") == 7


def test_default_io_manager_values_load_without_any_definitions(instance: dg.DagsterInstance) -> None:
    @dg.asset
    def local_only() -> str:
        return "here"

    assert dg.materialize([local_only], instance=instance).success
    assert instance.get_asset_origin("local_only").uses_default_storage
    with dg.AssetValueLoader(instance) as loader:
        assert loader.load_asset_value("local_only") == "here"
