"""ExecuteInProcessResult accessors and op_selection, checked against Dagster's behaviour."""

from __future__ import annotations

import pytest

import dockyard as dg
from dockyard.errors import DagsterInvariantViolationError


@dg.op(config_schema={"x": int})
def one(context: dg.OpExecutionContext) -> int:
    return int(context.op_config["x"])


@dg.op(out={"left": dg.Out(), "right": dg.Out()})
def split(n: int) -> tuple[int, int]:
    return n, n * 2


@dg.op
def add(a: int, b: int) -> int:
    return a + b


@dg.op
def boom(n: int) -> int:
    raise ValueError("boom")


@dg.graph
def inner(n: int) -> int:
    left, right = split(n)
    return add(left, right)  # type: ignore[no-any-return]


@dg.job(config={"ops": {"one": {"config": {"x": 2}}}})
def nested_job() -> None:
    inner(one())


def test_output_for_graph_node_follows_its_output_mapping() -> None:
    result = nested_job.execute_in_process()
    assert result.output_for_node("inner") == 6
    assert result.output_for_node("inner.add") == 6
    assert result.output_for_node("inner.split", "right") == 4
    with pytest.raises(DagsterInvariantViolationError, match="inner"):
        result.output_for_node("inner", "nope")
    with pytest.raises(DagsterInvariantViolationError, match="nope"):
        result.output_for_node("nope")


def test_op_selection_accepts_graph_names_and_traversal() -> None:
    def steps(selection: list[str]) -> list[str]:
        result = nested_job.execute_in_process(op_selection=selection)
        return sorted({ev.step_key for ev in result.get_step_success_events() if ev.step_key})

    everything = ["inner.add", "inner.split", "one"]
    assert steps(["one"]) == ["one"]
    assert steps(["one", "inner"]) == everything
    assert steps(["*inner"]) == everything
    # traversal works on top-level nodes: the next node after "one" is the whole graph "inner"
    assert steps(["one+"]) == everything
    assert steps(["one*"]) == everything
    assert steps(["one", "inner.split"]) == ["inner.split", "one"]


def test_run_success_and_failure_events() -> None:
    @dg.job
    def fails() -> None:
        boom(one())

    ok = nested_job.execute_in_process()
    assert ok.get_run_success_event().event_type_value == "PIPELINE_SUCCESS"
    bad = fails.execute_in_process(run_config={"ops": {"one": {"config": {"x": 1}}}}, raise_on_error=False)
    assert bad.get_run_failure_event().event_type_value == "PIPELINE_FAILURE"
    assert bad.get_failed_step_keys() == {"boom"}
    with pytest.raises(DagsterInvariantViolationError):
        bad.get_run_success_event()
