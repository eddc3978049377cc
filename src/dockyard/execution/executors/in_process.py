"""``in_process_executor``: every step in this process, one after another, in plan order.

Retries run inline: the executor sleeps for the policy's delay and runs the step again before
moving on (the plan order already puts every step after its upstreams, so nothing else could
run meanwhile without reordering). This is the executor ``execute_in_process`` and
``materialize`` use; it is also the fast path of the whole engine, so per step it does only the
runner call and one event write.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from dockyard.defs.config import Field, Selector
from dockyard.errors import DagsterError
from dockyard.execution.active_run import StepFailureInfo, aborted_failure
from dockyard.execution.executors.base import Executor, ExecutorDefinition, InitExecutorContext
from dockyard.execution.step import StepFailed, StepRunner

if TYPE_CHECKING:
    from dockyard.execution.active_run import ActiveRun


class InProcessExecutor(Executor):
    """Runs the steps of a run in this process (see the module docstring)."""

    def __init__(self, retries_enabled: bool = True) -> None:
        self.retries_enabled = retries_enabled

    def execute(self, run: ActiveRun) -> None:
        state = run.state
        blocked: set[str] = set()
        for step in run.steps:
            if blocked and any(u in blocked for u in step.upstream_steps):
                blocked.add(step.key)
                run.skip(step)
                continue
            attempt = 0
            while True:
                runner = StepRunner(state, step, attempt)
                run.progress_started(step.key)
                started = time.perf_counter()
                try:
                    runner.execute()
                except StepFailed as failed:
                    failure = StepFailureInfo.from_step_failed(failed)
                except DagsterError as exc:  # resource init and other framework errors inside a step
                    failure = StepFailureInfo.from_framework_error(exc)
                except BaseException as exc:  # Ctrl-C (the run is canceled), SystemExit from user code
                    run.step_failed(step, runner.events, aborted_failure(step.key, exc), retries_enabled=False)
                    raise
                else:
                    run.record(step, runner.events)
                    run.progress_finished(step.key, "done", (time.perf_counter() - started) * 1000)
                    break
                delay = run.step_failed(step, runner.events, failure, self.retries_enabled)
                if delay is None:
                    blocked.add(step.key)
                    break
                if delay > 0:
                    time.sleep(delay)
                attempt += 1


def retries_enabled(config: Any) -> bool:
    """Whether executor config ``retries: {enabled: {}} | {disabled: {}}`` enables retries."""
    retries = config.get("retries") if isinstance(config, dict) else None
    return not (isinstance(retries, dict) and "disabled" in retries)


RETRIES_FIELD = Field(Selector({"enabled": {}, "disabled": {}}), default_value={"enabled": {}})


def _create(context: InitExecutorContext) -> Executor:
    return InProcessExecutor(retries_enabled=retries_enabled(context.executor_config))


in_process_executor = ExecutorDefinition(
    "in_process", {"retries": RETRIES_FIELD}, _create, "Runs every step in the launching process, one at a time."
)
