from __future__ import annotations

from typing import Any

import pytest

import dockyard as dg
from dockyard.errors import DagsterInvalidDefinitionError


class RecordingIOManager(dg.IOManager):
    def __init__(self) -> None:
        self.values: dict[Any, Any] = {}
        self.handled: list[tuple[Any, Any]] = []

    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        self.handled.append((context.asset_key, obj))
        self.values[context.asset_key] = obj

    def load_input(self, context: dg.InputContext) -> Any:
        return self.values[context.asset_key]


class Greeter(dg.ConfigurableResource):  # type: ignore[misc]
    word: str


def test_asset_options_are_recorded() -> None:
    @dg.asset(
        key_prefix=["p", "q"], name="n", group_name="g", metadata={"m": 1},
        code_version="v1", io_manager_key="x", description="d",
    )
    def foo() -> int:
        return 1

    key = dg.AssetKey(["p", "q", "n"])
    assert foo.key == key
    assert foo.op.name == "p__q__n"
    assert foo.group_names_by_key == {key: "g"}
    assert foo.metadata_by_key[key]["m"] == 1
    assert foo.code_versions_by_key == {key: "v1"}
    assert foo.descriptions_by_key == {key: "d"}
    assert foo.op.outs["result"].io_manager_key == "x"


def test_asset_key_argument_and_name_conflict() -> None:
    @dg.asset(key=["k1", "k2"])
    def bar() -> int:
        return 1

    assert bar.key == dg.AssetKey(["k1", "k2"])
    with pytest.raises(DagsterInvalidDefinitionError):
        dg.asset(key="a", name="b")(lambda: 1)
    with pytest.raises(DagsterInvalidDefinitionError):
        dg.asset(key="a", key_prefix="b")(lambda: 1)


def test_default_group_is_default() -> None:
    @dg.asset
    def plain() -> int:
        return 1

    assert plain.group_names_by_key == {dg.AssetKey("plain"): "default"}


def test_ins_and_deps() -> None:
    @dg.asset(
        ins={
            "up": dg.AssetIn(key_prefix=["s"]),
            "other": dg.AssetIn(key=["s", "u"], metadata={"m": 1}, input_manager_key="im"),
        },
        deps=["side", dg.AssetKey(["x", "y"])],
    )
    def down(up: int, other: int) -> int:
        return up + other

    assert down.keys_by_input_name == {"up": dg.AssetKey(["s", "up"]), "other": dg.AssetKey(["s", "u"])}
    assert down.op.ins["other"].metadata == {"m": 1}
    assert down.op.ins["other"].input_manager_key == "im"
    assert down.asset_deps[dg.AssetKey("down")] >= {dg.AssetKey("side"), dg.AssetKey(["x", "y"])}


def test_input_manager_key_on_asset_applies_to_every_input() -> None:
    @dg.asset(input_manager_key="loader")
    def d4(a: int, b: int) -> int:
        return a + b

    assert {k: v.input_manager_key for k, v in d4.op.ins.items()} == {"a": "loader", "b": "loader"}

    @dg.input_manager
    def loader(context: dg.InputContext) -> int:
        return len(context.name) * 10

    @dg.asset
    def a() -> int:
        return 1

    @dg.asset
    def b() -> int:
        return 2

    result = dg.materialize([a, b, d4], resources={"loader": loader, "io_manager": dg.mem_io_manager})
    assert result.output_for_node("d4") == 20  # both inputs went through "loader", not the upstream values


def test_return_annotation_sets_output_type() -> None:
    @dg.asset
    def as_list() -> list:  # type: ignore[type-arg]
        return []

    @dg.asset
    def as_int() -> int:
        return 1

    @dg.asset
    def as_none() -> None:
        pass

    assert as_list.op.outs["result"].dagster_type.typing_type is list
    assert as_int.op.outs["result"].dagster_type.typing_type is int
    assert as_none.op.outs["result"].dagster_type.display_name == "Nothing"


def test_none_annotation_skips_the_io_manager_but_materializes() -> None:
    @dg.asset
    def side_effect() -> None:
        pass

    manager = RecordingIOManager()
    result = dg.materialize([side_effect], resources={"io_manager": manager})
    assert manager.handled == []
    kinds = [e.event_type_value for e in result.events_for_node("side_effect")]
    assert "HANDLED_OUTPUT" not in kinds
    assert [m.asset_key for m in result.asset_materializations_for_node("side_effect")] == [
        dg.AssetKey("side_effect")
    ]


def test_unannotated_none_goes_through_the_manager() -> None:
    @dg.asset
    def returns_none():  # type: ignore[no-untyped-def]
        return None

    manager = RecordingIOManager()
    dg.materialize([returns_none], resources={"io_manager": manager})
    assert manager.handled == [(dg.AssetKey("returns_none"), None)]


def test_io_manager_key_routes_the_output() -> None:
    @dg.asset(io_manager_key="special")
    def routed() -> int:
        return 7

    special, default = RecordingIOManager(), RecordingIOManager()
    dg.materialize([routed], resources={"special": special, "io_manager": default})
    assert special.values == {dg.AssetKey("routed"): 7}
    assert default.values == {}


def test_partitions_def_is_stored() -> None:
    pdef = dg.StaticPartitionsDefinition(["a", "b"])

    @dg.asset(partitions_def=pdef)
    def parted() -> int:
        return 1

    assert parted.partitions_def is pdef


def test_multi_asset_outs() -> None:
    @dg.multi_asset(
        outs={
            "m1": dg.AssetOut(key_prefix="p", io_manager_key="i1", metadata={"a": 1}, group_name="g"),
            "m2": dg.AssetOut(key=["k", "m2"]),
        }
    )
    def ma() -> tuple[int, int]:
        return 1, 2

    m1, m2 = dg.AssetKey(["p", "m1"]), dg.AssetKey(["k", "m2"])
    assert ma.keys == {m1, m2}
    assert ma.keys_by_output_name == {"m1": m1, "m2": m2}
    assert {k: v.io_manager_key for k, v in ma.op.outs.items()} == {"m1": "i1", "m2": "io_manager"}
    assert ma.group_names_by_key == {m1: "g", m2: "default"}
    i1, io = RecordingIOManager(), RecordingIOManager()
    result = dg.materialize([ma], resources={"i1": i1, "io_manager": io})
    assert i1.values == {m1: 1}
    assert io.values == {m2: 2}
    assert {e.asset_key for e in result.get_asset_materialization_events()} == {m1, m2}


def test_multi_asset_specs_with_materialize_result() -> None:
    @dg.multi_asset(specs=[dg.AssetSpec("s1"), dg.AssetSpec("s2", deps=["s1"])])
    def ms():  # type: ignore[no-untyped-def]
        yield dg.MaterializeResult(asset_key="s1", metadata={"n": 1})
        yield dg.MaterializeResult(asset_key="s2")

    result = dg.materialize([ms])
    events = result.get_asset_materialization_events()
    assert [e.asset_key for e in events] == [dg.AssetKey("s1"), dg.AssetKey("s2")]
    assert events[0].event_specific_data.materialization.metadata["n"].value == 1
    assert ms.asset_deps[dg.AssetKey("s2")] == {dg.AssetKey("s1")}


def test_asset_spec_attributes() -> None:
    spec = dg.AssetSpec(
        ["a", "b"], deps=["c"], group_name="gg", metadata={"dagster/io_manager_key": "q"},
        description="d", code_version="1", tags={"t": "v"},
    )
    assert spec.key == dg.AssetKey(["a", "b"])
    assert (spec.group_name, spec.description, spec.code_version, spec.tags) == ("gg", "d", "1", {"t": "v"})
    assert spec.io_manager_key == "q"
    assert spec.replace_attributes(group_name="z").group_name == "z"
    assert spec.merge_attributes(metadata={"n": 1}).metadata == {"dagster/io_manager_key": "q", "n": 1}


def test_source_asset_and_to_source_assets() -> None:
    sa = dg.SourceAsset(key="src", io_manager_key="srcm", metadata={"x": 1}, group_name="g")
    assert (sa.key, sa.io_manager_key, sa.group_name) == (dg.AssetKey("src"), "srcm", "g")

    @dg.asset(key_prefix="p", io_manager_key="x", group_name="g", metadata={"m": 1})
    def foo() -> int:
        return 1

    (source,) = foo.to_source_assets()
    assert isinstance(source, dg.SourceAsset)
    assert (source.key, source.io_manager_key, source.group_name) == (dg.AssetKey(["p", "foo"]), "x", "g")
    assert source.metadata["m"] == 1


def test_source_asset_value_is_loaded_by_its_io_manager() -> None:
    class Loader(dg.IOManager):
        def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
            raise AssertionError("source assets are never stored")

        def load_input(self, context: dg.InputContext) -> Any:
            return f"loaded {context.asset_key.to_user_string()}"  # type: ignore[union-attr]

    src = dg.SourceAsset(key=["raw", "src"], io_manager_key="srcm")

    @dg.asset(ins={"src": dg.AssetIn(key=["raw", "src"])})
    def uses(src: str) -> str:
        return src.upper()

    result = dg.materialize([src, uses], resources={"srcm": Loader(), "io_manager": dg.mem_io_manager})
    assert result.output_for_node("uses") == "LOADED RAW/SRC"


def test_direct_invocation() -> None:
    @dg.asset
    def plus(x: int) -> int:
        return x + 1

    @dg.asset
    def ctx_asset(context: dg.AssetExecutionContext, x: int) -> int:
        return x * 2

    @dg.asset(required_resource_keys={"r"})
    def uses_resource(context: dg.AssetExecutionContext) -> Any:
        return context.resources.r

    assert plus(1) == 2
    assert ctx_asset(dg.build_asset_context(), 4) == 8
    assert uses_resource(dg.build_asset_context(resources={"r": 5})) == 5


def test_resource_parameters_are_injected_by_name() -> None:
    @dg.asset
    def greeting(greeter: Greeter) -> str:
        return greeter.word + "!"

    result = dg.materialize_to_memory([greeting], resources={"greeter": Greeter(word="hi")})
    assert result.output_for_node("greeting") == "hi!"


# -- differential audit against Dagster 1.13 ----------------------------------------------------------


def test_one_part_input_key_resolves_to_prefixed_asset_of_same_group() -> None:
    @dg.asset(key_prefix=["grp"])
    def src() -> int:
        return 1

    @dg.asset
    def mid(src: int) -> int:
        return src + 1

    @dg.asset(deps=["src"])
    def after() -> int:
        return 0

    result = dg.materialize([src, mid, after])
    assert result.output_for_node("mid") == 2
    layer = dg.Definitions(assets=[src, mid, after]).get_asset_graph()
    assert layer.upstream_keys(dg.AssetKey("after")) == {dg.AssetKey(["grp", "src"])}


def test_one_part_input_key_is_not_resolved_across_groups_or_when_ambiguous() -> None:
    @dg.asset(key_prefix=["grp"], group_name="g")
    def src() -> int:
        return 1

    @dg.asset(group_name="h")
    def mid(src: int) -> int:
        return src

    with pytest.raises(DagsterInvalidDefinitionError, match="src"):
        dg.materialize([src, mid])

    @dg.asset(key_prefix=["a"])
    def x() -> int:
        return 1

    @dg.asset(key_prefix=["b"], name="x")
    def x2() -> int:
        return 2

    @dg.asset
    def reader(x: int) -> int:
        return x

    with pytest.raises(DagsterInvalidDefinitionError, match="x"):
        dg.materialize([x, x2, reader])


def test_nothing_inputs_need_no_parameter() -> None:
    @dg.asset
    def up() -> int:
        return 1

    @dg.asset(ins={"up": dg.AssetIn(dagster_type=dg.Nothing)})
    def down() -> int:
        return 2

    assert down.dependency_keys == {dg.AssetKey("up")}
    result = dg.materialize([up, down])
    assert result.output_for_node("down") == 2

    @dg.op
    def first() -> int:
        return 5

    @dg.op(ins={"after": dg.In(dg.Nothing)})
    def second() -> int:
        return 1

    @dg.job
    def j() -> None:
        second(after=first())

    assert j.execute_in_process().output_for_node("second") == 1


def test_nothing_input_with_a_parameter_is_rejected() -> None:
    with pytest.raises(DagsterInvalidDefinitionError, match="Nothing"):

        @dg.op(ins={"x": dg.In(dg.Nothing)})
        def p(x: Any) -> int:
            return 1

    with pytest.raises(DagsterInvalidDefinitionError, match="no parameter"):

        @dg.op(ins={"x": dg.In(int)})
        def q() -> int:
            return 1
