"""Run events: what happened in a run, step by step, as stored by the instance."""

from __future__ import annotations

import enum
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dockyard.defs.keys import AssetKey
from dockyard.defs.metadata import MetadataValue
from dockyard.errors import DagsterInvariantViolationError


class DagsterEventType(enum.StrEnum):
    """The kinds of events a run emits (values are Dagster's strings)."""

    RUN_START = "PIPELINE_START"
    RUN_SUCCESS = "PIPELINE_SUCCESS"
    RUN_FAILURE = "PIPELINE_FAILURE"
    RUN_CANCELED = "PIPELINE_CANCELED"
    STEP_START = "STEP_START"
    STEP_OUTPUT = "STEP_OUTPUT"
    STEP_INPUT = "STEP_INPUT"
    STEP_SUCCESS = "STEP_SUCCESS"
    STEP_FAILURE = "STEP_FAILURE"
    STEP_SKIPPED = "STEP_SKIPPED"
    STEP_UP_FOR_RETRY = "STEP_UP_FOR_RETRY"
    STEP_RESTARTED = "STEP_RESTARTED"
    ASSET_MATERIALIZATION = "ASSET_MATERIALIZATION"
    ASSET_MATERIALIZATION_PLANNED = "ASSET_MATERIALIZATION_PLANNED"
    ASSET_OBSERVATION = "ASSET_OBSERVATION"
    HANDLED_OUTPUT = "HANDLED_OUTPUT"
    LOADED_INPUT = "LOADED_INPUT"
    RESOURCE_INIT_FAILURE = "RESOURCE_INIT_FAILURE"
    LOGS_CAPTURED = "LOGS_CAPTURED"
    ENGINE_EVENT = "ENGINE_EVENT"


@dataclass(frozen=True, slots=True)
class SerializableErrorInfo:
    """An error as stored: message, stack, class name, and its cause."""

    message: str
    stack: list[str]
    cls_name: str | None
    cause: SerializableErrorInfo | None = None

    @staticmethod
    def from_exception(exc: BaseException) -> SerializableErrorInfo:
        import traceback

        cause = exc.__cause__
        return SerializableErrorInfo(
            message="".join(traceback.format_exception_only(type(exc), exc)).strip(),
            stack=traceback.format_tb(exc.__traceback__),
            cls_name=type(exc).__name__,
            cause=SerializableErrorInfo.from_exception(cause) if cause is not None and cause is not exc else None,
        )

    def to_string(self) -> str:
        s = self.message + "\n" + "".join(self.stack)
        if self.cause is not None:
            s += "\nThe above exception was caused by:\n" + self.cause.to_string()
        return s


@dataclass(frozen=True, slots=True)
class HandledOutputData:
    output_name: str
    manager_key: str
    metadata: Mapping[str, MetadataValue] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LoadedInputData:
    input_name: str
    manager_key: str
    upstream_output_name: str | None = None
    upstream_step_key: str | None = None
    metadata: Mapping[str, MetadataValue] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StepOutputData:
    output_name: str
    mapping_key: str | None = None
    metadata: Mapping[str, MetadataValue] = field(default_factory=dict)
    type_check_success: bool = True


@dataclass(frozen=True, slots=True)
class StepMaterializationData:
    materialization: Any  # AssetMaterialization


@dataclass(frozen=True, slots=True)
class AssetObservationData:
    asset_observation: Any  # AssetObservation


@dataclass(frozen=True, slots=True)
class StepFailureData:
    error: SerializableErrorInfo | None
    user_failure_data: Any = None
    error_source: str | None = None


@dataclass(frozen=True, slots=True)
class EngineEventData:
    metadata: Mapping[str, Any] = field(default_factory=dict)
    error: SerializableErrorInfo | None = None


class DagsterEvent:
    """One event of a run."""

    __slots__ = (
        "event_specific_data",
        "event_type_value",
        "job_name",
        "logging_tags",
        "message",
        "node_name",
        "partition",
        "step_key",
    )

    def __init__(
        self,
        event_type_value: str,
        job_name: str,
        step_key: str | None = None,
        node_name: str | None = None,
        event_specific_data: Any = None,
        message: str | None = None,
        partition: str | None = None,
    ) -> None:
        self.event_type_value = event_type_value
        self.job_name = job_name
        self.step_key = step_key
        self.node_name = node_name
        self.event_specific_data = event_specific_data
        self.message = message
        self.partition = partition
        self.logging_tags: dict[str, str] = {}

    @property
    def event_type(self) -> DagsterEventType:
        return DagsterEventType(self.event_type_value)

    @property
    def is_step_failure(self) -> bool:
        return self.event_type_value == DagsterEventType.STEP_FAILURE.value

    @property
    def is_step_success(self) -> bool:
        return self.event_type_value == DagsterEventType.STEP_SUCCESS.value

    @property
    def is_failure(self) -> bool:
        return self.event_type_value in (DagsterEventType.STEP_FAILURE.value, DagsterEventType.RUN_FAILURE.value)

    @property
    def is_successful_output(self) -> bool:
        return self.event_type_value == DagsterEventType.STEP_OUTPUT.value

    @property
    def is_step_materialization(self) -> bool:
        return self.event_type_value == DagsterEventType.ASSET_MATERIALIZATION.value

    @property
    def is_handled_output(self) -> bool:
        return self.event_type_value == DagsterEventType.HANDLED_OUTPUT.value

    @property
    def is_loaded_input(self) -> bool:
        return self.event_type_value == DagsterEventType.LOADED_INPUT.value

    @property
    def asset_key(self) -> AssetKey | None:
        data = self.event_specific_data
        if isinstance(data, StepMaterializationData):
            return data.materialization.asset_key  # type: ignore[no-any-return]
        if isinstance(data, AssetObservationData):
            return data.asset_observation.asset_key  # type: ignore[no-any-return]
        return None

    @property
    def step_materialization_data(self) -> StepMaterializationData:
        return self.event_specific_data  # type: ignore[no-any-return]

    @property
    def asset_materialization(self) -> Any:
        data = self.event_specific_data
        return data.materialization if isinstance(data, StepMaterializationData) else None

    @property
    def materialization(self) -> Any:
        """The ``AssetMaterialization`` of an ``ASSET_MATERIALIZATION`` event."""
        data = self.event_specific_data
        if not isinstance(data, StepMaterializationData):
            raise DagsterInvariantViolationError(
                f"DagsterEvent.materialization is only set on ASSET_MATERIALIZATION events; this one is "
                f"{self.event_type_value}. Check event.is_step_materialization first."
            )
        return data.materialization

    @property
    def step_failure_data(self) -> StepFailureData:
        return self.event_specific_data  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        return f"DagsterEvent({self.event_type_value}, step_key={self.step_key!r})"


class EventLogEntry:
    """An event as stored in the instance's event log."""

    __slots__ = ("dagster_event", "error_info", "job_name", "level", "run_id", "step_key", "storage_id", "timestamp", "user_message")

    def __init__(
        self,
        run_id: str,
        dagster_event: DagsterEvent | None,
        timestamp: float | None = None,
        user_message: str = "",
        level: int = 20,
        error_info: SerializableErrorInfo | None = None,
        storage_id: int | None = None,
    ) -> None:
        self.run_id = run_id
        self.dagster_event = dagster_event
        self.timestamp = time.time() if timestamp is None else timestamp
        self.user_message = user_message
        self.level = level
        self.error_info = error_info
        self.step_key = dagster_event.step_key if dagster_event is not None else None
        self.job_name = dagster_event.job_name if dagster_event is not None else None
        self.storage_id = storage_id

    @property
    def is_dagster_event(self) -> bool:
        return self.dagster_event is not None

    @property
    def dagster_event_type(self) -> DagsterEventType | None:
        return self.dagster_event.event_type if self.dagster_event is not None else None

    @property
    def asset_materialization(self) -> Any:
        return self.dagster_event.asset_materialization if self.dagster_event is not None else None

    @property
    def asset_observation(self) -> Any:
        data = self.dagster_event.event_specific_data if self.dagster_event is not None else None
        return data.asset_observation if isinstance(data, AssetObservationData) else None

    def __repr__(self) -> str:
        return f"EventLogEntry(run_id={self.run_id!r}, event={self.dagster_event!r})"
