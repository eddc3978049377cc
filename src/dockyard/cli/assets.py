"""``dockyard asset list | show KEY | wipe KEY...``: what the instance knows about assets.

``show`` reads one page of history with one indexed query (newest first, ``--limit`` rows and
one more to know whether there is a next page), so it stays fast however long the history is.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from dockyard.cli.tables import format_metadata_value, format_timestamp, render_table

DEFAULT_LIMIT = 20


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser("asset", parents=[common], help="list, show and wipe materialized assets")
    commands = parser.add_subparsers(dest="asset_command", metavar="COMMAND", required=True)

    listing = commands.add_parser("list", parents=[common], help="materialized assets and their latest materialization")
    listing.set_defaults(func=list_assets)

    show = commands.add_parser("show", parents=[common], help="materialization history of an asset, newest first")
    show.add_argument("key", metavar="KEY", help="asset key, path parts joined by '/' (e.g. raw/orders)")
    show.add_argument("--limit", type=_positive, default=DEFAULT_LIMIT, help=f"materializations per page (default {DEFAULT_LIMIT})")
    show.add_argument("--cursor", help="continue after a previous page (printed at its end)")
    show.add_argument("--partition", action="append", metavar="KEY", help="only these partitions (repeatable)")
    show.set_defaults(func=show_asset)

    wipe = commands.add_parser("wipe", parents=[common], help="forget the materialization history of assets (values stay)")
    wipe.add_argument("keys", nargs="+", metavar="KEY", help="asset keys to wipe")
    wipe.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    wipe.set_defaults(func=wipe_assets)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return value


def _instance() -> Any:
    from dockyard.instance.instance import DagsterInstance

    return DagsterInstance.get()


def _key(text: str) -> Any:
    from dockyard.defs.keys import AssetKey

    return AssetKey.from_user_string(text)


def _unknown_asset(instance: Any, key: Any, what: str = "materializations") -> Exception:
    from dockyard.errors import DagsterInvariantViolationError

    known = [k.to_user_string() for k in instance.get_asset_keys()]
    listed = ", ".join(repr(k) for k in known[:10]) + (f" and {len(known) - 10} more" if len(known) > 10 else "")
    hint = f"Materialized assets: {listed}." if known else "Nothing has been materialized there yet; run `dockyard materialize` first."
    return DagsterInvariantViolationError(
        f"Asset {key.to_user_string()!r} has no {what} in the instance at {instance.root_directory}. {hint}"
    )


def list_assets(args: argparse.Namespace) -> int:
    with _instance() as instance:
        keys = instance.get_asset_keys()
        if not keys:
            sys.stdout.write(f"No materialized assets in the instance at {instance.root_directory}.\n")
            return 0
        rows = []
        for key in keys:
            latest = instance.get_latest_materialization_event(key)
            partitions = len(instance.get_materialized_partitions(key))
            rows.append((
                key.to_user_string(),
                format_timestamp(latest.timestamp if latest else None),
                partitions or "-",
                latest.run_id if latest else "-",
            ))
    sys.stdout.write(render_table(("asset", "last materialized", "partitions", "run"), rows) + "\n")
    return 0


def show_asset(args: argparse.Namespace) -> int:
    from dockyard.instance.instance import AssetRecordsFilter

    key = _key(args.key)
    with _instance() as instance:
        records_filter = AssetRecordsFilter(key, args.partition) if args.partition else key
        page = instance.fetch_materializations(records_filter, limit=args.limit, cursor=args.cursor)
        if not page.records and args.cursor is None:
            raise _unknown_asset(instance, key, "materializations" if not args.partition else f"materializations of partition(s) {args.partition}")
        origin = instance.get_asset_origin(key)
    out = sys.stdout
    out.write(f"asset {key.to_user_string()}\n")
    if origin is not None:
        storage = "default filesystem storage" if origin.uses_default_storage else "configured"
        out.write(f"  stored by   I/O manager {origin.io_manager_key!r} ({storage})\n")
        defined_in = origin.code_pointer or ":".join(p for p in (origin.module, origin.attribute) if p)
        if defined_in:
            out.write(f"  defined in  {defined_in}\n")
    out.write(f"\nmaterializations, newest first ({len(page.records)} shown):\n")
    for record in page.records:
        mat = record.asset_materialization
        partition = f"  partition {mat.partition}" if mat.partition is not None else ""
        out.write(f"\n  {format_timestamp(record.timestamp)}  run {record.run_id}{partition}\n")
        if mat.description:
            out.write(f"    {mat.description}\n")
        if mat.metadata:
            width = max(len(name) for name in mat.metadata)
            for name, value in mat.metadata.items():
                out.write(f"    {name.ljust(width)}  {format_metadata_value(value)}\n")
    if page.has_more:
        out.write(f"\nmore: dockyard asset show {args.key} --limit {args.limit} --cursor {page.cursor}\n")
    return 0


def wipe_assets(args: argparse.Namespace) -> int:
    from dockyard.errors import DagsterInvariantViolationError

    keys = [_key(k) for k in args.keys]
    with _instance() as instance:
        for key in keys:
            if not instance.has_asset_key(key):
                raise _unknown_asset(instance, key)
        names = ", ".join(repr(k.to_user_string()) for k in keys)
        if not args.yes:
            if not sys.stdin.isatty():
                raise DagsterInvariantViolationError(f"Not wiping {names} without confirmation: pass --yes.")
            answer = input(f"Wipe the materialization history of {names} from {instance.root_directory}? Stored values stay. [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                sys.stdout.write("Nothing wiped.\n")
                return 1
        instance.wipe_assets(keys)
    sys.stdout.write(f"Wiped the materialization history of {names}.\n")
    return 0
