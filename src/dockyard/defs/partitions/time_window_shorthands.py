"""The named regular schedules: daily, hourly, weekly and monthly partitions definitions."""

from __future__ import annotations

from datetime import datetime

from dockyard.defs.partitions.schedule import ScheduleType
from dockyard.defs.partitions.time_window import (
    DEFAULT_DATE_FORMAT,
    DEFAULT_HOURLY_FORMAT,
    TimeWindowPartitionsDefinition,
)


class DailyPartitionsDefinition(TimeWindowPartitionsDefinition):
    """One partition per day, keyed ``%Y-%m-%d``."""

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
        super().__init__(
            start_date,
            fmt or DEFAULT_DATE_FORMAT,
            end=end_date,
            schedule_type=ScheduleType.DAILY,
            timezone=timezone,
            end_offset=end_offset,
            minute_offset=minute_offset,
            hour_offset=hour_offset,
        )


class HourlyPartitionsDefinition(TimeWindowPartitionsDefinition):
    """One partition per hour, keyed ``%Y-%m-%d-%H:%M``."""

    def __init__(
        self,
        start_date: datetime | str,
        end_date: datetime | str | None = None,
        timezone: str | None = None,
        fmt: str | None = None,
        minute_offset: int = 0,
        end_offset: int = 0,
    ) -> None:
        super().__init__(
            start_date,
            fmt or DEFAULT_HOURLY_FORMAT,
            end=end_date,
            schedule_type=ScheduleType.HOURLY,
            timezone=timezone,
            end_offset=end_offset,
            minute_offset=minute_offset,
        )


class WeeklyPartitionsDefinition(TimeWindowPartitionsDefinition):
    """One partition per week starting on ``day_offset`` (0 = Sunday), keyed ``%Y-%m-%d``."""

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
        super().__init__(
            start_date,
            fmt or DEFAULT_DATE_FORMAT,
            end=end_date,
            schedule_type=ScheduleType.WEEKLY,
            timezone=timezone,
            end_offset=end_offset,
            minute_offset=minute_offset,
            hour_offset=hour_offset,
            day_offset=day_offset,
        )


class MonthlyPartitionsDefinition(TimeWindowPartitionsDefinition):
    """One partition per month starting on day ``day_offset`` (1-28), keyed ``%Y-%m-%d``."""

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
        super().__init__(
            start_date,
            fmt or DEFAULT_DATE_FORMAT,
            end=end_date,
            schedule_type=ScheduleType.MONTHLY,
            timezone=timezone,
            end_offset=end_offset,
            minute_offset=minute_offset,
            hour_offset=hour_offset,
            day_offset=day_offset,
        )
