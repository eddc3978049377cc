"""Shared plumbing for workload scripts: pick the implementation, time things, emit one JSON line.

Every workload script is run as ``DG_IMPL=<dagster|dockyard> python bench/workloads/<name>.py``.
It must use only public ``dg.`` names that both implementations share, and print exactly one
JSON object on the real stdout (anything the library prints to stdout is diverted to stderr, so
the runner can parse stdout without guessing).

Environment knobs (set by ``bench/run.py``):
    DG_IMPL      module to import as ``dg`` (required).
    BENCH_QUICK  "1" for the smoke configuration: smaller graphs, fewer repetitions.
    BENCH_STORAGE_DIR  where the per-repetition temp dirs (the I/O manager's base_dir) are made;
                 unset = the system temp dir. The runner points it at tmpfs for the engine
                 comparison and at the disk for the ``*_disk`` variants.
    BENCH_DISK_DIR  a dir on the disk (always set by the runner): where ``fresh_home`` puts
                 persistent instance homes. Unset = the system temp dir.
"""

from __future__ import annotations

import contextlib
import functools
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
STORAGE_DIR = os.environ.get("BENCH_STORAGE_DIR") or None
DISK_DIR = os.environ.get("BENCH_DISK_DIR") or None

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
    with tempfile.TemporaryDirectory(prefix=f"bench-{prefix}-", dir=STORAGE_DIR) as path:
        yield path


@contextlib.contextmanager
def fresh_home(prefix: str) -> Iterator[str]:
    """A new, empty instance home on the disk, with ``DAGSTER_HOME`` and ``DOCKYARD_HOME`` set to
    it while the block runs (``DagsterInstance.get()`` then opens a persistent SQLite instance
    there on both sides). dagster gets a ``dagster.yaml`` that only turns telemetry off, so it
    runs its default storage (SQLite) without writing telemetry logs; dockyard needs no file."""
    with tempfile.TemporaryDirectory(prefix=f"bench-{prefix}-", dir=DISK_DIR) as home:
        if IMPL == "dagster":
            with open(os.path.join(home, "dagster.yaml"), "w") as f:
                f.write("telemetry:\n  enabled: false\n")
        saved = {k: os.environ.get(k) for k in ("DAGSTER_HOME", "DOCKYARD_HOME")}
        os.environ["DAGSTER_HOME"] = os.environ["DOCKYARD_HOME"] = home
        try:
            yield home
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


def storage_dir() -> str:
    return STORAGE_DIR or tempfile.gettempdir()


def repeat(fn: Callable[[], Any], min_reps: int, max_reps: int, budget_s: float) -> list[Any]:
    """Call ``fn`` at least ``min_reps`` times, and more (up to ``max_reps``) while the time
    spent stays under ``budget_s``: slow implementations get the minimum, fast ones get more
    samples for the same wall time, which steadies their medians."""
    results: list[Any] = []
    start = time.perf_counter()
    while len(results) < min_reps or (
        len(results) < max_reps and time.perf_counter() - start < budget_s
    ):
        results.append(fn())
    return results


def file_write_floor_ms(files: int = 200, trials: int = 3) -> float:
    """Median cost of creating one small file (write to a temp name, ``os.replace``) in the
    storage dir: the floor any file-based I/O manager pays per output on this filesystem."""
    per_file = []
    payload = b"x" * 64
    for _ in range(trials):
        with fresh_dir("floor") as tmp:
            start = time.perf_counter()
            for i in range(files):
                path = os.path.join(tmp, f"f{i}")
                with open(path + ".tmp", "wb") as f:
                    f.write(payload)
                os.replace(path + ".tmp", path)
            per_file.append((time.perf_counter() - start) / files * 1000)
    return median(per_file)


def sample_frame(rows: int) -> Any:
    """The table the database workloads move: ``id`` int64, ``amount`` float64, ``category`` str
    (16 values, object dtype as pandas makes it), ``flag`` bool, ``ts`` datetime64 (seeded)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    categories = np.array([f"category_{i:02d}" for i in range(16)], dtype=object)
    return pd.DataFrame(
        {
            "id": np.arange(rows, dtype=np.int64),
            "amount": rng.random(rows) * 1000,
            "category": categories[rng.integers(0, 16, rows)],
            "flag": rng.random(rows) < 0.5,
            "ts": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(rows), unit="s"),
        }
    )


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


def measure_graph(
    dg: Any,
    build: Callable[[], list[Any]],
    stamps: Stamps,
    *,
    assets: int,
    check_node: str,
    expected: Any,
    min_reps: int,
    max_reps: int,
    budget_s: float,
) -> tuple[dict[str, float], int, str | None]:
    """Materialize fresh copies of one graph repeatedly; return (median phases, reps, check error).

    ``build`` runs outside the clock. The first repetition's ``result.output_for_node(check_node)``
    is compared with ``expected`` after timing; a mismatch is reported, not raised.
    """
    check_error: list[str] = []

    def once() -> dict[str, float]:
        graph = build()
        with fresh_dir(f"graph{assets}") as tmp:
            phases, result = materialize_timed(dg, graph, stamps, tmp)
            if not check_error:
                try:
                    value = result.output_for_node(check_node)
                    if value != expected:
                        check_error.append(f"{check_node} = {value!r}, expected {expected!r}")
                except Exception as exc:  # reported, not fatal to timing
                    check_error.append(f"output_for_node failed: {type(exc).__name__}: {exc}")
                if not check_error:
                    check_error.append("")
        return phases

    samples = repeat(once, min_reps, max_reps, budget_s)
    med = median_phases(samples)
    med["per_asset_ms"] = med["total_s"] / assets * 1000
    return med, len(samples), check_error[0] or None


def combine(large: dict[str, float], small: dict[str, float]) -> dict[str, float]:
    """Large-size metrics as-is, small-size ones prefixed ``small.``, plus growth factors."""
    metrics = dict(large)
    metrics.update({f"small.{k}": v for k, v in small.items()})
    metrics["growth"] = large["per_asset_ms"] / small["per_asset_ms"]
    metrics["startup_growth"] = large["startup_s"] / small["startup_s"]
    return metrics


def run_graph_workload(
    name: str,
    build: Callable[..., list[Any]],
    *,
    sizes: tuple[int, int],
    reps: tuple[tuple[int, int, float], tuple[int, int, float]],
    warmup: tuple[int, str],
    check: Callable[[int], tuple[int, str, Any]],
    **info: Any,
) -> None:
    """The whole of an asset-graph workload (chain_500, fan_200): a warm-up, the storage floor,
    ``measure_graph`` at the large and the small size, ``combine``, and the result line.

    ``build(dg, n, stamps[, prefix])`` makes a graph of size ``n`` (its asset names prefixed); ``sizes`` and ``reps`` (each
    ``(min reps, max reps, time budget s)``) are (large, small); ``warmup`` is (size, prefix) of
    the untimed first run; ``check(n)`` gives (asset count, node to check, its expected output);
    ``info`` goes into the result after ``n`` and ``small_n``.
    """
    dg = load_impl()
    divert_stdout()
    stamps = Stamps()
    with fresh_dir("warmup") as tmp:
        materialize_timed(dg, build(dg, warmup[0], stamps, warmup[1]), stamps, tmp)
    floor = file_write_floor_ms()
    measured = []
    for n, (min_reps, max_reps, budget_s) in zip(sizes, reps, strict=True):
        assets, check_node, expected = check(n)
        measured.append(measure_graph(
            dg,
            functools.partial(build, dg, n, stamps),
            stamps,
            assets=assets,
            check_node=check_node,
            expected=expected,
            min_reps=min_reps,
            max_reps=max_reps,
            budget_s=budget_s,
        ))
    (large, reps_large, err_large), (small, reps_small, err_small) = measured
    metrics = combine(large, small)
    # The disk's file-creation cost drifts with machine load: average the floor from both ends.
    metrics["fs_write_ms"] = (floor + file_write_floor_ms()) / 2
    emit(
        name,
        metrics,
        n=sizes[0],
        small_n=sizes[1],
        **info,
        reps=reps_large,
        small_reps=reps_small,
        storage=storage_dir(),
        check_error=err_large or err_small,
    )


def round_trip_assets(dg: Any, frame: Any, frame_type: Any) -> tuple[Any, Any, dict[str, float]]:
    """The database workloads' two assets: ``big`` returns ``frame`` (stored by the database I/O
    manager), ``total`` loads it back as ``frame_type`` and returns ``(rows, sum of id)`` on the
    ``mem`` I/O manager. The returned dict gets ``stored_from`` (``big``'s body end) and
    ``loaded_by`` (``total``'s body start) on every run."""
    marks: dict[str, float] = {}

    def big():  # type: ignore[no-untyped-def]
        marks["stored_from"] = time.perf_counter()
        return frame

    def total(big):  # type: ignore[no-untyped-def]
        marks["loaded_by"] = time.perf_counter()
        return (len(big), int(big["id"].sum()))

    # real annotations (this module's are strings): the I/O manager loads by the input's type
    big.__annotations__ = {"return": frame_type}
    total.__annotations__ = {"big": frame_type, "return": tuple}
    return dg.asset(big), dg.asset(io_manager_key="mem")(total), marks


def materialize_round_trip(
    dg: Any, assets: list[Any], resources: dict[str, Any], marks: dict[str, float], workload: str
) -> tuple[float, float, Any]:
    """One timed ``dg.materialize`` of ``round_trip_assets``: (seconds, store + load seconds,
    ``total``'s output)."""
    marks.clear()
    start = time.perf_counter()
    result = dg.materialize(assets, resources=resources)
    elapsed = time.perf_counter() - start
    if not result.success:
        raise SystemExit(f"{workload}: materialize failed")
    return elapsed, marks["loaded_by"] - marks["stored_from"], result.output_for_node("total")


def alternate_runs(
    reps: int,
    run_materialize: Callable[[], tuple[float, float, Any]],
    run_raw: Callable[[], tuple[float, Any]],
    expected: Any,
) -> tuple[list[float], list[float], list[float], str]:
    """``reps`` rounds of one raw and one materialize run, alternating which goes first; returns
    (materialize seconds, store + load seconds, raw seconds, the first wrong value or "")."""
    mats: list[float] = []
    ios: list[float] = []
    raws: list[float] = []
    check_error = ""
    for rep in range(reps):
        for which in ("raw", "mat") if rep % 2 == 0 else ("mat", "raw"):
            if which == "raw":
                seconds, value = run_raw()
                raws.append(seconds)
            else:
                seconds, io_s, value = run_materialize()
                mats.append(seconds)
                ios.append(io_s)
            if tuple(value) != expected and not check_error:
                check_error = f"{which}: got {value!r}, expected {expected!r}"
    return mats, ios, raws, check_error


def round_trip_metrics(mats: list[float], ios: list[float], raws: list[float]) -> dict[str, float]:
    """The medians of ``alternate_runs``' times, and ``vs_raw`` = materialize / raw."""
    return {
        "materialize_s": median(mats),
        "io_s": median(ios),
        "raw_s": median(raws),
        "vs_raw": median(mats) / median(raws),
    }
