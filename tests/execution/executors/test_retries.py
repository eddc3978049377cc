"""Retry policies, RetryRequested and Failure, honoured by the in-process executor."""

from __future__ import annotations

import pytest

import dockyard as dg


def types_for(result: dg.ExecuteInProcessResult, step: str) -> list[str]:
    return [e.event_type_value for e in result.events_for_node(step)]


def test_retry_policy_reruns_a_failing_op_until_it_succeeds() -> None:
    attempts: list[int] = []

    @dg.op(retry_policy=dg.RetryPolicy(max_retries=3))
    def flaky(context: dg.OpExecutionContext) -> int:
        attempts.append(context.retry_number)
        if len(attempts) < 3:
            raise ConnectionError("transient")
        return 5

    @dg.job
    def job() -> None:
        flaky()

    result = job.execute_in_process()
    assert result.success and result.output_for_node("flaky") == 5
    assert attempts == [0, 1, 2]
    assert types_for(result, "flaky") == [
        "STEP_START", "STEP_UP_FOR_RETRY", "STEP_RESTARTED", "STEP_UP_FOR_RETRY", "STEP_RESTARTED",
        "STEP_OUTPUT", "HANDLED_OUTPUT", "STEP_SUCCESS",
    ]


def test_retries_run_out_and_the_step_fails_with_the_last_error() -> None:
    @dg.asset(retry_policy=dg.RetryPolicy(max_retries=1))
    def always_broken() -> int:
        raise ValueError("still broken")

    @dg.asset
    def downstream(always_broken: int) -> int:
        return always_broken

    result = dg.materialize([always_broken, downstream], raise_on_error=False)
    assert not result.success
    assert types_for(result, "always_broken").count("STEP_UP_FOR_RETRY") == 1
    assert types_for(result, "downstream") == ["STEP_SKIPPED"]
    with pytest.raises(ValueError, match="still broken"):
        dg.materialize([always_broken, downstream])


def test_job_op_retry_policy_applies_to_ops_without_their_own() -> None:
    calls: list[int] = []

    @dg.op
    def once_broken() -> int:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("first call fails")
        return 1

    @dg.job(op_retry_policy=dg.RetryPolicy(max_retries=1))
    def job() -> None:
        once_broken()

    assert job.execute_in_process().success and len(calls) == 2


def test_retry_requested_retries_without_a_policy_and_respects_its_limit() -> None:
    calls: list[int] = []

    @dg.op
    def asks() -> int:
        calls.append(1)
        if len(calls) < 3:
            raise dg.RetryRequested(max_retries=2)
        return 3

    @dg.job
    def job() -> None:
        asks()

    assert job.execute_in_process().success and len(calls) == 3

    @dg.op
    def keeps_asking() -> int:
        raise dg.RetryRequested(max_retries=1)

    @dg.job
    def job2() -> None:
        keeps_asking()

    result = job2.execute_in_process(raise_on_error=False)
    assert types_for(result, "keeps_asking").count("STEP_RESTARTED") == 1
    assert result.get_failed_step_keys() == {"keeps_asking"}


def test_failure_with_allow_retries_false_is_not_retried_and_keeps_its_metadata() -> None:
    @dg.op(retry_policy=dg.RetryPolicy(max_retries=3))
    def refuses() -> None:
        raise dg.Failure("bad input file", metadata={"rows": 0}, allow_retries=False)

    @dg.job
    def job() -> None:
        refuses()

    result = job.execute_in_process(raise_on_error=False)
    assert "STEP_UP_FOR_RETRY" not in types_for(result, "refuses")
    data = result.get_step_failure_events()[0].step_failure_data
    assert data.user_failure_data.description == "bad input file"
    assert data.user_failure_data.metadata["rows"].value == 0


def test_framework_errors_are_not_retried() -> None:
    @dg.op(retry_policy=dg.RetryPolicy(max_retries=3))
    def wrong_type() -> int:
        return "not an int"  # type: ignore[return-value]

    @dg.job
    def job() -> None:
        wrong_type()

    result = job.execute_in_process(raise_on_error=False)
    assert "STEP_UP_FOR_RETRY" not in types_for(result, "wrong_type") and not result.success


def test_retries_can_be_disabled_in_executor_config() -> None:
    executor = dg.in_process_executor.create(None, {"config": {"retries": {"disabled": {}}}})
    assert executor.retries_enabled is False


def test_delays_follow_backoff_and_jitter() -> None:
    assert dg.RetryPolicy(delay=None).calculate_delay(3) == 0.0
    assert dg.RetryPolicy(delay=2).calculate_delay(3) == 2.0
    assert dg.RetryPolicy(delay=2, backoff=dg.Backoff.LINEAR).calculate_delay(3) == 6.0
    assert [dg.RetryPolicy(delay=1, backoff=dg.Backoff.EXPONENTIAL).calculate_delay(n) for n in (1, 2, 3)] == [1, 3, 7]
    for _ in range(20):
        assert 0.0 <= dg.RetryPolicy(delay=4, jitter=dg.Jitter.FULL).calculate_delay(1) <= 4.0
        assert 0.0 <= dg.RetryPolicy(delay=4, jitter=dg.Jitter.PLUS_MINUS).calculate_delay(1) <= 8.0


def test_invalid_policies_are_refused_with_the_fix() -> None:
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="max_retries"):
        dg.RetryPolicy(max_retries=-1)
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="needs a delay"):
        dg.RetryPolicy(backoff=dg.Backoff.LINEAR)
