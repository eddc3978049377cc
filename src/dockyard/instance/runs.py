"""Run records: one per execution of a job."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class DagsterRunStatus(enum.StrEnum):
    QUEUED = "QUEUED"
    NOT_STARTED = "NOT_STARTED"
    STARTING = "STARTING"
    STARTED = "STARTED"
    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"
    CANCELING = "CANCELING"
    CANCELED = "CANCELED"


@dataclass(slots=True)
class DagsterRun:
    """A run: which job, with what config and tags, and how it went."""

    run_id: str
    job_name: str
    status: DagsterRunStatus = DagsterRunStatus.NOT_STARTED
    run_config: Mapping[str, Any] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    asset_selection: frozenset[Any] | None = None
    start_time: float | None = None
    end_time: float | None = None

    @property
    def is_success(self) -> bool:
        return self.status == DagsterRunStatus.SUCCESS

    @property
    def is_finished(self) -> bool:
        return self.status in (DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED)

    @property
    def partition_key(self) -> str | None:
        return self.tags.get("dagster/partition")
