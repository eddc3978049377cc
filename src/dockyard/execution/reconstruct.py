"""Jobs other processes can rebuild: ``reconstructable`` and ``ReconstructableJob``.

A worker process cannot receive a job object (it holds functions, resources, closures), so it
receives a *code pointer* and imports the job itself. A pointer is ``"module:attr"`` or
``"/abs/path/file.py:attr"`` (the form the ``dockyard/code_pointer`` run tag and the CLI use);
``attr`` names a ``JobDefinition``, a ``Definitions``, a ``@definitions`` function or a
no-argument function returning either. With a ``Definitions`` the job is picked by name (the
implicit asset job when none is given).

Files are imported the way the CLI imports them (module name = file stem when that name is
free, the file's directory first on ``sys.path``), so values pickled by a worker unpickle in the
launching process too. Loaded targets are cached per process: a warm worker imports the user's
code once.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import sys
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from dockyard.defs.container import Definitions
from dockyard.defs.job import IMPLICIT_ASSET_JOB_NAME, JobDefinition
from dockyard.errors import DagsterInvariantViolationError

_targets: dict[str, Any] = {}  # code pointer -> loaded (and called) target, per process


@dataclass(frozen=True, slots=True)
class ReconstructableJob:
    """A job named by where its code lives, so other processes can import it.

    Attributes:
        code_pointer: ``"module:attr"`` or ``"/abs/path/file.py:attr"``.
        job_name: which job of a ``Definitions`` target (``None``: the target is the job, or the
            implicit job over all assets of a ``Definitions``).
    """

    code_pointer: str
    job_name: str | None = None

    @staticmethod
    def for_file(python_file: str, fn_name: str, job_name: str | None = None) -> ReconstructableJob:
        return ReconstructableJob(f"{os.path.abspath(python_file)}:{fn_name}", job_name)

    @staticmethod
    def for_module(module: str, fn_name: str, job_name: str | None = None) -> ReconstructableJob:
        return ReconstructableJob(f"{module}:{fn_name}", job_name)

    def get_job(self, job_name: str | None) -> ReconstructableJob:
        """The job named ``job_name`` of the same code location."""
        return ReconstructableJob(self.code_pointer, job_name)

    def get_definition(self) -> JobDefinition:
        """Import the target (once per process) and return the job."""
        return job_from_target(load_code_pointer(self.code_pointer), self.job_name, self.code_pointer)

    def __repr__(self) -> str:
        return f"ReconstructableJob({self.code_pointer!r}, job_name={self.job_name!r})"


def reconstructable(target: Any, job_name: str | None = None) -> ReconstructableJob:
    """Name ``target`` by module (or file) and attribute so worker processes can rebuild it.

    ``target`` must be bound to a module-level name: a ``@job``, a ``Definitions``, a
    ``@definitions`` function, or a function returning a job or ``Definitions``. Pass
    ``job_name`` to pick one job of a ``Definitions`` (default: the job over all its assets).
    """
    if isinstance(target, ReconstructableJob):
        return target if job_name is None else target.get_job(job_name)
    module = _defining_module(target)
    attribute = next((n for n, v in vars(module).items() if v is target), None) if module is not None else None
    if module is None or attribute is None:
        raise DagsterInvariantViolationError(
            f"reconstructable() needs {target!r} bound to a module-level name, so other processes can import "
            "it; found none. Define it at the top level of a module (not inside a function or a test), or "
            "build the pointer yourself: ReconstructableJob.for_file(path, 'name') / .for_module(module, 'name')."
        )
    return ReconstructableJob(f"{_module_location(module)}:{attribute}", job_name)


def _defining_module(target: Any) -> ModuleType | None:
    if inspect.isfunction(target):
        return sys.modules.get(target.__module__)
    # a job or Definitions object: the caller's module, the modules of its compute functions, else
    # any loaded module binding it
    candidates: list[str | None] = []
    frame = inspect.currentframe()
    while frame is not None:
        mod_name = frame.f_globals.get("__name__")
        if mod_name is not None and not mod_name.startswith("dockyard.execution."):
            candidates.append(mod_name)
            break
        frame = frame.f_back
    op_defs: list[Any] = []
    if isinstance(target, JobDefinition):
        op_defs = target.op_defs
    elif isinstance(target, Definitions):
        op_defs = [getattr(a, "node_def", None) for a in target.assets]
    candidates.extend(getattr(getattr(o, "compute_fn", None), "__module__", None) for o in op_defs)
    for name in dict.fromkeys(candidates):
        module = sys.modules.get(name) if name else None
        if module is not None and any(v is target for v in vars(module).values()):
            return module
    for module in list(sys.modules.values()):
        if any(v is target for v in list(getattr(module, "__dict__", {}).values())):
            return module
    return None


def _module_location(module: ModuleType) -> str:
    """``module.__name__`` when another process can import it by name, else its file path."""
    name = module.__name__
    file: str | None = getattr(module, "__file__", None)
    if name != "__main__" and name == getattr(module.__spec__, "name", None):
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        origin = getattr(spec, "origin", None)
        if origin is not None and file is not None and os.path.abspath(origin) == os.path.abspath(file):
            return name
    if file is None:
        raise DagsterInvariantViolationError(f"Module {name!r} has no file and cannot be imported by name in another process.")
    return os.path.abspath(file)


# -- loading -------------------------------------------------------------------------------------


def load_code_pointer(code_pointer: str) -> Any:
    """The object ``code_pointer`` names, imported once per process (functions are called)."""
    hit = _targets.get(code_pointer)
    if hit is not None:
        return hit
    location, _, attribute = code_pointer.rpartition(":")
    if not location or not attribute:
        raise DagsterInvariantViolationError(
            f"Code pointer {code_pointer!r} is not 'module:attr' or '/path/to/file.py:attr'."
        )
    module = _import_file(location) if location.endswith(".py") else _import_module(location)
    if not hasattr(module, attribute):
        raise DagsterInvariantViolationError(f"Code pointer {code_pointer!r}: {location!r} has no attribute {attribute!r}.")
    target = getattr(module, attribute)
    if inspect.isfunction(target):
        target = target()
    _targets[code_pointer] = target
    return target


def job_from_target(target: Any, job_name: str | None, where: str) -> JobDefinition:
    if isinstance(target, JobDefinition):
        if job_name is not None and job_name not in (target.name, IMPLICIT_ASSET_JOB_NAME):
            raise DagsterInvariantViolationError(f"{where} is job {target.name!r}, not {job_name!r}.")
        return target
    if isinstance(target, Definitions):
        if job_name is None or job_name == IMPLICIT_ASSET_JOB_NAME:
            return target.get_implicit_global_asset_job_def()
        return target.get_job_def(job_name)
    raise DagsterInvariantViolationError(
        f"{where} is a {type(target).__name__}; expected a JobDefinition, a Definitions, or a function returning one."
    )


def _import_module(name: str) -> ModuleType:
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise DagsterInvariantViolationError(f"Cannot import module {name!r} named by a code pointer: {exc}") from exc


def _import_file(path: str) -> ModuleType:
    path = os.path.abspath(path)
    for module in list(sys.modules.values()):
        if os.path.abspath(getattr(module, "__file__", None) or "") == path:
            return module  # already imported (a script run as __main__ included): reuse it
    if not os.path.isfile(path):
        raise DagsterInvariantViolationError(f"Python file {path!r} named by a code pointer does not exist.")
    stem = os.path.splitext(os.path.basename(path))[0]
    name = stem if stem.isidentifier() and stem not in sys.modules else f"_dockyard_code_{abs(hash(path))}"
    directory = os.path.dirname(path)
    if directory not in sys.path:
        sys.path.insert(0, directory)
    return exec_file_as_module(name, path, f"Cannot import {path!r} as Python code.")


def exec_file_as_module(name: str, path: str, not_code_message: str, wrap_errors: bool = False) -> ModuleType:
    """Execute the file at ``path`` as module ``name`` (in ``sys.modules`` unless it raises).

    With ``wrap_errors`` an exception from the file's code is raised as a
    ``DagsterInvariantViolationError`` naming the file.
    """
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise DagsterInvariantViolationError(not_code_message)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:
        sys.modules.pop(name, None)
        if wrap_errors and isinstance(exc, Exception):
            raise DagsterInvariantViolationError(f"Importing {path!r} failed: {type(exc).__name__}: {exc}") from exc
        raise
    return module
