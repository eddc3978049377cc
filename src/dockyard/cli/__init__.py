"""The ``dockyard`` command line (also ``python -m dockyard``).

Commands live one group per module (``materialize``, ``assets``, ``runs``, ``instance``,
``scaffold``, and ``ui`` for ``dev`` and ``ui``); each has ``register(subparsers, common)`` and
imports what it needs when it runs, so starting the CLI costs little beyond importing ``dockyard`` itself. Any error ends the command
with one ``error: ...`` line on stderr and exit code 1 (usage mistakes: argparse's message and 2);
``--verbose`` adds the traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from dockyard.cli import assets, instance, materialize, runs, scaffold, ui

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    # --verbose is accepted before or after the command; SUPPRESS keeps a subcommand's default
    # from overwriting a value given earlier.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="show tracebacks and info logs")
    parser = argparse.ArgumentParser(
        prog="dockyard", description="Materialize assets and inspect the dockyard instance at $DOCKYARD_HOME.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", default=False, help="show tracebacks and info logs")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (materialize, assets, runs, instance, scaffold, ui):
        module.register(commands, common)
    return parser


def describe(exc: BaseException) -> str:
    """One line for an error: dockyard's own messages as they are, others with their type."""
    from dockyard.errors import DagsterError

    text = str(exc).strip() if isinstance(exc, DagsterError) else f"{type(exc).__name__}: {exc}".strip()
    return text or type(exc).__name__


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with ``argv`` (default ``sys.argv[1:]``); returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error argparse already reported
        return exc.code if isinstance(exc.code, int) else 2
    if getattr(args, "func", None) is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        sys.stderr.write("\ninterrupted\n")
        return 130
    except BrokenPipeError:  # `dockyard runs list | head`: the reader left; say nothing more
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as exc:
        if args.verbose:
            import traceback

            traceback.print_exc()
        sys.stderr.write(f"error: {describe(exc)}\n")
        return 1
