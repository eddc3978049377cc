"""``dockyard runs list | show RUN_ID | reexecute RUN_ID``: the runs the instance recorded, their
event logs, and running a finished run again.

``reexecute`` rebuilds the job from the code pointer the run recorded (``dockyard/code_pointer``:
runs of ``dockyard materialize`` and of ``execute_job(reconstructable(...))``), with the run's
config, tags and selection. ``--from-failure`` runs only the steps that did not succeed; the
others' values load from where their I/O managers stored them. Steps run in this process, like
``dockyard materialize``, unless the definitions declare an executor or the run's config chose one.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from dockyard.cli.tables import clip, format_clock, format_duration, format_timestamp, render_table

STATUSES = ("QUEUED", "NOT_STARTED", "STARTING", "STARTED", "SUCCESS", "FAILURE", "CANCELING", "CANCELED")
DEFAULT_LIMIT = 20


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser("runs", parents=[common], help="list runs and show their event logs")
    commands = parser.add_subparsers(dest="runs_command", metavar="COMMAND", required=True)

    listing = commands.add_parser("list", parents=[common], help="runs, newest first")
    listing.add_argument("--status", type=str.upper, choices=STATUSES, metavar="STATUS", help=f"only runs with this status ({', '.join(STATUSES)})")
    listing.add_argument("--job", metavar="NAME", help="only runs of this job")
    listing.add_argument("--limit", type=int, default=DEFAULT_LIMIT, help=f"at most this many runs (default {DEFAULT_LIMIT}; 0 for all)")
    listing.set_defaults(func=list_runs)

    show = commands.add_parser("show", parents=[common], help="a run and its event log")
    show.add_argument("run_id", metavar="RUN_ID", help="the run id, or a unique prefix of it")
    show.set_defaults(func=show_run)

    again = commands.add_parser(
        "reexecute", parents=[common], help="run a finished run again (--from-failure: only what did not succeed)",
        description="Re-execute a run from the code it recorded, into the instance at $DOCKYARD_HOME.",
    )
    again.add_argument("run_id", metavar="RUN_ID", help="the run id, or a unique prefix of it")
    again.add_argument(
        "--from-failure", action="store_true",
        help="run only the steps that failed, were skipped or never ran; reuse the stored values of the others",
    )
    again.set_defaults(func=reexecute_run)


def list_runs(args: argparse.Namespace) -> int:
    from dockyard.instance.instance import DagsterInstance
    from dockyard.instance.runs import DagsterRunStatus

    status = DagsterRunStatus(args.status) if args.status else None
    with DagsterInstance.get() as instance:
        runs = instance.get_runs(limit=args.limit or None, status=status, job_name=args.job)
        home = instance.root_directory
    if not runs:
        sys.stdout.write(f"No runs{' with status ' + args.status if args.status else ''} in the instance at {home}.\n")
        return 0
    rows = [
        (
            r.run_id, r.job_name, r.status.value, format_timestamp(r.start_time),
            format_duration(r.end_time - r.start_time) if r.start_time and r.end_time else "-",
            r.partition_key or "-",
        )
        for r in runs
    ]
    sys.stdout.write(render_table(("run", "job", "status", "started", "took", "partition"), rows) + "\n")
    return 0


def find_run(instance: Any, run_id: str) -> Any:
    """The run with id ``run_id``, or the only run whose id starts with it."""
    from dockyard.errors import DagsterInvariantViolationError

    run = instance.get_run_by_id(run_id)
    if run is not None:
        return run
    matches = [r for r in instance.get_runs() if r.run_id.startswith(run_id)] if run_id else []
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise DagsterInvariantViolationError(
            f"Run id prefix {run_id!r} matches {len(matches)} runs ({', '.join(r.run_id for r in matches[:5])}); give more characters."
        )
    raise DagsterInvariantViolationError(
        f"No run {run_id!r} in the instance at {instance.root_directory}. List the runs with `dockyard runs list`."
    )


def event_message(entry: Any, verbose: bool) -> str:
    """One line describing an event (the error's stack follows it with ``--verbose``)."""
    from dockyard.cli.materialize import innermost_error
    from dockyard.instance.events import HandledOutputData, LoadedInputData, StepFailureData

    event = entry.dagster_event
    if event is None:
        return str(entry.user_message)
    data = event.event_specific_data
    mat = event.asset_materialization
    if mat is not None:
        where = next((m for m in ("path", "dagster/table_name", "uri") if m in mat.metadata), None)
        text = f"materialized {mat.asset_key.to_user_string()}"
        text += f" partition {mat.partition}" if mat.partition is not None else ""
        return text + (f" at {getattr(mat.metadata[where], 'value', '')}" if where else "")
    if isinstance(data, HandledOutputData):
        return f"output {data.output_name!r} stored by I/O manager {data.manager_key!r}"
    if isinstance(data, LoadedInputData):
        return f"input {data.input_name!r} loaded by {data.manager_key!r}"
    if isinstance(data, StepFailureData) and data.error is not None:
        error = innermost_error(data.error)
        return clip(error.message, 200) if not verbose else "failed:\n" + data.error.to_string().rstrip()
    return str(event.message or "")


def show_run(args: argparse.Namespace) -> int:
    from dockyard.instance.events import DagsterEventType
    from dockyard.instance.instance import DagsterInstance

    verbose = bool(getattr(args, "verbose", False))
    with DagsterInstance.get() as instance:
        run = find_run(instance, args.run_id)
        logs = instance.all_logs(run.run_id)
    out = sys.stdout
    out.write(f"run {run.run_id}\n")
    took = format_duration(run.end_time - run.start_time) if run.start_time and run.end_time else "-"
    out.write(f"  job       {run.job_name}\n  status    {run.status.value}\n")
    out.write(f"  started   {format_timestamp(run.start_time)}  (took {took})\n")
    if run.partition_key:
        out.write(f"  partition {run.partition_key}\n")
    if run.asset_selection:
        out.write(f"  assets    {', '.join(sorted(k.to_user_string() for k in run.asset_selection))}\n")
    for name, value in sorted(run.tags.items()):
        out.write(f"  tag       {name}={value}\n")
    names = {t.value: t.name for t in DagsterEventType}
    rows = []
    for entry in logs:
        kind = names.get(entry.dagster_event.event_type_value, entry.dagster_event.event_type_value) if entry.dagster_event else "LOG"
        rows.append((format_clock(entry.timestamp), kind, entry.step_key or "-", event_message(entry, verbose)))
    out.write(f"\nevents ({len(rows)}):\n")
    if rows:
        if verbose:  # stacks span lines, which a table would squash
            for row in rows:
                out.write("  " + "  ".join(row) + "\n")
        else:
            out.write(render_table(("time", "event", "step", "message"), rows, indent="  ") + "\n")
    return 0


def reexecute_run(args: argparse.Namespace) -> int:
    import time

    from dockyard.cli.materialize import materialized_rows, report_result
    from dockyard.cli.progress import progress_display
    from dockyard.errors import DagsterError, DagsterInvariantViolationError
    from dockyard.execution.job_execution import execute_job
    from dockyard.execution.reexecution import ReexecutionOptions, reconstructable_for_run
    from dockyard.instance.instance import DagsterInstance
    from dockyard.instance.runs import DagsterRunStatus

    verbose = bool(getattr(args, "verbose", False))
    err = sys.stderr
    instance = DagsterInstance.get()
    try:
        parent = find_run(instance, args.run_id)
        if args.from_failure and parent.status == DagsterRunStatus.SUCCESS:
            raise DagsterInvariantViolationError(
                f"Run {parent.run_id!r} succeeded, so there is nothing to re-execute from failure. "
                "Drop --from-failure to run all of its steps again."
            )
        if parent.status not in (DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED, DagsterRunStatus.SUCCESS):
            raise DagsterInvariantViolationError(
                f"Run {parent.run_id!r} has status {parent.status.value}: it has not finished. Re-execute it once "
                f"it has failed or succeeded (see `dockyard runs show {parent.run_id}`)."
            )
        recon = reconstructable_for_run(parent)
        if recon is None:
            raise DagsterInvariantViolationError(
                f"Run {parent.run_id!r} did not record where its code lives (no 'dockyard/code_pointer' tag: it was "
                "started from Python in process), so the CLI cannot rebuild it. Re-execute it from Python: "
                "reexecute_from_failure(run_id, instance, job=reconstructable(defs))."
            )
        try:
            job_def = recon.get_definition()
        except DagsterError:
            raise
        except Exception as exc:
            raise DagsterInvariantViolationError(
                f"Loading the code of run {parent.run_id!r} from {recon.code_pointer!r} failed: {type(exc).__name__}: {exc}"
            ) from exc
        run_config = dict(parent.run_config or {})
        if job_def.executor_def is None and "execution" not in run_config:
            run_config["execution"] = {"config": {"in_process": {}}}  # as `dockyard materialize` runs it
        options = (
            ReexecutionOptions.from_failure(parent.run_id, instance) if args.from_failure else ReexecutionOptions(parent.run_id)
        )
        what = "the failed steps of" if args.from_failure else "all steps of"
        err.write(f"re-executing {what} run {parent.run_id} ({recon.code_pointer}) into {instance.root_directory}\n")
        started = time.perf_counter()
        with progress_display(err, live=err.isatty(), verbose=verbose):
            result = execute_job(recon, instance, run_config=run_config, reexecution_options=options)
        elapsed = time.perf_counter() - started
        rows = materialized_rows(result, instance)
        ran = {e.step_key for e in result.all_events if e.step_key}
        reused = sorted(_lineage_successes(instance, parent) - ran) if args.from_failure else []
    finally:
        instance.dispose()
    note = f"  (re-execution of {parent.run_id}"
    note += f"; reused {len(reused)} step(s): {clip(', '.join(reused), 120)})" if reused else ")"
    return report_result(result, rows, elapsed, verbose, note)


def _lineage_successes(instance: Any, run: Any) -> set[str]:
    """Steps that succeeded in ``run`` or one of its ancestors (tag ``dagster/parent_run_id``)."""
    from dockyard.execution.job_execution import PARENT_RUN_ID_TAG
    from dockyard.execution.reexecution import succeeded_steps

    done: set[str] = set()
    seen: set[str] = set()
    while run is not None and run.run_id not in seen:
        seen.add(run.run_id)
        done |= succeeded_steps(instance, run.run_id)
        parent_id = run.tags.get(PARENT_RUN_ID_TAG)
        run = instance.get_run_by_id(parent_id) if parent_id else None
    return done
