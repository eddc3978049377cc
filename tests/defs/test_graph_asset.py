"""Graph-backed assets: ``@graph_asset``, ``@graph_multi_asset`` and ``AssetsDefinition.from_graph``.

Each op of the graph runs as its own step ``<node>.<op>``; intermediate op outputs go through
the op output's I/O manager keyed by step, the op output the graph returns is stored as the asset.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import pytest

import dockyard as dg
from dockyard.errors import (
    DagsterInvalidConfigError,
    DagsterInvalidDefinitionError,
    DagsterInvariantViolationError,
)


@dg.asset(io_manager_key="up_io")
def upstream() -> int:
    return 3


@dg.op
def add_one(x: int) -> int:
    return x + 1


@dg.op
def times_two(x: int) -> int:
    return x * 2


@dg.op
def minus_one(x: int) -> int:
    return x - 1


@dg.graph_asset
def middle(upstream: int) -> Any:
    return minus_one(times_two(add_one(upstream)))


@dg.asset
def downstream(middle: int) -> int:
    return middle * 10


class RecordingIO(dg.ConfigurableIOManager):
    """Keeps values in a class-level dict keyed by (manager tag, step, output) and logs calls."""

    tag: str

    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        key = context.asset_key.to_user_string() if context.has_asset_key else None
        CALLS.append(("handle", self.tag, context.step_key, context.name, key))
        STORE[(self.tag, context.step_key, context.name)] = obj
        METADATA[(self.tag, context.step_key)] = dict(context.definition_metadata or {})

    def load_input(self, context: dg.InputContext) -> Any:
        up = context.upstream_output
        assert up is not None
        CALLS.append(("load", self.tag, up.step_key, up.name, None))
        return STORE[(self.tag, up.step_key, up.name)]


CALLS: list[tuple[str, str, str | None, str | None, str | None]] = []
STORE: dict[tuple[str, str | None, str | None], Any] = {}
METADATA: dict[tuple[str, str | None], dict[str, Any]] = {}


@pytest.fixture(autouse=True)
def _clear_recordings() -> None:
    CALLS.clear()
    STORE.clear()
    METADATA.clear()


def test_graph_asset_definition_shape() -> None:
    assert isinstance(middle, dg.AssetsDefinition)
    assert middle.key == dg.AssetKey("middle")
    assert isinstance(middle.node_def, dg.GraphDefinition)
    assert middle.node_def.name == "middle"
    assert [o.name for o in middle.node_def.iterate_op_defs()] == ["add_one", "times_two", "minus_one"]
    assert middle.dependency_keys == {dg.AssetKey("upstream")}
    assert middle.keys_by_input_name == {"upstream": dg.AssetKey("upstream")}


def test_steps_managers_and_events_of_a_graph_asset() -> None:
    result = dg.materialize(
        [upstream, middle, downstream],
        resources={"io_manager": RecordingIO(tag="default"), "up_io": RecordingIO(tag="up")},
    )
    assert result.success
    steps = list(dict.fromkeys(e.step_key for e in result.all_events if e.step_key))
    assert steps == ["upstream", "middle.add_one", "middle.times_two", "middle.minus_one", "downstream"]
    # the graph input loads the upstream asset through the upstream's manager; op-to-op outputs
    # and the asset output go through the op outputs' manager (the default io_manager)
    assert CALLS == [
        ("handle", "up", "upstream", "result", "upstream"),
        ("load", "up", "upstream", "result", None),
        ("handle", "default", "middle.add_one", "result", None),
        ("load", "default", "middle.add_one", "result", None),
        ("handle", "default", "middle.times_two", "result", None),
        ("load", "default", "middle.times_two", "result", None),
        ("handle", "default", "middle.minus_one", "result", "middle"),
        ("load", "default", "middle.minus_one", "result", None),
        ("handle", "default", "downstream", "result", "downstream"),
    ]
    assert result.output_for_node("middle") == 7
    assert result.output_for_node("middle.add_one") == 4
    assert result.output_for_node("middle.times_two") == 8
    assert result.output_for_node("downstream") == 70
    assert result.asset_value("middle") == 7
    mats = result.get_asset_materialization_events()
    assert [(e.asset_key.to_user_string(), e.step_key) for e in mats] == [
        ("upstream", "upstream"), ("middle", "middle.minus_one"), ("downstream", "downstream"),
    ]
    assert [m.asset_key for m in result.asset_materializations_for_node("middle")] == [dg.AssetKey("middle")]
    assert [m.asset_key for m in result.asset_materializations_for_node("middle.minus_one")] == [dg.AssetKey("middle")]
    assert result.asset_materializations_for_node("middle.add_one") == []
    # events name the op by its own name, the step by its handle
    start = next(e for e in result.all_events if e.event_type_value == "STEP_START" and e.step_key == "middle.add_one")
    assert start.node_name == "add_one"
    loaded = [e for e in result.all_events if e.event_type_value == "LOADED_INPUT" and e.step_key == "middle.add_one"]
    assert 'input manager "up_io"' in (loaded[0].message or "")


def test_filesystem_paths_job_and_load_asset_value(tmp_path: Path) -> None:
    defs = dg.Definitions(
        assets=[upstream, middle, downstream],
        jobs=[dg.define_asset_job("all_assets")],
        resources={
            "io_manager": dg.FilesystemIOManager(base_dir=str(tmp_path)),
            "up_io": dg.FilesystemIOManager(base_dir=str(tmp_path / "up")),
        },
    )
    result = defs.get_job_def("all_assets").execute_in_process()
    assert result.success
    run_id = result.run_id
    files = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert files == sorted([
        "downstream", "middle", "up/upstream",
        f"{run_id}/middle.add_one/result", f"{run_id}/middle.times_two/result",
    ])
    assert pickle.loads((tmp_path / "middle").read_bytes()) == 7
    assert pickle.loads((tmp_path / run_id / "middle.times_two" / "result").read_bytes()) == 8
    assert defs.load_asset_value("middle") == 7
    assert defs.load_asset_value("downstream") == 70
    # only the graph asset (its upstream loaded from storage)
    sub = dg.materialize([middle, upstream.to_source_asset()], resources={
        "io_manager": dg.FilesystemIOManager(base_dir=str(tmp_path)),
        "up_io": dg.FilesystemIOManager(base_dir=str(tmp_path / "up")),
    })
    assert sub.output_for_node("middle") == 7


parts = dg.StaticPartitionsDefinition(["a", "b"])


@dg.asset(partitions_def=parts, key_prefix=["raw"])
def src(context: dg.AssetExecutionContext) -> str:
    return "src-" + context.partition_key


@dg.op(config_schema={"suffix": str})
def decorate(context: dg.OpExecutionContext, x: str) -> str:
    return f"{x}-{context.op_config['suffix']}-{context.partition_key}"


@dg.op
def upper(x: str) -> str:
    return x.upper()


@dg.graph_asset(
    name="pretty",
    key_prefix=["out"],
    group_name="grp",
    partitions_def=parts,
    ins={"s": dg.AssetIn(key=dg.AssetKey(["raw", "src"]))},
    description="desc",
    metadata={"m": 1},
)
def pretty_fn(s: str) -> Any:
    return upper(decorate(s))


def test_partitioned_prefixed_graph_asset_with_inner_op_config(tmp_path: Path) -> None:
    assert pretty_fn.key == dg.AssetKey(["out", "pretty"])
    assert pretty_fn.node_def.name == "out__pretty"
    assert pretty_fn.group_names_by_key == {dg.AssetKey(["out", "pretty"]): "grp"}
    assert pretty_fn.descriptions_by_key == {dg.AssetKey(["out", "pretty"]): "desc"}
    assert pretty_fn.metadata_by_key[dg.AssetKey(["out", "pretty"])] == {"m": 1}
    assert pretty_fn.partitions_def is parts
    assert pretty_fn.dependency_keys == {dg.AssetKey(["raw", "src"])}
    io = dg.FilesystemIOManager(base_dir=str(tmp_path))
    config = {"ops": {"out__pretty": {"ops": {"decorate": {"config": {"suffix": "X"}}}}}}
    result = dg.materialize([src, pretty_fn], partition_key="b", resources={"io_manager": io}, run_config=config)
    assert result.output_for_node("out__pretty") == "SRC-B-X-B"
    mats = [(e.asset_key.to_user_string(), e.partition, e.step_key) for e in result.get_asset_materialization_events()]
    assert mats == [("raw/src", "b", "raw__src"), ("out/pretty", "b", "out__pretty.upper")]
    assert pickle.loads((tmp_path / "out" / "pretty" / "b").read_bytes()) == "SRC-B-X-B"
    assert (tmp_path / result.run_id / "out__pretty.decorate" / "result").is_file()
    defs = dg.Definitions(assets=[src, pretty_fn], resources={"io_manager": io})
    assert defs.load_asset_value(["out", "pretty"], partition_key="b") == "SRC-B-X-B"
    with pytest.raises(DagsterInvalidConfigError):  # the inner op's config is required
        dg.materialize([src, pretty_fn], partition_key="a", resources={"io_manager": io})


@dg.op(out={"a": dg.Out(), "b": dg.Out()})
def split(n: int) -> tuple[int, int]:
    return n, n * 2


@dg.asset
def base() -> int:
    return 10


@dg.graph_multi_asset(outs={"first": dg.AssetOut(metadata={"am": 2}), "second": dg.AssetOut(key_prefix="p")})
def pair(base: int) -> Any:
    a, b = split(base)
    return {"first": add_one(a), "second": b}


@dg.asset(ins={"second": dg.AssetIn(key=["p", "second"])})
def total(first: int, second: int) -> int:
    return first + second


def test_graph_multi_asset() -> None:
    assert pair.keys == {dg.AssetKey("first"), dg.AssetKey(["p", "second"])}
    assert pair.node_def.name == "pair"
    result = dg.materialize([base, pair, total], resources={"io_manager": RecordingIO(tag="d")})
    assert result.success
    assert result.output_for_node("pair", "first") == 11
    assert result.output_for_node("pair", "second") == 20
    assert result.output_for_node("total") == 31
    steps = sorted({e.step_key for e in result.all_events if e.step_key})
    assert steps == ["base", "pair.add_one", "pair.split", "total"]
    mats = sorted((e.asset_key.to_user_string(), e.step_key) for e in result.get_asset_materialization_events())
    assert mats == [("base", "base"), ("first", "pair.add_one"), ("p/second", "pair.split"), ("total", "total")]
    assert sorted(m.asset_key.to_user_string() for m in result.asset_materializations_for_node("pair")) == ["first", "p/second"]
    # the asset's metadata joins the writing op output's definition metadata
    assert METADATA[("d", "pair.add_one")] == {"am": 2}


def test_graph_multi_asset_tuple_return_and_io_manager_of_the_op_output() -> None:
    @dg.op(out=dg.Out(io_manager_key="special"))
    def bump(x: int) -> int:
        return x + 1

    @dg.graph_multi_asset(outs={"x1": dg.AssetOut(io_manager_key="ignored"), "x2": dg.AssetOut()})
    def tup(base: int) -> Any:
        a, b = split(base)
        return bump(a), b

    result = dg.materialize(
        [base, tup], resources={"io_manager": RecordingIO(tag="d"), "special": RecordingIO(tag="s")}
    )
    assert result.output_for_node("tup", "x1") == 11 and result.output_for_node("tup", "x2") == 20
    handled = {(c[1], c[4]) for c in CALLS if c[0] == "handle" and c[4] is not None}
    assert handled == {("d", "base"), ("s", "x1"), ("d", "x2")}


def test_assets_definition_from_graph() -> None:
    @dg.graph
    def g(base: int) -> Any:
        return add_one(add_one(base))

    ad = dg.AssetsDefinition.from_graph(g)
    assert ad.key == dg.AssetKey("g")
    assert ad.dependency_keys == {dg.AssetKey("base")}
    result = dg.materialize([base, ad])
    assert result.output_for_node("g") == 12
    assert sorted({e.step_key for e in result.all_events if e.step_key}) == ["base", "g.add_one", "g.add_one_2"]

    ad2 = dg.AssetsDefinition.from_graph(
        g, keys_by_output_name={"result": dg.AssetKey(["x", "y"])}, group_name="gg", key_prefix="ignored_for_explicit",
    )
    assert ad2.key == dg.AssetKey(["x", "y"])
    assert ad2.group_names_by_key == {dg.AssetKey(["x", "y"]): "gg"}
    assert dg.AssetsDefinition.from_graph(g, key_prefix=["pre"]).key == dg.AssetKey(["pre", "g"])


def test_context_inside_graph_asset_ops() -> None:
    seen: dict[str, Any] = {}

    @dg.op
    def look(context: dg.OpExecutionContext, x: int) -> int:
        seen["key"] = context.asset_key
        seen["has"] = context.has_assets_def
        return x

    @dg.graph_asset(key=["k1", "k2"])
    def keyed(base: int) -> Any:
        return add_one(look(base))

    result = dg.materialize([base, keyed])
    assert result.output_for_node("k1__k2") == 11
    assert seen == {"key": dg.AssetKey(["k1", "k2"]), "has": True}


def test_graph_asset_returning_nothing_is_rejected() -> None:
    @dg.op
    def make() -> int:
        return 1

    with pytest.raises(DagsterInvalidDefinitionError, match="no value for output"):
        @dg.graph_asset
        def empty() -> None:
            make()

    with pytest.raises(DagsterInvalidDefinitionError, match="no value for output"):
        dg.graph_asset(lambda: 5)

    with pytest.raises(DagsterInvalidDefinitionError, match=r"\['second'\]"):
        @dg.graph_multi_asset(outs={"first": dg.AssetOut(), "second": dg.AssetOut()})
        def half() -> Any:
            return {"first": make()}


@dg.op
def boom(x: int) -> int:
    raise ValueError("boom!")


@dg.graph_asset
def exploding(base: int) -> Any:
    return add_one(boom(base))


def test_failing_op_inside_a_graph_asset_names_the_step() -> None:
    with pytest.raises(ValueError, match="boom!"):
        dg.materialize([base, exploding])
    result = dg.materialize([base, exploding], raise_on_error=False)
    assert not result.success
    assert result.get_failed_step_keys() == {"exploding.boom"}
    failure = result.get_step_failure_events()[0]
    assert failure.step_key == "exploding.boom"
    assert 'op "exploding.boom"' in str(failure.event_specific_data)
    assert not result.asset_materializations_for_node("exploding")


def test_graph_asset_cannot_be_called_directly() -> None:
    with pytest.raises(DagsterInvariantViolationError, match="cannot be called directly"):
        middle(1)


def test_nested_op_config_and_node_names_in_op_jobs() -> None:
    @dg.op(config_schema={"n": int})
    def configured(context: dg.OpExecutionContext) -> int:
        return int(context.op_config["n"])

    @dg.graph
    def inner() -> Any:
        return add_one(configured())

    @dg.job
    def outer() -> None:
        inner()

    result = outer.execute_in_process(run_config={"ops": {"inner": {"ops": {"configured": {"config": {"n": 4}}}}}})
    assert result.output_for_node("inner.add_one") == 5
    start = next(e for e in result.all_events if e.event_type_value == "STEP_START" and e.step_key == "inner.configured")
    assert start.node_name == "configured"
    with pytest.raises(DagsterInvalidConfigError):
        outer.execute_in_process(run_config={"ops": {"inner": {"ops": {"nope": {"config": {"n": 4}}}}}})


def test_graph_config_is_refused_instead_of_ignored() -> None:
    @dg.op
    def inner() -> int:
        return 1

    for decorator in (dg.graph, dg.graph_asset):
        with pytest.raises(dg.DagsterInvalidDefinitionError, match=r"config= on @graph .* not supported.*'ops'"):

            @decorator(config={"inner": {"config": {}}})
            def configured() -> Any:
                return inner()


def test_graph_asset_input_manager_is_refused_instead_of_ignored() -> None:
    @dg.op
    def passthrough(x: int) -> int:
        return x

    with pytest.raises(dg.DagsterInvalidDefinitionError, match=r"input_manager_key=.*\['up'\]"):

        @dg.graph_asset(ins={"up": dg.AssetIn(input_manager_key="special")})
        def managed(up: int) -> Any:
            return passthrough(up)
