"""Runs and their event logs as the UI shows them: summaries, messages, errors, the step timeline."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from dockyard.defs.keys import AssetKey
from dockyard.instance.events import (
    DagsterEventType,
    EventLogEntry,
    HandledOutputData,
    LoadedInputData,
    SerializableErrorInfo,
    StepFailureData,
)
from dockyard.instance.runs import DagsterRun
from dockyard.ui.metadata import MetadataEntry, metadata_entries

LAUNCHED_BY_TAG = "dockyard/launched_by"
_TYPE_NAMES = {t.value: t.name for t in DagsterEventType}
_STEP_END = {
    DagsterEventType.STEP_SUCCESS.value: "success",
    DagsterEventType.STEP_FAILURE.value: "failure",
    DagsterEventType.STEP_SKIPPED.value: "skipped",
}
TIMELINE_WIDTH = 760
TIMELINE_ROW = 22
TIMELINE_LABEL = 200


@dataclass(frozen=True, slots=True)
class ErrorView:
    cls_name: str | None
    message: str
    stack: str
    cause: ErrorView | None = None

    @staticmethod
    def from_info(info: SerializableErrorInfo) -> ErrorView:
        cause = ErrorView.from_info(info.cause) if info.cause is not None else None
        return ErrorView(info.cls_name, info.message, "".join(info.stack), cause)

    def to_json(self) -> dict[str, Any]:
        return {"cls_name": self.cls_name, "message": self.message, "stack": self.stack,
                "cause": self.cause.to_json() if self.cause is not None else None}


@dataclass(frozen=True, slots=True)
class RunView:
    run_id: str
    job_name: str
    status: str
    start_time: float | None
    end_time: float | None
    partition: str | None
    assets: list[AssetKey]
    tags: dict[str, str]

    @property
    def is_finished(self) -> bool:
        return self.status in ("SUCCESS", "FAILURE", "CANCELED")

    @property
    def duration(self) -> float | None:
        if self.start_time is None:
            return None
        return (self.end_time if self.end_time is not None else time.time()) - self.start_time

    def to_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id, "job_name": self.job_name, "status": self.status, "start_time": self.start_time,
            "end_time": self.end_time, "duration": self.duration, "partition": self.partition,
            "assets": [k.to_user_string() for k in self.assets], "tags": self.tags, "is_finished": self.is_finished,
        }


def run_view(run: DagsterRun) -> RunView:
    assets = sorted(run.asset_selection) if run.asset_selection else []
    return RunView(run.run_id, run.job_name, run.status.value, run.start_time, run.end_time, run.partition_key, assets, dict(run.tags))


@dataclass(frozen=True, slots=True)
class EventView:
    storage_id: int
    timestamp: float
    event_type: str
    step_key: str | None
    level: int
    message: str
    asset_key: AssetKey | None = None
    partition: str | None = None
    metadata: list[MetadataEntry] = field(default_factory=list)
    error: ErrorView | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.storage_id, "timestamp": self.timestamp, "type": self.event_type, "step_key": self.step_key,
            "level": self.level, "message": self.message,
            "asset_key": self.asset_key.to_user_string() if self.asset_key is not None else None,
            "partition": self.partition, "metadata": [m.to_json() for m in self.metadata],
            "error": self.error.to_json() if self.error is not None else None,
        }


def event_view(entry: EventLogEntry) -> EventView:
    event = entry.dagster_event
    sid = entry.storage_id or 0
    if event is None:
        error = ErrorView.from_info(entry.error_info) if entry.error_info is not None else None
        return EventView(sid, entry.timestamp, "LOG", entry.step_key, entry.level, entry.user_message, error=error)
    kind = _TYPE_NAMES.get(event.event_type_value, event.event_type_value)
    data = event.event_specific_data
    mat = event.asset_materialization
    if mat is not None:
        text = f"Materialized {mat.asset_key.to_user_string()}"
        text += f" (partition {mat.partition})" if mat.partition is not None else ""
        if mat.description:
            text += f": {mat.description}"
        return EventView(sid, entry.timestamp, kind, entry.step_key, entry.level, text, mat.asset_key, mat.partition,
                         metadata_entries(mat.metadata))
    error = None
    if isinstance(data, HandledOutputData):
        text = f"Output {data.output_name!r} stored by I/O manager {data.manager_key!r}"
    elif isinstance(data, LoadedInputData):
        text = f"Input {data.input_name!r} loaded by I/O manager {data.manager_key!r}"
    elif isinstance(data, StepFailureData) and data.error is not None:
        error = ErrorView.from_info(data.error)
        innermost = error
        while innermost.cause is not None:
            innermost = innermost.cause
        text = innermost.message
    else:
        text = event.message or ""
    if error is None and entry.error_info is not None:
        error = ErrorView.from_info(entry.error_info)
    return EventView(sid, entry.timestamp, kind, entry.step_key, entry.level, text, error=error, partition=event.partition)


@dataclass(frozen=True, slots=True)
class StepBar:
    step_key: str
    status: str  # running, success, failure, skipped
    start: float
    end: float | None
    x: float
    width: float
    y: int

    @property
    def duration(self) -> float | None:
        return self.end - self.start if self.end is not None else None


@dataclass(frozen=True, slots=True)
class Timeline:
    bars: list[StepBar]
    width: int
    height: int
    label_width: int
    span: float


def step_timeline(entries: Sequence[EventLogEntry], running: Sequence[tuple[str, float]] = (), now: float | None = None) -> Timeline:
    """One bar per step, from its start to its end (or ``now`` while it runs).

    ``running`` adds steps known to have started whose events are not stored yet (the instance
    receives a step's events when it ends; the launcher knows the start live).
    """
    now = time.time() if now is None else now
    starts: dict[str, float] = {}
    ends: dict[str, tuple[float, str]] = {}
    run_start: float | None = None
    for entry in entries:
        event = entry.dagster_event
        if event is None:
            continue
        if run_start is None:
            run_start = entry.timestamp
        step = event.step_key
        if step is None:
            continue
        if event.event_type_value == DagsterEventType.STEP_START.value:
            starts[step] = entry.timestamp  # a retried step: the last attempt's start
        elif event.event_type_value in _STEP_END:
            ends[step] = (entry.timestamp, _STEP_END[event.event_type_value])
            starts.setdefault(step, entry.timestamp)
    for step, started in running:
        if step not in ends:
            starts.setdefault(step, started)
    if not starts:
        return Timeline([], TIMELINE_WIDTH, 0, TIMELINE_LABEL, 0.0)
    origin = min([*starts.values(), run_start or now])
    finish = max([now if any(s not in ends for s in starts) else origin, *(e for e, _ in ends.values())])
    span = max(finish - origin, 1e-3)
    scale = (TIMELINE_WIDTH - TIMELINE_LABEL - 10) / span
    bars = []
    for row, (step, started) in enumerate(sorted(starts.items(), key=lambda item: (item[1], item[0]))):
        end, status = ends.get(step, (None, "running"))
        stop = end if end is not None else now
        x = TIMELINE_LABEL + (started - origin) * scale
        bars.append(StepBar(step, status, started, end, round(x, 1), round(max((stop - started) * scale, 2.0), 1), row * TIMELINE_ROW))
    return Timeline(bars, TIMELINE_WIDTH, len(bars) * TIMELINE_ROW, TIMELINE_LABEL, span)
