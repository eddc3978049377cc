"""Azure storage resources and pickle I/O managers against Azurite (Blob API): the conformance
suite (pickle and a custom format), layout, pythonic and legacy definitions in runs, missing
values, half-written custom formats, and account keys kept out of events, errors and reprs.
ADLS Gen2's DFS API is not emulated by Azurite; dockyard stores through the Blob API."""

from __future__ import annotations

import json
import logging
import pickle
from pathlib import Path
from typing import Any

import pytest
from upath import UPath

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
from dockyard.testing import IOManagerSuite
from dockyard.testing.io_manager_suite import LETTERS, in_ctx, out_ctx

pytestmark = pytest.mark.azurite
CONTAINER = "dockyard"
ACCOUNT = "devstoreaccount1"


class JsonADLS2IOManager(PickledObjectADLS2IOManager):
    extension = ".json"

    def dump_to_path(self, context: Any, obj: Any, path: UPath) -> None:
        with path.open("w") as f:
            json.dump(obj, f)

    def load_from_path(self, context: Any, path: UPath) -> Any:
        with path.open("r") as f:
            return json.load(f)


def resource(server: Any, key: str | None = None) -> ADLS2Resource:
    from_conn = dict(p.split("=", 1) for p in server.connection_string.strip(";").split(";"))
    return ADLS2Resource(
        storage_account=ACCOUNT, credential=ADLS2Key(key=key or from_conn["AccountKey"]),
        blob_endpoint=server.blob_endpoint,
    )


def manager(server: Any, prefix: str, cls: type = PickledObjectADLS2IOManager) -> Any:
    res = resource(server)
    return cls(CONTAINER, prefix=prefix, storage_options=res.adlfs_options(), secrets=res.secrets())


def keys_under(server: Any, prefix: str) -> list[str]:
    from azure.storage.blob import BlobServiceClient

    with BlobServiceClient.from_connection_string(server.connection_string) as client:
        blobs = client.get_container_client(CONTAINER).list_blobs(name_starts_with=prefix + "/")
        return sorted(b.name[len(prefix) + 1 :] for b in blobs)


class TestPickledObjectADLS2IOManager(IOManagerSuite):
    @pytest.fixture
    def base_path(self, unique_prefix: str) -> str:
        return unique_prefix

    @pytest.fixture
    def io_manager_factory(self, azurite_server: Any) -> Any:
        return lambda prefix: manager(azurite_server, prefix)


class TestCustomFormatOnAzure(IOManagerSuite):
    @pytest.fixture
    def base_path(self, unique_prefix: str) -> str:
        return unique_prefix

    @pytest.fixture
    def io_manager_factory(self, azurite_server: Any) -> Any:
        return lambda prefix: manager(azurite_server, prefix, JsonADLS2IOManager)


def test_blobs_follow_the_prefix_asset_key_layout(azurite_server: Any, unique_prefix: str) -> None:
    mgr = manager(azurite_server, unique_prefix)
    ctx = out_ctx(["raw", "orders"])
    mgr.handle_output(ctx, [1])
    mgr.handle_output(out_ctx(["daily"], ["a"], LETTERS), 2)
    mgr.handle_output(out_ctx(None, step_key="op", name="out", run_id="r1"), 3)
    assert keys_under(azurite_server, unique_prefix) == ["daily/a", "raw/orders", "storage/r1/op/out"]
    assert ctx.get_logged_metadata()["path"] == dg.MetadataValue.path(f"az://{CONTAINER}/{unique_prefix}/raw/orders")
    blob = resource(azurite_server).blob_client.get_blob_client(CONTAINER, f"{unique_prefix}/raw/orders")
    assert pickle.loads(blob.download_blob().readall()) == [1]


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


def test_pythonic_manager_runs_partitioned_assets_and_loads_them_downstream(
    azurite_server: Any, unique_prefix: str
) -> None:
    io = ADLS2PickleIOManager(adls2=resource(azurite_server), adls2_file_system=CONTAINER, adls2_prefix=unique_prefix)
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
    assert keys_under(azurite_server, unique_prefix) == [
        "daily/2024-01-01", "daily/2024-01-02", "daily/2024-01-03", "summary",
    ]
    assert ConfigurablePickledObjectADLS2IOManager is ADLS2PickleIOManager


def test_legacy_manager_uses_resource_adls2(azurite_server: Any, unique_prefix: str) -> None:
    key = resource(azurite_server).credential.key  # type: ignore[union-attr]
    adls2 = adls2_resource.configured({
        "storage_account": ACCOUNT, "credential": {"key": key}, "blob_endpoint": azurite_server.blob_endpoint,
    })
    io = adls2_pickle_io_manager.configured({"adls2_file_system": CONTAINER, "adls2_prefix": unique_prefix})

    @dg.asset
    def numbers() -> list[int]:
        return [1, 2, 3]

    @dg.asset
    def total(numbers: list[int]) -> int:
        return sum(numbers)

    result = dg.materialize([numbers, total], resources={"io_manager": io, "adls2": adls2})
    assert result.output_for_node("total") == 6
    assert keys_under(azurite_server, unique_prefix) == ["numbers", "total"]
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="'adls2'"):
        dg.materialize([numbers], resources={"io_manager": io})


def test_manager_built_from_a_blob_client(azurite_server: Any, unique_prefix: str) -> None:
    res = resource(azurite_server)
    mgr = PickledObjectADLS2IOManager(CONTAINER, res.adls2_client, res.blob_client, None, prefix=unique_prefix)
    mgr.handle_output(out_ctx(["x"]), {"a": 1})
    assert manager(azurite_server, unique_prefix).load_input(in_ctx(["x"])) == {"a": 1}


def test_missing_partition_error_names_asset_partition_and_uri(azurite_server: Any, unique_prefix: str) -> None:
    mgr = manager(azurite_server, unique_prefix)
    mgr.handle_output(out_ctx(["letters"], ["a"], LETTERS), 1)
    with pytest.raises(FileNotFoundError) as info:
        mgr.load_input(in_ctx(["letters"], ["a", "b"], LETTERS))
    assert "partition 'b'" in str(info.value) and "asset ['letters']" in str(info.value)
    assert f"az://{CONTAINER}/{unique_prefix}/letters/b" in str(info.value)


def test_custom_format_failing_half_way_keeps_the_previous_value(azurite_server: Any, unique_prefix: str) -> None:
    class HalfWriter(JsonADLS2IOManager):
        def dump_to_path(self, context: Any, obj: Any, path: UPath) -> None:
            with path.open("w") as f:
                f.write('{"rows": [1, 2')
                raise RuntimeError("serializer failed half-way")

    manager(azurite_server, unique_prefix, JsonADLS2IOManager).handle_output(out_ctx(["table"]), {"rows": [0]})
    for key in (["table"], ["other"]):
        with pytest.raises(RuntimeError, match="half-way"):
            manager(azurite_server, unique_prefix, HalfWriter).handle_output(out_ctx(key), {"rows": [1, 2]})
    assert manager(azurite_server, unique_prefix, JsonADLS2IOManager).load_input(in_ctx(["table"])) == {"rows": [0]}
    assert keys_under(azurite_server, unique_prefix) == ["table.json"]


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
    failures = []
    for r in results:
        for ev in r.all_events:
            texts += [repr(ev), str(ev.message)]
            error = getattr(ev.event_specific_data, "error", None)
            if error is not None:
                failures.append(error.to_string())
    stored = "".join(p.read_bytes().decode("latin-1") for p in scratch_dir.rglob("*") if p.is_file())
    assert "reads_missing" in stored
    texts += [*failures, stored, *(rec.getMessage() for rec in caplog.records)]
    assert len(failures) == 2
    assert f"az://{CONTAINER}/{unique_prefix}/never_stored" in failures[0]
    assert "Could not write asset ['first']" in failures[1] and "Check the credentials" in failures[1]
    blob = "\n".join(texts)
    assert key not in blob and wrong_key not in blob
