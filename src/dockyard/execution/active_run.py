"""A run in flight, as the launching process sees it: what executors report to.

Executors decide where and when steps run; ``ActiveRun`` owns what is common to all of them:
which steps this run executes (all, or a re-execution subset), storing each step's events in the
instance (one batch per step, with the origins of what it materialized), skipping the steps
downstream of a failure, and the retry decision (``RetryPolicy`` on the op or the job,
``RetryRequested``, ``Failure(allow_retries=False)``).

A failure travels as ``StepFailureInfo``: plain data, so a failure in a worker process or on a
Dask worker is judged exactly like one in this process.
"""

from __future__ import annotations

import logging
import pickle
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dockyard.errors import (
    DagsterExecutionStepExecutionError,
    DagsterUserCodeExecutionError,
    Failure,
    RetryRequested,
)
from dockyard.execution.asset_origins import origins_for_step
from dockyard.execution.step import StepFailed
from dockyard.instance.events import (
    DagsterEvent,
    DagsterEventType,
    EventLogEntry,
    SerializableErrorInfo,
    StepFailureData,
)

if TYPE_CHECKING:
    from dockyard.execution.plan import StepPlan
    from dockyard.execution.run import RunState

_E = DagsterEventType
_progress = logging.getLogger("dockyard.progress")

# failure kinds: what decides whether a retry is allowed
USER = "user"                        # user code raised (compute, load_input, handle_output)
RETRY_REQUESTED = "retry_requested"  # user code raised RetryRequested
FAILURE = "failure"                  # user code raised Failure
FRAMEWORK = "framework"              # a dockyard error (config, type check, resource init): never retried
CRASH = "crash"                      # the process running the step died
INTERRUPTED = "interrupted"          # the run was canceled while the step ran


@dataclass(frozen=True, slots=True)
class UserFailureData:
    """The description and metadata of a ``Failure`` raised by user code."""

    description: str | None
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StepFailureInfo:
    """Why a step attempt failed, as plain data (see the module docstring)."""

    kind: str
    error_info: SerializableErrorInfo
    max_retries: int | None = None
    seconds_to_wait: float | None = None
    allow_retries: bool = True
    user_failure: UserFailureData | None = None
    error: BaseException | None = None  # what raise_on_error raises, when known

    @staticmethod
    def from_step_failed(failure: StepFailed) -> StepFailureInfo:
        err, wrapped = failure.error, failure.wrapped
        info = SerializableErrorInfo.from_exception(wrapped)
        if isinstance(err, RetryRequested):
            return StepFailureInfo(RETRY_REQUESTED, info, err.max_retries, err.seconds_to_wait, error=err)
        if isinstance(err, Failure):
            from dockyard.defs.metadata import normalize_metadata

            data = UserFailureData(err.description, normalize_metadata(err.metadata))
            return StepFailureInfo(FAILURE, info, allow_retries=err.allow_retries, user_failure=data, error=err)
        kind = USER if isinstance(wrapped, DagsterUserCodeExecutionError) else FRAMEWORK
        return StepFailureInfo(kind, info, error=err)

    @staticmethod
    def from_framework_error(exc: BaseException) -> StepFailureInfo:
        return StepFailureInfo(FRAMEWORK, SerializableErrorInfo.from_exception(exc), error=exc)

    # -- transport (worker processes, Dask) -------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        from dockyard.instance.serdes import error_to_dict, metadata_to_dict

        try:
            error = pickle.dumps(self.error) if self.error is not None else None
        except Exception:  # an exception holding unpicklable state: the error info still travels
            error = None
        uf = self.user_failure
        return {
            "kind": self.kind, "error_info": error_to_dict(self.error_info), "max_retries": self.max_retries,
            "seconds_to_wait": self.seconds_to_wait, "allow_retries": self.allow_retries,
            "user_failure": None if uf is None else {"description": uf.description, "metadata": metadata_to_dict(uf.metadata)},
            "error": error,
        }

    @staticmethod
    def from_dict(d: Mapping[str, Any]) -> StepFailureInfo:
        from dockyard.instance.serdes import error_from_dict, metadata_from_dict

        error = None
        if d.get("error") is not None:
            try:
                error = pickle.loads(d["error"])
            except Exception:  # the class is not importable here
                error = None
        uf = d.get("user_failure")
        info = error_from_dict(d["error_info"])
        assert info is not None
        return StepFailureInfo(
            d["kind"], info, d.get("max_retries"), d.get("seconds_to_wait"), d.get("allow_retries", True),
            None if uf is None else UserFailureData(uf.get("description"), metadata_from_dict(uf.get("metadata"))),
            error,
        )

    def as_step_failed(self) -> StepFailed:
        """The exception pair the run raises with ``raise_on_error``."""
        error = self.error
        if error is None:
            error = DagsterExecutionStepExecutionError(self.error_info.to_string().strip())
        return StepFailed(error, error)


class ActiveRun:
    """The launching process's view of a run in flight (see the module docstring).

    Attributes:
        state: the shared per-run state (config, resources, partitions) for in-process steps.
        steps_to_execute: step keys this run executes (``None``: every planned step).
        launch: what worker processes need to rebuild the run (``RunLaunchSpec``), when known.
        events: every event of the run so far, in order.
        failures: steps that failed for good (after retries).
    """

    def __init__(
        self,
        state: RunState,
        dagster_run: Any,
        resource_objects: Mapping[str, Any],
        events: list[DagsterEvent],
        job: Any,
        steps_to_execute: frozenset[str] | None = None,
        launch: Any = None,
    ) -> None:
        self.state = state
        self.plan = state.plan
        self.run_id = state.run_id
        self.job_name = state.job_name
        self.instance = state.instance
        self.dagster_run = dagster_run
        self.resource_objects = resource_objects
        self.events = events
        self.job = job
        self.steps_to_execute = steps_to_execute
        self.launch = launch
        self.failures: list[StepFailed] = []
        self.retries: dict[str, int] = {}
        self._tags = dagster_run.tags
        # progress records for live displays (the CLI); levels are checked once per run
        self._progress_info = _progress.isEnabledFor(logging.INFO)
        self._progress_debug = _progress.isEnabledFor(logging.DEBUG)
        self._finished = 0
        self._total = len(self.steps)

    # -- progress ----------------------------------------------------------------------------------
    def progress_started(self, step_key: str) -> None:
        """Report a step start on ``dockyard.progress`` (DEBUG; see ``dockyard.execution.run``)."""
        if self._progress_debug:
            _progress.debug("[%d/%d] %s started", self._finished + 1, self._total, step_key, extra={"dockyard_progress": "start"})

    def progress_finished(self, step_key: str, phase: str, detail: Any = None) -> None:
        """Report a step that is ``done`` (detail: ms), ``failed`` (detail: error) or ``skipped``."""
        self._finished += 1
        if not self._progress_info:
            return
        extra = {"dockyard_progress": phase}
        if phase == "done":
            _progress.info("[%d/%d] %s done in %.1f ms", self._finished, self._total, step_key, detail or 0.0, extra=extra)
        elif phase == "failed":
            _progress.info("[%d/%d] %s FAILED: %s", self._finished, self._total, step_key, detail, extra=extra)
        else:
            _progress.info("[%d/%d] %s skipped", self._finished, self._total, step_key, extra=extra)

    @property
    def steps(self) -> list[StepPlan]:
        """The steps this run executes, in plan (dependency) order."""
        keys = self.steps_to_execute
        return self.plan.steps if keys is None else [s for s in self.plan.steps if s.key in keys]

    # -- recording ---------------------------------------------------------------------------------
    def _event(self, etype: DagsterEventType, step: StepPlan, data: Any = None, message: str | None = None) -> DagsterEvent:
        return DagsterEvent(etype.value, self.job_name, step.key, step.node_name, data, message)

    def record(self, step: StepPlan, events: Sequence[DagsterEvent]) -> None:
        """Store a batch of the step's events (one transaction, with asset origins)."""
        if not events:
            return
        self.events.extend(events)
        self.instance.store_events(
            [EventLogEntry(self.run_id, ev) for ev in events],
            origins_for_step(step, events, self.resource_objects, self._tags, self.run_id),
        )

    def record_now(self, events: Sequence[DagsterEvent]) -> None:
        """Store events that carry no materialization (e.g. STEP_START) as soon as they arrive."""
        self.events.extend(events)
        self.instance.store_events([EventLogEntry(self.run_id, ev) for ev in events])

    def skip(self, step: StepPlan) -> None:
        ev = self._event(_E.STEP_SKIPPED, step, message=f'Skipping step "{step.key}": an upstream step failed.')
        self.record_now([ev])
        self.progress_finished(step.key, "skipped")

    # -- failures and retries ------------------------------------------------------------------------
    def retry_delay(self, step: StepPlan, failure: StepFailureInfo, retries_enabled: bool = True) -> float | None:
        """Seconds to wait before retrying ``step`` after ``failure``, or ``None`` for no retry."""
        if not retries_enabled:
            return None
        done = self.retries.get(step.key, 0)
        if failure.kind == RETRY_REQUESTED:
            limit = failure.max_retries if failure.max_retries is not None else 1
            return float(failure.seconds_to_wait or 0.0) if done < limit else None
        if failure.kind not in (USER, FAILURE, CRASH) or not failure.allow_retries:
            return None
        policy = step.op_def.retry_policy or getattr(self.job, "op_retry_policy", None)
        if policy is None or done >= policy.max_retries:
            return None
        return float(policy.calculate_delay(done + 1))

    def step_failed(
        self, step: StepPlan, events: Sequence[DagsterEvent], failure: StepFailureInfo, retries_enabled: bool = True
    ) -> float | None:
        """Record a failed attempt; return the retry delay, or ``None`` when the step failed for good."""
        delay = self.retry_delay(step, failure, retries_enabled)
        batch = list(events)
        if delay is not None:
            self.retries[step.key] = self.retries.get(step.key, 0) + 1
            n = self.retries[step.key]
            batch.append(self._event(
                _E.STEP_UP_FOR_RETRY, step, StepFailureData(failure.error_info, failure.user_failure),
                f'Execution of step "{step.key}" failed and has requested a retry (retry {n}'
                + (f", in {delay:.3g} s" if delay else "") + ").",
            ))
            self.record(step, batch)
            return delay
        message = f'Execution of step "{step.key}" failed.'
        if failure.kind == CRASH:
            message = f'Execution of step "{step.key}" failed: {failure.error_info.message}'
        batch.append(self._event(
            _E.STEP_FAILURE, step, StepFailureData(failure.error_info, failure.user_failure, _error_source(failure)), message
        ))
        self.record(step, batch)
        failed = failure.as_step_failed()
        self.failures.append(failed)
        self.progress_finished(step.key, "failed", failed.error)
        return None


def _error_source(failure: StepFailureInfo) -> str | None:
    if failure.kind in (USER, FAILURE, RETRY_REQUESTED):
        return "USER_CODE_ERROR"
    if failure.kind == CRASH:
        return "UNEXPECTED_ERROR"
    if failure.kind == INTERRUPTED:
        return "INTERRUPT"
    return "FRAMEWORK_ERROR"


def aborted_failure(step_key: str, exc: BaseException) -> StepFailureInfo:
    """The failure of a step still running when its executor stopped because of ``exc``."""
    if isinstance(exc, KeyboardInterrupt):
        return interrupted_failure(step_key)
    return StepFailureInfo.from_framework_error(exc)


def interrupted_failure(step_key: str) -> StepFailureInfo:
    from dockyard.errors import DagsterExecutionInterruptedError

    exc = DagsterExecutionInterruptedError(f'Step "{step_key}" was interrupted: the run was canceled (Ctrl-C / SIGINT).')
    return StepFailureInfo(INTERRUPTED, SerializableErrorInfo.from_exception(exc), error=exc)

