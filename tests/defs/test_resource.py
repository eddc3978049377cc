from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import pytest

from dockyard.defs.config import Field
from dockyard.defs.resource import (
    InitResourceContext,
    ResourceDefinition,
    build_init_resource_context,
    coerce_to_resource_definition,
    resource,
)
from dockyard.errors import (
    DagsterInvalidConfigError,
    DagsterInvalidDefinitionError,
    DagsterInvalidInvocationError,
    DagsterResourceFunctionError,
    DagsterUnknownResourceError,
)


@resource(config_schema={"a": int, "b": Field(str, default_value="x")}, description="ab")
def ab_resource(context: InitResourceContext) -> dict[str, Any]:
    return dict(context.resource_config)


def test_decorator_with_arguments_builds_a_definition() -> None:
    assert isinstance(ab_resource, ResourceDefinition)
    assert ab_resource.description == "ab"
    assert ab_resource.config_schema == {"a": int, "b": ab_resource.config_schema["b"]}
    assert ab_resource.config_type is ab_resource.config_type  # cached
    assert ab_resource.required_resource_keys == frozenset()
    assert ab_resource.__name__ == "ab_resource"
    assert ab_resource.is_config_required


def test_bare_decorator_and_zero_arg_functions() -> None:
    @resource
    def five() -> int:
        """Five, always."""
        return 5

    assert isinstance(five, ResourceDefinition)
    assert five.config_schema is None and five.description == "Five, always."
    assert five() == 5
    assert five(None) == 5


def test_decorator_keywords() -> None:
    @resource(required_resource_keys={"db"}, version="2")
    def needs_db(context: InitResourceContext) -> Any:
        return context.resources.db

    assert needs_db.required_resource_keys == frozenset({"db"})
    assert needs_db.version == "2"


def test_direct_invocation_validates_and_fills_config() -> None:
    ctx = build_init_resource_context(config={"a": 1})
    assert ab_resource(ctx) == {"a": 1, "b": "x"}
    with pytest.raises(DagsterInvalidConfigError, match=r"Missing required config entry \"a\""):
        ab_resource(build_init_resource_context(config={}))


def test_direct_invocation_without_context_when_config_is_required() -> None:
    with pytest.raises(DagsterInvalidInvocationError, match="build_init_resource_context"):
        ab_resource(None)


def test_direct_invocation_rejects_non_context_argument() -> None:
    with pytest.raises(DagsterInvalidInvocationError, match="InitResourceContext or None"):
        ab_resource({"a": 1})


def test_context_exposes_run_attributes() -> None:
    @resource
    def inspect_ctx(context: InitResourceContext) -> InitResourceContext:
        return context

    inst = object()
    ctx = inspect_ctx(build_init_resource_context(instance=inst))
    assert ctx.instance is inst
    assert ctx.resource_def is inspect_ctx
    assert ctx.dagster_run is None and ctx.run_id is None
    assert isinstance(ctx.log, logging.Logger)
    ctx.log.info("resource says hi")


def test_context_resources_are_attributes_and_unknown_ones_raise() -> None:
    @resource(required_resource_keys={"db"})
    def uses_db(context: InitResourceContext) -> str:
        return f"using {context.resources.db}"

    with build_init_resource_context(resources={"db": "conn"}) as ctx:
        assert uses_db(ctx) == "using conn"
        with pytest.raises(DagsterUnknownResourceError, match=r"Unknown resource 'nope'.*'db'"):
            _ = ctx.resources.nope


def test_build_init_resource_context_initialises_definition_resources() -> None:
    events: list[str] = []

    @resource
    def gen_db(_: InitResourceContext) -> Iterator[str]:
        events.append("open")
        yield "db-conn"
        events.append("close")

    with build_init_resource_context(resources={"db": gen_db}) as ctx:
        assert ctx.resources.db == "db-conn"
        assert events == ["open"]
    assert events == ["open", "close"]


def test_generator_resource_invoked_directly_tears_down_with_the_context() -> None:
    events: list[str] = []

    @resource
    def gen(_: InitResourceContext) -> Iterator[int]:
        events.append("setup")
        yield 1
        events.append("teardown")

    with build_init_resource_context() as ctx:
        assert gen(ctx) == 1
        assert events == ["setup"]
    assert events == ["setup", "teardown"]


def test_contextmanager_resource() -> None:
    events: list[str] = []

    @resource
    @contextmanager
    def cm(_: InitResourceContext) -> Iterator[str]:
        events.append("enter")
        yield "value"
        events.append("exit")

    with build_init_resource_context() as ctx:
        assert cm(ctx) == "value"
    assert events == ["enter", "exit"]


def test_user_exception_is_wrapped_with_cause() -> None:
    @resource
    def boom(_: InitResourceContext) -> None:
        raise ValueError("no connection")

    with pytest.raises(DagsterResourceFunctionError) as info:
        boom(None)
    assert isinstance(info.value.__cause__, ValueError)
    assert isinstance(info.value.user_exception, ValueError)
    assert "Error executing resource_fn on ResourceDefinition" in str(info.value)


def test_configured_with_dict_bakes_config_and_keeps_class() -> None:
    class MyDef(ResourceDefinition):
        flavour = "plain"

    defn = MyDef(
        lambda ctx: dict(ctx.resource_config),
        config_schema={"a": int, "b": Field(str, default_value="x")},
        version="1",
    )
    defn.flavour = "special"  # type: ignore[misc]
    configured = defn.configured({"a": 1})
    assert type(configured) is MyDef and configured.flavour == "special"
    assert configured.version is None and configured.config_schema is None
    assert not configured.is_config_required
    assert configured(None) == {"a": 1, "b": "x"}
    assert defn.config_schema is not None  # the original is unchanged


def test_configured_value_is_validated_at_init_time() -> None:
    configured = ab_resource.configured({"a": "one"})  # no error yet
    with pytest.raises(DagsterInvalidConfigError, match=r"Invalid value 'one' at path root:a"):
        configured(None)


def test_configured_with_function_maps_outer_config() -> None:
    doubled = ab_resource.configured(
        lambda cfg: {"a": cfg["x"] * 2}, config_schema={"x": int}, description="doubled"
    )
    assert doubled.description == "doubled"
    assert doubled(build_init_resource_context(config={"x": 4})) == {"a": 8, "b": "x"}
    with pytest.raises(DagsterInvalidConfigError, match=r"Missing required config entry \"x\""):
        doubled(build_init_resource_context(config={}))


def test_configured_chains() -> None:
    first = ab_resource.configured(
        lambda cfg: {"a": cfg["n"], "b": cfg["s"]}, config_schema={"n": int, "s": str}
    )
    second = first.configured({"n": 3, "s": "z"})
    assert second(None) == {"a": 3, "b": "z"}


def test_configured_rejects_schema_with_plain_value() -> None:
    with pytest.raises(DagsterInvalidDefinitionError, match="config function"):
        ab_resource.configured({"a": 1}, config_schema={"a": int})


def test_builtin_helpers() -> None:
    value = object()
    assert ResourceDefinition.hardcoded_resource(value, "v")(None) is value
    assert ResourceDefinition.none_resource()(None) is None
    assert isinstance(ResourceDefinition.mock_resource()(None), mock.MagicMock)
    s = ResourceDefinition.string_resource()
    assert s(build_init_resource_context(config="hello")) == "hello"
    with pytest.raises(DagsterInvalidConfigError):
        s(build_init_resource_context(config=5))


def test_coerce_to_resource_definition() -> None:
    assert coerce_to_resource_definition(ab_resource) is ab_resource
    hard = coerce_to_resource_definition(42)
    assert hard(None) == 42

    class Pythonic:
        def get_resource_definition(self) -> ResourceDefinition:
            return ab_resource

    assert coerce_to_resource_definition(Pythonic()) is ab_resource

    class Hooked:
        def __dockyard_resource_definition__(self) -> ResourceDefinition:
            return ResourceDefinition.hardcoded_resource("hooked")

    assert coerce_to_resource_definition(Hooked())(None) == "hooked"
    m = mock.MagicMock()
    assert coerce_to_resource_definition(m)(None) is m


def test_non_callable_resource_fn_is_rejected() -> None:
    with pytest.raises(DagsterInvalidDefinitionError, match="callable resource_fn"):
        ResourceDefinition(5)  # type: ignore[arg-type]
