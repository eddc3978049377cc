"""Calling ops and assets directly with build_op_context / build_asset_context."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

import dockyard as dg
from dockyard.errors import DagsterInvalidConfigError, DagsterInvalidDefinitionError


class NConfig(dg.Config):
    n: int = 1


@dg.op
def pycfg(config: NConfig) -> int:
    return config.n


@dg.op(config_schema={"k": int})
def withcfg(context: dg.OpExecutionContext, x: int) -> int:
    return int(context.op_config["k"]) + x


@dg.op(config_schema={"k": dg.Field(int, default_value=3)})
def defaulted(context: dg.OpExecutionContext) -> int:
    return int(context.op_config["k"])


def test_config_class_positional_default_and_from_context() -> None:
    assert pycfg(NConfig(n=4)) == 4
    assert pycfg(config=NConfig(n=5)) == 5
    assert pycfg() == 1
    assert pycfg(dg.build_op_context(op_config={"n": 6})) == 6


def test_config_schema_is_validated_and_defaulted() -> None:
    assert withcfg(dg.build_op_context(op_config={"k": 10}), 1) == 11
    with pytest.raises(DagsterInvalidConfigError, match="withcfg"):
        withcfg(dg.build_op_context(), 1)
    with pytest.raises(DagsterInvalidConfigError, match="withcfg"):
        withcfg(None, 1)
    assert defaulted(dg.build_op_context()) == 3


def test_missing_required_resource_is_reported_at_invocation() -> None:
    @dg.op(required_resource_keys={"r"})
    def withres(context: dg.OpExecutionContext) -> Any:
        return context.resources.r

    assert withres(dg.build_op_context(resources={"r": "R"})) == "R"
    with pytest.raises(DagsterInvalidDefinitionError, match=r"'r'.*withres"):
        withres(dg.build_op_context())


def test_context_is_bound_to_the_invoked_op() -> None:
    @dg.op
    def named(context: dg.OpExecutionContext) -> str:
        return str(context.op_def.name)

    ctx = dg.build_op_context()
    assert named(ctx) == "named"


def test_generator_op_returns_a_generator() -> None:
    @dg.op
    def gen_op() -> Iterator[dg.Output[int]]:
        yield dg.Output(5)

    out = gen_op()
    assert inspect.isgenerator(out)
    assert [o.value for o in out] == [5]


LOG: list[str] = []


class Client(dg.ConfigurableResource):
    url: str = "u"

    def setup_for_execution(self, context: Any) -> None:
        LOG.append("setup")

    def teardown_after_execution(self, context: Any) -> None:
        LOG.append("teardown")


def test_build_op_context_is_a_context_manager_that_tears_down_resources() -> None:
    log = LOG
    log.clear()

    @dg.resource
    @contextmanager
    def cm(_: Any) -> Iterator[str]:
        log.append("up")
        yield "CM"
        log.append("down")

    @dg.op(required_resource_keys={"r"})
    def withres(context: dg.OpExecutionContext) -> Any:
        return context.resources.r

    @dg.op
    def pyres(client: Client) -> str:
        return client.url

    with dg.build_op_context(resources={"r": cm, "client": Client(url="x")}) as ctx:
        assert withres(ctx) == "CM"
        assert pyres(ctx) == "x"
    assert sorted(log) == ["down", "setup", "teardown", "up"]


def test_build_asset_context_asset_config_partition_range_and_tags() -> None:
    @dg.asset
    def acfg(config: NConfig) -> int:
        return config.n

    assert acfg(dg.build_asset_context(asset_config={"n": 8})) == 8
    ctx = dg.build_asset_context(partition_key_range=dg.PartitionKeyRange("a", "b"), run_tags={"t": "1"})
    assert ctx.partition_key_range == dg.PartitionKeyRange("a", "b")
    assert ctx.run_tags == {"t": "1"} and ctx.has_tag("t")
    assert dg.build_op_context(run_id="r1").run_id == "r1"


def test_direct_asset_call_context_knows_its_asset() -> None:
    @dg.asset(key_prefix="prefix", partitions_def=dg.StaticPartitionsDefinition(["x", "y"]))
    def keyed(context: dg.AssetExecutionContext) -> str:
        return f"{context.asset_key.to_user_string()}:{context.partition_key}"

    assert keyed(dg.build_asset_context(partition_key="y")) == "prefix/keyed:y"


def test_direct_asset_call_with_a_key_range_sees_every_key_of_it() -> None:
    @dg.asset(partitions_def=dg.DailyPartitionsDefinition(start_date="2024-01-01"))
    def days(context: dg.AssetExecutionContext) -> list[str]:
        return list(context.partition_keys)

    ctx = dg.build_asset_context(partition_key_range=dg.PartitionKeyRange("2024-01-01", "2024-01-04"))
    assert days(ctx) == ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"]
    assert ctx.partition_key_range == dg.PartitionKeyRange("2024-01-01", "2024-01-04")
