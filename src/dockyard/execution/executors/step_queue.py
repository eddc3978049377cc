"""``StepQueue``: which steps may start now, for executors that run several at once.

A step becomes ready when all of its upstream steps in this run have succeeded (upstreams this
run does not execute, as in a re-execution, count as done). Ready steps come out in plan order;
a step waiting for a retry comes back once its delay has passed. When a step fails for good,
every step downstream of it is skipped at once. Each completion costs time proportional to the
step's direct downstream steps, not to the size of the plan.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from dockyard.execution.active_run import StepFailureInfo
from dockyard.execution.executors.base import Executor

if TYPE_CHECKING:
    from dockyard.execution.active_run import ActiveRun
    from dockyard.execution.plan import StepPlan
    from dockyard.instance.events import DagsterEvent


class StepQueue:
    """Dependency bookkeeping for the steps one run executes (see the module docstring)."""

    def __init__(self, steps: Sequence[StepPlan]) -> None:
        self._steps = {s.key: s for s in steps}
        self._index = {s.key: i for i, s in enumerate(steps)}
        self._children: dict[str, list[str]] = {s.key: [] for s in steps}
        self._waiting: dict[str, int] = {}
        self._ready: list[int] = []
        self._retry_at: dict[str, float] = {}
        self._open = set(self._steps)  # not yet succeeded, failed for good or skipped
        for s in steps:
            ups = [u for u in s.upstream_steps if u in self._steps]
            self._waiting[s.key] = len(ups)
            for u in ups:
                self._children[u].append(s.key)
            if not ups:
                self._ready.append(self._index[s.key])
        heapq.heapify(self._ready)
        self._order = list(steps)

    @property
    def finished(self) -> bool:
        """True once every step succeeded, failed for good or was skipped."""
        return not self._open

    def pop_ready(self) -> StepPlan | None:
        """The next step that may start now (retries whose delay passed first), or ``None``."""
        if self._retry_at:
            now = time.monotonic()
            due = [k for k, at in self._retry_at.items() if at <= now]
            if due:
                key = min(due, key=self._index.__getitem__)
                del self._retry_at[key]
                return self._steps[key]
        if self._ready:
            return self._order[heapq.heappop(self._ready)]
        return None

    def seconds_until_retry(self) -> float | None:
        """How long until the next retry is due (``None``: no retry waiting)."""
        if not self._retry_at:
            return None
        return max(0.0, min(self._retry_at.values()) - time.monotonic())

    def retry(self, key: str, delay: float) -> None:
        """Run ``key`` again after ``delay`` seconds."""
        self._retry_at[key] = time.monotonic() + delay

    def succeeded(self, key: str) -> None:
        self._open.discard(key)
        for child in self._children[key]:
            self._waiting[child] -= 1
            if self._waiting[child] == 0 and child in self._open:
                heapq.heappush(self._ready, self._index[child])

    def failed(self, key: str) -> list[StepPlan]:
        """Mark ``key`` failed for good; return the steps now skipped, in plan order."""
        self._open.discard(key)
        skipped: list[str] = []
        stack = list(self._children[key])
        while stack:
            k = stack.pop()
            if k in self._open:
                self._open.discard(k)
                skipped.append(k)
                stack.extend(self._children[k])
        skipped.sort(key=self._index.__getitem__)
        return [self._steps[k] for k in skipped]


class QueueExecutor(Executor):
    """An executor that hands out the steps of a ``StepQueue`` and records what comes back."""

    retries_enabled: bool

    def _finished(self, run: ActiveRun, queue: StepQueue, step: StepPlan, events: list[DagsterEvent], outcome: Any, started: float) -> None:
        """``outcome`` is ``None`` for a success, else a ``StepFailureInfo`` dict; ``started`` a perf_counter time."""
        if outcome is None:
            run.record(step, events)
            run.progress_finished(step.key, "done", (time.perf_counter() - started) * 1000)
            queue.succeeded(step.key)
            return
        self._failed(run, queue, step, events, StepFailureInfo.from_dict(outcome))

    def _failed(self, run: ActiveRun, queue: StepQueue, step: StepPlan, events: list[DagsterEvent], failure: StepFailureInfo) -> None:
        delay = run.step_failed(step, events, failure, self.retries_enabled)
        if delay is None:
            for skipped in queue.failed(step.key):
                run.skip(skipped)
        else:
            queue.retry(step.key, delay)
