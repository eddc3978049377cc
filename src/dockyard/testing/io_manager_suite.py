"""``IOManagerSuite``: the behaviour every file-like I/O manager must show.

Subclass it in a test module (the class name must start with ``Test``) and provide two fixtures:

* ``base_path`` -> a fresh, empty base (a local directory or an fsspec URL such as
  ``memory://bucket/<uuid>``), one per test;
* ``io_manager_factory`` -> a callable ``(base_path) -> IOManager``. It is called more than once
  per test: two managers over the same base must see each other's values.

The tests call ``handle_output`` / ``load_input`` directly with contexts built here, so they run
without an engine and fail with the manager's own error. They check behaviour, never file
layout: object stores can subclass the suite unchanged. They assume a sync loader: with an
``async def load_from_path`` even one mapped partition loads as a dict.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest

from dockyard.defs.keys import AssetKey
from dockyard.defs.partitions.multi import MultiPartitionKey, MultiPartitionsDefinition
from dockyard.defs.partitions.static import StaticPartitionsDefinition
from dockyard.errors import CheckError
from dockyard.io.base import IOManager
from dockyard.io.context import InputContext, OutputContext

Factory = Callable[[Any], IOManager]

LETTERS = StaticPartitionsDefinition(["a", "b", "c", "d", "e", "f", "g", "h"])
ODD_KEYS = StaticPartitionsDefinition(["/lead", "..", "x/../y", "0.5-to-1.0", "with space", "a|b"])
GRID = MultiPartitionsDefinition(
    {"zeta": StaticPartitionsDefinition(["z1", "z2"]), "alpha": StaticPartitionsDefinition(["a1", "a2"])}
)


def out_ctx(
    key: Sequence[str] | None,
    partitions: Sequence[str] | None = None,
    partitions_def: Any = None,
    step_key: str = "step",
    name: str = "result",
    run_id: str = "run-1",
) -> OutputContext:
    """An ``OutputContext`` as the engine builds it (asset ``key``, optional partitions)."""
    return OutputContext(
        step_key=step_key,
        name=name,
        run_id=run_id,
        asset_key=AssetKey(list(key)) if key is not None else None,
        asset_partitions_def=partitions_def if partitions is not None else None,
        asset_partition_keys=list(partitions) if partitions is not None else None,
    )


def in_ctx(
    key: Sequence[str] | None,
    partitions: Sequence[str] | None = None,
    partitions_def: Any = None,
    metadata: dict[str, Any] | None = None,
    upstream: OutputContext | None = None,
) -> InputContext:
    """An ``InputContext`` for upstream asset ``key`` mapped to ``partitions``."""
    asset_key = AssetKey(list(key)) if key is not None else None
    return InputContext(
        name="upstream",
        definition_metadata=metadata or {},
        upstream_output=upstream if upstream is not None else out_ctx(key),
        asset_key=asset_key,
        asset_partitions_def=partitions_def if partitions is not None else None,
        asset_partition_keys=list(partitions) if partitions is not None else None,
    )


class IOManagerSuite:
    """Store/load, partitions and missing-partition behaviour shared by every file-like manager."""

    @pytest.fixture
    def base_path(self) -> Any:
        raise NotImplementedError("Subclasses provide a fresh `base_path` fixture.")

    @pytest.fixture
    def io_manager_factory(self) -> Factory:
        raise NotImplementedError("Subclasses provide an `io_manager_factory` fixture.")

    @pytest.fixture
    def manager(self, io_manager_factory: Factory, base_path: Any) -> IOManager:
        return io_manager_factory(base_path)

    def store_partitions(self, manager: IOManager, key: Sequence[str], pdef: Any, keys: Sequence[str]) -> None:
        for pk in keys:
            manager.handle_output(out_ctx(key, [pk], pdef), f"value of {pk}")

    # -- unpartitioned --------------------------------------------------------------------------
    @pytest.mark.parametrize("value", [42, {"rows": [1, 2, 3]}, "text", None])
    def test_stored_asset_value_loads_back(self, manager: IOManager, value: Any) -> None:
        manager.handle_output(out_ctx(["orders"]), value)
        assert manager.load_input(in_ctx(["orders"])) == value

    def test_storing_again_overwrites(self, manager: IOManager) -> None:
        manager.handle_output(out_ctx(["orders"]), 1)
        manager.handle_output(out_ctx(["orders"]), 2)
        assert manager.load_input(in_ctx(["orders"])) == 2

    def test_asset_keys_with_prefixes_do_not_collide(self, manager: IOManager) -> None:
        manager.handle_output(out_ctx(["raw", "orders"]), "raw")
        manager.handle_output(out_ctx(["clean", "orders"]), "clean")
        manager.handle_output(out_ctx(["orders"]), "plain")
        assert manager.load_input(in_ctx(["raw", "orders"])) == "raw"
        assert manager.load_input(in_ctx(["clean", "orders"])) == "clean"
        assert manager.load_input(in_ctx(["orders"])) == "plain"

    def test_op_output_loads_through_upstream_output(self, manager: IOManager) -> None:
        upstream = out_ctx(None, step_key="make", name="out", run_id="run-7")
        manager.handle_output(upstream, [1, 2])
        assert manager.load_input(in_ctx(None, upstream=upstream)) == [1, 2]

    def test_another_manager_over_the_same_base_sees_the_value(
        self, io_manager_factory: Factory, base_path: Any
    ) -> None:
        io_manager_factory(base_path).handle_output(out_ctx(["shared"]), "v")
        assert io_manager_factory(base_path).load_input(in_ctx(["shared"])) == "v"

    def test_missing_asset_raises_file_not_found(self, manager: IOManager) -> None:
        with pytest.raises(FileNotFoundError):
            manager.load_input(in_ctx(["never_stored"]))

    # -- partitions -----------------------------------------------------------------------------
    def test_single_mapped_partition_loads_bare_value(self, manager: IOManager) -> None:
        self.store_partitions(manager, ["letters"], LETTERS, ["a", "b"])
        assert manager.load_input(in_ctx(["letters"], ["b"], LETTERS)) == "value of b"

    def test_several_partitions_load_as_dict_in_key_order(self, manager: IOManager) -> None:
        keys = ["h", "c", "a", "f", "b", "g", "d", "e"]
        self.store_partitions(manager, ["letters"], LETTERS, keys)
        loaded = manager.load_input(in_ctx(["letters"], keys, LETTERS))
        assert list(loaded) == keys
        assert loaded == {k: f"value of {k}" for k in keys}

    def test_zero_mapped_partitions_load_none(self, manager: IOManager) -> None:
        assert manager.load_input(in_ctx(["letters"], [], LETTERS)) is None

    def test_partitions_do_not_overwrite_each_other(self, manager: IOManager) -> None:
        keys = list(ODD_KEYS.get_partition_keys())
        self.store_partitions(manager, ["odd"], ODD_KEYS, keys)
        for pk in keys:
            assert manager.load_input(in_ctx(["odd"], [pk], ODD_KEYS)) == f"value of {pk}"
        assert manager.load_input(in_ctx(["odd"], keys, ODD_KEYS)) == {k: f"value of {k}" for k in keys}

    def test_multi_partition_keys_round_trip(self, manager: IOManager) -> None:
        keys = list(GRID.get_partition_keys())
        assert all(isinstance(k, MultiPartitionKey) for k in keys)
        self.store_partitions(manager, ["grid"], GRID, keys)
        loaded = manager.load_input(in_ctx(["grid"], keys, GRID))
        assert list(loaded) == keys and all(isinstance(k, MultiPartitionKey) for k in loaded)
        assert loaded[keys[0]] == f"value of {keys[0]}"

    def test_output_with_several_partitions_is_rejected(self, manager: IOManager) -> None:
        with pytest.raises(CheckError, match="multiple partitions"):
            manager.handle_output(out_ctx(["letters"], ["a", "b"], LETTERS), "v")

    def test_asset_can_become_partitioned(self, manager: IOManager) -> None:
        manager.handle_output(out_ctx(["evolving"]), "whole")
        manager.handle_output(out_ctx(["evolving"], ["a"], LETTERS), "part a")
        assert manager.load_input(in_ctx(["evolving"], ["a"], LETTERS)) == "part a"

    # -- missing partitions ---------------------------------------------------------------------
    def test_missing_partition_raises_naming_asset_and_partition(self, manager: IOManager) -> None:
        self.store_partitions(manager, ["letters"], LETTERS, ["a", "c"])
        with pytest.raises(FileNotFoundError) as info:
            manager.load_input(in_ctx(["letters"], ["a", "b", "c"], LETTERS))
        assert "'b'" in str(info.value) and "letters" in str(info.value)

    def test_missing_single_partition_raises(self, manager: IOManager) -> None:
        with pytest.raises(FileNotFoundError, match="letters"):
            manager.load_input(in_ctx(["letters"], ["a"], LETTERS))

    def test_allow_missing_partitions_skips_without_shifting_keys(self, manager: IOManager) -> None:
        self.store_partitions(manager, ["letters"], LETTERS, ["a", "c", "e", "h"])
        loaded = manager.load_input(
            in_ctx(["letters"], list("abcdefgh"), LETTERS, {"allow_missing_partitions": True})
        )
        assert loaded == {k: f"value of {k}" for k in "aceh"}
        assert list(loaded) == list("aceh")

    def test_allow_missing_partitions_keeps_stored_none(self, manager: IOManager) -> None:
        manager.handle_output(out_ctx(["letters"], ["a"], LETTERS), None)
        loaded = manager.load_input(in_ctx(["letters"], ["a", "b"], LETTERS, {"allow_missing_partitions": True}))
        assert loaded == {"a": None}

    def test_allow_missing_single_partition_loads_none(self, manager: IOManager) -> None:
        meta = {"allow_missing_partitions": True}
        assert manager.load_input(in_ctx(["letters"], ["a"], LETTERS, meta)) is None
