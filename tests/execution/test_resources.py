from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from dockyard.defs.config import Field
from dockyard.defs.resource import InitResourceContext, ResourceDefinition, resource
from dockyard.errors import (
    DagsterInvalidConfigError,
    DagsterInvalidDefinitionError,
    DagsterResourceFunctionError,
    DagsterUnknownResourceError,
)
from dockyard.execution.resources import ScopedResources, build_resources


def init_all(resources: dict[str, Any], **kwargs: Any) -> None:
    """Open and close ``resources`` with build_resources."""
    with build_resources(resources, **kwargs):
        pass


def tracked(events: list[str], name: str, requires: set[str] | None = None) -> ResourceDefinition:
    @resource(required_resource_keys=requires or set())
    def fn(context: InitResourceContext) -> Iterator[str]:
        deps = ",".join(f"{k}={getattr(context.resources, k)}" for k in sorted(requires or ()))
        events.append(f"init {name}")
        yield f"{name}({deps})"
        events.append(f"teardown {name}")

    return fn


def test_resources_are_lazy_and_cached() -> None:
    calls: list[str] = []

    @resource
    def counted(_: InitResourceContext) -> int:
        calls.append("x")
        return len(calls)

    scope = ScopedResources({"a": counted, "b": counted})
    assert calls == []
    assert scope.get("a") == 1
    assert scope.get("a") == 1
    assert calls == ["x"]
    scope.close()


def test_required_keys_initialise_first_and_teardown_is_reversed() -> None:
    events: list[str] = []
    defs = {
        "top": tracked(events, "top", {"mid"}),
        "mid": tracked(events, "mid", {"base"}),
        "base": tracked(events, "base"),
        "unused": tracked(events, "unused"),
    }
    with ScopedResources(defs) as scope:
        assert scope.get("top") == "top(mid=mid(base=base()))"
    assert events == [
        "init base",
        "init mid",
        "init top",
        "teardown top",
        "teardown mid",
        "teardown base",
    ]


def test_dependency_cycle_is_named() -> None:
    events: list[str] = []
    defs = {"a": tracked(events, "a", {"b"}), "b": tracked(events, "b", {"a"})}
    with ScopedResources(defs) as scope, pytest.raises(DagsterInvalidDefinitionError) as info:
        scope.get("a")
    assert "'a' -> 'b' -> 'a'" in str(info.value)


def test_missing_dependency_is_named() -> None:
    events: list[str] = []
    scope = ScopedResources({"a": tracked(events, "a", {"ghost"})})
    with pytest.raises(DagsterInvalidDefinitionError, match=r"requires resource 'ghost'.*'a'"):
        scope.get("a")


def test_unknown_key_lists_available() -> None:
    with ScopedResources({"db": 1, "s3": 2}) as scope:
        with pytest.raises(DagsterUnknownResourceError, match=r"'db', 's3'"):
            scope.get("nope")
        ns = scope.namespace({"db"})
        assert ns.db == 1
        with pytest.raises(DagsterUnknownResourceError, match=r"Available resources: 'db'\."):
            _ = ns.s3


def test_run_config_is_validated_and_resolved() -> None:
    @resource(config_schema={"url": str, "pool": Field(int, default_value=4)})
    def db(context: InitResourceContext) -> dict[str, Any]:
        return dict(context.resource_config)

    scope = ScopedResources(
        {"db": db, "plain": "value"}, resources_config={"db": {"config": {"url": "u"}}}
    )
    assert scope.get("db") == {"url": "u", "pool": 4}
    assert scope.resource_config("db") == {"url": "u", "pool": 4}
    assert scope.resource_config("plain") is None
    bad = ScopedResources({"db": db}, resources_config={"db": {"config": {"url": 1}}})
    with pytest.raises(DagsterInvalidConfigError) as info:
        bad.get("db")
    assert str(info.value).startswith("Error in config for resource 'db'")
    assert "root:resources:db:config:url" in info.value.errors[0]
    with pytest.raises(DagsterInvalidConfigError, match="single key 'config'"):
        ScopedResources({"db": db}, resources_config={"db": {"url": "u"}}).get("db")


def test_user_errors_are_wrapped_with_the_key_and_dagster_errors_pass_through() -> None:
    @resource
    def broken(_: InitResourceContext) -> None:
        raise RuntimeError("down")

    @resource
    def strict(_: InitResourceContext) -> None:
        raise DagsterInvalidDefinitionError("bad wiring")

    scope = ScopedResources({"broken": broken, "strict": strict})
    with pytest.raises(DagsterResourceFunctionError) as info:
        scope.get("broken")
    assert str(info.value) == "Error executing resource_fn on ResourceDefinition broken"
    assert isinstance(info.value.__cause__, RuntimeError)
    with pytest.raises(DagsterInvalidDefinitionError, match="bad wiring"):
        scope.get("strict")


def test_context_gets_instance_run_id_and_log() -> None:
    seen: dict[str, Any] = {}

    @resource
    def spy(context: InitResourceContext) -> None:
        seen.update(instance=context.instance, run_id=context.run_id, log=context.log)

    inst, log = object(), object()
    ScopedResources({"spy": spy}, instance=inst, run_id="r1", log=log).get("spy")
    assert seen == {"instance": inst, "run_id": "r1", "log": log}


def test_close_runs_every_teardown_and_raises_the_first_error() -> None:
    events: list[str] = []

    @resource
    def bad_teardown(_: InitResourceContext) -> Iterator[int]:
        yield 1
        raise OSError("cannot close")

    scope = ScopedResources({"ok": tracked(events, "ok"), "bad": bad_teardown})
    scope.get("ok")
    scope.get("bad")
    with pytest.raises(DagsterResourceFunctionError, match="tearing down resource bad"):
        scope.close()
    assert events == ["init ok", "teardown ok"]


def test_generator_yielding_twice_is_an_error_at_teardown() -> None:
    @resource
    def twice(_: InitResourceContext) -> Iterator[int]:
        yield 1
        yield 2

    scope = ScopedResources({"t": twice})
    scope.get("t")
    with pytest.raises(Exception, match="yielded more than once"):
        scope.close()


def test_build_resources_initialises_everything_and_tears_down() -> None:
    events: list[str] = []

    @resource(config_schema={"n": int})
    @contextmanager
    def cm(context: InitResourceContext) -> Iterator[int]:
        events.append("enter")
        yield context.resource_config["n"]
        events.append("exit")

    with build_resources(
        {"cm": cm, "plain": 5, "none": ResourceDefinition.none_resource()},
        instance="inst",
        resource_config={"cm": {"config": {"n": 3}}},
    ) as res:
        assert events == ["enter"]
        assert (res.cm, res.plain, res.none) == (3, 5, None)
        with pytest.raises(DagsterUnknownResourceError):
            _ = res.zzz
    assert events == ["enter", "exit"]


def test_build_resources_requires_missing_config() -> None:
    @resource(config_schema={"n": int})
    def needs(context: InitResourceContext) -> int:
        return int(context.resource_config["n"])

    with pytest.raises(DagsterInvalidConfigError, match=r'Missing required config entry "n"'):
        init_all({"needs": needs})
    with pytest.raises(DagsterInvalidConfigError, match=r"unexpected config entry \"other\""):
        init_all({"needs": needs}, resource_config={"other": {"config": {}}})


def test_teardown_still_runs_when_the_block_raises() -> None:
    events: list[str] = []
    with pytest.raises(KeyError), build_resources({"r": tracked(events, "r")}):
        raise KeyError("step failed")
    assert events == ["init r", "teardown r"]
