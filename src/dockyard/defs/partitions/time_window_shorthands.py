"""The named regular schedules: daily, hourly, weekly and monthly partitions definitions.

Each shorthand keeps its own documented ``__init__`` signature and passes it on through
``_NamedSchedule._init_named``, which adds the class's schedule type and default key format.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from dockyard.defs.partitions.schedule import ScheduleType
from dockyard.defs.partitions.time_window import (
    DEFAULT_DATE_FORMAT,
    DEFAULT_HOURLY_FORMAT,
    TimeWindowPartitionsDefinition,
)


class _NamedSchedule(TimeWindowPartitionsDefinition):
    """A time window definition whose schedule is named by the class."""

    _schedule_type: ClassVar[ScheduleType]
    _default_fmt: ClassVar[str] = DEFAULT_DATE_FORMAT

    def _init_named(
        self,
        start_date: datetime | str,
        end_date: datetime | str | None,
        timezone: str | None,
        fmt: str | None,
        end_offset: int,
        minute_offset: int,
        hour_offset: int | None = None,
        day_offset: int | None = None,
    ) -> None:
        """Initialise with the class's schedule type and default key format."""
        super().__init__(
            start_date,
            fmt or self._default_fmt,
            end=end_date,
            schedule_type=self._schedule_type,
            timezone=timezone,
            end_offset=end_offset,
            minute_offset=minute_offset,
            hour_offset=hour_offset,
            day_offset=day_offset,
        )


class DailyPartitionsDefinition(_NamedSchedule):
    """One partition per day, keyed ``%Y-%m-%d``."""

    _schedule_type = ScheduleType.DAILY

    def __init__(
        self,
        start_date: datetime | str,
        end_date: datetime | str | None = None,
        minute_offset: int = 0,
        hour_offset: int = 0,
        timezone: str | None = None,
        fmt: str | None = None,
        end_offset: int = 0,
    ) -> None:
        self._init_named(
            start_date, end_date, timezone, fmt, end_offset, minute_offset, hour_offset
        )


class HourlyPartitionsDefinition(_NamedSchedule):
    """One partition per hour, keyed ``%Y-%m-%d-%H:%M``."""

    _schedule_type = ScheduleType.HOURLY
    _default_fmt = DEFAULT_HOURLY_FORMAT

    def __init__(
        self,
        start_date: datetime | str,
        end_date: datetime | str | None = None,
        timezone: str | None = None,
        fmt: str | None = None,
        minute_offset: int = 0,
        end_offset: int = 0,
    ) -> None:
        self._init_named(start_date, end_date, timezone, fmt, end_offset, minute_offset)


class WeeklyPartitionsDefinition(_NamedSchedule):
    """One partition per week starting on ``day_offset`` (0 = Sunday), keyed ``%Y-%m-%d``."""

    _schedule_type = ScheduleType.WEEKLY

    def __init__(
        self,
        start_date: datetime | str,
        end_date: datetime | str | None = None,
        minute_offset: int = 0,
        hour_offset: int = 0,
        day_offset: int = 0,
        timezone: str | None = None,
        fmt: str | None = None,
        end_offset: int = 0,
    ) -> None:
        self._init_named(
            start_date, end_date, timezone, fmt, end_offset, minute_offset, hour_offset, day_offset
        )


class MonthlyPartitionsDefinition(_NamedSchedule):
    """One partition per month starting on day ``day_offset`` (1-28), keyed ``%Y-%m-%d``."""

    _schedule_type = ScheduleType.MONTHLY

    def __init__(
        self,
        start_date: datetime | str,
        end_date: datetime | str | None = None,
        minute_offset: int = 0,
        hour_offset: int = 0,
        day_offset: int = 1,
        timezone: str | None = None,
        fmt: str | None = None,
        end_offset: int = 0,
    ) -> None:
        self._init_named(
            start_date, end_date, timezone, fmt, end_offset, minute_offset, hour_offset, day_offset
        )
