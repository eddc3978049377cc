"""AssetSelection, asset jobs and Definitions, checked against Dagster's observed behaviour."""

from __future__ import annotations

from typing import Any

import pytest

import dockyard as dg
from dockyard.errors import DagsterInvalidDefinitionError, DagsterInvariantViolationError


@dg.asset(group_name="g1", tags={"t": "x"}, kinds={"python"}, owners=["team:a"])
def a() -> int:
    return 1


@dg.asset(group_name="g1")
def b(a: int) -> int:
    return a + 1


@dg.asset(group_name="g2", key_prefix=["pre"])
def c(b: int) -> int:
    return b + 1


@dg.asset(group_name="g2", tags={"solo": ""})
def d(c: int) -> int:
    return c + 1


@dg.asset
def e() -> int:
    return 5


@dg.asset(deps=["s"])
def f() -> int:
    return 6


@dg.multi_asset(outs={"m1": dg.AssetOut(), "m2": dg.AssetOut()})
def m() -> tuple[int, int]:
    return 1, 2


ASSETS: list[Any] = [a, b, c, d, e, dg.SourceAsset("s"), f, m]
S = dg.AssetSelection


def names(sel: dg.AssetSelection) -> list[str]:
    graph = dg.Definitions(assets=ASSETS).resolve_asset_graph()
    return sorted(k.to_user_string() for k in sel.resolve(graph))


def test_upstream_downstream_include_self_and_sources() -> None:
    assert names(S.keys("d").upstream(depth=1, include_self=False)) == ["pre/c"]
    assert names(S.keys("a").downstream(include_self=False)) == ["b", "d", "pre/c"]
    # upstream never selects external assets, even ones in its base; downstream keeps the base
    assert names(S.keys("f").upstream()) == ["f"]
    assert names(S.groups("default", include_sources=True).upstream()) == ["e", "f", "m1", "m2"]
    assert names(S.keys("s").downstream()) == ["f", "s"]


def test_selection_leaves() -> None:
    assert names(S.all(include_sources=True)) == ["a", "b", "d", "e", "f", "m1", "m2", "pre/c", "s"]
    assert names(S.groups("default", include_sources=True)) == ["e", "f", "m1", "m2", "s"]
    assert names(S.key_prefixes("s", include_sources=True)) == ["s"]
    assert names(S.key_substring("c")) == ["pre/c"]
    assert names(S.tag("t", "x")) == ["a"]
    assert names(S.kind("python")) == ["a"]
    assert names(S.owner("team:a")) == ["a"]


def test_selection_graph_methods() -> None:
    assert names(S.all().sinks()) == ["d", "e", "f", "m1", "m2"]
    assert names(S.all().roots()) == ["a", "e", "f", "m1", "m2"]
    assert names(S.groups("g1").sinks()) == ["b"]
    assert names(S.keys("f").upstream_source_assets()) == ["s"]
    assert names(S.all(include_sources=True).materializable()) == ["a", "b", "d", "e", "f", "m1", "m2", "pre/c"]
    assert names(S.keys("m1").required_multi_asset_neighbors()) == ["m1", "m2"]
    assert S.keys("a") == S.keys("a") and S.keys("a") != S.keys("b")
    assert hash(S.groups("g") | S.keys("a")) == hash(S.groups("g") | S.keys("a"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a", ["a"]),
        ("+d", ["d", "pre/c"]),
        ("d+", ["d"]),
        ("key:a", ["a"]),
        ('key:"pre/c"', ["pre/c"]),
        ("key:pre/*", ["pre/c"]),
        ("key:zzz", []),
        ("group:g1", ["a", "b"]),
        ("tag:t=x", ["a"]),
        ("tag:solo", ["d"]),
        ("tag:t", []),
        ("kind:python", ["a"]),
        ("group:g1 and key:a", ["a"]),
        ("group:g1 or group:g2", ["a", "b", "d", "pre/c"]),
        ("not group:g1", ["d", "e", "f", "m1", "m2", "pre/c"]),
        ("(group:g1 or key:e) and not key:a", ["b", "e"]),
        ("+key:d", ["a", "b", "d", "pre/c"]),
        ("2+key:d", ["b", "d", "pre/c"]),
        ("key:a+", ["a", "b", "d", "pre/c"]),
        ("key:a+2", ["a", "b", "pre/c"]),
        ("sinks(*)", ["d", "e", "f", "m1", "m2"]),
        ("roots(group:g1)", ["a"]),
        ("key:s", ["s"]),
        ("+key:f", ["f"]),
    ],
)
def test_from_string(text: str, expected: list[str]) -> None:
    assert names(S.from_string(text)) == expected


def test_from_string_errors() -> None:
    with pytest.raises(DagsterInvalidDefinitionError):
        names(S.from_string("zzz"))
    with pytest.raises(DagsterInvalidDefinitionError, match="Cannot parse"):
        S.from_string("a b")


def test_resolve_against_a_list_and_from_coercible() -> None:
    assert sorted(k.to_user_string() for k in S.keys("b").upstream().resolve([a, b, c])) == ["a", "b"]
    assert names(S.from_coercible(["a", "b"])) == ["a", "b"]
    assert names(S.from_coercible([a])) == ["a"]


def test_materialize_with_new_style_selection_string() -> None:
    result = dg.materialize_to_memory([a, b, c], selection="key:a+")
    assert sorted(ev.asset_key.to_user_string() for ev in result.get_asset_materialization_events()) == ["a", "b", "pre/c"]
    result = dg.materialize_to_memory([a, b, c], selection=["key:a"])
    assert [ev.asset_key.to_user_string() for ev in result.get_asset_materialization_events()] == ["a"]


def test_asset_job_with_unknown_key_fails_at_resolution() -> None:
    defs = dg.Definitions(assets=[a], jobs=[dg.define_asset_job("j5", selection=S.keys("zzz"))])
    with pytest.raises(DagsterInvalidDefinitionError, match="j5"):
        defs.get_job_def("j5")


def test_missing_job_and_asset_raise_invariant_violation() -> None:
    defs = dg.Definitions(assets=[a])
    with pytest.raises(DagsterInvariantViolationError, match="nope"):
        defs.get_job_def("nope")
    with pytest.raises(DagsterInvariantViolationError, match="zz"):
        defs.get_assets_def("zz")


def test_merge_keeps_checks_loggers_metadata_and_rejects_resource_clash() -> None:
    merged = dg.Definitions.merge(
        dg.Definitions(assets=[a], metadata={"x": 1}, asset_checks=["chk"]), dg.Definitions(loggers={"l": "L"})
    )
    assert merged.metadata == {"x": 1} and merged.asset_checks == ["chk"] and merged.loggers == {"l": "L"}
    with pytest.raises(DagsterInvariantViolationError, match="resource key 'r'"):
        dg.Definitions.merge(dg.Definitions(resources={"r": 1}), dg.Definitions(resources={"r": 2}))
    with pytest.raises(DagsterInvariantViolationError, match="logger key 'l'"):
        dg.Definitions.merge(dg.Definitions(loggers={"l": "L"}), dg.Definitions(loggers={"l": "M"}))


class NConfig(dg.Config):
    n: int = 3


@dg.asset
def pyc(config: NConfig) -> int:
    return config.n


def test_run_config_object() -> None:
    job = dg.define_asset_job("j3", selection="pyc", config=dg.RunConfig(ops={"pyc": NConfig(n=11)}))
    defs = dg.Definitions(assets=[pyc], jobs=[job])
    assert defs.get_job_def("j3").execute_in_process().output_for_node("pyc") == 11
    result = dg.materialize_to_memory([pyc], run_config=dg.RunConfig(ops={"pyc": NConfig(n=4)}))
    assert result.output_for_node("pyc") == 4
    assert dg.RunConfig(ops={"x": {"config": {"a": 1}}}, resources={"r": NConfig(n=2)}).to_config_dict() == {
        "ops": {"x": {"config": {"a": 1}}},
        "resources": {"r": {"config": {"n": 2}}},
    }


def test_with_resources_and_resource_param() -> None:
    @dg.resource(config_schema={"p": str})
    def gen_res(init_context: Any) -> str:
        return str(init_context.resource_config["p"])

    @dg.asset(required_resource_keys={"gen"})
    def uses(context: dg.AssetExecutionContext) -> str:
        return str(context.resources.gen)

    [bound] = dg.with_resources([uses], {"gen": gen_res}, resource_config_by_key={"gen": {"config": {"p": "RC"}}})
    assert dg.materialize_to_memory([bound]).output_for_node("uses") == "RC"
    assert uses.resource_defs == {}  # the original is untouched

    @dg.asset
    def rp(thing: dg.ResourceParam[str]) -> str:
        return thing + "!"

    assert dg.materialize_to_memory([rp], resources={"thing": "T"}).output_for_node("rp") == "T!"
