"""Cron schedules as index arithmetic: partition ``n`` starts at ``schedule.fire(n)``.

A time window partitions definition is a schedule plus bounds. Rather than iterating a cron
expression, each supported schedule maps an absolute integer index ``n`` to a UTC timestamp and
back in O(1), which is what makes listing 100,000 hourly keys or locating a key cheap:

* ``FixedStepSchedule`` — hourly and sub-hourly crons (``M * * * *``, ``*/15 * * * *``). Fire
  times are the UTC instants whose *local* minute matches, so they are evenly spaced in UTC:
  across a DST change an hourly schedule skips the missing local hour and yields the repeated
  one twice (with distinct UTC instants).
* ``CalendarSchedule`` — daily, weekly and monthly crons (``M H * * *``, ``M H * * D``,
  ``M H D * *``). Fire times are local wall-clock times on consecutive days / weeks / months.
  A wall time that does not exist (inside a spring-forward gap) is moved forward by the gap,
  and an ambiguous one (fall-back) resolves to its first occurrence, as a cron would fire once.

Other cron expressions (lists of hours, day ranges, month days past 28) are rejected with
``DagsterInvalidDefinitionError`` naming the supported forms.
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from dockyard.errors import DagsterInvalidDefinitionError

_HOUR = 3600
_DAY = 86400


class ScheduleType(enum.Enum):
    """The four regular schedules with named partitions definitions."""

    HOURLY = "HOURLY"
    DAILY = "DAILY"
    WEEKLY = "WEEKLY"
    MONTHLY = "MONTHLY"


def cron_schedule_for(
    schedule_type: ScheduleType,
    minute_offset: int = 0,
    hour_offset: int = 0,
    day_offset: int | None = None,
) -> str:
    """The cron string of a regular schedule with offsets."""
    _check_range("minute_offset", minute_offset, 0, 59)
    _check_range("hour_offset", hour_offset, 0, 23)
    if schedule_type is ScheduleType.HOURLY:
        return f"{minute_offset} * * * *"
    if schedule_type is ScheduleType.DAILY:
        return f"{minute_offset} {hour_offset} * * *"
    if schedule_type is ScheduleType.WEEKLY:
        day = 0 if day_offset is None else day_offset
        _check_range("day_offset", day, 0, 6)
        return f"{minute_offset} {hour_offset} * * {day}"
    day = 1 if day_offset is None else day_offset
    _check_range("day_offset", day, 1, 28)
    return f"{minute_offset} {hour_offset} {day} * *"


def _check_range(name: str, value: int, lo: int, hi: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        raise DagsterInvalidDefinitionError(
            f"{name} must be an integer from {lo} to {hi}; got {value!r}."
        )


class Schedule(ABC):
    """Maps absolute partition indexes to UTC start timestamps and back."""

    schedule_type: ScheduleType | None

    @abstractmethod
    def fire(self, n: int) -> int:
        """The UTC timestamp at which window ``n`` starts."""

    @abstractmethod
    def index_at_or_before(self, timestamp: float) -> int:
        """The largest ``n`` with ``fire(n) <= timestamp``."""

    def index_at_or_after(self, timestamp: float) -> int:
        """The smallest ``n`` with ``fire(n) >= timestamp``."""
        n = self.index_at_or_before(timestamp)
        return n if self.fire(n) >= timestamp else n + 1


@dataclass(frozen=True, slots=True)
class FixedStepSchedule(Schedule):
    """Windows of a fixed length in seconds: ``fire(n) = n * step + phase``."""

    step: int
    phase: int
    schedule_type: ScheduleType | None

    def fire(self, n: int) -> int:
        return n * self.step + self.phase

    def index_at_or_before(self, timestamp: float) -> int:
        return int((timestamp - self.phase) // self.step)


@dataclass(frozen=True, slots=True)
class CalendarSchedule(Schedule):
    """Windows starting at a local wall-clock time every ``period`` (day, week or month)."""

    tz: ZoneInfo
    minute: int
    hour: int
    weekday: int | None  # cron day of week, 0 = Sunday
    monthday: int | None
    schedule_type: ScheduleType | None

    def _local_start(self, n: int) -> datetime:
        if self.monthday is not None:
            year, month0 = divmod(n, 12)
            return datetime(year, month0 + 1, self.monthday, self.hour, self.minute)
        if self.weekday is not None:
            # date.fromordinal(1) is a Monday (cron day 1); week n starts on ordinal 7n + shift.
            shift = (self.weekday - 1) % 7 + 1
            return datetime.fromordinal(7 * n + shift).replace(hour=self.hour, minute=self.minute)
        return datetime.fromordinal(n).replace(hour=self.hour, minute=self.minute)

    def fire(self, n: int) -> int:
        return int(self._local_start(n).replace(tzinfo=self.tz).timestamp())

    def index_at_or_before(self, timestamp: float) -> int:
        local = datetime.fromtimestamp(timestamp, self.tz)
        if self.monthday is not None:
            n = local.year * 12 + local.month - 1
        elif self.weekday is not None:
            shift = (self.weekday - 1) % 7 + 1
            n = (local.toordinal() - shift) // 7
        else:
            n = local.toordinal()
        while self.fire(n) > timestamp:
            n -= 1
        while self.fire(n + 1) <= timestamp:
            n += 1
        return n


_SUPPORTED = (
    "'M * * * *' (hourly), '*/K * * * *' with K dividing 60, 'M H * * *' (daily), "
    "'M H * * D' (weekly), 'M H D * *' with D from 1 to 28 (monthly)"
)


def _field_int(text: str, lo: int, hi: int) -> int | None:
    if not text.isdigit():
        return None
    value = int(text)
    return value if lo <= value <= hi else None


def _minute_step(text: str) -> int | None:
    """The step of a minute field listing evenly spaced minutes from 0 (``*/15``, ``0,30``)."""
    if text == "*":
        return 1
    if text.startswith("*/") and text[2:].isdigit():
        step = int(text[2:])
        return step if step > 0 and 60 % step == 0 else None
    parts = text.split(",")
    if len(parts) < 2 or not all(p.isdigit() for p in parts):
        return None
    minutes = [int(p) for p in parts]
    step = minutes[1] - minutes[0]
    expected = list(range(0, 60, step)) if step > 0 and 60 % step == 0 else None
    return step if minutes == expected else None


def parse_cron_schedule(cron_schedule: str, tz: ZoneInfo, reference: datetime) -> Schedule:
    """Build the schedule for ``cron_schedule`` in ``tz``.

    Args:
        cron_schedule: A five-field cron string.
        tz: The timezone the cron fields are read in.
        reference: An instant near the partitions start, used to fix the UTC phase of fixed-step
            schedules.
    """
    fields = cron_schedule.split()
    bad = DagsterInvalidDefinitionError(
        f"Unsupported cron_schedule {cron_schedule!r} for time window partitions. "
        f"Supported forms: {_SUPPORTED}. Use one of these, or DailyPartitionsDefinition / "
        "HourlyPartitionsDefinition / WeeklyPartitionsDefinition / MonthlyPartitionsDefinition."
    )
    if len(fields) != 5:
        raise bad
    minute_f, hour_f, dom_f, month_f, dow_f = fields
    if month_f != "*":
        raise bad
    if hour_f == "*" and dom_f == "*" and dow_f == "*":
        minute = _field_int(minute_f, 0, 59)
        if minute is not None:
            return _fixed_step(_HOUR, minute * 60, tz, reference, ScheduleType.HOURLY, bad)
        step = _minute_step(minute_f)
        if step is None:
            raise bad
        return _fixed_step(step * 60, 0, tz, reference, None, bad)
    minute = _field_int(minute_f, 0, 59)
    hour = _field_int(hour_f, 0, 23)
    if minute is None or hour is None:
        raise bad
    if dom_f == "*" and dow_f == "*":
        return CalendarSchedule(tz, minute, hour, None, None, ScheduleType.DAILY)
    if dom_f == "*":
        weekday = _field_int(dow_f, 0, 7)
        if weekday is None:
            raise bad
        return CalendarSchedule(tz, minute, hour, weekday % 7, None, ScheduleType.WEEKLY)
    monthday = _field_int(dom_f, 1, 28)
    if dow_f != "*" or monthday is None:
        raise bad
    return CalendarSchedule(tz, minute, hour, None, monthday, ScheduleType.MONTHLY)


def _fixed_step(
    step: int,
    local_phase: int,
    tz: ZoneInfo,
    reference: datetime,
    schedule_type: ScheduleType | None,
    bad: DagsterInvalidDefinitionError,
) -> FixedStepSchedule:
    # Local phase p means local seconds = utc + offset = p (mod step), so utc = p - offset.
    # That is one arithmetic progression only if every offset of the zone agrees mod step;
    # zones with half-hour DST shifts (Australia/Lord_Howe) do not, for hourly steps.
    phases = set()
    for days in range(0, 366, 15):
        offset = (reference + timedelta(days=days)).astimezone(tz).utcoffset()
        seconds = int(offset.total_seconds()) if offset is not None else 0
        phases.add((local_phase - seconds) % step)
    if len(phases) != 1:
        raise DagsterInvalidDefinitionError(
            f"{bad} Timezone {tz.key!r} shifts its UTC offset by less than the schedule's "
            "step, so its windows are not evenly spaced; use a daily schedule or another timezone."
        )
    return FixedStepSchedule(step, phases.pop(), schedule_type)
