"""``dockyard instance info``: where the instance lives and what it holds."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser("instance", parents=[common], help="the instance at $DOCKYARD_HOME")
    commands = parser.add_subparsers(dest="instance_command", metavar="COMMAND", required=True)
    info = commands.add_parser("info", parents=[common], help="location, storage and contents of the instance")
    info.set_defaults(func=show_info)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("dockyard")
    except PackageNotFoundError:
        return "unknown"


def show_info(args: argparse.Namespace) -> int:
    from dockyard.cli.tables import format_timestamp
    from dockyard.instance.config import CONFIG_FILENAME
    from dockyard.instance.instance import DagsterInstance

    source = next((v for v in ("DOCKYARD_HOME", "DAGSTER_HOME") if os.environ.get(v)), None)
    with DagsterInstance.get() as instance:
        home = instance.root_directory
        config = os.path.join(home, CONFIG_FILENAME)
        runs = instance.get_runs()
        assets = instance.get_asset_keys()
        rows = [
            ("home", f"{home}  (from ${source})" if source else f"{home}  (./.dockyard: $DOCKYARD_HOME is not set)"),
            ("config", config if os.path.isfile(config) else f"{config}  (absent: defaults)"),
            ("runs and events", repr(instance.storage)),
            ("asset storage", instance.storage_directory()),
            ("runs", f"{len(runs)}" + (f"  (latest {format_timestamp(runs[0].start_time)}, {runs[0].status.value})" if runs else "")),
            ("assets", f"{len(assets)} materialized"),
            ("dockyard", f"{_version()}, Python {sys.version.split()[0]}"),
        ]
    width = max(len(name) for name, _ in rows)
    sys.stdout.write("".join(f"{name.ljust(width)}  {value}\n" for name, value in rows))
    return 0
