"""Shared plumbing for workload scripts: pick the implementation, time things, emit one JSON line.

Every workload script is run as ``DG_IMPL=<dagster|dockyard> python bench/workloads/<name>.py``.
It must use only public ``dg.`` names that both implementations share, and print exactly one
JSON object on the real stdout (anything the library prints to stdout is diverted to stderr, so
the runner can parse stdout without guessing).

Environment knobs (set by ``bench/run.py``):
    DG_IMPL      module to import as ``dg`` (required).
    BENCH_QUICK  "1" for the smoke configuration: smaller graphs, fewer repetitions.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from typing import Any

IMPL = os.environ.get("DG_IMPL", "")
QUICK = os.environ.get("BENCH_QUICK") == "1"

# The real stdout, kept for the single JSON result line.
_RESULT_OUT = sys.stdout


def load_impl() -> Any:
    """Import the implementation under test as ``dg``."""
    if IMPL not in ("dagster", "dockyard"):
        raise SystemExit(f"DG_IMPL must be 'dagster' or 'dockyard', got {IMPL!r}")
    return importlib.import_module(IMPL)


def divert_stdout() -> None:
    """Send everything printed from now on to stderr; only ``emit`` writes to the real stdout."""
    sys.stdout = sys.stderr


def impl_version() -> str:
    from importlib import metadata

    try:
        return metadata.version(IMPL)
    except metadata.PackageNotFoundError:
        return "unknown"


def median(values: list[float]) -> float:
    return statistics.median(values)


@contextlib.contextmanager
def fresh_dir(prefix: str) -> Iterator[str]:
    """A new temporary directory, removed afterwards (every repetition gets its own)."""
    with tempfile.TemporaryDirectory(prefix=f"bench-{prefix}-") as path:
        yield path


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def emit(workload: str, metrics: dict[str, float], **info: Any) -> None:
    """Print the one result line: ``{"workload", "impl", "version", "quick", "metrics", "info"}``."""
    record = {
        "workload": workload,
        "impl": IMPL,
        "version": impl_version(),
        "quick": QUICK,
        "metrics": metrics,
        "info": info,
    }
    _RESULT_OUT.write(json.dumps(record) + "\n")
    _RESULT_OUT.flush()


class Stamps:
    """perf_counter marks taken inside asset bodies, to split a materialize call into phases.

    ``startup_s``  from calling ``materialize`` to the first asset body starting: planning,
                   run and resource set-up (what grows if planning is not linear).
    ``steps_s``    first asset body start to last asset body end.
    ``finish_s``   last asset body end to ``materialize`` returning: the last output write and
                   run teardown.
    """

    def __init__(self) -> None:
        self.first_start = 0.0
        self.last_end = 0.0

    def reset(self) -> None:
        self.first_start = 0.0
        self.last_end = 0.0

    def start(self) -> None:
        self.first_start = time.perf_counter()

    def end(self) -> None:
        self.last_end = time.perf_counter()

    def phases(self, call_start: float, call_end: float) -> dict[str, float]:
        return {
            "total_s": call_end - call_start,
            "startup_s": self.first_start - call_start,
            "steps_s": self.last_end - self.first_start,
            "finish_s": call_end - self.last_end,
        }


def materialize_timed(
    dg: Any, assets: list[Any], stamps: Stamps, base_dir: str
) -> tuple[dict[str, float], Any]:
    """One ``dg.materialize`` call with a fresh FilesystemIOManager; returns (phases, result)."""
    stamps.reset()
    resources = {"io_manager": dg.FilesystemIOManager(base_dir=base_dir)}
    call_start = time.perf_counter()
    result = dg.materialize(assets, resources=resources)
    call_end = time.perf_counter()
    if not result.success:
        raise RuntimeError("materialize returned success=False")
    return stamps.phases(call_start, call_end), result


def median_phases(samples: list[dict[str, float]]) -> dict[str, float]:
    """Per-phase medians over repetitions (each phase independently)."""
    return {key: median([s[key] for s in samples]) for key in samples[0]}
