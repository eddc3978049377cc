"""Formatting results: the markdown table and the results section of BENCHMARKS.md (stdlib only).

``Metric`` describes one reported number and its target; ``Outcome`` is what one workload
produced on one side. The workload registry itself lives in ``run.py``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

REF = "dagster"
OURS = "dockyard"
IMPLS = (REF, OURS)

RESULTS_START = "<!-- bench:results:start -->"
RESULTS_END = "<!-- bench:results:end -->"


@dataclass(frozen=True, slots=True)
class Metric:
    """One number a workload reports. ``label`` may use ``{...}`` fields from the result info."""

    key: str
    label: str
    unit: str  # "s", "ms", "x" (a dimensionless factor) or a size unit such as "MB"
    target: float | None = None  # max dockyard/dagster ratio counted as met; None = informative
    # Absolute bound on dockyard's own value, in ``unit`` (e.g. 200 ms, or 1.1 for a factor
    # such as "dockyard / raw library"): met when dockyard's value is at most this.
    limit: float | None = None
    # Absolute lower bound on dockyard's own value (a throughput fraction, a speed-up factor):
    # met when dockyard's value is at least this.
    at_least: float | None = None


@dataclass(slots=True)
class Outcome:
    """What one (workload, implementation) pair produced, merged over rounds."""

    metrics: dict[str, float] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    version: str = ""
    error: str | None = None
    seconds: float = 0.0  # wall time of the subprocess(es)


class WorkloadRows(Protocol):
    """What the report needs from a registry entry (``run.Workload``)."""

    @property
    def name(self) -> str: ...

    @property
    def metrics(self) -> tuple[Metric, ...]: ...

    @property
    def impls(self) -> tuple[str, ...]: ...


TIME_UNITS = ("s", "ms")


def fmt_value(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "x":
        return f"{value:.2f}x"
    if unit not in TIME_UNITS:  # a size, e.g. "MB"
        return f"{value:.3g} {unit}"
    seconds = value if unit == "s" else value / 1000
    if seconds < 1:
        return f"{seconds * 1000:.3g} ms"
    return f"{seconds:.3g} s"


def fmt_target(target: float | None) -> str:
    if target is None:
        return ""
    inverse = 1 / target
    if abs(inverse - 1) < 1e-9:
        return "≤ 1"
    if abs(inverse - round(inverse)) < 1e-9:
        return f"≤ 1/{round(inverse)}"
    if abs(inverse * 10 - round(inverse * 10)) < 1e-9:  # 1/1.5: "1.5x faster"
        return f"≤ 1/{inverse:g}"
    return f"≤ {target:.3g}"


def fmt_limit(metric: Metric) -> str:
    """Absolute bounds on dockyard's value, e.g. ``dockyard ≤ 200 ms`` or ``dockyard ≥ 3.00x``."""
    bounds = []
    if metric.limit is not None:
        bounds.append(f"dockyard ≤ {fmt_value(metric.limit, metric.unit)}")
    if metric.at_least is not None:
        bounds.append(f"dockyard ≥ {fmt_value(metric.at_least, metric.unit)}")
    return " and ".join(bounds)


def fmt_goal(metric: Metric) -> str:
    return " and ".join(t for t in (fmt_target(metric.target), fmt_limit(metric)) if t)


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


def results_table(
    workloads: Sequence[WorkloadRows], results: dict[str, dict[str, Outcome]]
) -> list[str]:
    rows = [
        "| workload | metric | dagster | dockyard | ratio (dockyard/dagster) | speed-up | target | met? |",
        "|---|---|--:|--:|--:|--:|:-:|:-:|",
    ]
    for workload in workloads:
        outcomes = results.get(workload.name, {})
        ref, ours = outcomes.get(REF), outcomes.get(OURS)
        ours_only = REF not in workload.impls
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
                ref_cell = "n/a (dockyard only)" if ours_only else "not run"
            ratio_cell = speed_cell = ""
            verdicts: list[bool | None] = []
            if metric.unit != "x" and ref_v and our_v is not None and our_v > 0:
                ratio = our_v / ref_v
                ratio_cell = f"{ratio:.3g}"
                speed_cell = f"{ref_v / our_v:.3g}x" if metric.unit in TIME_UNITS else ""
                if metric.target is not None:
                    verdicts.append(ratio <= metric.target)
            elif metric.target is not None:
                verdicts.append(None)
            if metric.limit is not None:
                verdicts.append(our_v <= metric.limit if our_v is not None else None)
            if metric.at_least is not None:
                verdicts.append(our_v >= metric.at_least if our_v is not None else None)
            met_cell = ""
            if verdicts:
                if False in verdicts:
                    met_cell = "**no**"
                elif None in verdicts:
                    met_cell = "—"
                else:
                    met_cell = "yes"
            rows.append(
                f"| {workload.name} | {label_for(metric, outcomes)} | {ref_cell} | {our_cell} "
                f"| {ratio_cell} | {speed_cell} | {fmt_goal(metric)} | {met_cell} |"
            )
    return rows


def header_lines(machine: dict[str, Any], quick: bool, rounds: int) -> list[str]:
    """The run's date, machine, load, interpreters, storage, commit and rounds."""
    out = [
        f"Last run: {machine['date']}"
        + (" — **quick (smoke) mode, not comparable**" if quick else "")
    ]
    out.append("")
    out.append(f"- machine: {machine['nproc']} CPUs ({machine['cpu']}), {machine['platform']}")
    if "load_before" in machine:
        out.append(
            f"- 1-min load average: {machine['load_before']} before, "
            f"{machine.get('load_after', '?')} after (≥ CPU count means contended; rerun)"
        )
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
    return out


def result_notes(
    workloads: Sequence[WorkloadRows], results: dict[str, dict[str, Outcome]]
) -> list[str]:
    """One markdown block per failed, skipped or check-failed (workload, side)."""
    notes = []
    for workload in workloads:
        for impl, outcome in results.get(workload.name, {}).items():
            if outcome.error:
                notes.append(f"**{workload.name} / {impl} failed:**\n\n```\n{outcome.error}\n```")
            elif outcome.info.get("skipped"):
                notes.append(f"**{workload.name} / {impl} skipped:** {outcome.info['skipped']}")
            elif outcome.info.get("check_error"):
                notes.append(
                    f"**{workload.name} / {impl}: result check failed** (timings kept): "
                    f"`{outcome.info['check_error']}`"
                )
    return notes


def _with_notes(out: list[str], notes: Sequence[str]) -> str:
    if notes:
        out.append("")
        out.append(NOTES_HEADING)
        for note in notes:
            out.append("")
            out.append(note)
    return "\n".join(out)


def results_section(
    workloads: Sequence[WorkloadRows],
    results: dict[str, dict[str, Outcome]],
    machine: dict[str, Any],
    quick: bool,
    rounds: int,
) -> str:
    out = header_lines(machine, quick, rounds)
    out.append("")
    out.extend(results_table(workloads, results))
    return _with_notes(out, result_notes(workloads, results))


# -- merging a partial run into the existing section -----------------------------------------------
NOTES_HEADING = "### Failures and skips"
_TABLE_HEAD = "| workload |"
_ROW_NAME = re.compile(r"^\| ([^|\s]+) \|")
_NOTE_NAME = re.compile(r"^\*\*([^*\s]+) / ")
_MERGED_LINE = re.compile(r"^- partial run merged on \d{4}-\d\d-\d\d \d\d:\d\d UTC: (.*?) \(")


@dataclass(slots=True)
class ParsedSection:
    """A results section split into its header lines, table rows and notes, by workload."""

    header: list[str] = field(default_factory=list)
    rows: dict[str, list[str]] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=dict)


def parse_section(section: str) -> ParsedSection:
    parsed = ParsedSection()
    lines = section.split("\n")
    i = 0
    while i < len(lines) and not lines[i].startswith(_TABLE_HEAD):
        parsed.header.append(lines[i])
        i += 1
    i += 2  # the table's head and its |---| line
    while i < len(lines) and lines[i].startswith("|"):
        match = _ROW_NAME.match(lines[i])
        if match:
            parsed.rows.setdefault(match.group(1), []).append(lines[i])
        i += 1
    while i < len(lines) and lines[i] != NOTES_HEADING:
        i += 1
    block: list[str] = []
    in_fence = False

    def flush() -> None:
        while block and not block[-1].strip():
            block.pop()
        if block:
            match = _NOTE_NAME.match(block[0])
            parsed.notes.setdefault(match.group(1) if match else "", []).append("\n".join(block))
        block.clear()

    for line in lines[i + 1 :]:
        if not in_fence and _NOTE_NAME.match(line):
            flush()
        if line.startswith("```"):
            in_fence = not in_fence
        if block or line.strip():
            block.append(line)
    flush()
    while parsed.header and not parsed.header[-1].strip():
        parsed.header.pop()
    return parsed


def merge_section(
    old_section: str,
    order: Sequence[str],
    workloads: Sequence[WorkloadRows],
    results: dict[str, dict[str, Outcome]],
    machine: dict[str, Any],
    rounds: int,
) -> str:
    """``old_section`` with the rows and notes of ``workloads`` replaced by (or, for workloads it
    lacks, added from) this run's ``results``; every other row is kept. Rows follow the registry
    ``order`` (workloads no longer registered stay, at the end). The old header stays, with one
    line saying which workloads came from this partial run, when and on what commit; earlier
    such lines lose the workloads re-run now (and go once none is left)."""
    old = parse_section(old_section)
    rerun = [w.name for w in workloads]
    new_rows: dict[str, list[str]] = {}
    for row in results_table(workloads, results)[2:]:
        match = _ROW_NAME.match(row)
        new_rows.setdefault(match.group(1) if match else "", []).append(row)
    new_notes: dict[str, list[str]] = {}
    for note in result_notes(workloads, results):
        match = _NOTE_NAME.match(note)
        new_notes.setdefault(match.group(1) if match else "", []).append(note)

    header = []
    for line in old.header:
        match = _MERGED_LINE.match(line)
        if match:  # an earlier partial run: keep only the workloads not re-run now
            kept = [n for n in re.findall(r"`([^`]+)`", match.group(1)) if n not in rerun]
            if not kept:
                continue
            line = line[: match.start(1)] + ", ".join(f"`{n}`" for n in kept) + line[match.end(1) :]
        header.append(line)
    names = ", ".join(f"`{n}`" for n in rerun)
    where = f"dockyard tree at commit `{machine['git']}`; " if machine.get("git") else ""
    header.append(
        f"- partial run merged on {machine['date']}: {names} ({where}1-min load average "
        f"{machine.get('load_before', '?')} before, {machine.get('load_after', '?')} after; "
        f"rounds: {rounds}); the rows of the workloads named here come from that run, not from "
        "the one under *Last run*."
    )
    ordered = list(dict.fromkeys([*order, *old.rows, *old.notes]))
    out = [*header, "", *results_table([], {})]
    notes: list[str] = []
    for name in ordered:
        if name in rerun:
            out.extend(new_rows.get(name, []))
            notes.extend(new_notes.get(name, []))
        else:
            out.extend(old.rows.get(name, []))
            notes.extend(old.notes.get(name, []))
    return _with_notes(out, notes)


def read_section(path: Path) -> str | None:
    """The results section of the report at ``path`` (between the markers), or None."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if RESULTS_START not in text or RESULTS_END not in text:
        return None
    return text.split(RESULTS_START, 1)[1].split(RESULTS_END, 1)[0].strip("\n")


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
