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
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
WORKLOAD_DIR = BENCH_DIR / "workloads"
DEFAULT_OUTPUT = REPO_DIR / "BENCHMARKS.md"

REF = "dagster"
OURS = "dockyard"
IMPLS = (REF, OURS)

RESULTS_START = "<!-- bench:results:start -->"
RESULTS_END = "<!-- bench:results:end -->"

# Packages whose versions go into the machine-info block (missing ones are skipped).
VERSION_PACKAGES = (
    "dagster",
    "dockyard",
    "pydantic",
    "universal-pathlib",
    "fsspec",
    "pandas",
    "pyarrow",
    "numpy",
    "polars",
    "duckdb",
)


@dataclass(frozen=True, slots=True)
class Metric:
    """One number a workload reports. ``label`` may use ``{...}`` fields from the result info."""

    key: str
    label: str
    unit: str  # "s", "ms" or "x" (a dimensionless factor)
    target: float | None = None  # max dockyard/dagster ratio counted as met; None = informative


@dataclass(frozen=True, slots=True)
class Workload:
    name: str
    description: str
    timeout_s: float  # per subprocess, full mode; quick mode uses a quarter
    metrics: tuple[Metric, ...] = field(default_factory=tuple)
    script_name: str = ""  # file in bench/workloads/ without .py; default: the workload name
    storage: str | None = None  # "tmpfs" | "disk": where the I/O manager's base_dir is made

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
    Workload(
        name="chain_500",
        description=f"{_CHAIN}; {_TMPFS}",
        timeout_s=420,
        storage="tmpfs",
        metrics=graph_metrics("n={n}", "n={small_n}", detail=True),
    ),
    Workload(
        name="fan_200",
        description=f"{_FAN}; {_TMPFS}",
        timeout_s=300,
        storage="tmpfs",
        metrics=graph_metrics("{assets} assets", "{small_assets} assets", detail=True),
    ),
    Workload(
        name="chain_500_disk",
        description=f"chain_500 again; {_DISK}",
        timeout_s=420,
        script_name="chain_500",
        storage="disk",
        metrics=graph_metrics("n={n}", "n={small_n}", detail=False),
    ),
    Workload(
        name="fan_200_disk",
        description=f"fan_200 again; {_DISK}",
        timeout_s=300,
        script_name="fan_200",
        storage="disk",
        metrics=graph_metrics("{assets} assets", "{small_assets} assets", detail=False),
    ),
)

WORKLOADS_BY_NAME = {w.name: w for w in WORKLOADS}


# ---------------------------------------------------------------------------------------------
# running


@dataclass(slots=True)
class Outcome:
    """What one (workload, implementation) pair produced, merged over rounds."""

    metrics: dict[str, float] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    version: str = ""
    error: str | None = None
    seconds: float = 0.0  # wall time of the subprocess(es)


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
# machine info

_INFO_SNIPPET = """
import json, platform, sys
from importlib import metadata
versions = {}
for name in %r:
    try:
        versions[name] = metadata.version(name)
    except metadata.PackageNotFoundError:
        pass
print(json.dumps({"python": platform.python_version(), "executable": sys.executable,
                  "versions": versions}))
"""


def interpreter_info(python: str) -> dict[str, Any]:
    try:
        proc = subprocess.run(
            [python, "-c", _INFO_SNIPPET % (VERSION_PACKAGES,)],
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
        info: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
        return info
    except (OSError, subprocess.TimeoutExpired, IndexError, json.JSONDecodeError) as exc:
        return {"python": "?", "executable": python, "versions": {}, "error": str(exc)}


def cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "unknown"
    match = re.search(r"^model name\s*:\s*(.+)$", text, re.MULTILINE)
    return match.group(1).strip() if match else platform.processor() or "unknown"


def git_revision() -> str:
    """Short commit of the dockyard tree (read-only git call), or "" when unavailable."""
    try:
        proc = subprocess.run(
            ["git", "-C", str(REPO_DIR), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return proc.stdout.strip() if proc.returncode == 0 else ""


def filesystem_type(path: str) -> str:
    """Filesystem type of the mount holding ``path`` (from /proc/mounts), or "?"."""
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return "?"
    real = os.path.realpath(path)
    best, fstype = "", "?"
    for line in mounts:
        parts = line.split()
        if len(parts) < 3:
            continue
        point = parts[1].replace("\\040", " ")
        inside = real == point or real.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, fstype = point, parts[2]
    return fstype


def storage_dirs(tmpfs_dir: str | None, disk_dir: str | None) -> dict[str, str]:
    disk = disk_dir or tempfile.gettempdir()
    tmpfs = tmpfs_dir or ("/dev/shm" if os.path.isdir("/dev/shm") else disk)
    return {"tmpfs": tmpfs, "disk": disk}


def machine_info(pythons: dict[str, str], storage: dict[str, str]) -> dict[str, Any]:
    return {
        "storage": {role: f"{path} ({filesystem_type(path)})" for role, path in storage.items()},
        "date": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "cpu": cpu_model(),
        "platform": platform.platform(),
        "git": git_revision(),
        "interpreters": {impl: interpreter_info(py) for impl, py in pythons.items()},
    }


# ---------------------------------------------------------------------------------------------
# report


def fmt_value(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "x":
        return f"{value:.2f}x"
    if unit == "s" and value < 1:
        return f"{value * 1000:.3g} ms"
    if unit == "s":
        return f"{value:.3g} s"
    return f"{value:.3g} ms"


def fmt_target(target: float | None) -> str:
    if target is None:
        return ""
    inverse = 1 / target
    if abs(inverse - round(inverse)) < 1e-9:
        return f"≤ 1/{round(inverse)}"
    return f"≤ {target:.3g}"


def label_for(metric: Metric, outcomes: dict[str, Outcome]) -> str:
    info: dict[str, Any] = {}
    for impl in IMPLS:
        if outcomes.get(impl) and outcomes[impl].info:
            info = dict(outcomes[impl].info)
            break
    if "n" in info and "small_n" in info and info["small_n"]:
        info["n_ratio"] = f"{info['n'] / info['small_n']:g}"
    try:
        return metric.label.format(**info)
    except (KeyError, IndexError, ValueError):
        return metric.label


def results_table(workloads: list[Workload], results: dict[str, dict[str, Outcome]]) -> list[str]:
    rows = [
        "| workload | metric | dagster | dockyard | ratio (dockyard/dagster) | speed-up | target | met? |",
        "|---|---|--:|--:|--:|--:|:-:|:-:|",
    ]
    for workload in workloads:
        outcomes = results.get(workload.name, {})
        ref, ours = outcomes.get(REF), outcomes.get(OURS)
        for metric in workload.metrics:
            ref_v = ref.metrics.get(metric.key) if ref and not ref.error else None
            our_v = ours.metrics.get(metric.key) if ours and not ours.error else None
            ref_cell = fmt_value(ref_v, metric.unit) if ref_v is not None or not ref else ""
            our_cell = fmt_value(our_v, metric.unit) if our_v is not None or not ours else ""
            if ref and ref.error:
                ref_cell = "error"
            if ours and ours.error:
                our_cell = "error"
            if not ours:
                our_cell = "not run"
            if not ref:
                ref_cell = "not run"
            ratio_cell = speed_cell = met_cell = ""
            if metric.unit != "x" and ref_v and our_v is not None and our_v > 0:
                ratio = our_v / ref_v
                ratio_cell = f"{ratio:.3g}"
                speed_cell = f"{ref_v / our_v:.3g}x"
                if metric.target is not None:
                    met_cell = "yes" if ratio <= metric.target else "**no**"
            elif metric.target is not None:
                met_cell = "—"
            rows.append(
                f"| {workload.name} | {label_for(metric, outcomes)} | {ref_cell} | {our_cell} "
                f"| {ratio_cell} | {speed_cell} | {fmt_target(metric.target)} | {met_cell} |"
            )
    return rows


def results_section(
    workloads: list[Workload],
    results: dict[str, dict[str, Outcome]],
    machine: dict[str, Any],
    quick: bool,
    rounds: int,
) -> str:
    out = [
        f"Last run: {machine['date']}"
        + (" — **quick (smoke) mode, not comparable**" if quick else "")
    ]
    out.append("")
    out.append(f"- machine: {machine['nproc']} CPUs ({machine['cpu']}), {machine['platform']}")
    for impl in IMPLS:
        interp = machine["interpreters"].get(impl)
        if not interp:
            continue
        versions = ", ".join(f"{k} {v}" for k, v in interp.get("versions", {}).items())
        out.append(
            f"- {impl} side: Python {interp.get('python', '?')} (`{interp.get('executable')}`); {versions}"
        )
    storage = machine.get("storage", {})
    if storage:
        out.append(
            "- I/O manager storage: "
            + "; ".join(f"{role}: `{where}`" for role, where in storage.items())
        )
    if machine.get("git"):
        out.append(f"- dockyard tree at commit `{machine['git']}`")
    out.append(
        f"- rounds: {rounds} (each round = one fresh subprocess per workload and side; median over rounds)"
    )
    out.append("")
    out.extend(results_table(workloads, results))
    notes = []
    for workload in workloads:
        for impl, outcome in results.get(workload.name, {}).items():
            if outcome.error:
                notes.append(f"**{workload.name} / {impl} failed:**\n\n```\n{outcome.error}\n```")
            elif outcome.info.get("check_error"):
                notes.append(
                    f"**{workload.name} / {impl}: result check failed** (timings kept): "
                    f"`{outcome.info['check_error']}`"
                )
    if notes:
        out.append("")
        out.append("### Failures")
        for note in notes:
            out.append("")
            out.append(note)
    return "\n".join(out)


_DOC_HEADER = """# Benchmarks

dockyard against the reference implementation (dagster {ref_version}): the same workload code,
run side by side in one `bench/run.py` invocation. Run it with `make bench`
(`.venv/bin/python bench/run.py`); `bench/README.md` says what each workload measures.

*ratio* = dockyard time / dagster time (lower is better); *speed-up* = its inverse;
*target* is the largest ratio that counts as met. Rows without a target are context
(phases of a run, growth with graph size, the storage floor).

The asset workloads run twice: with the I/O manager's `base_dir` on tmpfs (`chain_500`,
`fan_200`: what the engine costs) and on the disk (`*_disk`: what a user sees). On the disk,
creating each output file costs the "storage floor" row (0.1-1 ms on this VM, drifting with
machine load from minute to minute), which both sides pay once per asset; it bounds the disk
ratio from below, so a missed target on a `*_disk` row with a high floor is the disk, not the
engine. Compare the floor rows of the two sides to judge whether conditions were alike.

## Results

The section below is rewritten by `bench/run.py`; edit text outside the markers only.

{start}
{end}
"""


def write_report(path: Path, section: str, ref_version: str) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if RESULTS_START not in text or RESULTS_END not in text:
        text = text.rstrip() + ("\n\n" if text.strip() else "")
        text += _DOC_HEADER.format(ref_version=ref_version, start=RESULTS_START, end=RESULTS_END)
    head, rest = text.split(RESULTS_START, 1)
    _, tail = rest.split(RESULTS_END, 1)
    path.write_text(f"{head}{RESULTS_START}\n{section}\n{RESULTS_END}{tail}", encoding="utf-8")


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
            targets = ", ".join(f"{m.key} {fmt_target(m.target)}" for m in w.metrics if m.target)
            print(f"{w.name:14} {w.description}  [target: {targets}]")
        return 0
    workloads = select_workloads(args.only)
    impls = IMPLS if args.impl == "both" else (args.impl,)
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
        w.name: {i: [] for i in impls} for w in workloads
    }
    started = time.perf_counter()
    for rnd in range(args.rounds):
        for index, workload in enumerate(workloads):
            order = list(impls) if (index + rnd) % 2 == 0 else list(reversed(impls))
            for impl in order:
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

    section = results_section(workloads, results, machine, args.quick, args.rounds)
    print(section)

    if args.json:
        args.json.write_text(json.dumps({"machine": machine, "results": raw}, indent=2))
    full_run = not args.quick and not args.only and args.impl == "both"
    write = full_run if args.write is None else args.write
    if write:
        ref_version = machine["interpreters"].get(REF, {}).get("versions", {}).get("dagster", "?")
        write_report(args.output, section, ref_version)
        print(f"[bench] wrote {args.output}", file=sys.stderr)
    else:
        print(
            "[bench] report not written (partial or quick run; pass --write to force)",
            file=sys.stderr,
        )
    failed = any(o.error for sides in results.values() for o in sides.values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
