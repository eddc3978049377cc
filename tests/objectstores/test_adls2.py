"""Azure storage resources and pickle I/O managers against Azurite (Blob API): the conformance
suite (pickle and a custom format), layout, pythonic and legacy definitions in runs, missing
values, half-written custom formats, and account keys kept out of events, errors and reprs.
ADLS Gen2's DFS API is not emulated by Azurite; dockyard stores through the Blob API."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

import dockyard as dg
from dockyard.azure.adls2 import (
    ADLS2Key,
    ADLS2PickleIOManager,
    ADLS2Resource,
    ADLS2SASToken,
    ConfigurablePickledObjectADLS2IOManager,
    PickledObjectADLS2IOManager,
    adls2_pickle_io_manager,
    adls2_resource,
)
from dockyard.testing.io_manager_suite import in_ctx, out_ctx

from .store_suite import (
    BUCKET,
    JsonFormat,
    ObjectStoreSuite,
    StoreConformanceSuite,
    event_texts,
    stored_text,
)

pytestmark = pytest.mark.azurite
CONTAINER = BUCKET
ACCOUNT = "devstoreaccount1"


class JsonADLS2IOManager(JsonFormat, PickledObjectADLS2IOManager):
    """A custom format written through ``path.open``, as users subclass."""


def resource(server: Any, key: str | None = None) -> ADLS2Resource:
    from_conn = dict(p.split("=", 1) for p in server.connection_string.strip(";").split(";"))
    return ADLS2Resource(
        storage_account=ACCOUNT, credential=ADLS2Key(key=key or from_conn["AccountKey"]),
        blob_endpoint=server.blob_endpoint,
    )


def manager(server: Any, prefix: str, cls: type | None = None) -> Any:
    res = resource(server)
    return (cls or PickledObjectADLS2IOManager)(CONTAINER, prefix=prefix, storage_options=res.adlfs_options(), secrets=res.secrets())


def keys_under(server: Any, prefix: str) -> list[str]:
    from azure.storage.blob import BlobServiceClient

    with BlobServiceClient.from_connection_string(server.connection_string) as client:
        blobs = client.get_container_client(CONTAINER).list_blobs(name_starts_with=prefix + "/")
        return sorted(b.name[len(prefix) + 1 :] for b in blobs)


class TestADLS2Store(ObjectStoreSuite):
    scheme = "az"
    server_fixture = "azurite_server"
    resource_key = "adls2"
    json_manager = JsonADLS2IOManager
    pythonic_manager = ADLS2PickleIOManager
    configurable_manager = ConfigurablePickledObjectADLS2IOManager
    manager = staticmethod(manager)
    keys_under = staticmethod(keys_under)

    def read_object(self, server: Any, key: str) -> bytes:
        blob = resource(server).blob_client.get_blob_client(CONTAINER, key)
        return blob.download_blob().readall()  # type: ignore[no-any-return]

    def pythonic_io_manager(self, server: Any, prefix: str, monkeypatch: pytest.MonkeyPatch) -> Any:
        return ADLS2PickleIOManager(adls2=resource(server), adls2_file_system=CONTAINER, adls2_prefix=prefix)

    def legacy_resources(self, server: Any, prefix: str) -> dict[str, Any]:
        key = resource(server).credential.key  # type: ignore[union-attr]
        adls2 = adls2_resource.configured({
            "storage_account": ACCOUNT, "credential": {"key": key}, "blob_endpoint": server.blob_endpoint,
        })
        io = adls2_pickle_io_manager.configured({"adls2_file_system": CONTAINER, "adls2_prefix": prefix})
        return {"io_manager": io, "adls2": adls2}

    # Azure names objects blobs, and the legacy test after its resource
    test_blobs_follow_the_prefix_asset_key_layout = ObjectStoreSuite.test_objects_follow_the_prefix_asset_key_layout
    test_objects_follow_the_prefix_asset_key_layout = None  # type: ignore[assignment]  # collected as "blobs" above
    test_legacy_manager_uses_resource_adls2 = ObjectStoreSuite.check_legacy_manager_uses_its_resource


class TestADLS2Conformance(StoreConformanceSuite):
    store = TestADLS2Store


def test_resource_blob_client_and_legacy_resource(azurite_server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    key = resource(azurite_server).credential.key  # type: ignore[union-attr]
    monkeypatch.setenv("DOCKYARD_TEST_AZ_KEY", key)
    res = ADLS2Resource(storage_account=ACCOUNT, credential=ADLS2Key(key=dg.EnvVar("DOCKYARD_TEST_AZ_KEY")),
                        blob_endpoint=azurite_server.blob_endpoint)
    assert CONTAINER in [c.name for c in res.blob_client.list_containers()]
    config = {"storage_account": ACCOUNT, "credential": {"key": {"env": "DOCKYARD_TEST_AZ_KEY"}},
              "blob_endpoint": azurite_server.blob_endpoint}
    with dg.build_resources({"adls2": adls2_resource}, resource_config={"adls2": {"config": config}}) as r:
        assert isinstance(r.adls2, ADLS2Resource)
        assert CONTAINER in [c.name for c in r.adls2.blob_client.list_containers()]
    sas = ADLS2Resource(storage_account=ACCOUNT, credential=ADLS2SASToken(token="sv=1&sig=abc"))
    assert sas.adlfs_options() == {"account_name": ACCOUNT, "sas_token": "sv=1&sig=abc"}
    assert "sig=abc" not in repr(sas) and key not in repr(res)


def test_manager_built_from_a_blob_client(azurite_server: Any, unique_prefix: str) -> None:
    res = resource(azurite_server)
    mgr = PickledObjectADLS2IOManager(CONTAINER, res.adls2_client, res.blob_client, None, prefix=unique_prefix)
    mgr.handle_output(out_ctx(["x"]), {"a": 1})
    assert manager(azurite_server, unique_prefix).load_input(in_ctx(["x"])) == {"a": 1}


def test_account_key_never_appears_in_events_errors_logs_or_reprs(
    azurite_server: Any, unique_prefix: str, caplog: pytest.LogCaptureFixture, scratch_dir: Path
) -> None:
    good = resource(azurite_server)
    key = good.credential.key  # type: ignore[union-attr]
    wrong_key = "V3JvbmdLZXk" + key[11:]  # valid base64, not the account's key
    caplog.set_level(logging.DEBUG)

    @dg.asset
    def first() -> int:
        return 1

    @dg.asset
    def never_stored() -> int:
        return 0

    @dg.asset
    def reads_missing(never_stored: int) -> int:
        return never_stored

    def io(res: ADLS2Resource) -> ADLS2PickleIOManager:
        return ADLS2PickleIOManager(adls2=res, adls2_file_system=CONTAINER, adls2_prefix=unique_prefix)

    instance = dg.DagsterInstance.from_home(str(scratch_dir))
    results = [
        dg.materialize([first], resources={"io_manager": io(good)}, instance=instance),
        dg.materialize([never_stored, reads_missing], selection=[reads_missing], resources={"io_manager": io(good)},
                       instance=instance, raise_on_error=False),
        dg.materialize([first], resources={"io_manager": io(resource(azurite_server, wrong_key))},
                       instance=instance, raise_on_error=False),
    ]
    assert [r.success for r in results] == [True, False, False]
    texts = [repr(good), repr(io(good)), repr(resource(azurite_server, wrong_key))]
    events, failures = event_texts(results)
    texts += events
    stored = stored_text(scratch_dir)
    assert "reads_missing" in stored
    texts += [*failures, stored, *(rec.getMessage() for rec in caplog.records)]
    assert len(failures) == 2
    assert f"az://{CONTAINER}/{unique_prefix}/never_stored" in failures[0]
    assert "Could not write asset ['first']" in failures[1] and "Check the credentials" in failures[1]
    blob = "\n".join(texts)
    assert key not in blob and wrong_key not in blob
