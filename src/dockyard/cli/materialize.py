"""``dockyard materialize``: run a selection of a code location's assets into the instance.

The run goes into ``DagsterInstance.get()`` with the ``dockyard/code_pointer`` tag, so values can
be loaded back later without the definitions (``AssetValueLoader(instance)``). Progress goes to
stderr (a live line on a terminal); the table of materialized assets and the run summary go to
stdout.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from dockyard.cli.options import add_location_options
from dockyard.cli.tables import clip, format_duration, render_table

# Metadata keys that say where a value was stored, most specific first.
LOCATION_METADATA_KEYS = ("path", "dagster/table_name", "uri", "table")


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "materialize", parents=[common], help="run assets of a code location into the instance",
        description="Materialize the assets of a Definitions object into the instance at $DOCKYARD_HOME.",
    )
    add_location_options(parser)
    parser.add_argument("--select", metavar="EXPR", help="assets to run: keys, a/b, *, group:name, +key, key+, comma lists (default: all)")
    parts = parser.add_mutually_exclusive_group()
    parts.add_argument("--partition", metavar="KEY", help="the partition to materialize")
    parts.add_argument(
        "--partition-range", metavar="START...END",
        help="materialize every partition from START to END (inclusive) in one run (a backfill)",
    )
    parser.add_argument("--config", metavar="FILE.yaml", help="run config as YAML (ops:, resources:)")
    parser.set_defaults(func=run)


def load_run_config(path: str) -> dict[str, Any]:
    import yaml

    from dockyard.errors import DagsterInvalidConfigError

    try:
        with open(path) as f:
            data = yaml.safe_load(f)
    except OSError as exc:
        raise DagsterInvalidConfigError(f"Cannot read run config file {path!r}: {exc.strerror}.") from exc
    except yaml.YAMLError as exc:
        raise DagsterInvalidConfigError(f"Run config file {path!r} is not valid YAML: {clip(exc, 200)}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise DagsterInvalidConfigError(
            f"Run config file {path!r} must hold a mapping (ops:, resources:), got {type(data).__name__}: {clip(data, 60)}."
        )
    return data


def stored_at(materialization: Any, io_manager_key: str | None) -> str:
    """Where a materialized value lives: its location metadata, else the I/O manager key."""
    for key in LOCATION_METADATA_KEYS:
        value = materialization.metadata.get(key)
        if value is not None:
            return str(getattr(value, "value", value))
    return f"I/O manager {io_manager_key!r}" if io_manager_key else "-"


def innermost_error(error: Any) -> Any:
    while error is not None and error.cause is not None:
        error = error.cause
    return error


def run(args: argparse.Namespace) -> int:
    from dockyard.cli.code_locations import load_code_location
    from dockyard.cli.progress import progress_display
    from dockyard.defs.selection import parse_selection_string
    from dockyard.errors import DagsterInvariantViolationError
    from dockyard.execution.asset_origins import CODE_POINTER_TAG
    from dockyard.instance.instance import DagsterInstance

    run_config = load_run_config(args.config) if args.config else None
    location = load_code_location(args.python_file, args.module_name, args.attribute)
    defs = location.definitions
    layer = defs.get_asset_graph()
    selection = None
    if args.select:
        selection = parse_selection_string(args.select)
        keys = selection.resolve(layer)
        if not keys:
            raise DagsterInvariantViolationError(f"Selection {args.select!r} matches no assets. Defined assets: {_asset_names(defs)}.")
    else:
        keys = set(layer.materializable_keys)
        if not keys:
            raise DagsterInvariantViolationError(f"{location.code_pointer} defines no assets to materialize.")
    job = defs.get_implicit_global_asset_job_def()
    verbose = bool(getattr(args, "verbose", False))
    err = sys.stderr
    instance = DagsterInstance.get()
    tags = {CODE_POINTER_TAG: location.code_pointer}
    if args.partition_range:
        start, sep, end = args.partition_range.partition("...")
        if not sep or not start or not end:
            raise DagsterInvariantViolationError(
                f"--partition-range takes START...END (e.g. 2024-01-01...2024-01-07), got {args.partition_range!r}."
            )
        tags["dagster/asset_partition_range_start"] = start
        tags["dagster/asset_partition_range_end"] = end
    try:
        if not args.partition and not args.partition_range:
            _require_no_partitions(layer, keys, instance)
        err.write(f"materializing {location.code_pointer} into {instance.root_directory}\n")
        started = time.perf_counter()
        with progress_display(err, live=err.isatty(), verbose=verbose):
            result = job.execute_in_process(
                run_config=run_config, instance=instance, partition_key=args.partition, raise_on_error=False,
                asset_selection=selection, tags=tags,
            )
        elapsed = time.perf_counter() - started
        rows = materialized_rows(result, instance)
    finally:
        instance.dispose()
    return report_result(result, rows, elapsed, verbose)


def materialized_rows(result: Any, instance: Any) -> list[tuple[str, str, str]]:
    """``(asset, partition, stored at)`` for each materialization of a finished run."""
    rows = []
    for event in result.get_asset_materialization_events():
        mat = event.asset_materialization
        origin = instance.get_asset_origin(mat.asset_key)
        rows.append((mat.asset_key.to_user_string(), mat.partition or "-", stored_at(mat, origin.io_manager_key if origin else None)))
    return rows


def report_result(result: Any, rows: list[tuple[str, str, str]], elapsed: float, verbose: bool, note: str = "") -> int:
    """Print the table of materialized assets, the run summary and step errors; the exit code."""
    out, err = sys.stdout, sys.stderr
    if rows:
        out.write(render_table(("asset", "partition", "stored at"), rows) + "\n")
    status = result.dagster_run.status.value
    out.write(f"run {result.run_id}  {status}  {len(rows)} asset(s) in {format_duration(elapsed)}{note}\n")
    for failure in result.get_step_failure_events():
        error = innermost_error(failure.event_specific_data.error)
        err.write(f"error: step {failure.step_key!r} failed: {clip(error.message if error else 'unknown error', 300)}\n")
        if verbose and failure.event_specific_data.error is not None:
            err.write(failure.event_specific_data.error.to_string().rstrip() + "\n")
    if not result.success:
        err.write(f"see the event log: dockyard runs show {result.run_id}\n")
    return 0 if result.success else 1


def _require_no_partitions(layer: Any, keys: Any, instance: Any) -> None:
    from dockyard.errors import DagsterInvariantViolationError

    partitioned = sorted(k for k in keys if layer.nodes[k].partitions_def is not None)
    if not partitioned:
        return
    pdef = layer.nodes[partitioned[0]].partitions_def
    try:
        example = f" (e.g. --partition {pdef.get_partition_keys(dynamic_partitions_store=instance)[-1]})"
    except Exception:  # dynamic partitions without any key yet, or an unusual definition
        example = ""
    names = ", ".join(repr(k.to_user_string()) for k in partitioned[:10])
    raise DagsterInvariantViolationError(
        f"Assets {names} are partitioned, so the run needs a partition: pass --partition KEY{example}, "
        "or --select only unpartitioned assets."
    )


def _asset_names(defs: Any) -> str:
    keys = [k.to_user_string() for k in sorted(defs.get_asset_graph().materializable_keys)]
    shown = ", ".join(repr(k) for k in keys[:20])
    return shown + (f" and {len(keys) - 20} more" if len(keys) > 20 else "")
