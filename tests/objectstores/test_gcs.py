"""GCS resources and pickle I/O managers against gcp-storage-emulator: the conformance suite
(pickle and a custom format), layout, pythonic and legacy definitions in runs, missing values
and half-written custom formats."""

from __future__ import annotations

import json
import pickle
from typing import Any

import pytest
from upath import UPath

import dockyard as dg
from dockyard.gcp import (
    ConfigurablePickledObjectGCSIOManager,
    GCSPickleIOManager,
    GCSResource,
    PickledObjectGCSIOManager,
    gcs_pickle_io_manager,
    gcs_resource,
)
from dockyard.testing import IOManagerSuite
from dockyard.testing.io_manager_suite import LETTERS, in_ctx, out_ctx

pytestmark = pytest.mark.gcs
BUCKET = "dockyard"


class JsonGCSIOManager(PickledObjectGCSIOManager):
    extension = ".json"

    def dump_to_path(self, context: Any, obj: Any, path: UPath) -> None:
        with path.open("w") as f:
            json.dump(obj, f)

    def load_from_path(self, context: Any, path: UPath) -> Any:
        with path.open("r") as f:
            return json.load(f)


def manager(prefix: str, cls: type = PickledObjectGCSIOManager) -> Any:
    return cls(BUCKET, prefix=prefix, storage_options=GCSResource(project="dockyard").gcsfs_options())


def keys_under(prefix: str) -> list[str]:
    from google.cloud import storage

    blobs = storage.Client(project="dockyard").list_blobs(BUCKET, prefix=prefix + "/")
    return sorted(b.name[len(prefix) + 1 :] for b in blobs)


class TestPickledObjectGCSIOManager(IOManagerSuite):
    @pytest.fixture
    def base_path(self, unique_prefix: str) -> str:
        return unique_prefix

    @pytest.fixture
    def io_manager_factory(self, gcs_server: Any) -> Any:
        return manager


class TestCustomFormatOnGCS(IOManagerSuite):
    @pytest.fixture
    def base_path(self, unique_prefix: str) -> str:
        return unique_prefix

    @pytest.fixture
    def io_manager_factory(self, gcs_server: Any) -> Any:
        return lambda prefix: manager(prefix, JsonGCSIOManager)


def test_objects_follow_the_prefix_asset_key_layout(gcs_server: Any, unique_prefix: str) -> None:
    mgr = manager(unique_prefix)
    ctx = out_ctx(["raw", "orders"])
    mgr.handle_output(ctx, [1])
    mgr.handle_output(out_ctx(["daily"], ["a"], LETTERS), 2)
    mgr.handle_output(out_ctx(None, step_key="op", name="out", run_id="r1"), 3)
    assert keys_under(unique_prefix) == ["daily/a", "raw/orders", "storage/r1/op/out"]
    assert ctx.get_logged_metadata()["path"] == dg.MetadataValue.path(f"gs://{BUCKET}/{unique_prefix}/raw/orders")
    from google.cloud import storage

    blob = storage.Client(project="dockyard").bucket(BUCKET).blob(f"{unique_prefix}/raw/orders")
    assert pickle.loads(blob.download_as_bytes()) == [1]


def test_gcs_resource_and_legacy_resource_give_clients_of_the_emulator(gcs_server: Any) -> None:
    assert BUCKET in [b.name for b in GCSResource(project="dockyard").get_client().list_buckets()]
    with dg.build_resources({"gcs": gcs_resource}, resource_config={"gcs": {"config": {"project": "dockyard"}}}) as r:
        assert BUCKET in [b.name for b in r.gcs.list_buckets()]


def test_pythonic_manager_runs_partitioned_assets_and_loads_them_downstream(gcs_server: Any, unique_prefix: str) -> None:
    io = GCSPickleIOManager(gcs=GCSResource(project="dockyard"), gcs_bucket=BUCKET, gcs_prefix=unique_prefix)
    days = dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-01-04")

    @dg.asset(partitions_def=days)
    def daily(context: dg.AssetExecutionContext) -> str:
        return f"sales of {context.partition_key}"

    @dg.asset
    def summary(daily: dict[str, str]) -> list[str]:
        return sorted(daily.values())

    instance = dg.DagsterInstance.ephemeral()
    for day in days.get_partition_keys():
        assert dg.materialize([daily], partition_key=day, resources={"io_manager": io}, instance=instance).success
    result = dg.materialize([daily, summary], selection=[summary], resources={"io_manager": io}, instance=instance)
    assert result.output_for_node("summary") == [f"sales of 2024-01-0{d}" for d in (1, 2, 3)]
    assert keys_under(unique_prefix) == ["daily/2024-01-01", "daily/2024-01-02", "daily/2024-01-03", "summary"]
    assert ConfigurablePickledObjectGCSIOManager is GCSPickleIOManager
    assert GCSPickleIOManager(gcs_bucket="b").gcs_prefix == "dagster"


def test_legacy_manager_uses_the_client_of_resource_gcs(gcs_server: Any, unique_prefix: str) -> None:
    io = gcs_pickle_io_manager.configured({"gcs_bucket": BUCKET, "gcs_prefix": unique_prefix})

    @dg.asset
    def numbers() -> list[int]:
        return [1, 2, 3]

    @dg.asset
    def total(numbers: list[int]) -> int:
        return sum(numbers)

    gcs = gcs_resource.configured({"project": "dockyard"})
    assert dg.materialize([numbers, total], resources={"io_manager": io, "gcs": gcs}).output_for_node("total") == 6
    assert keys_under(unique_prefix) == ["numbers", "total"]
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="'gcs'"):
        dg.materialize([numbers], resources={"io_manager": io})


def test_missing_partition_error_names_asset_partition_and_uri(gcs_server: Any, unique_prefix: str) -> None:
    mgr = manager(unique_prefix)
    mgr.handle_output(out_ctx(["letters"], ["a"], LETTERS), 1)
    with pytest.raises(FileNotFoundError) as info:
        mgr.load_input(in_ctx(["letters"], ["a", "b"], LETTERS))
    assert "partition 'b'" in str(info.value) and "asset ['letters']" in str(info.value)
    assert f"gs://{BUCKET}/{unique_prefix}/letters/b" in str(info.value)


def test_custom_format_failing_half_way_keeps_the_previous_value(gcs_server: Any, unique_prefix: str) -> None:
    class HalfWriter(JsonGCSIOManager):
        def dump_to_path(self, context: Any, obj: Any, path: UPath) -> None:
            with path.open("w") as f:
                f.write('{"rows": [1, 2')
                raise RuntimeError("serializer failed half-way")

    manager(unique_prefix, JsonGCSIOManager).handle_output(out_ctx(["table"]), {"rows": [0]})
    for key in (["table"], ["other"]):
        with pytest.raises(RuntimeError, match="half-way"):
            manager(unique_prefix, HalfWriter).handle_output(out_ctx(key), {"rows": [1, 2]})
    assert manager(unique_prefix, JsonGCSIOManager).load_input(in_ctx(["table"])) == {"rows": [0]}
    assert keys_under(unique_prefix) == ["table.json"]
