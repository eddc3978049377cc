"""``dockyard dev`` and ``dockyard ui``: the web UI, for a code location or for the instance alone.

``dev -f FILE`` loads the definitions like ``materialize`` does and serves the UI with launching;
``ui`` serves a read-only view of ``$DOCKYARD_HOME``. Both bind 127.0.0.1:3000 by default and print
the URL on stdout. On Ctrl+C the server stops taking requests, then waits for runs it launched
(a second Ctrl+C abandons them).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from dockyard.cli.options import add_location_options

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 3000


def _add_server_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST}; other addresses expose the UI to the network)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port to listen on (default {DEFAULT_PORT}; 0 picks a free one)")


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    dev = subparsers.add_parser(
        "dev", parents=[common], help="serve the web UI for a code location (launch runs from the browser)",
        description="Serve the web UI for the definitions in FILE or MODULE, recording runs in $DOCKYARD_HOME.",
    )
    add_location_options(dev)
    _add_server_options(dev)
    dev.set_defaults(func=run_dev)

    ui = subparsers.add_parser(
        "ui", parents=[common], help="serve a read-only web UI of the instance",
        description="Serve a read-only web UI of the runs and assets recorded in $DOCKYARD_HOME.",
    )
    _add_server_options(ui)
    ui.set_defaults(func=run_ui)


def run_dev(args: argparse.Namespace) -> int:
    from dockyard.cli.code_locations import load_code_location

    location = load_code_location(args.python_file, args.module_name, args.attribute)
    return _serve(args, location.definitions, location.code_pointer)


def run_ui(args: argparse.Namespace) -> int:
    return _serve(args, None, None)


def _serve(args: argparse.Namespace, definitions: Any, code_pointer: str | None) -> int:
    from dockyard.instance.instance import DagsterInstance
    from dockyard.ui import create_app
    from dockyard.ui.security import is_loopback
    from dockyard.ui.server import allowed_hosts_for, serve

    verbose = bool(getattr(args, "verbose", False))
    instance = DagsterInstance.get()
    try:
        app = create_app(instance, definitions, code_pointer, allowed_hosts=allowed_hosts_for(args.host))
        if not is_loopback(args.host):
            sys.stderr.write(
                f"warning: listening on {args.host} makes the UI{' and run launching' if definitions is not None else ''} "
                "reachable from other machines; it has no login.\n"
            )

        def announce(url: str) -> None:
            what = f"{code_pointer} ({len(definitions.get_asset_graph().nodes)} assets)" if definitions is not None else "read-only view"
            sys.stdout.write(f"dockyard {'dev' if definitions is not None else 'ui'}: {what}, instance {instance.root_directory}\n")
            sys.stdout.write(f"serving on {url}  (Ctrl+C to stop)\n")
            sys.stdout.flush()

        serve(app, args.host, args.port, announce=announce, log_level="info" if verbose else "warning", access_log=verbose)
        workspace = app.state.workspace
        if workspace.launcher is not None and workspace.launcher.active_run_ids:
            count = len(workspace.launcher.active_run_ids)
            sys.stderr.write(f"waiting for {count} run(s) launched from the UI to finish (Ctrl+C again to abandon them)\n")
        workspace.close()
    finally:
        instance.dispose()
    return 0
