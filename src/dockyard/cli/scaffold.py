"""``dockyard scaffold defs TYPE PATH``: write a commented starter file that runs as written.

Types are a small table (``TEMPLATES``); ``dagster.*`` names are accepted for the same templates
so commands from the Dagster docs work. The generated code imports ``dockyard as dg``; it is
written to the shared API, so ``import dagster as dg`` runs it too.
"""

from __future__ import annotations

import argparse
import keyword
import os
import re
import sys
from typing import Any

ASSET_TEMPLATE = '''\
"""Assets for __NAME__ (written by `dockyard scaffold defs dockyard.asset`).

Materialize them into the instance at $DOCKYARD_HOME (default ./.dockyard), then look at the result:

    dockyard materialize -f __PATH__
    dockyard asset show __NAME__
"""

import dockyard as dg


# An asset is a function whose return value is stored by an I/O manager. Without one in
# Definitions(resources=...), values are pickled under $DOCKYARD_HOME/storage.
@dg.asset(
    group_name="__GROUP__",  # select the group with: dockyard materialize ... --select group:__GROUP__
    description="Replace this with what the asset holds.",
)
def __NAME__(context: dg.AssetExecutionContext) -> dict[str, int]:
    counts = {"apples": 3, "pears": 5}  # fetch or compute your data here
    context.log.info(f"computed {len(counts)} counts")
    # Metadata is recorded with each materialization; `dockyard asset show` lists it.
    context.add_output_metadata({"kinds": len(counts)})
    return counts


# A parameter named after another asset makes it a dependency: the upstream value is loaded by
# the I/O manager that stored it and passed in.
@dg.asset(group_name="__GROUP__")
def __NAME___total(__NAME__: dict[str, int]) -> int:
    return sum(__NAME__.values())


# `dockyard materialize -f` finds this module-level Definitions object.
defs = dg.Definitions(assets=[__NAME__, __NAME___total])
'''

RESOURCES_TEMPLATE = '''\
"""Resources for __NAME__ (written by `dockyard scaffold defs dockyard.resources`).

A resource is configuration plus the client code that assets share (an API client, a database
connection). Assets ask for one by a parameter named after its key and typed with its class:

    @dg.asset
    def users(__KEY__: __CLASS__) -> dict[str, str]:
        return __KEY__.fetch("users")

Combine these resources with your assets with `dg.Definitions.merge(resources(), assets_defs)`,
or pass them as `Definitions(resources=...)` next to your assets.
"""

import dockyard as dg


class __CLASS__(dg.ConfigurableResource):
    """Replace this with a client for your system; fields are its configuration."""

    base_url: str = "https://example.com/api"
    timeout_seconds: float = 10.0

    def fetch(self, path: str) -> dict[str, str]:
        # Call the real system here (requests, httpx, a database driver, ...). This starter stays
        # offline so it runs anywhere.
        return {"url": f"{self.base_url}/{path.lstrip('/')}"}


# Tools that load this file (`dockyard materialize -f`) call a @dg.definitions function to get
# its Definitions. Read secrets from the environment rather than writing them here, e.g.
# __CLASS__(base_url=dg.EnvVar("API_URL")).
@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources={"__KEY__": __CLASS__()})
'''

TEMPLATES = {
    "dockyard.asset": ("asset", ASSET_TEMPLATE),
    "dockyard.resources": ("resources", RESOURCES_TEMPLATE),
    "dagster.asset": ("asset", ASSET_TEMPLATE),
    "dagster.resources": ("resources", RESOURCES_TEMPLATE),
}
DEFAULT_FILE_NAMES = {"asset": "assets.py", "resources": "resources.py"}


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser("scaffold", parents=[common], help="write starter files")
    commands = parser.add_subparsers(dest="scaffold_command", metavar="COMMAND", required=True)
    defs = commands.add_parser(
        "defs", parents=[common], help="write a starter definitions file",
        description="Write a working, commented starter file for assets or resources.",
    )
    defs.add_argument("type", metavar="TYPE", choices=sorted(TEMPLATES), help=f"one of: {', '.join(sorted(TEMPLATES))}")
    defs.add_argument("path", metavar="PATH", help="the .py file to write (a directory gets assets.py / resources.py)")
    defs.add_argument("--force", action="store_true", help="overwrite an existing file")
    defs.set_defaults(func=scaffold_defs)


def python_name(text: str, fallback: str) -> str:
    """``text`` turned into a lowercase identifier (``fallback`` if nothing is left)."""
    name = re.sub(r"\W+", "_", text.strip().lower()).strip("_")
    if not name:
        return fallback
    if name[0].isdigit():
        name = f"{fallback}_{name}"
    return name + "_" if keyword.iskeyword(name) else name


def render(kind: str, path: str) -> str:
    stem = os.path.splitext(os.path.basename(path))[0]
    if stem == "__init__":
        stem = os.path.basename(os.path.dirname(os.path.abspath(path)))
    if kind == "asset":
        name = python_name(stem, "asset")
        group = name
        text = ASSET_TEMPLATE.replace("__GROUP__", group).replace("__NAME__", name)
    else:
        base = python_name(stem, "resources")
        key = "api_client"
        cls = "".join(part.capitalize() for part in key.split("_")) + "Resource"
        text = RESOURCES_TEMPLATE.replace("__KEY__", key).replace("__CLASS__", cls).replace("__NAME__", base)
    return text.replace("__PATH__", path)


def scaffold_defs(args: argparse.Namespace) -> int:
    from dockyard.errors import DagsterInvariantViolationError

    kind, _ = TEMPLATES[args.type]
    path = args.path
    if path.endswith(("/", os.sep)) or os.path.isdir(path):
        path = os.path.join(path, DEFAULT_FILE_NAMES[kind])
    if not path.endswith(".py"):
        path += ".py"
    if os.path.exists(path) and not args.force:
        raise DagsterInvariantViolationError(f"{path!r} already exists; pass --force to overwrite it.")
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    with open(path, "w") as f:
        f.write(render(kind, path))
    sys.stdout.write(f"Wrote {path} ({args.type}).\n")
    if kind == "asset":
        sys.stdout.write(f"Materialize it with: dockyard materialize -f {path}\n")
    else:
        sys.stdout.write("Use the resources from assets by parameter name; the file's docstring shows how.\n")
    return 0
