"""The step-running side of executors whose steps run in other processes.

``run_step`` runs one step of a rebuilt run and reports its outcome as plain data; both the
multiprocess workers and the Dask task call it. ``worker_main`` is the loop of one warm
multiprocess worker: it rebuilds the run once (imports the user's code, plans), then runs the
steps the parent sends over its pipe, streaming each event back as it happens.

Messages, parent -> worker: ``("step", step_key, attempt)``, ``("stop",)``.
Worker -> parent: ``("event", step_key, event_dict)``, ``("done", step_key, outcome)`` where the
outcome is ``None`` (success) or a ``StepFailureInfo.to_dict()``.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dockyard.errors import DagsterError, DagsterInvariantViolationError
from dockyard.execution.active_run import FRAMEWORK, StepFailureInfo
from dockyard.execution.step import StepFailed, StepRunner
from dockyard.instance.events import DagsterEvent, SerializableErrorInfo

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from dockyard.execution.launch import RunLaunchSpec
    from dockyard.execution.run import RunState


def run_step(state: RunState, step_key: str, attempt: int, sink: Callable[[DagsterEvent], None] | None) -> dict[str, Any] | None:
    """Run one attempt of a step; ``None`` on success, else the failure as a dict."""
    step = state.plan.step_by_key[step_key]
    runner = StepRunner(state, step, attempt, sink)
    try:
        runner.execute()
    except StepFailed as failed:
        return StepFailureInfo.from_step_failed(failed).to_dict()
    except DagsterError as exc:
        return StepFailureInfo.from_framework_error(exc).to_dict()
    except Exception as exc:  # an engine bug must still reach the parent as this step's failure
        return StepFailureInfo.from_framework_error(exc).to_dict()
    return None


def load_failure(spec: RunLaunchSpec, exc: BaseException) -> dict[str, Any]:
    """The failure reported for every step when the run cannot be rebuilt in this process."""
    err = DagsterInvariantViolationError(
        f"Could not load job {spec.job_name or '(the code pointer target)'!r} from code pointer "
        f"{spec.code_pointer!r} in worker process {os.getpid()}: {type(exc).__name__}: {exc}. The "
        "pointer must name a module-level job, Definitions or function that imports in a fresh interpreter."
    )
    err.__cause__ = exc
    return StepFailureInfo(FRAMEWORK, SerializableErrorInfo.from_exception(err), error=err).to_dict()


def worker_main(conn: Connection, spec: RunLaunchSpec) -> None:
    """Entry point of a multiprocess worker (see the module docstring)."""
    from dockyard.execution.launch import rebuild_run
    from dockyard.instance.serdes import dagster_event_to_dict

    # Ctrl-C in a terminal reaches the whole process group; the parent decides what stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    state: RunState | None = None
    failure: dict[str, Any] | None = None
    try:
        state = rebuild_run(spec)
    except Exception as exc:
        failure = load_failure(spec, exc)
    try:
        while True:
            try:
                msg = conn.recv()
            except (EOFError, OSError):
                break
            if msg[0] != "step":
                break
            _, step_key, attempt = msg
            if state is None:
                conn.send(("done", step_key, failure))
                continue

            def sink(ev: DagsterEvent, key: str = step_key) -> None:
                conn.send(("event", key, dagster_event_to_dict(ev)))

            conn.send(("done", step_key, run_step(state, step_key, attempt, sink)))
    finally:
        if state is not None:
            try:
                state.resources.close(raise_errors=False)
            except Exception:  # teardown errors cannot fail steps that already reported
                pass
        conn.close()
