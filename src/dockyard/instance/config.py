"""Reading ``dockyard.yaml`` and choosing the instance storage it names.

The file is optional; without it (or without a ``storage`` section) the instance uses one SQLite
database at ``<home>/dockyard.sqlite``. Backends form a small table, imported on first use::

    storage:
      sqlite:
        path: dockyard.sqlite        # optional, relative to the instance home
        busy_timeout_ms: 60000       # optional
    # or
    storage:
      postgres:
        url: postgresql://user:pass@host:5432/db   # or url: {env: DOCKYARD_PG_URL}
        schema: dockyard             # optional, the PostgreSQL schema for dockyard's tables
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from dockyard.errors import DagsterInvalidConfigError
from dockyard.instance.storage.base import InstanceStorage

CONFIG_FILENAME = "dockyard.yaml"
SQLITE_FILENAME = "dockyard.sqlite"
STORAGE_BACKENDS = ("sqlite", "postgres")


def load_instance_config(home: str) -> dict[str, Any]:
    """The parsed ``<home>/dockyard.yaml`` (``{}`` when there is none)."""
    path = os.path.join(home, CONFIG_FILENAME)
    if not os.path.isfile(path):
        return {}
    import yaml

    with open(path) as f:
        try:
            data = yaml.safe_load(f)
        except yaml.YAMLError as exc:
            raise DagsterInvalidConfigError(f"Could not parse {path}: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise DagsterInvalidConfigError(f"{path} must hold a mapping at the top level, got {type(data).__name__}: {data!r:.80}.")
    return dict(data)


def _sqlite(home: str, cfg: Mapping[str, Any]) -> InstanceStorage:
    from dockyard.instance.storage.sqlite import SqliteInstanceStorage

    unknown = set(cfg) - {"path", "busy_timeout_ms"}
    if unknown:
        raise DagsterInvalidConfigError(
            f"Unknown key(s) {sorted(unknown)!r} under storage.sqlite in {CONFIG_FILENAME}. Valid keys: 'path', 'busy_timeout_ms'."
        )
    path = os.path.join(home, os.path.expanduser(str(cfg.get("path") or SQLITE_FILENAME)))
    return SqliteInstanceStorage(path, busy_timeout_ms=int(cfg.get("busy_timeout_ms", 60_000)))


def _env_or_value(value: Any, where: str) -> Any:
    """``value``, or the environment variable it names as ``{env: NAME}``."""
    if isinstance(value, Mapping):
        if set(value) != {"env"}:
            raise DagsterInvalidConfigError(
                f"{where} in {CONFIG_FILENAME} must be a value or {{env: VARIABLE}}, got {dict(value)!r}."
            )
        name = str(value["env"])
        if not os.environ.get(name):
            raise DagsterInvalidConfigError(
                f"{where} in {CONFIG_FILENAME} reads the environment variable {name!r}, which is not set. "
                f"Set it, e.g. export {name}=postgresql://user:pass@localhost:5432/dockyard."
            )
        return os.environ[name]
    return value


def _postgres(home: str, cfg: Mapping[str, Any]) -> InstanceStorage:
    from dockyard._internal.imports import require_extra

    unknown = set(cfg) - {"url", "schema"}
    if unknown:
        raise DagsterInvalidConfigError(
            f"Unknown key(s) {sorted(unknown)!r} under storage.postgres in {CONFIG_FILENAME}. Valid keys: 'url', 'schema'."
        )
    url = _env_or_value(cfg.get("url"), "storage.postgres.url")
    if not url:
        raise DagsterInvalidConfigError(
            f"storage.postgres in {CONFIG_FILENAME} needs a 'url', e.g. url: postgresql://user:pass@localhost:5432/dockyard "
            "or url: {env: DOCKYARD_PG_URL}."
        )
    require_extra("psycopg", "postgres")
    from dockyard.postgres.storage import DEFAULT_SCHEMA, PostgresInstanceStorage

    return PostgresInstanceStorage(str(url), schema=str(cfg.get("schema") or DEFAULT_SCHEMA))


def storage_from_config(home: str, config: Mapping[str, Any]) -> InstanceStorage:
    """The storage ``config`` (a parsed ``dockyard.yaml``) selects for the instance at ``home``."""
    storage = config.get("storage") or {}
    if not isinstance(storage, Mapping) or len(storage) != 1 or next(iter(storage)) not in STORAGE_BACKENDS:
        if storage == {}:
            return _sqlite(home, {})
        raise DagsterInvalidConfigError(
            f"storage in {os.path.join(home, CONFIG_FILENAME)} must name exactly one backend, got {storage!r}. "
            f"Valid backends: {', '.join(repr(b) for b in STORAGE_BACKENDS)} (e.g. storage: {{sqlite: {{}}}})."
        )
    name, cfg = next(iter(storage.items()))
    cfg = cfg or {}
    if not isinstance(cfg, Mapping):
        raise DagsterInvalidConfigError(f"storage.{name} in {CONFIG_FILENAME} must be a mapping, got {cfg!r}.")
    return _sqlite(home, cfg) if name == "sqlite" else _postgres(home, cfg)
