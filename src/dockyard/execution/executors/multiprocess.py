"""``multiprocess_executor``: steps run in a pool of warm worker processes.

The pool holds up to ``max_concurrent`` workers, started together when the run starts. Each
rebuilds the run once from the run's code pointer (``RunLaunchSpec``) and then runs step after
step, so the user's code is imported once per worker, not once per step. The parent hands out
steps in dependency order (``StepQueue``), waits on the workers' pipes and process sentinels at
once, and stores events as they arrive: a step start at once, the rest of a step's events in one
batch when it ends (with the origins of what it materialized). Outputs cross processes only
through I/O managers.

A worker that dies mid-step (SIGKILL, out of memory) fails that step with
``ChildProcessCrashException`` naming the step, pid and signal; the retry policy may run it again
on a fresh worker. Ctrl-C in the parent stops the workers and the run ends CANCELED.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from multiprocessing.connection import wait
from typing import TYPE_CHECKING, Any

from dockyard.defs import config as config_types
from dockyard.defs.config import Field, Int, Noneable, Selector
from dockyard.errors import (
    ChildProcessCrashException,
    DagsterInvalidConfigError,
    DagsterUnmetExecutorRequirementsError,
)
from dockyard.execution.active_run import CRASH, StepFailureInfo, aborted_failure
from dockyard.execution.executors.base import Executor, ExecutorDefinition, InitExecutorContext
from dockyard.execution.executors.in_process import (
    RETRIES_FIELD,
    InProcessExecutor,
    retries_enabled,
)
from dockyard.execution.executors.step_queue import QueueExecutor, StepQueue
from dockyard.instance.events import DagsterEvent, DagsterEventType, SerializableErrorInfo

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from dockyard.execution.active_run import ActiveRun
    from dockyard.execution.launch import RunLaunchSpec
    from dockyard.execution.plan import StepPlan

START_METHODS = ("spawn", "forkserver", "fork")
_STARTED = (DagsterEventType.STEP_START.value, DagsterEventType.STEP_RESTARTED.value)
STOP_TIMEOUT = 5.0  # seconds a worker gets to tear its resources down after "stop"


class _Worker:
    """One worker process, its pipe, and the step it is running (if any)."""

    __slots__ = ("conn", "events", "process", "started", "step")

    def __init__(self, process: Any, conn: Connection) -> None:
        self.process = process
        self.conn = conn
        self.step: StepPlan | None = None
        self.events: list[DagsterEvent] = []
        self.started = 0.0


class MultiprocessExecutor(QueueExecutor):
    """Runs steps in up to ``max_concurrent`` warm worker processes (see the module docstring).

    Args:
        max_concurrent: most steps at once (``None`` or 0: the number of CPUs).
        start_method: ``"spawn"`` (default), ``"forkserver"`` or ``"fork"``.
        preload_modules: modules a forkserver imports once, before forking workers.
        retries_enabled: honour retry policies and ``RetryRequested``.
    """

    uses_multiple_processes = True

    def __init__(
        self, max_concurrent: int | None = None, start_method: str = "spawn",
        preload_modules: list[str] | None = None, retries_enabled: bool = True,
    ) -> None:
        if start_method not in START_METHODS:
            raise DagsterInvalidConfigError(
                f"start_method {start_method!r} is not one of {list(START_METHODS)}; e.g. start_method='spawn'."
            )
        self.max_concurrent = max_concurrent or os.cpu_count() or 1
        self.start_method = start_method
        self.preload_modules = list(preload_modules or ["dockyard"])
        self.retries_enabled = retries_enabled

    # -- the pool ----------------------------------------------------------------------------------
    def _spawn(self, ctx: Any, spec: RunLaunchSpec) -> _Worker:
        from dockyard.execution.executors.worker import worker_main

        parent, child = ctx.Pipe(duplex=True)
        process = ctx.Process(target=worker_main, args=(child, spec), name="dockyard-step-worker", daemon=True)
        process.start()
        child.close()
        return _Worker(process, parent)

    def execute(self, run: ActiveRun) -> None:
        spec = run.launch
        if spec is None:
            raise DagsterUnmetExecutorRequirementsError(
                "The multiprocess executor needs to know where the job's code lives to import it in worker "
                "processes. Run it with execute_job(reconstructable(job_or_defs), instance) (or the CLI)."
            )
        steps = run.steps
        if not steps:
            return
        ctx = multiprocessing.get_context(self.start_method)
        if self.start_method == "forkserver":
            ctx.set_forkserver_preload(self.preload_modules)
        size = min(self.max_concurrent, len(steps))
        workers: list[_Worker] = []
        queue = StepQueue(steps)
        try:
            workers.extend(self._spawn(ctx, spec) for _ in range(size))  # they warm up together
            self._loop(run, queue, workers, ctx, spec, size)
        except BaseException as exc:
            for w in workers:
                if w.step is not None:
                    run.step_failed(w.step, w.events, aborted_failure(w.step.key, exc), retries_enabled=False)
                    w.step = None
            _stop(workers, graceful=False)
            raise
        _stop(workers, graceful=True)

    def _loop(self, run: ActiveRun, queue: StepQueue, workers: list[_Worker], ctx: Any, spec: RunLaunchSpec, size: int) -> None:
        while not queue.finished:
            while True:
                idle = next((w for w in workers if w.step is None), None)
                if idle is None and len(workers) >= size:
                    break
                step = queue.pop_ready()
                if step is None:
                    break
                if idle is None:  # replaces a worker that died
                    idle = self._spawn(ctx, spec)
                    workers.append(idle)
                idle.step, idle.events, idle.started = step, [], time.perf_counter()
                try:
                    idle.conn.send(("step", step.key, run.retries.get(step.key, 0)))
                except (OSError, ValueError):  # it died while idle: hand the step to another worker
                    idle.step = None
                    workers.remove(idle)
                    _reap(idle)
                    queue.retry(step.key, 0.0)
            busy = [w for w in workers if w.step is not None]
            if not busy and queue.seconds_until_retry() is None:
                if queue.finished:
                    break
                raise RuntimeError("multiprocess executor: no step running and none ready; the plan is inconsistent")
            handles: dict[Any, _Worker] = {}
            for w in busy:
                handles[w.conn] = w
                handles[w.process.sentinel] = w
            for ready in wait(list(handles), timeout=queue.seconds_until_retry()):
                w = handles[ready]
                if w not in workers:
                    continue  # both its pipe and its sentinel fired; already handled
                if ready is w.conn and self._drain(run, queue, w):
                    continue
                if ready is not w.conn:
                    self._drain(run, queue, w)  # what it sent before exiting
                _reap(w)  # its pipe closed or it exited: reap it for the exit code
                if w.step is not None:
                    self._crashed(run, queue, w)
                workers.remove(w)

    def _drain(self, run: ActiveRun, queue: StepQueue, w: _Worker) -> bool:
        """Read every pending message of ``w``; False when its pipe is closed."""
        from dockyard.instance.serdes import dagster_event_from_dict

        try:
            while w.conn.poll():
                msg = w.conn.recv()
                step = w.step
                if step is None or msg[1] != step.key:
                    continue
                if msg[0] == "event":
                    ev = dagster_event_from_dict(msg[2])
                    if ev.event_type_value in _STARTED:
                        run.record_now([ev])
                        run.progress_started(step.key)
                    else:
                        w.events.append(ev)
                elif msg[0] == "done":
                    w.step = None
                    self._finished(run, queue, step, w.events, msg[2], w.started)
                    w.events = []
        except (EOFError, OSError):
            return False
        return True

    def _crashed(self, run: ActiveRun, queue: StepQueue, w: _Worker) -> None:
        step = w.step
        assert step is not None
        w.step = None
        code = w.process.exitcode
        how = f"exit code {code}"
        if code is not None and code < 0:
            try:
                how = f"signal {signal.Signals(-code).name}"
            except ValueError:
                how = f"signal {-code}"
        exc = ChildProcessCrashException(
            f'Worker process {w.process.pid} running step "{step.key}" exited unexpectedly ({how}) before the step '
            "finished: it was killed (SIGKILL, out of memory) or crashed in native code.",
            w.process.pid, code,
        )
        failure = StepFailureInfo(CRASH, SerializableErrorInfo.from_exception(exc), error=exc)
        self._failed(run, queue, step, w.events, failure)


def _reap(w: _Worker) -> None:
    """Wait for a worker whose pipe closed to exit (killing it if it lingers), then close the pipe."""
    w.process.join(STOP_TIMEOUT)
    if w.process.is_alive():
        w.process.kill()
        w.process.join(1.0)
    w.conn.close()


def _stop(workers: list[_Worker], graceful: bool) -> None:
    """Stop every worker: ask politely (they tear resources down), then terminate, then kill."""
    for w in workers:
        if graceful and w.process.is_alive():
            try:
                w.conn.send(("stop",))
            except (OSError, ValueError):
                pass
        elif w.process.is_alive():
            w.process.terminate()
    deadline = time.monotonic() + (STOP_TIMEOUT if graceful else 1.0)
    for w in workers:
        w.process.join(max(0.0, deadline - time.monotonic()))
        if w.process.is_alive():
            w.process.kill()
            w.process.join(1.0)
        w.conn.close()


# -- definitions ---------------------------------------------------------------------------------

_START_METHOD_SCHEMA = Selector({
    "spawn": {},
    "forkserver": {"preload_modules": Field([str], is_required=False)},
    "fork": {},
})


def _start_method(value: Any) -> tuple[str, list[str] | None]:
    if value is None:
        return "spawn", None
    if isinstance(value, str):
        return value, None
    from dockyard.defs.config import validate_config

    resolved: Any = validate_config(_START_METHOD_SCHEMA, value, "multiprocess executor", "root:execution:config:start_method")
    ((method, opts),) = resolved.items()
    return method, (opts or {}).get("preload_modules")


def _multiprocess_config() -> dict[str, Any]:
    return {
        "max_concurrent": Field(Noneable(Int), is_required=False, description="most steps at once (0 or None: CPU count)"),
        "start_method": Field(
            config_types.Any, is_required=False,
            description='"spawn" (default), "forkserver" or "fork"; or {"forkserver": {"preload_modules": [...]}}',
        ),
        "retries": RETRIES_FIELD,
    }


def _create_multiprocess(config: Any) -> MultiprocessExecutor:
    config = config or {}
    method, preload = _start_method(config.get("start_method"))
    return MultiprocessExecutor(config.get("max_concurrent"), method, preload, retries_enabled(config))


def _create_from_context(context: InitExecutorContext) -> Executor:
    return _create_multiprocess(context.executor_config)


multiprocess_executor = ExecutorDefinition(
    "multiprocess", _multiprocess_config(), _create_from_context,
    "Runs steps in a pool of warm worker processes, up to max_concurrent at once.",
)


def _create_multi_or_in_process(context: InitExecutorContext) -> Executor:
    ((kind, config),) = dict(context.executor_config or {"multiprocess": {}}).items()
    if kind == "in_process":
        return InProcessExecutor(retries_enabled(config))
    return _create_multiprocess(config)


multi_or_in_process_executor = ExecutorDefinition(
    "multi_or_in_process",
    Field(Selector({"multiprocess": _multiprocess_config(), "in_process": {"retries": RETRIES_FIELD}}),
          default_value={"multiprocess": {}}),
    _create_multi_or_in_process,
    "The default executor of execute_job: multiprocess unless run config selects in_process.",
)
