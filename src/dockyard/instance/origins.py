"""Where a materialized asset's value came from: the code that defined it and its I/O manager.

Recorded by the run loop with each materialization so that ``AssetValueLoader(instance)`` can
reload values without the caller passing the definitions again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dockyard.defs.keys import AssetKey


@dataclass(frozen=True, slots=True)
class AssetOrigin:
    """The code location and I/O manager of an asset's latest materialization.

    Attributes:
        asset_key: The asset.
        io_manager_key: The resource key of the I/O manager that stored the value.
        uses_default_storage: True when that manager was the built-in default (pickles under the
            instance's storage directory), so the value loads without any definitions.
        module: Importable module defining the asset (``None`` when unknown).
        attribute: Variable name of the ``Definitions`` (preferred) or the asset in ``module``.
        file: Source file of ``module`` (for scripts run as ``__main__``).
        code_pointer: An explicit pointer set by the caller (e.g. the CLI), ``"module:attr"`` or
            ``"path/to/file.py:attr"``; wins over ``module``/``attribute``.
        run_id: The run that recorded it.
    """

    asset_key: AssetKey
    io_manager_key: str
    uses_default_storage: bool = False
    module: str | None = None
    attribute: str | None = None
    file: str | None = None
    code_pointer: str | None = None
    run_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "asset_key": list(self.asset_key.path),
            "io_manager_key": self.io_manager_key,
            "uses_default_storage": self.uses_default_storage,
            "module": self.module,
            "attribute": self.attribute,
            "file": self.file,
            "code_pointer": self.code_pointer,
            "run_id": self.run_id,
        }

    @staticmethod
    def from_dict(d: Mapping[str, Any]) -> AssetOrigin:
        return AssetOrigin(
            AssetKey(d["asset_key"]), d["io_manager_key"], bool(d.get("uses_default_storage")), d.get("module"),
            d.get("attribute"), d.get("file"), d.get("code_pointer"), d.get("run_id"),
        )
