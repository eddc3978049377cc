from __future__ import annotations

import os
import pickle
import threading
from pathlib import Path
from typing import Any

import pytest

import dockyard as dg
from dockyard.errors import DagsterInvalidConfigError


class RecordingIOManager(dg.IOManager):
    def __init__(self) -> None:
        self.values: dict[Any, Any] = {}

    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        context.add_output_metadata({"k": 1})
        self.values[tuple(context.get_asset_identifier())] = obj

    def load_input(self, context: dg.InputContext) -> Any:
        return self.values[tuple(context.get_asset_identifier())]


class YieldingIOManager(dg.IOManager):
    def handle_output(self, context: dg.OutputContext, obj: Any):  # type: ignore[no-untyped-def]
        yield dg.AssetMaterialization("side")
        yield {"g": 2}

    def load_input(self, context: dg.InputContext) -> Any:
        return 1


@dg.asset
def a1() -> int:
    return 1


@dg.asset
def a2(a1: int) -> Any:
    return dg.Output(a1 + 1, metadata={"rt": "x"})


def kinds(events: list[dg.DagsterEvent]) -> list[str]:
    return [e.event_type_value for e in events]


def test_results_api() -> None:
    result = dg.materialize([a1, a2], resources={"io_manager": RecordingIOManager()})
    assert result.success and isinstance(result.run_id, str)
    assert result.output_for_node("a2") == 2
    assert [m.asset_key for m in result.asset_materializations_for_node("a2")] == [dg.AssetKey("a2")]
    assert [e.asset_key for e in result.get_asset_materialization_events()] == [dg.AssetKey("a1"), dg.AssetKey("a2")]
    assert kinds(result.all_events)[0] == "PIPELINE_START"
    assert kinds(result.all_events)[-1] == "PIPELINE_SUCCESS"
    assert {e.step_key for e in result.events_for_node("a1")} == {"a1"}


def test_event_order_within_a_step() -> None:
    result = dg.materialize([a1, a2], resources={"io_manager": RecordingIOManager()})
    assert kinds(result.events_for_node("a1")) == [
        "STEP_START", "STEP_OUTPUT", "ASSET_MATERIALIZATION", "HANDLED_OUTPUT", "STEP_SUCCESS",
    ]
    assert kinds(result.events_for_node("a2")) == [
        "STEP_START", "LOADED_INPUT", "STEP_OUTPUT", "ASSET_MATERIALIZATION", "HANDLED_OUTPUT", "STEP_SUCCESS",
    ]
    handled = next(e for e in result.events_for_node("a2") if e.event_type_value == "HANDLED_OUTPUT")
    assert handled.message == 'Handled output "result" using IO manager "io_manager"'
    loaded = next(e for e in result.events_for_node("a2") if e.event_type_value == "LOADED_INPUT")
    assert loaded.message == 'Loaded input "a1" using input manager "io_manager", from output "result" of step "a1"'
    data = loaded.event_specific_data
    assert (data.input_name, data.manager_key, data.upstream_output_name, data.upstream_step_key) == (
        "a1", "io_manager", "result", "a1"
    )


def test_add_output_metadata_lands_on_handled_output_and_materialization() -> None:
    result = dg.materialize([a1, a2], resources={"io_manager": RecordingIOManager()})
    mat = result.asset_materializations_for_node("a2")[0]
    assert sorted(mat.metadata) == ["k", "rt"]
    handled = [e for e in result.events_for_node("a2") if e.event_type_value == "HANDLED_OUTPUT"]
    assert sorted(handled[0].event_specific_data.metadata) == ["k"]


def test_generator_handle_output_materializations_come_first_and_dicts_merge() -> None:
    result = dg.materialize([a1], resources={"io_manager": YieldingIOManager()})
    assert kinds(result.events_for_node("a1")) == [
        "STEP_START", "STEP_OUTPUT", "ASSET_MATERIALIZATION", "ASSET_MATERIALIZATION", "HANDLED_OUTPUT", "STEP_SUCCESS",
    ]
    mats = [e.event_specific_data.materialization for e in result.get_asset_materialization_events()]
    assert [m.asset_key for m in mats] == [dg.AssetKey("side"), dg.AssetKey("a1")]
    assert mats[1].metadata["g"].value == 2
    handled = next(e for e in result.all_events if e.event_type_value == "HANDLED_OUTPUT")
    assert handled.event_specific_data.metadata["g"].value == 2


def test_generator_handle_output_yielding_other_values_fails() -> None:
    class Bad(dg.IOManager):
        def handle_output(self, context: dg.OutputContext, obj: Any):  # type: ignore[no-untyped-def]
            yield 5

        def load_input(self, context: dg.InputContext) -> Any:
            return 1

    with pytest.raises(dg.DagsterInvariantViolationError, match="IO manager on output result has returned value 5 of type int"):
        dg.materialize([a1], resources={"io_manager": Bad()})


@pytest.mark.parametrize(
    ("returned", "expected"),
    [
        (dg.AssetMaterialization(asset_key="side", metadata={"x": 1}), [("side", ["x"]), ("a1", [])]),
        ({"rows": 3}, [("a1", ["rows"])]),
        (5, [("a1", [])]),  # any other return value is ignored
    ],
    ids=["materialization", "metadata-dict", "other"],
)
def test_handle_output_returning_instead_of_yielding(returned: Any, expected: list[Any]) -> None:
    class Returning(dg.IOManager):
        def handle_output(self, context: dg.OutputContext, obj: Any) -> Any:
            return returned

        def load_input(self, context: dg.InputContext) -> Any:
            return 1

    result = dg.materialize([a1], resources={"io_manager": Returning()})
    events = result.get_asset_materialization_events()
    assert [(e.materialization.asset_key.to_user_string(), sorted(e.materialization.metadata)) for e in events] == expected
    step_start = next(e for e in result.all_events if e.event_type_value == "STEP_START")
    with pytest.raises(dg.DagsterInvariantViolationError, match="only set on ASSET_MATERIALIZATION events"):
        step_start.materialization  # noqa: B018


# -- output config ------------------------------------------------------------------------------

seen_config: list[Any] = []


@dg.io_manager(output_config_schema={"p": int})
def configurable_manager(_: dg.InitResourceContext) -> dg.IOManager:
    class Manager(dg.IOManager):
        def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
            seen_config.append(context.config)

        def load_input(self, context: dg.InputContext) -> Any:
            return 1

    return Manager()


@dg.op
def o1() -> int:
    return 1


def test_output_config_is_validated_by_output_config_schema() -> None:
    @dg.job(resource_defs={"io_manager": configurable_manager})
    def j() -> None:
        o1()

    seen_config.clear()
    assert j.execute_in_process(run_config={"ops": {"o1": {"outputs": {"result": {"p": 3}}}}}).success
    assert seen_config == [{"p": 3}]
    with pytest.raises(DagsterInvalidConfigError, match="p"):
        j.execute_in_process(run_config={"ops": {"o1": {"outputs": {"result": {"p": "x"}}}}})


def test_output_config_rejected_without_schema() -> None:
    @dg.job
    def j() -> None:
        o1()

    with pytest.raises(DagsterInvalidConfigError, match="outputs"):
        j.execute_in_process(run_config={"ops": {"o1": {"outputs": {"result": {"p": 3}}}}})


def test_required_resource_keys_are_provided() -> None:
    @dg.asset(required_resource_keys={"base"})
    def uses(context: dg.AssetExecutionContext) -> int:
        return context.resources.base + 1

    result = dg.materialize_to_memory([uses], resources={"base": 41})
    assert result.output_for_node("uses") == 42


def test_context_attributes_in_an_asset() -> None:
    seen: dict[str, Any] = {}

    @dg.asset(config_schema={"n": int})
    def ctx_asset(context: dg.AssetExecutionContext) -> int:
        seen.update(run_id=context.run_id, key=context.asset_key, cfg=context.op_config, inst=context.instance)
        context.add_output_metadata({"extra": 1})
        context.log.info("hello")
        return 1

    result = dg.materialize([ctx_asset], run_config={"ops": {"ctx_asset": {"config": {"n": 3}}}})
    assert seen["run_id"] == result.run_id
    assert seen["key"] == dg.AssetKey("ctx_asset")
    assert seen["cfg"] == {"n": 3}
    assert isinstance(seen["inst"], dg.DagsterInstance)
    assert result.asset_materializations_for_node("ctx_asset")[0].metadata["extra"].value == 1


# -- default I/O managers -----------------------------------------------------------------------


def test_asset_run_default_manager_writes_under_instance_storage(tmp_path: Path) -> None:
    instance = dg.DagsterInstance.ephemeral(tempdir=str(tmp_path))

    @dg.asset(key_prefix=["grp"])
    def stored() -> dict[str, int]:
        return {"v": 1}

    result = dg.materialize([stored], instance=instance)
    path = tmp_path / "storage" / "grp" / "stored"
    assert pickle.loads(path.read_bytes()) == {"v": 1}
    meta = result.asset_materializations_for_node("grp__stored")[0].metadata
    assert meta["path"].value == str(path)
    assert sorted(p.name for p in (tmp_path / "storage").rglob("*")) == ["grp", "stored"]


def test_op_job_default_manager_is_in_memory(tmp_path: Path) -> None:
    @dg.op
    def plus(x: int) -> int:
        return x + 1

    @dg.job
    def j() -> None:
        plus(o1())

    result = j.execute_in_process(instance=dg.DagsterInstance.ephemeral(tempdir=str(tmp_path)))
    assert result.output_for_node("plus") == 2
    assert not (tmp_path / "storage").exists() or not any((tmp_path / "storage").rglob("*"))
    handled = [e for e in result.all_events if e.event_type_value == "HANDLED_OUTPUT"]
    assert handled and all("path" not in e.event_specific_data.metadata for e in handled)


def test_materialize_to_memory_rejects_io_manager_resources() -> None:
    with pytest.raises(dg.DagsterInvariantViolationError, match="materialize_to_memory"):
        dg.materialize_to_memory([a1], resources={"io_manager": RecordingIOManager()})


def test_failed_run_leaves_earlier_materializations_readable(tmp_path: Path) -> None:
    instance = dg.DagsterInstance.ephemeral(tempdir=str(tmp_path))

    @dg.asset
    def broken(a1: int) -> int:
        raise ValueError("nope")

    result = dg.materialize([a1, broken], instance=instance, raise_on_error=False)
    assert not result.success
    assert result.get_failed_step_keys() == {"broken"}
    assert pickle.loads((tmp_path / "storage" / "a1").read_bytes()) == 1
    assert [e.asset_key for e in result.get_asset_materialization_events()] == [dg.AssetKey("a1")]


def test_atomic_write_leaves_no_temp_files(tmp_path: Path) -> None:
    instance = dg.DagsterInstance.ephemeral(tempdir=str(tmp_path))

    @dg.asset
    def lock() -> Any:
        return threading.Lock()

    dg.materialize([a1], instance=instance)
    dg.materialize([a1], instance=instance)  # overwrite in place
    with pytest.raises(dg.DagsterInvariantViolationError):
        dg.materialize([lock], instance=instance)
    storage = tmp_path / "storage"
    files = sorted(os.path.relpath(os.path.join(d, f), storage) for d, _, fs in os.walk(storage) for f in fs)
    assert files == ["a1"]


def test_events_logged_by_the_compute_come_before_the_output_materialization() -> None:
    @dg.asset
    def logged(context):
        context.log_event(dg.AssetMaterialization("logged", metadata={"from_log_event": 1}))
        return 1

    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([logged], instance=instance)
    types = [e.event_type_value for e in result.all_events if e.step_key == "logged"]
    assert types.index("ASSET_MATERIALIZATION") < types.index("STEP_OUTPUT")
    latest = instance.get_latest_materialization_event("logged").asset_materialization
    assert "path" in latest.metadata and "from_log_event" not in latest.metadata


def test_legacy_io_manager_adapter_opens_the_wrapped_definition_and_tears_it_down() -> None:
    log: list[object] = []

    @dg.io_manager(config_schema={"x": int})
    def legacy(init_context):
        log.append(("open", init_context.resource_config["x"]))
        yield dg.InMemoryIOManager()
        log.append("closed")

    class Adapter(dg.ConfigurableLegacyIOManagerAdapter):
        x: int

        @property
        def wrapped_io_manager(self):
            return legacy

    @dg.asset
    def first():
        return 1

    @dg.asset
    def second(first):
        return first + 1

    result = dg.materialize([first, second], resources={"io_manager": Adapter(x=3)})
    assert result.output_for_node("second") == 2
    assert log == [("open", 3), "closed"]


# -- differential audit against Dagster 1.13 ----------------------------------------------------------


def _config_recorder(seen: list[Any]) -> dg.IOManager:
    class M(dg.IOManager):
        def handle_output(self, context: Any, obj: Any) -> None:
            seen.append(("out", context.config))

        def load_input(self, context: Any) -> Any:
            seen.append(("in", context.config))
            return 1

    return M()


def test_output_config_defaults_apply_without_run_config() -> None:
    seen: list[Any] = []
    mgr = _config_recorder(seen)

    @dg.io_manager(output_config_schema={"fmt": dg.Field(str, default_value="csv")})
    def with_defaults(_: Any) -> dg.IOManager:
        return mgr

    @dg.asset
    def a() -> int:
        return 1

    dg.materialize([a], resources={"io_manager": with_defaults})
    dg.materialize([a], resources={"io_manager": with_defaults}, run_config={"ops": {"a": {"outputs": {"result": {"fmt": "pq"}}}}})
    assert seen == [("out", {"fmt": "csv"}), ("out", {"fmt": "pq"})]


def test_input_manager_input_config_is_validated() -> None:
    @dg.input_manager(input_config_schema={"v": int})
    def typed(context: Any) -> Any:
        return context.config["v"]

    @dg.op(ins={"x": dg.In(input_manager_key="lm")})
    def q(x: Any) -> Any:
        return x

    @dg.job(resource_defs={"lm": typed})
    def j() -> None:
        q()

    assert j.execute_in_process(run_config={"ops": {"q": {"inputs": {"x": {"v": 9}}}}}).output_for_node("q") == 9
    with pytest.raises(DagsterInvalidConfigError, match="root:ops:q:inputs:x:v"):
        j.execute_in_process(run_config={"ops": {"q": {"inputs": {"x": {"v": "s"}}}}})
    with pytest.raises(DagsterInvalidConfigError, match="inputs"):
        j.execute_in_process()


def test_yielded_materialization_metadata_conflicts_with_output_metadata() -> None:
    class M(dg.IOManager):
        def __init__(self, order: str) -> None:
            self.order = order

        def handle_output(self, context: Any, obj: Any) -> Any:
            if self.order == "add_first":
                context.add_output_metadata({"am": 1})
                yield dg.AssetMaterialization("x", metadata={"q": 1})
            else:
                yield dg.AssetMaterialization("x", metadata={"q": 1})
                yield {"d": 1}

        def load_input(self, context: Any) -> Any:
            return 1

    @dg.asset
    def a() -> int:
        return 1

    for order in ("add_first", "dict_after"):
        with pytest.raises(dg.DagsterInvariantViolationError, match="materialization with metadata"):
            dg.materialize([a], resources={"io_manager": M(order)})


def test_input_observation_comes_before_loaded_input_event() -> None:
    class M(dg.IOManager):
        def handle_output(self, context: Any, obj: Any) -> None:
            pass

        def load_input(self, context: Any) -> Any:
            context.add_input_metadata({"rows": 3})
            return 1

    @dg.asset
    def a() -> int:
        return 1

    @dg.asset
    def b(a: int) -> int:
        return a

    result = dg.materialize([a, b], resources={"io_manager": M()})
    kinds = [e.event_type_value for e in result.all_events if e.step_key == "b"]
    kinds = [k for k in kinds if k in ("ASSET_OBSERVATION", "LOADED_INPUT")]
    assert kinds == ["ASSET_OBSERVATION", "LOADED_INPUT"]
