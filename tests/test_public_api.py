"""Pins the exported names and keeps ``import dockyard`` free of heavy optional libraries."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import dockyard

SEEDS = Path(__file__).resolve().parent / "seeds"  # copies of ../shared/acceptance/seeds

# issue 2's documented examples; the others belong to later issues (UPath, file manager, DuckDB)
CORE_SEEDS = ["000_asset_input_manager_key", "000_assets_io_manager_definitions", "000_better_numpy_loader", "000_dataframe_table_io_manager", "000_defining_io_manager", "000_job_wide_io_manager", "000_multi_asset_io_manager_keys", "000_per_asset_io_manager", "000_per_input_io_manager", "000_per_input_loading_assets", "000_per_input_numpy_loader", "000_per_output_config", "000_per_output_io_manager", "000_per_output_metadata", "000_recording_metadata", "000_resources_by_env", "000_testing_io_manager", "001_custom_io_manager", "001_fs_io_manager_builtin", "001_mem_io_manager", "001_multi_backend_io_manager", "001_s3_io_manager_decorator", "001_typed_io_manager", "001_versioned_io_manager", "002_better_numpy_loader", "002_configurable_io_manager", "002_io_manager_factory", "002_per_input_numpy_loader", "002_pythonic_io_manager_definitions"]


def _names_used(script: Path) -> set[str]:
    return set(re.findall(r"\bdg\.([A-Za-z_]\w*)", script.read_text()))


@pytest.mark.skipif(not SEEDS.is_dir(), reason="acceptance seeds not checked out next to the repo")
def test_all_exports_every_name_the_core_seeds_use() -> None:
    used: set[str] = set()
    for name in CORE_SEEDS:
        used |= _names_used(SEEDS / f"{name}.py")
    assert sorted(used - set(dockyard.__all__)) == []


@pytest.mark.skipif(not SEEDS.is_dir(), reason="acceptance seeds not checked out next to the repo")
def test_all_exports_every_name_any_seed_uses() -> None:
    used: set[str] = set()
    for script in SEEDS.glob("[0-9][0-9][0-9]_*.py"):
        used |= _names_used(script)
    assert sorted(used - set(dockyard.__all__)) == []


def test_every_exported_name_resolves() -> None:
    assert dockyard.__all__ == sorted(dockyard.__all__)
    for name in dockyard.__all__:
        assert getattr(dockyard, name) is not None, name


def test_dagster_metadata_names_without_twins() -> None:
    assert "DagsterAssetMetadataValue" in dockyard.__all__
    assert "AssetMetadataValue" not in dockyard.__all__


def test_import_loads_no_heavy_optional_libraries() -> None:
    code = (
        "import sys, dockyard\n"
        "heavy = ('pandas', 'pydantic', 'duckdb', 'upath', 'fsspec', 'polars', 'numpy', 'asyncio')\n"
        "print(','.join(sorted(m for m in heavy if m in sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_type_checking_imports_match_the_lazy_table() -> None:
    import ast

    tree = ast.parse(Path(dockyard.__file__).read_text())
    block = next(n for n in tree.body if isinstance(n, ast.If) and getattr(n.test, "id", "") == "TYPE_CHECKING")
    declared = {
        alias.asname or alias.name: node.module
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert declared == dockyard._API


def test_definitions_decorator_survives_importing_the_declarations_package() -> None:
    import dockyard.defs.partitions as partitions

    assert callable(dockyard.definitions) and partitions.DailyPartitionsDefinition is dockyard.DailyPartitionsDefinition
