"""GCS resources and pickle I/O managers against gcp-storage-emulator: the conformance suite
(pickle and a custom format), layout, pythonic and legacy definitions in runs, missing values
and half-written custom formats."""

from __future__ import annotations

from typing import Any

import pytest

import dockyard as dg
from dockyard.gcp import (
    ConfigurablePickledObjectGCSIOManager,
    GCSPickleIOManager,
    GCSResource,
    PickledObjectGCSIOManager,
    gcs_pickle_io_manager,
    gcs_resource,
)

from .store_suite import BUCKET, JsonFormat, ObjectStoreSuite, StoreConformanceSuite

pytestmark = pytest.mark.gcs


class JsonGCSIOManager(JsonFormat, PickledObjectGCSIOManager):
    """A custom format written through ``path.open``, as users subclass."""


def manager(server: Any, prefix: str, cls: type | None = None) -> Any:
    options = GCSResource(project="dockyard").gcsfs_options()
    return (cls or PickledObjectGCSIOManager)(BUCKET, prefix=prefix, storage_options=options)


def keys_under(server: Any, prefix: str) -> list[str]:
    from google.cloud import storage

    blobs = storage.Client(project="dockyard").list_blobs(BUCKET, prefix=prefix + "/")
    return sorted(b.name[len(prefix) + 1 :] for b in blobs)


class TestGCSStore(ObjectStoreSuite):
    scheme = "gs"
    server_fixture = "gcs_server"
    resource_key = "gcs"
    json_manager = JsonGCSIOManager
    pythonic_manager = GCSPickleIOManager
    configurable_manager = ConfigurablePickledObjectGCSIOManager
    manager = staticmethod(manager)
    keys_under = staticmethod(keys_under)

    def read_object(self, server: Any, key: str) -> bytes:
        from google.cloud import storage

        return storage.Client(project="dockyard").bucket(BUCKET).blob(key).download_as_bytes()  # type: ignore[no-any-return]

    def pythonic_io_manager(self, server: Any, prefix: str, monkeypatch: pytest.MonkeyPatch) -> Any:
        return GCSPickleIOManager(gcs=GCSResource(project="dockyard"), gcs_bucket=BUCKET, gcs_prefix=prefix)

    def legacy_resources(self, server: Any, prefix: str) -> dict[str, Any]:
        return {
            "io_manager": gcs_pickle_io_manager.configured({"gcs_bucket": BUCKET, "gcs_prefix": prefix}),
            "gcs": gcs_resource.configured({"project": "dockyard"}),
        }

    test_legacy_manager_uses_the_client_of_resource_gcs = ObjectStoreSuite.check_legacy_manager_uses_its_resource

    def test_pythonic_manager_runs_partitioned_assets_and_loads_them_downstream(
        self, server: Any, unique_prefix: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        super().test_pythonic_manager_runs_partitioned_assets_and_loads_them_downstream(
            server, unique_prefix, monkeypatch
        )
        assert GCSPickleIOManager(gcs_bucket="b").gcs_prefix == "dagster"


class TestGCSConformance(StoreConformanceSuite):
    store = TestGCSStore


def test_gcs_resource_and_legacy_resource_give_clients_of_the_emulator(gcs_server: Any) -> None:
    assert BUCKET in [b.name for b in GCSResource(project="dockyard").get_client().list_buckets()]
    with dg.build_resources({"gcs": gcs_resource}, resource_config={"gcs": {"config": {"project": "dockyard"}}}) as r:
        assert BUCKET in [b.name for b in r.gcs.list_buckets()]
