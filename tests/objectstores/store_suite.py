"""``ObjectStoreSuite``: the tests every object-store pickle I/O manager (S3, GCS, Azure) passes
against its emulator. ``test_s3.py``, ``test_gcs.py`` and ``test_adls2.py`` subclass it once and
say how to reach their store, and run ``StoreConformanceSuite`` against it; what only one store
has stays in its own module.

Also here: ``JsonFormat``, the custom format users write by subclassing a pickle manager;
``UniquePrefixIOManagerSuite``, dockyard's conformance suite storing under a fresh prefix; and
``event_texts`` / ``stored_text``, what the credential tests search for secrets.
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

import pytest
from upath import UPath

import dockyard as dg
from dockyard.testing import IOManagerSuite
from dockyard.testing.io_manager_suite import LETTERS, in_ctx, out_ctx

BUCKET = "dockyard"


class JsonFormat:
    """A custom format written through ``path.open``, as users subclass; mixed in before a
    store's pickle manager."""

    extension = ".json"

    def dump_to_path(self, context: Any, obj: Any, path: UPath) -> None:
        with path.open("w") as f:
            json.dump(obj, f)

    def load_from_path(self, context: Any, path: UPath) -> Any:
        with path.open("r") as f:
            return json.load(f)


class UniquePrefixIOManagerSuite(IOManagerSuite):
    """``IOManagerSuite`` with every test storing under a fresh prefix of the shared bucket."""

    @pytest.fixture
    def base_path(self, unique_prefix: str) -> str:
        return unique_prefix


def event_texts(results: Iterable[Any]) -> tuple[list[str], list[str]]:
    """Every event's repr and message of ``results``, and the text of each failure among them."""
    texts: list[str] = []
    failures: list[str] = []
    for r in results:
        for ev in r.all_events:
            texts += [repr(ev), str(ev.message)]
            error = getattr(ev.event_specific_data, "error", None)
            if error is not None:
                failures.append(error.to_string())
    return texts, failures


def stored_text(directory: Path) -> str:
    """Every file under ``directory`` (an instance's run and event storage), as one string."""
    return "".join(p.read_bytes().decode("latin-1") for p in directory.rglob("*") if p.is_file())


class ObjectStoreSuite:
    """Layout, runs with pythonic and legacy definitions, missing partitions and half-written
    custom formats, for one store. Subclasses set the class attributes, provide the ``server``
    fixture name and implement the methods that raise ``NotImplementedError``.

    The legacy-manager test is named after each store's resource, so it is the plain method
    ``check_legacy_manager_uses_its_resource``; a subclass collects it under its own name with
    ``test_legacy_manager_uses_... = ObjectStoreSuite.check_legacy_manager_uses_its_resource``.
    """

    scheme: ClassVar[str]  # of the store's URIs: "s3", "gs", "az"
    server_fixture: ClassVar[str]  # the session fixture that starts the store's server
    resource_key: ClassVar[str]  # the resource the legacy manager reads its client from
    json_manager: ClassVar[type]  # JsonFormat mixed into the store's pickle manager
    pythonic_manager: ClassVar[type]
    configurable_manager: ClassVar[type]  # Dagster's older name for the pythonic manager

    @pytest.fixture
    def server(self, request: pytest.FixtureRequest) -> Any:
        return request.getfixturevalue(self.server_fixture)

    def manager(self, server: Any, prefix: str, cls: type | None = None) -> Any:
        """A pickle manager (or ``cls``) storing under ``prefix`` of the bucket."""
        raise NotImplementedError

    def keys_under(self, server: Any, prefix: str) -> list[str]:
        """The object keys under ``prefix``, relative to it, sorted."""
        raise NotImplementedError

    def read_object(self, server: Any, key: str) -> bytes:
        raise NotImplementedError

    def pythonic_io_manager(self, server: Any, prefix: str, monkeypatch: pytest.MonkeyPatch) -> Any:
        raise NotImplementedError

    def legacy_resources(self, server: Any, prefix: str) -> dict[str, Any]:
        """The legacy ``io_manager`` and the resource (under ``resource_key``) it needs."""
        raise NotImplementedError

    def uri(self, prefix: str, path: str) -> str:
        return f"{self.scheme}://{BUCKET}/{prefix}/{path}"

    # -- layout and definitions ------------------------------------------------------------------
    def test_objects_follow_the_prefix_asset_key_layout(self, server: Any, unique_prefix: str) -> None:
        mgr = self.manager(server, unique_prefix)
        ctx = out_ctx(["raw", "orders"])
        mgr.handle_output(ctx, [1])
        mgr.handle_output(out_ctx(["daily"], ["a"], LETTERS), 2)
        mgr.handle_output(out_ctx(None, step_key="op", name="out", run_id="r1"), 3)
        assert self.keys_under(server, unique_prefix) == ["daily/a", "raw/orders", "storage/r1/op/out"]
        assert ctx.get_logged_metadata()["path"] == dg.MetadataValue.path(self.uri(unique_prefix, "raw/orders"))
        assert pickle.loads(self.read_object(server, f"{unique_prefix}/raw/orders")) == [1]

    def test_pythonic_manager_runs_partitioned_assets_and_loads_them_downstream(
        self, server: Any, unique_prefix: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        io = self.pythonic_io_manager(server, unique_prefix, monkeypatch)
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
        assert self.keys_under(server, unique_prefix) == [
            "daily/2024-01-01", "daily/2024-01-02", "daily/2024-01-03", "summary",
        ]
        assert self.configurable_manager is self.pythonic_manager

    def check_legacy_manager_uses_its_resource(self, server: Any, unique_prefix: str) -> None:
        resources = self.legacy_resources(server, unique_prefix)
        io = resources["io_manager"]

        @dg.asset
        def numbers() -> list[int]:
            return [1, 2, 3]

        @dg.asset
        def total(numbers: list[int]) -> int:
            return sum(numbers)

        result = dg.materialize([numbers, total], resources=resources)
        assert result.output_for_node("total") == 6
        assert self.keys_under(server, unique_prefix) == ["numbers", "total"]
        with pytest.raises(dg.DagsterInvalidDefinitionError, match=f"'{self.resource_key}'"):
            dg.materialize([numbers], resources={"io_manager": io})

    # -- missing values and half-written custom formats ------------------------------------------
    def test_missing_partition_error_names_asset_partition_and_uri(self, server: Any, unique_prefix: str) -> None:
        mgr = self.manager(server, unique_prefix)
        mgr.handle_output(out_ctx(["letters"], ["a"], LETTERS), 1)
        with pytest.raises(FileNotFoundError) as info:
            mgr.load_input(in_ctx(["letters"], ["a", "b"], LETTERS))
        message = str(info.value)
        assert "partition 'b'" in message and "asset ['letters']" in message
        assert self.uri(unique_prefix, "letters/b") in message

    def test_custom_format_failing_half_way_keeps_the_previous_value(self, server: Any, unique_prefix: str) -> None:
        class HalfWriter(self.json_manager):  # type: ignore[name-defined,misc]
            def dump_to_path(self, context: Any, obj: Any, path: UPath) -> None:
                with path.open("w") as f:
                    f.write('{"rows": [1, 2')
                    raise RuntimeError("serializer failed half-way")

        self.manager(server, unique_prefix, self.json_manager).handle_output(out_ctx(["table"]), {"rows": [0]})
        for key in (["table"], ["other"]):
            with pytest.raises(RuntimeError, match="half-way"):
                self.manager(server, unique_prefix, HalfWriter).handle_output(out_ctx(key), {"rows": [1, 2]})
        assert self.manager(server, unique_prefix, self.json_manager).load_input(in_ctx(["table"])) == {"rows": [0]}
        assert self.keys_under(server, unique_prefix) == ["table.json"]


class StoreConformanceSuite(UniquePrefixIOManagerSuite):
    """``IOManagerSuite`` against one store, for its pickle manager (``[pickle]``) and for
    ``JsonFormat`` mixed into it (``[custom-format]``, the format users write). Subclasses set
    ``store`` to the store's ``ObjectStoreSuite`` subclass."""

    store: ClassVar[type[ObjectStoreSuite]]

    @pytest.fixture(params=["pickle", "custom-format"])
    def io_manager_factory(self, request: pytest.FixtureRequest) -> Any:
        store = self.store()
        server = request.getfixturevalue(store.server_fixture)
        cls = store.json_manager if request.param == "custom-format" else None
        return lambda prefix: store.manager(server, prefix, cls)
