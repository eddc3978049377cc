from __future__ import annotations

from typing import Any

import pytest

import dockyard as dg
from dockyard.errors import DagsterInvalidDefinitionError


@dg.op
def one() -> int:
    return 1


@dg.op
def add_one(x: int) -> int:
    return x + 1


def test_op_ins_and_out_definitions() -> None:
    @dg.op(
        ins={"x": dg.In(metadata={"m": 1}, input_manager_key="im", dagster_type=int)},
        out=dg.Out(io_manager_key="om", metadata={"o": 2}, is_required=True),
    )
    def described(x: int) -> int:
        return x

    assert described.ins["x"].metadata == {"m": 1}
    assert described.ins["x"].input_manager_key == "im"
    assert described.outs["result"].io_manager_key == "om"
    assert described.outs["result"].metadata == {"o": 2}
    assert described.outs["result"].is_required is True


def test_multiple_outputs_are_routed_to_their_consumers() -> None:
    @dg.op(out={"left": dg.Out(), "right": dg.Out()})
    def split() -> tuple[int, int]:
        return 10, 20

    @dg.op
    def minus(a: int, b: int) -> int:
        return a - b

    @dg.job
    def j() -> None:
        left, right = split()
        minus(right, left)

    result = j.execute_in_process()
    assert result.success
    assert result.output_for_node("split", "left") == 10
    assert result.output_for_node("split", "right") == 20
    assert result.output_for_node("minus") == 10


def test_generator_op_yields_outputs() -> None:
    @dg.op(out={"a": dg.Out(), "b": dg.Out(is_required=False)})
    def gen():  # type: ignore[no-untyped-def]
        yield dg.Output(1, "a", metadata={"k": "v"})

    @dg.job
    def j() -> None:
        gen()

    result = j.execute_in_process()
    assert result.output_for_node("gen", "a") == 1


def test_aliases_run_one_op_twice() -> None:
    @dg.job
    def j() -> None:
        add_one.alias("second")(add_one.alias("first")(one()))

    result = j.execute_in_process()
    assert result.output_for_node("first") == 2
    assert result.output_for_node("second") == 3


def test_nested_graphs_and_graph_outputs() -> None:
    @dg.graph
    def inner(x: int) -> Any:
        return add_one(add_one(x))

    @dg.graph
    def outer() -> Any:
        return inner(one())

    @dg.job
    def j() -> None:
        add_one(outer())

    result = j.execute_in_process()
    assert result.success
    assert result.output_for_node("add_one") == 4
    assert outer.execute_in_process().output_value() == 3


def test_fan_in_list_input_loads_each_part_with_its_own_manager() -> None:
    @dg.op
    def total(xs: list[int]) -> int:
        return sum(xs)

    @dg.op(out=dg.Out(io_manager_key="other"))
    def two() -> int:
        return 2

    @dg.job(resource_defs={"other": dg.mem_io_manager})
    def j() -> None:
        total([one(), add_one(one()), two()])

    result = j.execute_in_process()
    assert result.output_for_node("total") == 5
    loaded = [e.event_specific_data for e in result.events_for_node("total") if e.event_type_value == "LOADED_INPUT"]
    assert sorted(d.manager_key for d in loaded) == ["io_manager", "io_manager", "other"]


def test_job_config_and_resource_defs() -> None:
    @dg.op(config_schema={"n": int}, required_resource_keys={"base"})
    def configured(context: dg.OpExecutionContext) -> int:
        return context.op_config["n"] + context.resources.base

    @dg.job(
        resource_defs={"base": dg.ResourceDefinition.hardcoded_resource(100)},
        config={"ops": {"configured": {"config": {"n": 5}}}},
    )
    def j() -> None:
        configured()

    assert j.execute_in_process().output_for_node("configured") == 105
    result = j.execute_in_process(run_config={"ops": {"configured": {"config": {"n": 1}}}})
    assert result.output_for_node("configured") == 101


def test_unknown_io_manager_key_fails_at_job_decoration() -> None:
    @dg.op(out=dg.Out(io_manager_key="nope"))
    def o3() -> int:
        return 1

    with pytest.raises(DagsterInvalidDefinitionError) as exc:

        @dg.job(resource_defs={"io_manager": dg.mem_io_manager})
        def j() -> None:
            o3()

    assert str(exc.value).startswith(
        "io manager with key 'nope' required by output 'result' of op 'o3'' was not provided. "
        "Please provide a IOManagerDefinition to key 'nope'"
    )


def test_unknown_resource_key_fails_at_job_decoration() -> None:
    @dg.op(required_resource_keys={"foo"})
    def o4() -> int:
        return 1

    with pytest.raises(DagsterInvalidDefinitionError, match="resource with key 'foo' required by op 'o4'"):

        @dg.job(resource_defs={"io_manager": dg.mem_io_manager})
        def j() -> None:
            o4()


# -- define_asset_job and selections ----------------------------------------------------------


@dg.asset(group_name="raw")
def src() -> int:
    return 1


@dg.asset(group_name="raw")
def mid(src: int) -> int:
    return src + 1


@dg.asset(group_name="out")
def leaf(mid: int) -> int:
    return mid + 1


@dg.asset(key_prefix="pre")
def other() -> int:
    return 0


ALL = [src, mid, leaf, other]


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        ("group:raw", {"src", "mid"}),
        ("mid+", {"mid", "leaf"}),
        ("+mid", {"src", "mid"}),
        ("*leaf", {"src", "mid", "leaf"}),
        ("pre/other", {"pre/other"}),
        (["src", "leaf"], {"src", "leaf"}),
        (dg.AssetSelection.groups("out"), {"leaf"}),
        (dg.AssetSelection.assets(mid).downstream(), {"mid", "leaf"}),
        (dg.AssetSelection.keys("src").upstream() | dg.AssetSelection.keys(["pre", "other"]), {"src", "pre/other"}),
        (dg.AssetSelection.all() - dg.AssetSelection.groups("raw"), {"leaf", "pre/other"}),
    ],
)
def test_define_asset_job_selection(selection: Any, expected: set[str], tmp_path: Any) -> None:
    instance = dg.DagsterInstance.ephemeral(tempdir=str(tmp_path))
    dg.materialize(ALL, instance=instance)  # unselected upstreams are read from storage
    defs = dg.Definitions(assets=ALL, jobs=[dg.define_asset_job("j", selection=selection)])
    result = defs.get_job_def("j").execute_in_process(instance=instance)
    assert result.success
    done = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert done == expected


def test_implicit_global_asset_job_runs_everything(tmp_path: Any) -> None:
    defs = dg.Definitions(assets=ALL)
    job = defs.get_implicit_global_asset_job_def()
    result = job.execute_in_process(instance=dg.DagsterInstance.ephemeral(tempdir=str(tmp_path)))
    assert result.success
    assert {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()} == {
        "src", "mid", "leaf", "pre/other"
    }
    assert (tmp_path / "storage" / "pre" / "other").is_file()


def test_definitions_decorator() -> None:
    @dg.definitions
    def defs() -> dg.Definitions:
        return dg.Definitions(assets=[src])

    loaded = defs()
    assert isinstance(loaded, dg.Definitions)
    assert loaded.get_implicit_global_asset_job_def().execute_in_process().success
