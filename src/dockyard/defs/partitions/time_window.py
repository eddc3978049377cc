"""Time window partitions: ``TimeWindow`` and ``TimeWindowPartitionsDefinition`` with its
daily, hourly, weekly and monthly shorthands (in ``time_window_shorthands.py``).

Keys are the window start formatted with ``fmt`` in the definition's timezone. Window
arithmetic lives in ``schedule.py``; this module adds bounds and key formatting.

DST and keys: a key must name exactly one window. The only way a plain ``fmt`` can fail that is
the repeated hour when clocks fall back (hourly windows in ``America/New_York`` start at 01:00
EDT and again at 01:00 EST). The *second* occurrence gets the UTC offset appended
(``2023-11-05-01:00-0500``); every other key is the plain ``fmt`` output. Parsing accepts both,
so keys stay unique, ordered and round-trip exactly.

The last partition without an end date depends on the clock: it is the last window complete at
``current_time`` (default: now), moved by ``end_offset`` windows. An explicit ``end`` is a hard
cap: windows must end at or before it. ``TimeWindow`` datetimes are in the definition's timezone
(UTC unless one is given).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dockyard.defs.partitions.base import (
    DynamicPartitionsStore,
    PartitionKeyRange,
    PartitionsDefinition,
    Store,
    format_keys_preview,
)
from dockyard.defs.partitions.schedule import (
    ScheduleType,
    cron_schedule_for,
    parse_cron_schedule,
)
from dockyard.defs.partitions.subset import PartitionsSubset
from dockyard.errors import (
    DagsterInvalidDefinitionError,
    DagsterUnknownPartitionError,
    PartitionKeyFormatError,
)

DEFAULT_DATE_FORMAT = "%Y-%m-%d"
DEFAULT_HOURLY_FORMAT = "%Y-%m-%d-%H:%M"


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """A span of time: ``start`` included, ``end`` excluded; both timezone-aware."""

    start: datetime
    end: datetime

    def __iter__(self) -> Iterator[datetime]:
        yield self.start
        yield self.end


def _zone(timezone: str | None) -> ZoneInfo:
    name = timezone or "UTC"
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise DagsterInvalidDefinitionError(
            f"Unknown timezone {name!r} for time window partitions. Use an IANA name such as "
            "'UTC' or 'America/New_York'."
        ) from exc


def _to_datetime(value: datetime | str, fmt: str, tz: ZoneInfo, arg: str) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=tz) if value.tzinfo is None else value.astimezone(tz)
    if not isinstance(value, str):
        raise DagsterInvalidDefinitionError(
            f"{arg} must be a datetime or a string; got {value!r} ({type(value).__name__})."
        )
    for attempt in (fmt, fmt + "%z", DEFAULT_DATE_FORMAT):
        try:
            parsed = datetime.strptime(value, attempt)
        except ValueError:
            continue
        return parsed.replace(tzinfo=tz) if parsed.tzinfo is None else parsed.astimezone(tz)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise DagsterInvalidDefinitionError(
            f"Could not parse {arg} {value!r} with format {fmt!r}, {DEFAULT_DATE_FORMAT!r} or "
            "ISO 8601. Pass a datetime, or a string in the partitions format."
        ) from None
    return parsed.replace(tzinfo=tz) if parsed.tzinfo is None else parsed.astimezone(tz)


def _now_timestamp(current_time: datetime | None) -> float:
    # The one clock read of the definitions layer: Dagster's API defaults current_time to now.
    if current_time is None:
        return datetime.now(UTC).timestamp()
    if current_time.tzinfo is None:
        return current_time.replace(tzinfo=UTC).timestamp()
    return current_time.timestamp()


class TimeWindowPartitionsDefinition(PartitionsDefinition):
    """Partitions whose keys name consecutive windows of a cron schedule.

    Args:
        start: The first window starts at the first schedule time at or after this.
        fmt: ``strftime`` format of the keys.
        end: Windows must end at or before this (default: open-ended, bounded by the clock).
        schedule_type: A regular schedule (with the offsets); or give ``cron_schedule``.
        timezone: IANA timezone the schedule and keys are in (default ``"UTC"``).
        end_offset: Extend (positive) or shrink (negative) the set by this many windows past the
            last complete one.
        minute_offset: Minute of the hour windows start at (with ``schedule_type``).
        hour_offset: Hour of the day windows start at (with ``schedule_type``).
        day_offset: Day of the week (0 = Sunday) or month windows start on.
        cron_schedule: A cron string; see ``schedule.py`` for the supported forms.
    """

    def __init__(
        self,
        start: datetime | str,
        fmt: str,
        end: datetime | str | None = None,
        schedule_type: ScheduleType | None = None,
        timezone: str | None = None,
        end_offset: int = 0,
        minute_offset: int | None = None,
        hour_offset: int | None = None,
        day_offset: int | None = None,
        cron_schedule: str | None = None,
    ) -> None:
        if (schedule_type is None) == (cron_schedule is None):
            raise DagsterInvalidDefinitionError(
                "TimeWindowPartitionsDefinition needs exactly one of schedule_type and "
                f"cron_schedule; got schedule_type={schedule_type!r}, "
                f"cron_schedule={cron_schedule!r}."
            )
        if cron_schedule is not None and any(
            o is not None for o in (minute_offset, hour_offset, day_offset)
        ):
            raise DagsterInvalidDefinitionError(
                "minute_offset, hour_offset and day_offset only apply with schedule_type; "
                f"put them in cron_schedule {cron_schedule!r} instead."
            )
        if not isinstance(fmt, str) or not fmt:
            raise DagsterInvalidDefinitionError(f"fmt must be a strftime format; got {fmt!r}.")
        if not isinstance(end_offset, int) or isinstance(end_offset, bool):
            raise DagsterInvalidDefinitionError(f"end_offset must be an int; got {end_offset!r}.")
        self._tz = _zone(timezone)
        self._fmt = fmt
        self._start = _to_datetime(start, fmt, self._tz, "start")
        self._end = None if end is None else _to_datetime(end, fmt, self._tz, "end")
        self._cron = (
            cron_schedule_for(
                ScheduleType(schedule_type), minute_offset or 0, hour_offset or 0, day_offset
            )
            if schedule_type is not None
            else str(cron_schedule)
        )
        self._end_offset = end_offset
        self._schedule = parse_cron_schedule(self._cron, self._tz, self._start)
        self._first = self._schedule.index_at_or_after(self._start.timestamp())
        # Windows n < _stop_end end at or before `end`.
        self._stop_end: int | None = (
            None if self._end is None else self._schedule.index_at_or_before(self._end.timestamp())
        )
        self._fmt_has_offset = "%z" in fmt or "%Z" in fmt
        if self.key_for_index(self._first) == self.key_for_index(self._first + 1):
            raise DagsterInvalidDefinitionError(
                f"fmt {fmt!r} gives consecutive windows of cron_schedule {self._cron!r} the same "
                f"key {self.key_for_index(self._first)!r}. Use a format with enough precision, "
                "e.g. '%Y-%m-%d-%H:%M' for hourly windows."
            )

    # -- properties -----------------------------------------------------------------------

    @property
    def start(self) -> datetime:
        """The start given, in the definition's timezone."""
        return self._start

    @property
    def end(self) -> datetime | None:
        """The end given, in the definition's timezone, or ``None``."""
        return self._end

    @property
    def fmt(self) -> str:
        return self._fmt

    @property
    def timezone(self) -> str:
        return self._tz.key

    @property
    def cron_schedule(self) -> str:
        return self._cron

    @property
    def schedule_type(self) -> ScheduleType | None:
        return self._schedule.schedule_type

    @property
    def end_offset(self) -> int:
        return self._end_offset

    @cached_property
    def _cron_fields(self) -> list[str]:
        return self._cron.split()

    @property
    def minute_offset(self) -> int:
        field = self._cron_fields[0]
        return int(field) if field.isdigit() else 0

    @property
    def hour_offset(self) -> int:
        field = self._cron_fields[1]
        return int(field) if field.isdigit() else 0

    @property
    def day_offset(self) -> int:
        dom, dow = self._cron_fields[2], self._cron_fields[4]
        if dom.isdigit():
            return int(dom)
        return int(dow) % 7 if dow.isdigit() else 0

    # -- index arithmetic (package-internal, n is the schedule's absolute window index) -----

    def index_bounds(self, current_time: datetime | None = None) -> tuple[int, int]:
        """``(first, stop)``: windows ``first <= n < stop`` exist at ``current_time``."""
        stop = self._schedule.index_at_or_before(_now_timestamp(current_time)) + self._end_offset
        if self._stop_end is not None:
            stop = min(stop, self._stop_end)
        return self._first, max(stop, self._first)

    def start_timestamp_for_index(self, n: int) -> int:
        return self._schedule.fire(n)

    def index_for_timestamp(self, timestamp: float) -> int:
        """The index of the window containing ``timestamp``."""
        return self._schedule.index_at_or_before(timestamp)

    def index_at_or_after(self, timestamp: float) -> int:
        """The index of the first window starting at or after ``timestamp``."""
        return self._schedule.index_at_or_after(timestamp)

    def datetime_for_timestamp(self, timestamp: float) -> datetime:
        return datetime.fromtimestamp(timestamp, self._tz)

    def key_for_index(self, n: int) -> str:
        """The key of window ``n`` (need not exist at the current time)."""
        dt = datetime.fromtimestamp(self._schedule.fire(n), self._tz)
        return self._format(dt, n)

    def _format(self, dt: datetime, n: int) -> str:
        key = dt.strftime(self._fmt)
        if dt.fold and not self._fmt_has_offset and self._parse_index(key) != n:
            key = dt.strftime(self._fmt + "%z")
        return key

    def keys_for_index_range(self, lo: int, hi: int) -> list[str]:
        """Keys of windows ``lo <= n < hi``."""
        if hi <= lo:
            return []
        fire, tz, fmt = self._schedule.fire, self._tz, self._fmt
        keys = []
        for n in range(lo, hi):
            dt = datetime.fromtimestamp(fire(n), tz)
            keys.append(self._format(dt, n) if dt.fold else dt.strftime(fmt))
        return keys

    def _parse_timestamp(self, key: str) -> float | None:
        try:
            parsed = datetime.strptime(key, self._fmt)
        except ValueError:
            if self._fmt_has_offset:
                return None
            try:
                parsed = datetime.strptime(key, self._fmt + "%z")
            except ValueError:
                return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=self._tz)
        return parsed.timestamp()

    def _parse_index(self, key: str) -> int | None:
        ts = self._parse_timestamp(key)
        return None if ts is None else self._schedule.index_at_or_after(ts)

    def index_of_key(self, partition_key: str) -> int:
        """The window index of ``partition_key``; raises unless it is a canonical key."""
        n = self._parse_index(partition_key) if isinstance(partition_key, str) else None
        if n is None or self.key_for_index(n) != partition_key:
            raise PartitionKeyFormatError(str(self._unknown_key_error(partition_key, self._preview_keys())))
        return n

    def indexes_of_keys(self, partition_keys: Iterable[str]) -> list[int]:
        """Indexes of many keys; sorted runs are matched by formatting, not parsing."""
        result: list[int] = []
        guess: int | None = None
        for key in partition_keys:
            if guess is not None and self.key_for_index(guess) == key:
                n = guess
            else:
                n = self.index_of_key(key)
            result.append(n)
            guess = n + 1
        return result

    def _preview_keys(self) -> list[str]:
        first, stop = self.index_bounds()
        keys = self.keys_for_index_range(first, min(stop, first + 3))
        if stop - first > 3:
            keys.append(self.key_for_index(stop - 1))
        return keys

    def _unknown_key_error(
        self, partition_key: object, valid_keys: Sequence[str]
    ) -> DagsterUnknownPartitionError:
        return DagsterUnknownPartitionError(
            f"Partition {str(partition_key)!r} is not a partition of {self}. Keys are window "
            f"starts formatted with {self._fmt!r} in timezone {self.timezone!r}, e.g. "
            f"{format_keys_preview(valid_keys)}. Pass a key in that format within the "
            "partitions' start and end."
        )

    # -- PartitionsDefinition -----------------------------------------------------------------

    def get_partition_keys(
        self,
        current_time: datetime | None = None,
        dynamic_partitions_store: DynamicPartitionsStore | None = None,
    ) -> Sequence[str]:
        return self.keys_for_index_range(*self.index_bounds(current_time))

    def _count(self, current_time: datetime | None, store: Store) -> int:
        first, stop = self.index_bounds(current_time)
        return stop - first

    def _has_key(self, key: str, current_time: datetime | None, store: Store) -> bool:
        n = self._parse_index(key) if isinstance(key, str) else None
        if n is None or self.key_for_index(n) != key:
            return False
        first, stop = self.index_bounds(current_time)
        return first <= n < stop

    def _keys_for_error(self, current_time: datetime | None, store: Store) -> Sequence[str]:
        return self._preview_keys()

    def _range_indexes(self, partition_key_range: PartitionKeyRange) -> tuple[int, int]:
        lo = self.index_of_key(partition_key_range.start)
        hi = self.index_of_key(partition_key_range.end)
        for key, n in ((partition_key_range.start, lo), (partition_key_range.end, hi)):
            if n < self._first or (self._stop_end is not None and n >= self._stop_end):
                raise self._unknown_key_error(key, self._preview_keys())
        return lo, hi + 1

    def _keys_in_range(self, key_range: PartitionKeyRange, store: Store) -> Sequence[str]:
        return self.keys_for_index_range(*self._range_indexes(key_range))

    def _edge_key(self, current_time: datetime | None, store: Store, last: bool) -> str | None:
        first, stop = self.index_bounds(current_time)
        if stop <= first:
            return None
        return self.key_for_index(stop - 1 if last else first)

    @property
    def partitions_subset_class(self) -> type[PartitionsSubset]:
        from dockyard.defs.partitions.time_subset import TimeWindowPartitionsSubset

        return TimeWindowPartitionsSubset

    # -- windows ------------------------------------------------------------------------------

    def _window(self, lo: int, hi: int) -> TimeWindow:
        fire = self._schedule.fire
        return TimeWindow(
            datetime.fromtimestamp(fire(lo), self._tz), datetime.fromtimestamp(fire(hi), self._tz)
        )

    def time_window_for_partition_key(self, partition_key: str) -> TimeWindow:
        """The window a key names."""
        n = self.index_of_key(partition_key)
        return self._window(n, n + 1)

    def time_windows_for_partition_keys(self, partition_keys: Iterable[str]) -> list[TimeWindow]:
        """The windows of several keys, in the order given."""
        return [self._window(n, n + 1) for n in self.indexes_of_keys(partition_keys)]

    def time_window_for_partition_key_range(
        self, partition_key_range: PartitionKeyRange
    ) -> TimeWindow:
        """From the start of ``range.start``'s window to the end of ``range.end``'s."""
        lo = self.index_of_key(partition_key_range.start)
        hi = self.index_of_key(partition_key_range.end)
        return self._window(lo, max(hi, lo) + 1)

    def get_partition_keys_in_time_window(self, time_window: TimeWindow) -> Sequence[str]:
        """Keys of the windows starting within ``time_window`` (and after ``start``)."""
        lo = max(self.index_at_or_after(time_window.start.timestamp()), self._first)
        hi = self.index_at_or_after(time_window.end.timestamp())
        if self._stop_end is not None:
            hi = min(hi, self._stop_end)
        return self.keys_for_index_range(lo, hi)

    def get_partition_key_range_for_time_window(self, time_window: TimeWindow) -> PartitionKeyRange:
        """The key range of the windows starting within ``time_window``."""
        keys = self.get_partition_keys_in_time_window(time_window)
        if not keys:
            raise DagsterUnknownPartitionError(
                f"No partition of {self} starts within {time_window}. Pass a window covering "
                "at least one partition start."
            )
        return PartitionKeyRange(keys[0], keys[-1])

    def get_partition_key_for_timestamp(self, timestamp: float, end_closed: bool = False) -> str:
        """The key of the window containing ``timestamp``.

        Args:
            timestamp: Seconds since the epoch.
            end_closed: Treat a timestamp on a boundary as the end of the earlier window.
        """
        n = self._schedule.index_at_or_before(timestamp)
        if end_closed and self._schedule.fire(n) == timestamp:
            n -= 1
        return self.key_for_index(n)

    def get_first_partition_window(self, current_time: datetime | None = None) -> TimeWindow | None:
        first, stop = self.index_bounds(current_time)
        return self._window(first, first + 1) if stop > first else None

    def get_last_partition_window(self, current_time: datetime | None = None) -> TimeWindow | None:
        """The last window that exists at ``current_time`` (default now)."""
        first, stop = self.index_bounds(current_time)
        return self._window(stop - 1, stop) if stop > first else None

    def get_next_partition_window(
        self, end_dt: datetime, current_time: datetime | None = None
    ) -> TimeWindow | None:
        """The window starting at or after ``end_dt``, if it exists."""
        n = self.index_at_or_after(end_dt.timestamp())
        first, stop = self.index_bounds(current_time)
        return self._window(n, n + 1) if first <= n < stop else None

    def get_prev_partition_window(
        self, start_dt: datetime, current_time: datetime | None = None
    ) -> TimeWindow | None:
        """The window ending at or before ``start_dt``, if it exists."""
        n = self.index_at_or_after(start_dt.timestamp()) - 1
        first, stop = self.index_bounds(current_time)
        return self._window(n, n + 1) if first <= n < stop else None

    def get_next_partition_key(
        self, partition_key: str, current_time: datetime | None = None
    ) -> str | None:
        """The key after ``partition_key``, or ``None`` past the last partition."""
        n = self.index_of_key(partition_key) + 1
        first, stop = self.index_bounds(current_time)
        return self.key_for_index(n) if first <= n < stop else None

    def get_prev_partition_key(
        self, partition_key: str, current_time: datetime | None = None
    ) -> str | None:
        """The key before ``partition_key``, or ``None`` before the first partition."""
        n = self.index_of_key(partition_key) - 1
        first, stop = self.index_bounds(current_time)
        return self.key_for_index(n) if first <= n < stop else None

    # -- identity -----------------------------------------------------------------------------

    def _identity(self) -> tuple[Any, ...]:
        return (
            self._start.timestamp(),
            None if self._end is None else self._end.timestamp(),
            self._cron,
            self._tz.key,
            self._fmt,
            self._end_offset,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TimeWindowPartitionsDefinition):
            return NotImplemented
        return self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash(("TimeWindowPartitionsDefinition", self._identity()))

    def __repr__(self) -> str:
        end = "" if self._end is None else f", end={self._end.isoformat()!r}"
        return (
            f"{type(self).__name__}(start={self._start.isoformat()!r}{end}, "
            f"cron_schedule={self._cron!r}, timezone={self.timezone!r}, fmt={self._fmt!r})"
        )

    def __str__(self) -> str:
        kind = (self.schedule_type.value.capitalize() if self.schedule_type else self._cron) or ""
        return f"{kind} partitions starting {self._start.strftime(self._fmt)} ({self.timezone})"
