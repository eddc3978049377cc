"""The progress display of ``dockyard materialize``.

It listens to the ``dockyard.progress`` logger, where the run loop reports each step (see
``dockyard.execution.run``): records carry ``dockyard_progress`` (``start``/``done``/``failed``/
``skipped``) and args ``(index, total, step_key, ...)``. On a terminal one status line (a bar,
steps done/total, the current step, elapsed time) is redrawn in place with ``\\r``, ticking while a
step runs; elsewhere each finished step is one plain line. Engine and user log records
(``dockyard`` logger; WARNING and up, INFO with ``--verbose``) print above the status line.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from dockyard.cli.tables import format_duration

PROGRESS_LOGGER = "dockyard.progress"
LOG_LOGGER = "dockyard"
TICK_SECONDS = 0.1
BAR_WIDTH = 20


def infer_phase(record: logging.LogRecord) -> str:
    """The phase of a progress record from a run loop that does not tag it (older executors)."""
    if record.levelno < logging.INFO:
        return "start"
    text = str(record.msg)
    return "failed" if "FAILED" in text else "skipped" if "skipped" in text else "done"


class ProgressDisplay(logging.Handler):
    """A logging handler turning step progress records into a status line or plain lines."""

    def __init__(self, stream: TextIO, live: bool) -> None:
        super().__init__(logging.DEBUG)
        self.stream = stream
        self.live = live
        self.total = 0
        self.outcomes: dict[str, str] = {}  # step key -> its last phase; a retried step counts once
        self.current: str | None = None
        self.started = time.perf_counter()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    @property
    def finished(self) -> int:
        return sum(1 for phase in self.outcomes.values() if phase != "start")

    @property
    def failed(self) -> list[str]:
        return [key for key, phase in self.outcomes.items() if phase == "failed"]

    # -- logging.Handler ----------------------------------------------------------------------
    def emit(self, record: logging.LogRecord) -> None:
        try:
            if not record.name.startswith(PROGRESS_LOGGER):
                self._print_above(f"  {record.levelname.lower()}: {record.getMessage()}")
                return
            args = record.args if isinstance(record.args, tuple) else ()
            if len(args) < 3:
                return
            self.total = int(args[1])  # type: ignore[call-overload]
            key = str(args[2])
            phase = getattr(record, "dockyard_progress", None) or infer_phase(record)
            self.outcomes[key] = phase
            if phase == "start":
                self.current = key
            else:
                if self.current == key:
                    self.current = None
                if not self.live or phase == "failed":
                    self._print_above(f"  {record.getMessage()}")
            if self.live:
                self._draw()
        except Exception:
            self.handleError(record)

    # -- drawing ------------------------------------------------------------------------------
    def status_line(self) -> str:
        total = max(self.total, self.finished)
        filled = BAR_WIDTH * self.finished // total if total else 0
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        elapsed = format_duration(time.perf_counter() - self.started)
        steps = f"{self.finished}/{total} steps" if total else "starting"
        current = f"  {self.current}" if self.current else ""
        failed = f"  ({len(self.failed)} failed)" if self.failed else ""
        return f"  [{bar}] {steps}{failed}{current}  {elapsed}"

    def _draw(self) -> None:
        width = shutil.get_terminal_size((100, 20)).columns - 1
        line = self.status_line()
        if len(line) > width:
            line = line[: max(width - 3, 0)] + "..."
        self.stream.write("\r" + line + "\x1b[K")
        self.stream.flush()

    def _print_above(self, text: str) -> None:
        if self.live:
            self.stream.write("\r\x1b[K")
        self.stream.write(text + "\n")
        if self.live:
            self._draw()
        else:
            self.stream.flush()

    def _tick(self) -> None:
        while not self._stop.wait(TICK_SECONDS):
            self.acquire()
            try:
                self._draw()
            finally:
                self.release()

    # -- lifetime -----------------------------------------------------------------------------
    def start(self) -> None:
        self.started = time.perf_counter()
        if self.live:
            self._draw()
            self._ticker = threading.Thread(target=self._tick, name="dockyard-progress", daemon=True)
            self._ticker.start()

    def stop(self) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
        if self.live:  # leave the final state on screen
            self.acquire()
            try:
                self._draw()
                self.stream.write("\n")
                self.stream.flush()
            finally:
                self.release()


@contextmanager
def progress_display(stream: TextIO, live: bool, verbose: bool = False) -> Iterator[ProgressDisplay]:
    """Attach a ``ProgressDisplay`` to the progress and log loggers for the duration."""
    display = ProgressDisplay(stream, live)
    progress = logging.getLogger(PROGRESS_LOGGER)
    logs = logging.getLogger(LOG_LOGGER)
    saved = [(lg, lg.level, lg.propagate) for lg in (progress, logs)]
    # DEBUG adds step-start records, which only a live line needs.
    progress.setLevel(logging.DEBUG if live else logging.INFO)
    logs.setLevel(logging.INFO if verbose else logging.WARNING)
    for lg in (progress, logs):
        lg.propagate = False  # no second copy through handlers the user's code put on the root
        lg.addHandler(display)
    display.start()
    try:
        yield display
    finally:
        display.stop()
        for lg, level, propagate in saved:
            lg.removeHandler(display)
            lg.setLevel(level)
            lg.propagate = propagate
