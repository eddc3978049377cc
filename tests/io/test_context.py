from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest

import dockyard as dg
from dockyard.errors import CheckError, DagsterInvalidMetadata, DagsterInvariantViolationError

EPHEMERAL = "__EPHEMERAL_RUN_ID"


@pytest.mark.parametrize(
    "context, attr",
    [("OutputContext", a) for a in ["step_key", "name", "op_def", "dagster_type", "job_name", "asset_spec"]]
    + [("InputContext", a) for a in ["name", "dagster_type", "op_def", "job_name"]],
)
def test_context_missing_attribute_raises_dive(context: str, attr: str) -> None:
    build = dg.build_output_context if context == "OutputContext" else dg.build_input_context
    with pytest.raises(
        DagsterInvariantViolationError,
        match=f"Attempting to access {attr}, but it was not provided when constructing the {context}",
    ):
        getattr(build(), attr)


def test_output_context_defaults() -> None:
    ctx = dg.build_output_context()
    assert ctx.run_id == EPHEMERAL
    assert ctx.asset_key is None and ctx.has_asset_key is False
    assert ctx.definition_metadata == {} and ctx.metadata == {}
    assert ctx.config is None and ctx.mapping_key is None and ctx.version is None
    assert ctx.resource_config == {}
    assert ctx.has_partition_key is False and ctx.has_asset_partitions is False
    assert ctx.asset_partition_keys == []
    ctx.log.info("the log is always usable")
    assert not hasattr(ctx.resources, "anything")


@pytest.mark.parametrize(
    ("attr", "error", "message"),
    [
        ("partition_key", CheckError, "Tried to access partition_key on a non-partitioned run."),
        ("asset_partition_key", CheckError, "does not correspond to a partitioned asset"),
        ("asset_partition_key_range", CheckError, "does not correspond to a partitioned asset"),
        ("asset_partitions_time_window", CheckError, "does not correspond to a partitioned asset"),
        ("asset_partitions_def", DagsterInvariantViolationError, "output does not correspond to an asset"),
    ],
)
def test_output_context_partition_errors(attr: str, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        getattr(dg.build_output_context(), attr)


def test_output_context_given_values() -> None:
    dtype = dg.DagsterType(lambda _, x: True, name="T")
    ctx = dg.build_output_context(
        step_key="s", name="n", run_id="r", definition_metadata={"a": 1}, output_metadata={"b": 2},
        config={"c": 3}, resource_config={"d": 4}, resources={"r": "res"}, dagster_type=dtype,
        asset_key=["x", "y"],
    )
    assert (ctx.step_key, ctx.name, ctx.run_id) == ("s", "n", "r")
    assert ctx.definition_metadata == {"a": 1} and ctx.metadata == {"a": 1}
    assert ctx.output_metadata == {"b": 2}
    assert ctx.config == {"c": 3} and ctx.resource_config == {"d": 4}
    assert ctx.resources.r == "res"
    assert ctx.dagster_type.display_name == "T"
    assert ctx.asset_key == dg.AssetKey(["x", "y"]) and ctx.has_asset_key
    assert ctx.get_asset_identifier() == ["x", "y"]


def test_deprecated_metadata_argument_is_definition_metadata() -> None:
    assert dg.build_output_context(metadata={"m": 1}).definition_metadata == {"m": 1}


@pytest.mark.parametrize(
    ("kwargs", "identifier"),
    [
        ({"step_key": "s", "name": "n"}, [EPHEMERAL, "s", "n"]),
        ({"step_key": "s", "name": "n", "run_id": "r", "mapping_key": "m"}, ["r", "s", "n", "m"]),
        ({"step_key": "s", "name": "n", "version": "v1"}, ["versioned_outputs", "v1", "s", "n"]),
    ],
)
def test_get_identifier(kwargs: dict[str, str], identifier: list[str]) -> None:
    assert dg.build_output_context(**kwargs).get_identifier() == identifier


def test_get_identifier_rejects_version_with_mapping_key() -> None:
    ctx = dg.build_output_context(step_key="s", name="n", version="v1", mapping_key="m")
    with pytest.raises(CheckError, match="Mapping key and version both provided for output 'n' of step 's'"):
        ctx.get_identifier()


def test_get_identifier_without_step_key_raises() -> None:
    with pytest.raises(DagsterInvariantViolationError, match="step_key"):
        dg.build_output_context(name="n").get_identifier()


def test_partition_key_with_asset_key_gives_single_partition() -> None:
    ctx = dg.build_output_context(asset_key=["a", "b"], partition_key="p1")
    assert ctx.has_asset_partitions
    assert ctx.asset_partition_key == "p1"
    assert ctx.asset_partition_keys == ["p1"]
    assert ctx.asset_partition_key_range == dg.PartitionKeyRange("p1", "p1")
    assert ctx.get_asset_identifier() == ["a", "b", "p1"]


def test_partition_key_without_asset_key_is_run_level_only() -> None:
    ctx = dg.build_output_context(partition_key="p1")
    assert ctx.has_partition_key and ctx.partition_key == "p1"
    assert ctx.has_asset_partitions is False


def test_time_window_for_daily_partition() -> None:
    pdef = dg.DailyPartitionsDefinition(start_date="2024-01-01")
    ctx = dg.build_output_context(asset_key="a", partition_key="2024-01-02", asset_partitions_def=pdef)
    window = ctx.asset_partitions_time_window
    assert window.start == datetime.datetime(2024, 1, 2, tzinfo=datetime.UTC)
    assert window.end == datetime.datetime(2024, 1, 3, tzinfo=datetime.UTC)
    assert ctx.asset_partitions_def is pdef


def test_range_over_static_partitions() -> None:
    pdef = dg.StaticPartitionsDefinition(["x", "y", "z"])
    ctx = dg.build_output_context(
        asset_key="a", asset_partition_key_range=dg.PartitionKeyRange("x", "z"), asset_partitions_def=pdef
    )
    assert ctx.asset_partition_keys == ["x", "y", "z"]
    with pytest.raises(CheckError, match="number of output partitions != 1"):
        _ = ctx.asset_partition_key
    with pytest.raises(DagsterInvariantViolationError, match="not time-partitioned"):
        _ = ctx.asset_partitions_time_window


def test_add_output_metadata_normalises_and_rejects_duplicates() -> None:
    ctx = dg.build_output_context()
    ctx.add_output_metadata({"x": 1, "tup": (1, 2)})
    logged = ctx.get_logged_metadata()
    assert logged["x"] == dg.IntMetadataValue(1)
    assert logged["tup"].value == [1, 2]
    with pytest.raises(DagsterInvalidMetadata, match=r"Tried to add metadata for key\(s\) that already have metadata: \{'x'\}"):
        ctx.add_output_metadata({"x": 2})
    ctx.add_output_metadata({"y": "s"})
    assert sorted(ctx.consume_logged_metadata()) == ["tup", "x", "y"]
    assert ctx.get_logged_metadata() == {}


def test_log_event_is_recorded() -> None:
    ctx = dg.build_output_context()
    ctx.log_event(dg.AssetMaterialization("z"))
    assert [e.asset_key for e in ctx.get_logged_events()] == [dg.AssetKey("z")]


def test_generator_resource_is_torn_down_when_the_context_exits() -> None:
    events: list[str] = []

    @dg.resource
    def gen(_: dg.InitResourceContext) -> Iterator[str]:
        events.append("up")
        yield "g"
        events.append("down")

    with dg.build_output_context(resources={"g": gen}) as ctx:
        assert ctx.resources.g == "g"
    assert events == ["up", "down"]


def test_input_context_defaults() -> None:
    ctx = dg.build_input_context()
    assert ctx.upstream_output is None
    assert ctx.definition_metadata == {} and ctx.config is None and ctx.resource_config == {}
    assert ctx.has_asset_key is False and ctx.asset_key is None
    assert ctx.has_asset_partitions is False and ctx.asset_partition_keys == []
    assert ctx.has_input_name is False
    with pytest.raises(DagsterInvariantViolationError, match=r"InputContext\.upstream_output not defined\. Cannot compute an identifier"):
        ctx.get_identifier()
    with pytest.raises(CheckError, match="non-partitioned run"):
        _ = ctx.partition_key


def test_input_context_upstream_output_and_identifiers() -> None:
    up = dg.build_output_context(step_key="s", name="n", run_id="r", definition_metadata={"u": 1})
    ctx = dg.build_input_context(
        name="x", upstream_output=up, definition_metadata={"i": 2}, asset_key="up", config={"q": 1},
        resources={"r": 1},
    )
    assert ctx.name == "x" and ctx.has_input_name
    assert ctx.get_identifier() == ["r", "s", "n"]
    assert ctx.upstream_output is up
    assert ctx.upstream_output.definition_metadata == {"u": 1}
    assert ctx.definition_metadata == {"i": 2}
    assert ctx.asset_key == dg.AssetKey("up")
    assert ctx.get_asset_identifier() == ["up"]
    assert ctx.config == {"q": 1}
    assert ctx.resources.r == 1


def test_input_context_partitions() -> None:
    daily = dg.DailyPartitionsDefinition(start_date="2024-01-01")
    ctx = dg.build_input_context(asset_key="up", partition_key="2024-01-02", asset_partitions_def=daily)
    assert ctx.asset_partition_keys == ["2024-01-02"]
    assert ctx.get_asset_identifier() == ["up", "2024-01-02"]
    assert ctx.asset_partitions_time_window.start == datetime.datetime(2024, 1, 2, tzinfo=datetime.UTC)
    static = dg.StaticPartitionsDefinition(["x", "y", "z"])
    ranged = dg.build_input_context(
        asset_key="up", asset_partition_key_range=dg.PartitionKeyRange("x", "y"), asset_partitions_def=static
    )
    assert ranged.asset_partition_keys == ["x", "y"]
    with pytest.raises(CheckError, match="number of input partitions != 1"):
        _ = ranged.asset_partition_key


def test_io_manager_called_with_built_contexts_round_trips() -> None:
    manager = dg.InMemoryIOManager()
    out = dg.build_output_context(step_key="s", name="result")
    manager.handle_output(out, 42)
    assert manager.load_input(dg.build_input_context(upstream_output=out)) == 42


# -- differential audit against Dagster 1.13 ----------------------------------------------------------


def test_builder_accepts_multi_key_range_without_partitions_def() -> None:
    ctx = dg.build_output_context(asset_key="a", asset_partition_key_range=dg.PartitionKeyRange("x", "y"))
    assert ctx.has_asset_partitions
    assert ctx.asset_partition_key_range == dg.PartitionKeyRange("x", "y")
    assert not ctx.has_partition_key
    with pytest.raises(NotImplementedError):
        _ = ctx.asset_partition_keys
    with pytest.raises(NotImplementedError):
        _ = ctx.asset_partition_key
    ictx = dg.build_input_context(asset_key="a", asset_partition_key_range=dg.PartitionKeyRange("x", "y"))
    assert ictx.asset_partition_key_range == dg.PartitionKeyRange("x", "y")
    ictx.add_input_metadata({"m": 1})  # the observation just has no single partition
    assert ictx.get_observations()[0].partition is None


@pytest.mark.parametrize("build", [dg.build_output_context, dg.build_input_context])
def test_get_asset_identifier_without_asset_raises_dive(build: Any) -> None:
    with pytest.raises(DagsterInvariantViolationError, match="asset"):
        build().get_asset_identifier()


def test_log_event_rejects_non_events() -> None:
    ctx = dg.build_output_context()
    with pytest.raises(CheckError):
        ctx.log_event("not an event")
    ctx.log_event(dg.AssetObservation("a"))
    assert len(ctx.get_logged_events()) == 1


def test_input_context_instance_not_provided_raises_dive() -> None:
    with pytest.raises(DagsterInvariantViolationError, match="instance"):
        _ = dg.build_input_context().instance
    inst = dg.DagsterInstance.ephemeral()
    assert dg.build_input_context(instance=inst).instance is inst


def test_builtin_scalar_dagster_type_names() -> None:
    names = {t: dg.build_output_context(dagster_type=t).dagster_type.display_name for t in (int, str, float, bool)}
    assert names == {int: "Int", str: "String", float: "Float", bool: "Bool"}
