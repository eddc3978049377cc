"""Recording, per materialization, where the asset's code lives and which I/O manager stored it.

The run loop calls ``origins_for_step`` after each step and stores the result with the step's
events (one transaction). ``AssetValueLoader(instance)`` reads it back to reload values without
being handed the definitions. The code location is found once per ``AssetsDefinition`` (cached):
the module of its compute function and the module-level name bound to a ``Definitions`` holding
it (preferred, it carries the resources) or to the asset itself. A run tag
``dockyard/code_pointer`` (``"module:attr"`` or ``"file.py:attr"``, set e.g. by the CLI) wins.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import Any

from dockyard.defs.keys import AssetKey
from dockyard.instance.events import DagsterEvent, DagsterEventType, HandledOutputData
from dockyard.instance.origins import AssetOrigin

CODE_POINTER_TAG = "dockyard/code_pointer"
_HANDLED = DagsterEventType.HANDLED_OUTPUT.value
_MATERIALIZED = DagsterEventType.ASSET_MATERIALIZATION.value

# id(assets_def) -> (assets_def, (module, attribute, file)); the stored object guards against id reuse
_location_cache: dict[int, tuple[Any, tuple[str | None, str | None, str | None]]] = {}


def _holds(candidate: Any, assets_def: Any) -> bool:
    assets = getattr(candidate, "assets", None)
    return isinstance(assets, list) and any(a is assets_def for a in assets)


def code_location(assets_def: Any) -> tuple[str | None, str | None, str | None]:
    """``(module, attribute, file)`` defining ``assets_def``; parts are ``None`` when unknown."""
    hit = _location_cache.get(id(assets_def))
    if hit is not None and hit[0] is assets_def:
        return hit[1]
    fn = getattr(getattr(assets_def, "op", None), "compute_fn", None)
    fn = getattr(fn, "decorated_fn", fn)
    module_name = getattr(fn, "__module__", None)
    module = sys.modules.get(module_name) if module_name else None
    attribute = None
    if module is not None:
        from dockyard.defs.container import Definitions

        namespace = vars(module)
        attribute = next(
            (n for n, v in namespace.items() if isinstance(v, Definitions) and _holds(v, assets_def)),
            None,
        ) or next((n for n, v in namespace.items() if v is assets_def), None)
    location = (module_name, attribute, getattr(module, "__file__", None))
    _location_cache[id(assets_def)] = (assets_def, location)
    return location


def origins_for_step(
    step: Any, events: Sequence[DagsterEvent], resource_defs: Mapping[str, Any], tags: Mapping[str, str], run_id: str
) -> list[AssetOrigin]:
    """Origins of the assets this step materialized (empty when it materialized none)."""
    if step.assets_def is None or not any(e.event_type_value == _MATERIALIZED for e in events):
        return []
    from dockyard.io.filesystem import fs_io_manager

    keys_by_output = {o.name: o.asset_key for o in step.outputs if o.asset_key is not None}
    materialized: set[AssetKey] = {e.asset_key for e in events if e.event_type_value == _MATERIALIZED and e.asset_key is not None}
    module, attribute, file = code_location(step.assets_def)
    pointer = tags.get(CODE_POINTER_TAG)
    out = []
    for e in events:
        data = e.event_specific_data
        if e.event_type_value != _HANDLED or not isinstance(data, HandledOutputData):
            continue
        key = keys_by_output.get(data.output_name)
        if key is None or key not in materialized:
            continue
        out.append(AssetOrigin(
            key, data.manager_key, resource_defs.get(data.manager_key) is fs_io_manager,
            module, attribute, file, pointer, run_id,
        ))
    return out
