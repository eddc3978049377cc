"""Bad input: each mistake raises the documented error class, naming the thing and the fix."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

import dockyard as dg
from dockyard.errors import DagsterInvalidConfigError, DagsterInvalidDefinitionError


@dg.asset
def up() -> int:
    return 1


@dg.asset
def down(up: int) -> int:
    return up + 1


def failure_classes(result: dg.ExecuteInProcessResult) -> list[str]:
    return [e.event_specific_data.error.cls_name for e in result.get_step_failure_events()]


def test_unknown_io_manager_key_names_output_op_and_valid_keys() -> None:
    @dg.asset(io_manager_key="warehouse")
    def needs() -> int:
        return 1

    with pytest.raises(DagsterInvalidDefinitionError) as exc:
        dg.materialize([needs], resources={"io_manager": dg.mem_io_manager})
    message = str(exc.value)
    assert message.startswith(
        "io manager with key 'warehouse' required by output 'result' of op 'needs'' was not provided."
    )
    assert "Please provide a IOManagerDefinition to key 'warehouse'" in message
    assert "io_manager" in message


def test_unknown_input_manager_key() -> None:
    @dg.asset(ins={"up": dg.AssetIn(input_manager_key="loader")})
    def reads(up: int) -> int:
        return up

    with pytest.raises(DagsterInvalidDefinitionError, match="input manager with key 'loader' required by input 'up' of op 'reads'"):
        dg.materialize([up, reads])


def test_unknown_resource_key_names_resource_and_op() -> None:
    @dg.asset(required_resource_keys={"foo"})
    def needs_foo() -> int:
        return 1

    ran: list[str] = []

    @dg.asset
    def first() -> int:
        ran.append("first")
        return 1

    with pytest.raises(DagsterInvalidDefinitionError, match="resource with key 'foo' required by op 'needs_foo'"):
        dg.materialize([first, needs_foo])
    assert ran == []  # known before any step runs


def test_non_io_manager_under_io_manager_key() -> None:
    with pytest.raises(DagsterInvalidDefinitionError, match="io manager with key 'io_manager' required by output 'result' of op 'up''"):
        dg.materialize([up], resources={"io_manager": dg.ResourceDefinition.hardcoded_resource(1)})


def test_missing_upstream_value_reraises_file_not_found(tmp_path: Path) -> None:
    instance = dg.DagsterInstance.ephemeral(tempdir=str(tmp_path))
    with pytest.raises(FileNotFoundError, match=str(tmp_path / "storage" / "up")):
        dg.materialize([up, down], selection=[down], instance=instance)
    result = dg.materialize([up, down], selection=[down], instance=instance, raise_on_error=False)
    assert failure_classes(result) == ["DagsterExecutionLoadInputError"]


def test_unpicklable_output_raises_dive_naming_the_output(tmp_path: Path) -> None:
    @dg.asset
    def lock() -> Any:
        return threading.Lock()

    instance = dg.DagsterInstance.ephemeral(tempdir=str(tmp_path))
    with pytest.raises(dg.DagsterInvariantViolationError, match=r"is not picklable\. You are currently using the fs_io_manager") as exc:
        dg.materialize([lock], instance=instance)
    assert isinstance(exc.value, TypeError)  # pickle said TypeError: `except TypeError` still works
    result = dg.materialize([lock], instance=instance, raise_on_error=False)
    assert failure_classes(result) == ["UnpicklableTypeError"]


def test_wrong_config_value_names_the_path() -> None:
    @dg.asset(config_schema={"n": int})
    def configured(context: dg.AssetExecutionContext) -> int:
        return int(context.op_config["n"])

    with pytest.raises(DagsterInvalidConfigError, match="root:ops:configured:config:n") as exc:
        dg.materialize_to_memory([configured], run_config={"ops": {"configured": {"config": {"n": "x"}}}})
    assert "'x'" in str(exc.value) or '"x"' in str(exc.value)
    with pytest.raises(DagsterInvalidConfigError, match="n"):
        dg.materialize_to_memory([configured])


def test_cycle_is_rejected_naming_the_assets() -> None:
    @dg.asset(deps=["cy2"])
    def cy1() -> int:
        return 1

    @dg.asset(deps=[cy1])
    def cy2() -> int:
        return 1

    with pytest.raises(DagsterInvalidDefinitionError, match="cycle") as exc:
        dg.materialize_to_memory([cy1, cy2])
    assert "cy1" in str(exc.value) and "cy2" in str(exc.value)


def test_op_cycle_is_impossible_to_build_but_graph_cycles_via_assets_are_caught_in_definitions() -> None:
    @dg.asset(deps=["b"])
    def a() -> None:
        pass

    @dg.asset(deps=[a])
    def b() -> None:
        pass

    with pytest.raises(DagsterInvalidDefinitionError, match="cycle"):
        dg.Definitions(assets=[a, b]).get_implicit_global_asset_job_def()


def test_two_assets_with_one_key() -> None:
    @dg.asset(key="x")
    def f1() -> int:
        return 1

    @dg.asset(key="x")
    def f2() -> int:
        return 2

    with pytest.raises(DagsterInvalidDefinitionError, match="Duplicate asset key: asset key 'x'"):
        dg.materialize_to_memory([f1, f2])
    with pytest.raises(DagsterInvalidDefinitionError, match="Duplicate asset key"):
        dg.Definitions(assets=[f1, f2]).get_implicit_global_asset_job_def()


class FailingIOManager(dg.IOManager):
    def __init__(self, fail_on: str) -> None:
        self.fail_on = fail_on
        self.values: dict[Any, Any] = {}

    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        if self.fail_on == "handle":
            raise ValueError("boom-handle")
        self.values[context.asset_key] = obj

    def load_input(self, context: dg.InputContext) -> Any:
        if self.fail_on == "load":
            raise KeyError("boom-load")
        return self.values[context.asset_key]


def test_user_error_in_handle_output() -> None:
    with pytest.raises(ValueError, match="boom-handle"):
        dg.materialize([up], resources={"io_manager": FailingIOManager("handle")})
    result = dg.materialize([up], resources={"io_manager": FailingIOManager("handle")}, raise_on_error=False)
    assert not result.success
    assert failure_classes(result) == ["DagsterExecutionHandleOutputError"]
    error = result.get_step_failure_events()[0].event_specific_data.error
    assert 'Error occurred while handling output "result" of step "up":' in error.message


def test_user_error_in_load_input() -> None:
    with pytest.raises(KeyError, match="boom-load"):
        dg.materialize([up, down], resources={"io_manager": FailingIOManager("load")})
    result = dg.materialize([up, down], resources={"io_manager": FailingIOManager("load")}, raise_on_error=False)
    assert failure_classes(result) == ["DagsterExecutionLoadInputError"]
    assert [e.asset_key for e in result.get_asset_materialization_events()] == [dg.AssetKey("up")]


def test_dagster_error_in_manager_is_not_wrapped() -> None:
    class Strict(dg.IOManager):
        def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
            context.add_output_metadata({"bad": object()})

        def load_input(self, context: dg.InputContext) -> Any:
            return 1

    result = dg.materialize([up], resources={"io_manager": Strict()}, raise_on_error=False)
    assert failure_classes(result) == ["DagsterInvalidMetadata"]


def test_user_error_in_compute_reraised() -> None:
    @dg.asset
    def broken() -> int:
        raise RuntimeError("compute failed")

    with pytest.raises(RuntimeError, match="compute failed"):
        dg.materialize_to_memory([broken])
    result = dg.materialize_to_memory([broken], raise_on_error=False)
    assert failure_classes(result) == ["DagsterExecutionStepExecutionError"]
