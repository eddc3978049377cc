"""Plain-text rendering for the CLI: aligned tables, timestamps, durations, metadata values."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

MAX_CELL = 80
MAX_LAST_CELL = 200  # the last column holds messages and paths; it may run past the screen


def render_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], indent: str = "") -> str:
    """Left-aligned columns separated by two spaces; the last column is not padded."""
    last = len(headers) - 1
    cells = [[str(h) for h in headers], *[[clip(c, MAX_LAST_CELL if i == last else MAX_CELL) for i, c in enumerate(row)] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = []
    for row in cells:
        padded = [c.ljust(w) for c, w in zip(row[:-1], widths[:-1], strict=True)] + [row[-1]]
        lines.append(indent + "  ".join(padded).rstrip())
    return "\n".join(lines)


def clip(value: Any, limit: int = MAX_CELL) -> str:
    """``value`` as one line of at most ``limit`` characters."""
    text = "-" if value is None else " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def format_timestamp(ts: float | None) -> str:
    """Local time, to the second."""
    if ts is None:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts))


def format_clock(ts: float) -> str:
    """Local wall-clock time with milliseconds (for event logs)."""
    return time.strftime("%H:%M:%S", time.localtime(ts)) + f".{int(ts * 1000) % 1000:03d}"


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.2f} s"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}m {secs:02d}s"


def format_metadata_value(value: Any) -> str:
    """The plain value of a ``MetadataValue`` (or anything), on one clipped line."""
    plain = getattr(value, "value", value)
    to_string = getattr(plain, "to_user_string", None)
    if callable(to_string):  # asset keys
        plain = to_string()
    return clip(plain)
