"""Run every benchmark workload against the reference (dagster) and dockyard, side by side.

Usage (from the repo root)::

    .venv/bin/python bench/run.py                    # full run, rewrites BENCHMARKS.md
    .venv/bin/python bench/run.py --quick            # smoke: small graphs, few reps, no write
    .venv/bin/python bench/run.py --only chain_500   # one workload (repeat --only for more)
    .venv/bin/python bench/run.py --impl dagster     # one side only (no write unless --write)

Each workload is one script in ``bench/workloads/`` that imports ``DG_IMPL`` as ``dg`` and
prints one JSON line. This runner starts it in a fresh subprocess per implementation, with that
implementation's interpreter, alternating which side goes first from one workload (and round)
to the next so slow drift on the machine does not always favour the same side. Library output
on stderr is kept in a temp file and only its traceback is shown when a run fails.

A ratio is dockyard / dagster for a lower-is-better metric; a metric's target is the largest
ratio that counts as met (0.1 means "dockyard takes at most 1/10 of dagster's time").

Stdlib only: it runs under any interpreter, and never imports either implementation itself.
To add a workload, drop a script in ``bench/workloads/`` and add a row to ``WORKLOADS``.
Machine facts are gathered in ``machine.py``; the table and BENCHMARKS.md in ``report.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from machine import load_average, machine_info, storage_dirs
from report import (
    IMPLS,
    OURS,
    REF,
    Metric,
    Outcome,
    fmt_goal,
    merge_section,
    read_section,
    results_section,
    write_report,
)

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
WORKLOAD_DIR = BENCH_DIR / "workloads"
DEFAULT_OUTPUT = REPO_DIR / "BENCHMARKS.md"


@dataclass(frozen=True, slots=True)
class Workload:
    name: str
    description: str
    timeout_s: float  # per subprocess, full mode; quick mode uses a quarter
    metrics: tuple[Metric, ...] = field(default_factory=tuple)
    script_name: str = ""  # file in bench/workloads/ without .py; default: the workload name
    storage: str | None = None  # "tmpfs" | "disk": where the I/O manager's base_dir is made
    impls: tuple[str, ...] = IMPLS  # (OURS,) for a dockyard-only workload (no dagster column)

    @property
    def script(self) -> Path:
        return WORKLOAD_DIR / f"{self.script_name or self.name}.py"


def graph_metrics(size: str, small: str, *, detail: bool) -> tuple[Metric, ...]:
    """Rows for an asset-graph workload; ``size``/``small`` label the two graph sizes."""
    per_asset = (
        Metric("per_asset_ms", f"per asset, {size}", "ms", target=1 / 20),
        Metric("small.per_asset_ms", f"per asset, {small}", "ms", target=1 / 20),
    )
    floor = Metric("fs_write_ms", "raw create+write+rename of one file (storage floor)", "ms")
    if not detail:
        return (*per_asset, floor)
    return (
        *per_asset,
        Metric("total_s", f"materialize total, {size}", "s"),
        Metric("startup_s", f"call → first asset body (planning + run start), {size}", "s"),
        Metric("small.startup_s", f"call → first asset body, {small}", "s"),
        Metric("finish_s", f"last asset body → return, {size}", "s"),
        Metric("growth", f"per-asset growth {size} vs {small} (1 = linear)", "x"),
        Metric("startup_growth", f"startup growth {size} vs {small} (x{{n_ratio}} size)", "x"),
        floor,
    )


_CHAIN = "linear chain a0 → … → a{n-1}, in-process `materialize` + FilesystemIOManager"
_FAN = "1 root → n children → 1 join taking all n via AssetIn; FilesystemIOManager"
_TMPFS = "storage on tmpfs: engine overhead"
_DISK = "storage on the disk: what a user sees, file creation included"


def graph_workloads(script: str, what: str, timeout_s: float, size: str, small: str) -> tuple[Workload, Workload]:
    """An asset-graph workload on tmpfs (every phase) and its ``_disk`` twin (the per-asset rows
    and the storage floor), both running ``script``; ``size``/``small`` as in ``graph_metrics``."""
    return (
        Workload(
            name=script,
            description=f"{what}; {_TMPFS}",
            timeout_s=timeout_s,
            storage="tmpfs",
            metrics=graph_metrics(size, small, detail=True),
        ),
        Workload(
            name=f"{script}_disk",
            description=f"{script} again; {_DISK}",
            timeout_s=timeout_s,
            script_name=script,
            storage="disk",
            metrics=graph_metrics(size, small, detail=False),
        ),
    )


CHAIN_500, CHAIN_500_DISK = graph_workloads("chain_500", _CHAIN, 420, "n={n}", "n={small_n}")
FAN_200, FAN_200_DISK = graph_workloads("fan_200", _FAN, 300, "{assets} assets", "{small_assets} assets")

WORKLOADS: tuple[Workload, ...] = (
    Workload(
        name="import_time",
        description='wall time of `python -c "import <impl>"` (median of 9 after 1 warm-up)',
        timeout_s=180,
        metrics=(
            Metric("wall_s", "import wall time", "s", target=1 / 10),
            Metric("net_s", "import minus bare interpreter start", "s"),
        ),
    ),
    CHAIN_500,
    FAN_200,
    CHAIN_500_DISK,
    FAN_200_DISK,
    Workload(
        name="multiprocess_fan_20",
        description="20 independent assets + 1 join, `execute_job(reconstructable(...))` on the multiprocess executor (2 workers, spawn, start-up included)",
        timeout_s=300,
        storage="disk",
        metrics=(
            Metric("wall_s", "execute_job wall time, 21 assets", "s", target=1 / 20),
            Metric("per_step_ms", "wall time per step", "ms"),
        ),
    ),
    Workload(
        name="dask_200",
        description="1 root → 198 small children → 1 join (200 assets) via `execute_job(reconstructable(...))` on a 2-worker Dask LocalCluster (processes, started before the clock), fresh persistent instance per repetition",
        timeout_s=300,
        storage="disk",
        impls=(OURS,),  # the reference venv has no dagster-dask
        metrics=(
            Metric("per_step_ms", "per-step overhead: wall time / {assets} steps", "ms", limit=20),
            Metric("wall_s", "execute_job wall time, {assets} assets", "s"),
            Metric("first_s", "first repetition (the workers import the code)", "s"),
        ),
    ),
    # -- issue 3: persistent instance, CLI ---------------------------------------------------
    Workload(
        name="chain_sqlite",
        description="chain of 200 assets, `materialize(..., instance=DagsterInstance.get())` on a persistent SQLite instance (fresh home on the disk), FilesystemIOManager on tmpfs",
        timeout_s=300,
        storage="tmpfs",
        metrics=(
            Metric("per_asset_ms", "per asset, n={n}, persistent SQLite instance", "ms", target=1 / 20),
            Metric("total_s", "materialize total, n={n}", "s"),
            Metric("startup_s", "call → first asset body, n={n}", "s"),
            Metric("finish_s", "last asset body → return, n={n}", "s"),
            Metric("open_instance_s", "`DagsterInstance.get()` on a fresh home (not in the timed call)", "s"),
            Metric("sqlite_commit_ms", "one single-row SQLite commit in the home dir (floor)", "ms"),
        ),
    ),
    Workload(
        name="asset_show_10k",
        description="`dockyard asset show KEY` on an asset with 10,000 materializations in a persistent SQLite instance",
        timeout_s=180,
        impls=(OURS,),
        metrics=(
            Metric("wall_s", "`dockyard asset show big` as a subprocess, {history} materializations", "s", limit=0.2),
            Metric("in_process_s", "the same command in-process (`dockyard.cli.main`)", "s", limit=0.2),
            Metric("bare_python_s", "bare `python -c pass` (context for the subprocess row)", "s"),
            Metric("setup_s", "set-up: one run logging {history} materializations (untimed)", "s"),
        ),
    ),
    # -- issue 4: partitions -----------------------------------------------------------------
    Workload(
        name="partition_hourly",
        description="one `materialize([asset], partition_key=...)` of a small hourly-partitioned asset (definitions built once, a new key per call, median)",
        timeout_s=180,
        storage="tmpfs",
        metrics=(
            Metric("call_ms", "one partitioned materialize call", "ms", target=1 / 10),
            Metric("startup_s", "call → asset body", "s"),
            Metric("finish_s", "asset body → return", "s"),
        ),
    ),
    Workload(
        name="partitions_24_parquet",
        description="daily asset loading 24 hourly ~1 MB parquet partitions through a `UPathIOManager` subclass (pandas to_parquet/read_parquet), tmpfs",
        timeout_s=240,
        storage="tmpfs",
        metrics=(
            Metric("total_s", "materialize the daily partition (loads 24 hourly files)", "s", target=1 / 1.5),
            Metric("load_s", "call → downstream body (planning + the 24 loads)", "s"),
            Metric("data_mb", "data loaded (24 frames' memory_usage)", "MB"),
            Metric("parquet_mb", "parquet files read (on tmpfs)", "MB"),
            Metric("peak_rss_mb", "peak RSS growth during the call (max over reps)", "MB"),
            Metric("median_peak_rss_mb", "peak RSS growth during the call (median over reps)", "MB"),
            Metric("peak_over_data", "peak RSS growth / data loaded (max over reps)", "x", limit=1.2),
            Metric("tracemalloc_peak_mb", "Python-level peak (tracemalloc, one call; Arrow's pool not traced)", "MB"),
        ),
    ),
    Workload(
        name="partitions_list_100k",
        description="HourlyPartitionsDefinition with 100,000 partitions: get_partition_keys() + a key-range subset and its keys",
        timeout_s=180,
        metrics=(
            Metric("total_s", "define + list {partitions} keys + subset of {subset} + its keys", "s", limit=1.0),
            Metric("list_s", "define + `get_partition_keys()`", "s"),
            Metric("subset_s", "`empty_subset().with_partition_key_range(...)` + `len`", "s"),
            Metric("subset_keys_s", "the subset's `get_partition_keys()`", "s"),
        ),
    ),
    # -- issue 5: database I/O managers ------------------------------------------------------
    Workload(
        name="duckdb_1m",
        description="1,000,000 x 5 DataFrame stored and loaded through DuckDBPandasIOManager (asset → downstream), vs raw duckdb in the same process",
        timeout_s=300,
        storage="tmpfs",
        metrics=(
            Metric("materialize_s", "materialize big → total, {rows} rows x 5 columns", "s", target=1.0),
            Metric("io_s", "store + load (big's body end → total's body start)", "s"),
            Metric("raw_s", "raw duckdb round trip: CTAS from the frame + SELECT → .df() (each side's duckdb)", "s"),
            Metric("vs_raw", "materialize / raw duckdb, same process and frame", "x", limit=1.1),
        ),
    ),
    Workload(
        name="postgres_1m",
        description="the same frame through PostgresPandasIOManager vs raw psycopg COPY in + COPY out, throw-away local PostgreSQL",
        timeout_s=300,
        impls=(OURS,),
        metrics=(
            Metric("materialize_s", "materialize big → total, {rows} rows x 5 columns", "s"),
            Metric("io_s", "store + load (big's body end → total's body start)", "s"),
            Metric("raw_s", "raw psycopg: COPY in (Arrow CSV writer) + COPY out (Arrow CSV reader)", "s"),
            Metric("raw_write_s", "of which connect + CREATE + COPY in + commit", "s"),
            Metric("vs_raw", "materialize / raw psycopg COPY round trip", "x", limit=1.2),
        ),
    ),
    # -- issue 6: object stores -----------------------------------------------------------------
    Workload(
        name="s3_pickle_200mb",
        description="a 200 MB value written and read through S3PickleIOManager against a local SeaweedFS, vs the same pickled bytes through s3fs pipe_file/cat_file in the same process",
        timeout_s=420,
        storage="tmpfs",  # the server's data dir
        impls=(OURS,),
        metrics=(
            Metric("vs_raw", "throughput through the manager / raw s3fs, write + read of {size_mb} MB", "x", at_least=0.9),
            Metric("write_s", "manager write: pickle.dumps + `pipe_file`", "s"),
            Metric("read_s", "manager read: `cat_file` + pickle.loads", "s"),
            Metric("raw_write_s", "raw s3fs {s3fs} `pipe_file` of the pickled bytes", "s"),
            Metric("raw_read_s", "raw s3fs `cat_file`", "s"),
            Metric("mb_per_s", "manager throughput (2 x {size_mb} MB / round trip)", "MB/s"),
            Metric("raw_mb_per_s", "raw s3fs throughput", "MB/s"),
            Metric("write_vs_raw", "write throughput, manager / raw", "x"),
            Metric("read_vs_raw", "read throughput, manager / raw", "x"),
            Metric("pickle_s", "pickle.dumps + pickle.loads of the value (in the manager's time only)", "s"),
            Metric("vs_raw_pickled", "manager / (raw s3fs + that pickling): 1 = nothing beyond pickling", "x"),
        ),
    ),
    Workload(
        name="s3_partitions_24",
        description="daily asset loading 24 hourly 1 MB pickled partitions from a local SeaweedFS through S3PickleIOManager: concurrent (default) vs MAX_LOAD_WORKERS = 1, directly and through a proxy adding 20 ms per request",
        timeout_s=300,
        storage="tmpfs",  # the server's data dir
        impls=(OURS,),
        metrics=(
            Metric("latency.speedup", "speed-up of concurrent loads ({workers} threads) over one at a time, {delay_ms} ms added per request", "x", at_least=3.0),
            Metric("latency.concurrent_s", "call → body, 24 partitions concurrent, {delay_ms} ms per request", "s"),
            Metric("latency.sequential_s", "call → body, one at a time, {delay_ms} ms per request", "s"),
            Metric("latency.raw_loop_s", "raw s3fs: `cat_file` x 24 in a loop, {delay_ms} ms per request", "s"),
            Metric("latency.raw_batch_s", "raw s3fs: one `fs.cat([...24])` batch, {delay_ms} ms per request", "s"),
            Metric("direct.speedup", "speed-up of concurrent loads over one at a time, server on loopback (no added latency)", "x"),
            Metric("direct.concurrent_s", "call → body, 24 partitions concurrent, loopback", "s"),
            Metric("direct.sequential_s", "call → body, one at a time, loopback", "s"),
            Metric("direct.raw_loop_s", "raw s3fs: `cat_file` x 24 in a loop, loopback", "s"),
            Metric("direct.raw_batch_s", "raw s3fs: one `fs.cat([...24])` batch, loopback", "s"),
        ),
    ),
)

WORKLOADS_BY_NAME = {w.name: w for w in WORKLOADS}


# ---------------------------------------------------------------------------------------------
# running


def _error_excerpt(stderr_text: str, limit: int = 30) -> str:
    """The last traceback in the output, or its last lines when there is none."""
    lines = stderr_text.rstrip().splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("Traceback")]
    if starts:
        lines = lines[starts[-1] :]
    if len(lines) > limit:
        lines = ["...", *lines[-limit:]]
    return "\n".join(lines) or "(no output on stderr)"


def run_workload(
    workload: Workload, impl: str, python: str, quick: bool, storage_dirs: dict[str, str]
) -> dict[str, Any]:
    """Run one workload script once; return its JSON record or ``{"error": ...}``."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env.update(DG_IMPL=impl, BENCH_QUICK="1" if quick else "0", PYTHONHASHSEED="0")
    if workload.storage:
        env["BENCH_STORAGE_DIR"] = storage_dirs[workload.storage]
    env["BENCH_DISK_DIR"] = storage_dirs["disk"]  # for state that must persist (instance homes)
    timeout = workload.timeout_s / 4 if quick else workload.timeout_s
    with (
        tempfile.TemporaryDirectory(prefix="bench-run-") as cwd,
        tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace") as err,
    ):
        start = time.perf_counter()
        try:
            proc = subprocess.run(
                [python, str(workload.script)],
                cwd=cwd,  # anything a library drops in the working dir is thrown away
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            err.seek(0)
            excerpt = _error_excerpt(err.read(), limit=10)
            return {"error": f"timed out after {timeout:.0f} s; last output:\n{excerpt}"}
        except OSError as exc:
            return {"error": f"could not start {python!r}: {exc}"}
        elapsed = time.perf_counter() - start
        err.seek(0)
        stderr_text = err.read()
    if proc.returncode != 0:
        return {"error": f"exit code {proc.returncode}:\n{_error_excerpt(stderr_text)}"}
    for line in reversed(proc.stdout.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                record: dict[str, Any] = json.loads(line)
            except json.JSONDecodeError:
                continue
            record["seconds"] = elapsed
            return record
    return {"error": f"no JSON result line on stdout:\n{_error_excerpt(stderr_text)}"}


def merge_rounds(records: list[dict[str, Any]]) -> Outcome:
    """Median of each metric over the rounds that succeeded; the first error if none did."""
    good = [r for r in records if "error" not in r]
    outcome = Outcome(seconds=sum(r.get("seconds", 0.0) for r in records))
    if not good:
        outcome.error = records[0]["error"] if records else "not run"
        return outcome
    keys = good[0]["metrics"].keys()
    outcome.metrics = {k: statistics.median(r["metrics"][k] for r in good) for k in keys}
    outcome.info = good[0].get("info", {})
    outcome.version = good[0].get("version", "")
    return outcome


def check_importable(impl: str, python: str) -> str | None:
    """None if ``python -c "import impl"`` works, else the error text."""
    try:
        proc = subprocess.run(
            [python, "-c", f"import {impl}"],
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"could not run {python!r}: {exc}"
    if proc.returncode != 0:
        return f"`import {impl}` failed:\n{_error_excerpt(proc.stderr)}"
    return None


# ---------------------------------------------------------------------------------------------
# main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--python",
        default=str(REPO_DIR / ".venv/bin/python"),
        help="interpreter with dockyard installed (default: %(default)s)",
    )
    parser.add_argument(
        "--ref-python",
        default="/work/ref/venv/bin/python",
        help="interpreter with dagster installed (default: %(default)s)",
    )
    parser.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help="run only this workload (repeatable; comma-separated works too)",
    )
    parser.add_argument(
        "--impl",
        choices=("both", *IMPLS),
        default="both",
        help="which side(s) to run (default: both)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: smaller graphs, fewer reps; does not write the report",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="subprocess rounds per workload and side; median over rounds",
    )
    parser.add_argument(
        "--write",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="rewrite the results section of --output (default: only for a "
        "full run: both sides, all workloads, not --quick)",
    )
    parser.add_argument(
        "--merge",
        action="store_true",
        help="merge this partial run into the results section of --output: the rows (and "
        "notes) of the workloads run now replace theirs, every other row is kept (implies --write)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help="report to rewrite (default: %(default)s)",
    )
    parser.add_argument(
        "--json",
        type=Path,
        metavar="PATH",
        help="also dump raw results (per workload and side) as JSON here",
    )
    parser.add_argument(
        "--tmpfs-dir",
        help="dir on a RAM filesystem for the engine workloads (default: /dev/shm if present)",
    )
    parser.add_argument(
        "--disk-dir", help="dir on the disk for the *_disk workloads (default: system temp dir)"
    )
    parser.add_argument("--list", action="store_true", help="list workloads and exit")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if args.merge and args.quick:
        parser.error("--merge writes the report: a --quick run is not comparable")
    if args.merge and args.write is False:
        parser.error("--merge writes the report; drop --no-write")
    return args


def select_workloads(only: list[str] | None) -> list[Workload]:
    if not only:
        return list(WORKLOADS)
    names = [n.strip() for item in only for n in item.split(",") if n.strip()]
    unknown = [n for n in names if n not in WORKLOADS_BY_NAME]
    if unknown:
        valid = ", ".join(repr(w.name) for w in WORKLOADS)
        raise SystemExit(f"Unknown workload {unknown[0]!r}. Valid workloads: {valid}.")
    return [WORKLOADS_BY_NAME[n] for n in names]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.list:
        for w in WORKLOADS:
            targets = ", ".join(f"{m.key} {fmt_goal(m)}" for m in w.metrics if fmt_goal(m))
            only = "" if w.impls == IMPLS else f" ({'/'.join(w.impls)} only)"
            print(f"{w.name:22} {w.description}{only}  [target: {targets}]")
        return 0
    workloads = select_workloads(args.only)
    impls = IMPLS if args.impl == "both" else (args.impl,)
    one_sided = [w.name for w in workloads if any(i not in impls for i in w.impls)]
    if args.merge and one_sided:
        raise SystemExit(
            f"--merge needs every side of the workloads it replaces; --impl {args.impl} leaves out "
            f"a side of {', '.join(one_sided)}."
        )
    pythons = {REF: args.ref_python, OURS: args.python}
    pythons = {impl: pythons[impl] for impl in impls}

    storage = storage_dirs(args.tmpfs_dir, args.disk_dir)
    machine = machine_info(pythons, storage)
    unavailable = {impl: check_importable(impl, py) for impl, py in pythons.items()}
    for impl, problem in unavailable.items():
        if problem:
            print(
                f"[bench] {impl} unavailable, its workloads are skipped: {problem}", file=sys.stderr
            )

    raw: dict[str, dict[str, list[dict[str, Any]]]] = {
        w.name: {i: [] for i in impls if i in w.impls} for w in workloads
    }
    started = time.perf_counter()
    for rnd in range(args.rounds):
        for index, workload in enumerate(workloads):
            order = list(impls) if (index + rnd) % 2 == 0 else list(reversed(impls))
            for impl in order:
                if impl not in workload.impls:
                    continue
                if unavailable[impl]:
                    raw[workload.name][impl].append({"error": unavailable[impl]})
                    continue
                print(
                    f"[bench] round {rnd + 1}/{args.rounds} {workload.name} / {impl} ...",
                    file=sys.stderr,
                    flush=True,
                )
                record = run_workload(workload, impl, pythons[impl], args.quick, storage)
                status = "error" if "error" in record else f"{record['seconds']:.1f} s"
                print(f"[bench]   {status}", file=sys.stderr, flush=True)
                raw[workload.name][impl].append(record)
    results = {
        name: {impl: merge_rounds(recs) for impl, recs in sides.items()}
        for name, sides in raw.items()
    }
    print(f"[bench] done in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    machine["load_after"] = load_average()

    section = results_section(workloads, results, machine, args.quick, args.rounds)
    print(section)

    if args.json:
        args.json.write_text(json.dumps({"machine": machine, "results": raw}, indent=2))
    full_run = not args.quick and not args.only and args.impl == "both"
    write = full_run or args.merge if args.write is None else args.write
    if write:
        ref_version = machine["interpreters"].get(REF, {}).get("versions", {}).get("dagster", "?")
        old_section = read_section(args.output) if args.merge and not full_run else None
        if old_section is not None:
            section = merge_section(
                old_section, [w.name for w in WORKLOADS], workloads, results, machine, args.rounds
            )
        write_report(args.output, section, ref_version)
        print(f"[bench] {'merged into' if old_section else 'wrote'} {args.output}", file=sys.stderr)
    else:
        print(
            "[bench] report not written (partial or quick run; pass --write to force)",
            file=sys.stderr,
        )
    failed = any(o.error for sides in results.values() for o in sides.values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
