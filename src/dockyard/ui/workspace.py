"""What one UI server shows: an instance and, for ``dockyard dev``, the definitions of a code
location (which add lineage, groups, descriptions and launching). Without definitions
(``dockyard ui``) every page is read-only and lists what the instance recorded."""

from __future__ import annotations

from typing import Any

from dockyard.defs.asset_graph import AssetNode
from dockyard.defs.keys import AssetKey
from dockyard.instance.runs import DagsterRun
from dockyard.ui.launcher import RunLauncher

RECENT_RUNS = 200  # runs scanned to find each asset's latest run (status colors, failed partitions)


class Workspace:
    """The instance and optional definitions behind a UI app.

    Args:
        instance: The ``DagsterInstance`` to read (and launch runs into).
        definitions: The ``Definitions`` of a code location, or ``None`` for a read-only view.
        code_pointer: Where the definitions came from (``file.py:defs``), recorded on launched runs.
    """

    def __init__(self, instance: Any, definitions: Any = None, code_pointer: str | None = None) -> None:
        self.instance = instance
        self.definitions = definitions
        self.code_pointer = code_pointer
        self.layer = definitions.get_asset_graph() if definitions is not None else None
        self.launcher = RunLauncher(instance, definitions, code_pointer) if definitions is not None else None
        self._downstream: dict[AssetKey, set[AssetKey]] | None = None

    @property
    def is_read_only(self) -> bool:
        return self.launcher is None

    def node(self, key: AssetKey) -> AssetNode | None:
        return self.layer.nodes.get(key) if self.layer is not None else None

    def upstream(self, key: AssetKey) -> list[AssetKey]:
        if self.layer is None or key not in self.layer.nodes:
            return []
        return sorted(self.layer.upstream_keys(key))

    def downstream(self, key: AssetKey) -> list[AssetKey]:
        if self.layer is None:
            return []
        if self._downstream is None:
            self._downstream = self.layer.downstream_map()
        return sorted(self._downstream.get(key, ()))

    def asset_keys(self) -> list[AssetKey]:
        """Defined assets in dependency order, then assets only the instance knows, sorted."""
        recorded: list[AssetKey] = self.instance.get_asset_keys()
        if self.layer is None:
            return recorded
        defined = list(self.layer.toposorted_keys)
        known = set(defined)
        return defined + [k for k in recorded if k not in known]

    def latest_runs_by_asset(self) -> dict[AssetKey, DagsterRun]:
        """For each asset, the newest of the recent runs that targeted it."""
        out: dict[AssetKey, DagsterRun] = {}
        for run in self.instance.get_runs(limit=RECENT_RUNS):
            for key in run.asset_selection or ():
                out.setdefault(key, run)
        return out

    def close(self, timeout: float | None = None) -> None:
        if self.launcher is not None:
            self.launcher.close(timeout)
