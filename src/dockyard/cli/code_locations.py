"""Finding the ``Definitions`` a CLI command works on: ``-f FILE`` or ``-m MODULE``, ``-a ATTR``.

Without ``-a`` the module must hold exactly one ``Definitions`` object at module level, or none
and exactly one ``@definitions`` function (called with no arguments). A file's directory and the
current directory go on ``sys.path`` first, so the user's sibling modules import as they would
when running the file as a script. The result carries the ``dockyard/code_pointer`` the run
records, so ``AssetValueLoader(instance)`` can reload the same definitions later.
"""

from __future__ import annotations

import importlib
import os
import sys
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from dockyard.defs.container import Definitions
from dockyard.errors import DagsterInvariantViolationError


@dataclass(frozen=True, slots=True)
class CodeLocation:
    """Loaded definitions and where they came from.

    Attributes:
        definitions: The ``Definitions`` found.
        code_pointer: ``"module:attr"`` or ``"/abs/path/file.py:attr"``.
    """

    definitions: Definitions
    code_pointer: str


def load_code_location(python_file: str | None = None, module_name: str | None = None, attribute: str | None = None) -> CodeLocation:
    """Import ``python_file`` or ``module_name`` and find its ``Definitions``."""
    if (python_file is None) == (module_name is None):
        raise DagsterInvariantViolationError("Pass exactly one of -f FILE or -m MODULE to say where the definitions are.")
    if python_file is not None:
        path = os.path.abspath(python_file)
        module = import_file(path)
        where, target = f"file {python_file!r}", path
    else:
        assert module_name is not None
        module = import_module(module_name)
        where, target = f"module {module_name!r}", module_name
    name, defs = find_definitions(module, attribute, where)
    return CodeLocation(defs, f"{target}:{name}")


def _prepend_path(directory: str) -> None:
    if directory not in sys.path:
        sys.path.insert(0, directory)


def import_file(path: str) -> ModuleType:
    """Execute the Python file at ``path`` as a module (registered under its file name)."""
    from dockyard.execution.reconstruct import exec_file_as_module

    if not os.path.isfile(path):
        raise DagsterInvariantViolationError(f"Python file {path!r} does not exist. Pass -f with the path of a .py file.")
    stem = os.path.splitext(os.path.basename(path))[0]
    existing = sys.modules.get(stem)
    same_file = existing is not None and os.path.abspath(getattr(existing, "__file__", "") or "") == path
    # Re-running the same file replaces its module; a name taken by another module gets a private one.
    name = stem if stem.isidentifier() and (existing is None or same_file) else f"_dockyard_code_{abs(hash(path))}"
    _prepend_path(os.path.dirname(path))
    return exec_file_as_module(name, path, f"Cannot import {path!r} as Python code; pass a .py file.", wrap_errors=True)


def import_module(module_name: str) -> ModuleType:
    """Import ``module_name``, looking in the current directory first."""
    _prepend_path(os.getcwd())
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and (module_name == exc.name or module_name.startswith(exc.name + ".")):
            raise DagsterInvariantViolationError(
                f"No module named {module_name!r} (looked in {os.getcwd()!r} and the installed packages). "
                "Run from the directory that holds it, or pass -f path/to/file.py."
            ) from exc
        raise DagsterInvariantViolationError(f"Importing module {module_name!r} failed: {type(exc).__name__}: {exc}") from exc
    except Exception as exc:
        raise DagsterInvariantViolationError(f"Importing module {module_name!r} failed: {type(exc).__name__}: {exc}") from exc


def is_definitions_function(value: Any) -> bool:
    return callable(value) and bool(getattr(value, "_dockyard_definitions", False))


def _call(name: str, fn: Any, where: str) -> Definitions:
    try:
        defs = fn()
    except TypeError as exc:
        raise DagsterInvariantViolationError(
            f"Calling @definitions function {name!r} in {where} with no arguments failed: {exc}. "
            "Give it no required parameters."
        ) from exc
    if not isinstance(defs, Definitions):
        raise DagsterInvariantViolationError(
            f"@definitions function {name!r} in {where} returned {type(defs).__name__}, expected Definitions."
        )
    return defs


def find_definitions(module: ModuleType, attribute: str | None, where: str) -> tuple[str, Definitions]:
    """``(attribute, Definitions)`` of ``module`` by the rules in the module docstring."""
    namespace = vars(module)
    objects = [n for n, v in namespace.items() if isinstance(v, Definitions)]
    functions = [n for n, v in namespace.items() if is_definitions_function(v)]
    if attribute is not None:
        if attribute not in namespace:
            found = ", ".join(repr(n) for n in objects + functions) or "none"
            raise DagsterInvariantViolationError(
                f"{where[0].upper()}{where[1:]} has no attribute {attribute!r}. Definitions found there: {found}."
            )
        value = namespace[attribute]
        if isinstance(value, Definitions):
            return attribute, value
        if is_definitions_function(value):
            return attribute, _call(attribute, value, where)
        raise DagsterInvariantViolationError(
            f"{attribute!r} in {where} is a {type(value).__name__}, not Definitions or a @definitions function. "
            "Point -a at `defs = dg.Definitions(...)`."
        )
    if len(objects) == 1:
        return objects[0], namespace[objects[0]]
    if not objects and len(functions) == 1:
        return functions[0], _call(functions[0], namespace[functions[0]], where)
    if objects or functions:
        names = ", ".join(repr(n) for n in objects + functions)
        raise DagsterInvariantViolationError(f"{where[0].upper()}{where[1:]} has several definitions: {names}. Pick one with -a NAME.")
    from dockyard.defs.asset import AssetsDefinition

    assets = [n for n, v in namespace.items() if isinstance(v, AssetsDefinition)]
    found = f" (it has assets {', '.join(repr(n) for n in assets)})" if assets else ""
    raise DagsterInvariantViolationError(
        f"{where[0].upper()}{where[1:]} has no Definitions object or @definitions function at module level{found}. "
        "Add `defs = dg.Definitions(assets=[...])`."
    )
