"""``dask_executor``: each step is a task on a Dask distributed cluster.

Config (run config ``execution: {config: ...}`` or ``dask_executor.configured({...})``)::

    cluster:
      existing: {address: "tcp://127.0.0.1:8786"}      # a running scheduler
      # or
      local: {n_workers: 2, threads_per_worker: 1}     # a LocalCluster for this run (the default)

The launching process keeps the dependency bookkeeping (``StepQueue``) and submits a step when
its upstreams succeeded; the task rebuilds the run from its code pointer once per worker process
(cached, like a warm multiprocess worker) and runs the step. Values move only through I/O
managers, so every worker must reach the same storage: a local directory is enough for a
``LocalCluster``; a cluster on other machines needs object storage or a database.

Events stream back while the run progresses: a step's start is published on a Dask topic the
launching process subscribes to, and the rest of its events come back with the task's result
(one batch, stored with the origins of what it materialized). A task whose worker dies is
rescheduled by Dask on another worker; if workers keep dying under it (``KilledWorker``), the
step fails with ``ChildProcessCrashException`` and the retry policy decides.

This module uses the executor-author API of ``dockyard.execution`` (``Executor``, ``ActiveRun``,
``StepQueue``, ``StepFailureInfo``, ``run_step``, ``rebuild_run``): the same pieces the built-in
multiprocess executor is made of.
"""

from __future__ import annotations

import queue as queue_module
import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from dockyard._internal.imports import require_extra
from dockyard.defs.config import Field, Int, Noneable, Selector, String
from dockyard.errors import ChildProcessCrashException, DagsterUnmetExecutorRequirementsError
from dockyard.execution.active_run import CRASH, StepFailureInfo, aborted_failure
from dockyard.execution.executors.base import Executor, ExecutorDefinition, InitExecutorContext
from dockyard.execution.executors.in_process import RETRIES_FIELD, retries_enabled
from dockyard.execution.executors.step_queue import QueueExecutor, StepQueue
from dockyard.instance.events import DagsterEvent, DagsterEventType, SerializableErrorInfo

if TYPE_CHECKING:
    from dockyard.execution.active_run import ActiveRun
    from dockyard.execution.launch import RunLaunchSpec
    from dockyard.execution.plan import StepPlan
    from dockyard.execution.run import RunState

_STARTED = (DagsterEventType.STEP_START.value, DagsterEventType.STEP_RESTARTED.value)
IDLE_POLL = 0.25  # seconds between looks at the start-event queue while nothing completes

# -- the worker side -------------------------------------------------------------------------------

_runs: dict[str, RunState] = {}
_runs_lock = threading.Lock()


def _run_state(spec: RunLaunchSpec) -> RunState:
    with _runs_lock:
        state = _runs.get(spec.run_id)
        if state is None:
            from dockyard.execution.launch import rebuild_run

            state = _runs[spec.run_id] = rebuild_run(spec)
        return state


def run_step_task(spec: RunLaunchSpec, step_key: str, attempt: int, topic: str) -> tuple[list[dict[str, Any]], Any]:
    """The Dask task of one step attempt: ``(event dicts, failure dict or None)``."""
    from dockyard.execution.executors.worker import load_failure, run_step
    from dockyard.instance.serdes import dagster_event_to_dict

    try:
        state = _run_state(spec)
    except Exception as exc:
        return [], load_failure(spec, exc)
    events: list[dict[str, Any]] = []

    def sink(ev: DagsterEvent) -> None:
        d = dagster_event_to_dict(ev)
        events.append(d)
        if ev.event_type_value in _STARTED:
            try:
                from distributed import get_worker

                get_worker().log_event(topic, {"step_key": step_key, "attempt": attempt, "event": d})
            except Exception:  # streaming is best effort; the result carries every event anyway
                pass

    return events, run_step(state, step_key, attempt, sink)


def forget_run(run_id: str) -> None:
    """Tear down the resources a worker built for ``run_id`` (run on every worker at the end)."""
    with _runs_lock:
        state = _runs.pop(run_id, None)
    if state is not None:
        try:
            state.resources.close(raise_errors=False)
        except Exception:
            pass


# -- the launching side ----------------------------------------------------------------------------


class DaskExecutor(QueueExecutor):
    """Submits each step to a Dask cluster (see the module docstring).

    Args:
        cluster: ``{"existing": {"address": ...}}`` or ``{"local": {...LocalCluster kwargs}}``.
        retries_enabled: honour retry policies and ``RetryRequested``.
    """

    uses_multiple_processes = True

    def __init__(self, cluster: Mapping[str, Any] | None = None, retries_enabled: bool = True) -> None:
        self.cluster = dict(cluster or {"local": {}})
        self.retries_enabled = retries_enabled

    def _connect(self) -> tuple[Any, Any]:
        """``(client, cluster or None)``; the cluster is ours to close when we started it."""
        distributed = require_extra("distributed", "dask")
        ((kind, opts),) = self.cluster.items()
        opts = dict(opts or {})
        if kind == "existing":
            return distributed.Client(opts["address"], set_as_default=False), None
        kwargs: dict[str, Any] = {
            "n_workers": opts.get("n_workers"), "threads_per_worker": opts.get("threads_per_worker") or 1,
            "processes": opts.get("processes", True), "host": "127.0.0.1", "dashboard_address": "127.0.0.1:0",
        }
        if opts.get("local_directory"):
            kwargs["local_directory"] = opts["local_directory"]
        cluster = distributed.LocalCluster(**kwargs)
        try:
            return distributed.Client(cluster, set_as_default=False), cluster
        except BaseException:
            cluster.close()
            raise

    def execute(self, run: ActiveRun) -> None:
        spec = run.launch
        if spec is None:
            raise DagsterUnmetExecutorRequirementsError(
                "The Dask executor imports the job on Dask workers from its code; run it with "
                "execute_job(reconstructable(job_or_defs), instance) (or the CLI)."
            )
        steps = run.steps
        if not steps:
            return
        client, cluster = self._connect()
        inbox: queue_module.Queue[tuple[str, Any]] = queue_module.Queue()
        topic = f"dockyard-run-{run.run_id}"
        client.subscribe_topic(topic, lambda event: inbox.put(("start", event)))
        in_flight: dict[str, tuple[Any, StepPlan, float]] = {}
        try:
            self._loop(run, StepQueue(steps), client, spec, topic, inbox, in_flight)
        except BaseException as exc:
            for fut, step, _ in in_flight.values():
                fut.cancel()
                run.step_failed(step, [], aborted_failure(step.key, exc), retries_enabled=False)
            raise
        finally:
            try:
                client.unsubscribe_topic(topic)
                client.run(forget_run, run.run_id)
            except Exception:  # the cluster may be gone (Ctrl-C, lost scheduler)
                pass
            client.close()
            if cluster is not None:
                cluster.close()

    def _loop(
        self, run: ActiveRun, queue: StepQueue, client: Any, spec: RunLaunchSpec, topic: str,
        inbox: queue_module.Queue[tuple[str, Any]], in_flight: dict[str, tuple[Any, StepPlan, float]],
    ) -> None:
        started: set[tuple[str, int]] = set()
        while not queue.finished:
            while (step := queue.pop_ready()) is not None:
                attempt = run.retries.get(step.key, 0)
                fut = client.submit(
                    run_step_task, spec, step.key, attempt, topic, pure=False,
                    key=f"dockyard-{step.key}-{run.run_id[:8]}-{attempt}",
                )
                in_flight[step.key] = (fut, step, time.perf_counter())
                fut.add_done_callback(lambda f, key=step.key: inbox.put(("done", (key, f))))
            if not in_flight and queue.seconds_until_retry() is None:
                break
            wait = queue.seconds_until_retry()
            try:
                kind, payload = inbox.get(timeout=IDLE_POLL if wait is None else min(wait, IDLE_POLL))
            except queue_module.Empty:
                continue
            if kind == "start":
                self._started(run, payload, started)
                continue
            key, fut = payload
            if key not in in_flight or in_flight[key][0] is not fut:
                continue
            _, step, t0 = in_flight.pop(key)
            self._completed(run, queue, step, fut, t0, started)

    @staticmethod
    def _started(run: ActiveRun, payload: Any, started: set[tuple[str, int]]) -> None:
        from dockyard.instance.serdes import dagster_event_from_dict

        msg = payload[1] if isinstance(payload, tuple) and len(payload) == 2 else payload
        mark = (msg["step_key"], msg["attempt"])
        if mark in started:
            return  # a rescheduled task (its worker died) starting again, or a late message
        started.add(mark)
        run.record_now([dagster_event_from_dict(msg["event"])])
        run.progress_started(msg["step_key"])

    def _completed(self, run: ActiveRun, queue: StepQueue, step: StepPlan, fut: Any, t0: float, started: set[tuple[str, int]]) -> None:
        from dockyard.instance.serdes import dagster_event_from_dict

        attempt = run.retries.get(step.key, 0)
        try:
            event_dicts, outcome = fut.result()
        except Exception as exc:  # KilledWorker, a cancelled future, a lost scheduler
            crash = ChildProcessCrashException(
                f'Dask could not finish step "{step.key}": {type(exc).__name__}: {exc}. Its workers died while '
                "running it (killed, out of memory) or the cluster went away."
            )
            failure = StepFailureInfo(CRASH, SerializableErrorInfo.from_exception(crash), error=crash)
            self._failed(run, queue, step, [], failure)
            return
        events = [dagster_event_from_dict(d) for d in event_dicts]
        if (step.key, attempt) in started:
            events = [e for e in events if e.event_type_value not in _STARTED]
        else:
            started.add((step.key, attempt))
            run.record_now([e for e in events if e.event_type_value in _STARTED])
            events = [e for e in events if e.event_type_value not in _STARTED]
        self._finished(run, queue, step, events, outcome, t0)


def _create(context: InitExecutorContext) -> Executor:
    config = context.executor_config or {}
    return DaskExecutor(config.get("cluster"), retries_enabled(config))


_CLUSTER = Selector({
    "existing": {"address": Field(String, description="the scheduler, e.g. tcp://127.0.0.1:8786")},
    "local": {
        "n_workers": Field(Noneable(Int), is_required=False),
        "threads_per_worker": Field(Noneable(Int), is_required=False),
        "processes": Field(bool, default_value=True),
        "local_directory": Field(Noneable(String), is_required=False),
    },
})

dask_executor = ExecutorDefinition(
    "dask",
    {"cluster": Field(_CLUSTER, default_value={"local": {}}), "retries": RETRIES_FIELD},
    _create,
    "Runs each step as a task on a Dask distributed cluster (an existing one, or a LocalCluster).",
)
