"""Assets as the UI shows them: catalog rows, the details of one asset, its paginated history,
numeric metadata charts and the partition status grid.

Each function costs a bounded number of indexed instance queries: the catalog and the lineage one
batched "latest materialization" lookup for all their assets (the catalog also one batched origin
lookup, plus the materialized partitions of partitioned assets), the details page one page of
history plus the chart window, never the whole history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from dockyard.defs.asset_graph import AssetNode
from dockyard.defs.keys import AssetKey
from dockyard.instance.events import EventLogEntry
from dockyard.instance.runs import DagsterRun, DagsterRunStatus
from dockyard.ui.charts import Chart, numeric_charts
from dockyard.ui.graph import GraphLayout, layout_graph
from dockyard.ui.metadata import MetadataEntry, location_of, metadata_entries
from dockyard.ui.workspace import Workspace

HISTORY_PAGE = 25
MAX_HISTORY_PAGE = 500
CHART_WINDOW = 100       # newest materializations plotted
MAX_GRID = 5_000         # partitions shown in the grid (the newest ones)
RECENT_RUNS_FOR_PARTITIONS = 500  # runs scanned for failed / running partitions
_UNFINISHED = {DagsterRunStatus.QUEUED, DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING, DagsterRunStatus.STARTED}
_FAILED = {DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED}


def asset_status(latest: EventLogEntry | None, run: DagsterRun | None) -> str:
    """``running``, ``failed`` (the newest run targeting it failed and did not materialize it),
    ``materialized`` or ``missing``."""
    if run is not None and run.status in _UNFINISHED:
        return "running"
    if run is not None and run.status in _FAILED and (latest is None or (latest.run_id != run.run_id and latest.timestamp < (run.start_time or 0))):
        return "failed"
    return "materialized" if latest is not None else "missing"


@dataclass(frozen=True, slots=True)
class CatalogRow:
    key: AssetKey
    group: str | None
    io_manager_key: str | None
    description: str | None
    is_defined: bool
    is_materializable: bool
    is_partitioned: bool
    last_materialized: float | None
    last_run_id: str | None
    status: str
    partitions_filled: int | None = None
    partitions_total: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key.to_user_string(), "path": list(self.key.parts), "group": self.group,
            "io_manager_key": self.io_manager_key, "description": self.description, "is_defined": self.is_defined,
            "is_materializable": self.is_materializable, "is_partitioned": self.is_partitioned,
            "last_materialized": self.last_materialized, "last_run_id": self.last_run_id, "status": self.status,
            "partitions_filled": self.partitions_filled, "partitions_total": self.partitions_total,
        }


def _first_line(text: str | None) -> str | None:
    return text.strip().splitlines()[0] if text and text.strip() else None


class _PartitionCounter:
    """Valid partition keys per partitions definition, computed once per request."""

    def __init__(self, instance: Any) -> None:
        self.instance = instance
        self._keys: list[tuple[Any, set[str] | None]] = []

    def keys(self, pdef: Any) -> set[str] | None:
        for known, keys in self._keys:
            if known is pdef:
                return keys
        try:
            found: set[str] | None = set(pdef.get_partition_keys(dynamic_partitions_store=self.instance))
        except Exception:  # a definition that cannot list its keys (e.g. unbounded): counts unknown
            found = None
        self._keys.append((pdef, found))
        return found


def _is_partitioned(latest: EventLogEntry | None) -> bool:
    return latest is not None and latest.asset_materialization.partition is not None


def catalog_rows(ws: Workspace, query: str | None = None, group: str | None = None) -> list[CatalogRow]:
    """One row per asset, filtered by a substring of the key and by group."""
    instance = ws.instance
    runs = ws.latest_runs_by_asset()
    counter = _PartitionCounter(instance)
    needle = (query or "").strip().lower()
    shown: list[tuple[AssetKey, AssetNode | None]] = []
    for key in ws.asset_keys():
        node = ws.node(key)
        if group and (node.group_name if node is not None else None) != group:
            continue
        if needle and needle not in key.to_user_string().lower():
            continue
        shown.append((key, node))
    latest_by_key = instance.get_latest_materialization_events([key for key, _ in shown])
    origins = instance.get_asset_origins([key for key, node in shown if node is None])
    partitioned = [
        key for key, node in shown
        if (node.partitions_def is not None if node is not None else _is_partitioned(latest_by_key.get(key)))
    ]
    materialized = instance.get_materialized_partitions_by_asset(partitioned)
    rows = []
    for key, node in shown:
        latest = latest_by_key.get(key)
        pdef = node.partitions_def if node is not None else None
        filled = total = None
        if pdef is not None:
            valid = counter.keys(pdef)
            done = materialized[key]
            filled = len(done & valid) if valid is not None else len(done)
            total = len(valid) if valid is not None else None
        elif key in materialized:
            filled = len(materialized[key])
        io_key: str | None
        if node is not None:
            io_key = node.io_manager_key
        else:
            origin = origins.get(key)
            io_key = origin.io_manager_key if origin is not None else None
        rows.append(CatalogRow(
            key, node.group_name if node is not None else None, io_key,
            _first_line(getattr(node.spec, "description", None)) if node is not None else None,
            node is not None, node is not None and node.is_materializable, pdef is not None or filled is not None,
            latest.timestamp if latest is not None else None, latest.run_id if latest is not None else None,
            asset_status(latest, runs.get(key)), filled, total,
        ))
    return rows


def group_names(ws: Workspace) -> list[str]:
    if ws.layer is None:
        return []
    return sorted({n.group_name for n in ws.layer.nodes.values()})


@dataclass(frozen=True, slots=True)
class MaterializationView:
    storage_id: int
    timestamp: float
    run_id: str
    partition: str | None
    description: str | None
    metadata: list[MetadataEntry]

    @property
    def location(self) -> MetadataEntry | None:
        return location_of(self.metadata)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.storage_id, "timestamp": self.timestamp, "run_id": self.run_id, "partition": self.partition,
            "description": self.description, "metadata": [m.to_json() for m in self.metadata],
        }


def materialization_view(entry: EventLogEntry) -> MaterializationView:
    mat = entry.asset_materialization
    return MaterializationView(entry.storage_id or 0, entry.timestamp, entry.run_id, mat.partition, mat.description,
                               metadata_entries(mat.metadata))


@dataclass(frozen=True, slots=True)
class AssetDetail:
    key: AssetKey
    is_defined: bool
    is_materializable: bool
    group: str | None
    description: str | None
    io_manager_key: str | None
    code_pointer: str | None
    partitions: str | None
    code_version: str | None
    owners: list[str]
    kinds: list[str]
    tags: dict[str, str]
    definition_metadata: list[MetadataEntry]
    upstream: list[AssetKey]
    downstream: list[AssetKey]
    latest: MaterializationView | None
    status: str
    last_run_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key.to_user_string(), "path": list(self.key.parts), "is_defined": self.is_defined,
            "is_materializable": self.is_materializable, "group": self.group, "description": self.description,
            "io_manager_key": self.io_manager_key, "code_pointer": self.code_pointer, "partitions": self.partitions,
            "code_version": self.code_version, "owners": self.owners, "kinds": self.kinds, "tags": self.tags,
            "definition_metadata": [m.to_json() for m in self.definition_metadata],
            "upstream": [k.to_user_string() for k in self.upstream],
            "downstream": [k.to_user_string() for k in self.downstream],
            "latest": self.latest.to_json() if self.latest is not None else None, "status": self.status,
            "last_run_id": self.last_run_id,
        }


def asset_detail(ws: Workspace, key: AssetKey) -> AssetDetail | None:
    """Everything the details page shows above the history; ``None`` for an unknown asset."""
    node = ws.node(key)
    latest = ws.instance.get_latest_materialization_event(key)
    if node is None and latest is None:
        return None
    origin = ws.instance.get_asset_origin(key)
    run = ws.latest_runs_by_asset().get(key)
    spec: Any = node.spec if node is not None else None
    io_key = node.io_manager_key if node is not None else (origin.io_manager_key if origin is not None else None)
    return AssetDetail(
        key=key, is_defined=node is not None, is_materializable=node is not None and node.is_materializable,
        group=node.group_name if node is not None else None,
        description=getattr(spec, "description", None),
        io_manager_key=io_key,
        code_pointer=(origin.code_pointer if origin is not None else None) or ws.code_pointer,
        partitions=str(node.partitions_def) if node is not None and node.partitions_def is not None else None,
        code_version=getattr(spec, "code_version", None),
        owners=list(getattr(spec, "owners", None) or []),
        kinds=sorted(getattr(spec, "kinds", None) or []),
        tags=dict(getattr(spec, "tags", None) or {}),
        definition_metadata=metadata_entries(node.metadata if node is not None else None),
        upstream=ws.upstream(key), downstream=ws.downstream(key),
        latest=materialization_view(latest) if latest is not None else None,
        status=asset_status(latest, run), last_run_id=run.run_id if run is not None else None,
    )


@dataclass(frozen=True, slots=True)
class HistoryPage:
    records: list[MaterializationView]
    cursor: str | None
    has_more: bool
    partition: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"records": [r.to_json() for r in self.records], "cursor": self.cursor, "has_more": self.has_more,
                "partition": self.partition}


def history_page(ws: Workspace, key: AssetKey, cursor: str | None = None, limit: int = HISTORY_PAGE, partition: str | None = None) -> HistoryPage:
    """One page of materializations, newest first (``cursor`` continues an earlier page)."""
    from dockyard.instance.instance import AssetRecordsFilter

    limit = max(1, min(int(limit), MAX_HISTORY_PAGE))
    records_filter: Any = AssetRecordsFilter(key, [partition]) if partition else key
    page = ws.instance.fetch_materializations(records_filter, limit=limit, cursor=cursor or None)
    views = [materialization_view(r.event_log_entry) for r in page.records]
    return HistoryPage(views, page.cursor if page.has_more else None, page.has_more, partition)


def metadata_charts(ws: Workspace, key: AssetKey, window: int = CHART_WINDOW) -> list[Chart]:
    """Charts of the numeric metadata of the newest ``window`` materializations."""
    entries = ws.instance.get_materialization_history(key, limit=window)
    samples = [(e.timestamp, metadata_entries(e.asset_materialization.metadata)) for e in reversed(entries)]
    return numeric_charts(samples)


@dataclass(frozen=True, slots=True)
class PartitionCell:
    key: str
    status: str  # materialized, failed, running, missing
    timestamp: float | None = None


@dataclass(frozen=True, slots=True)
class PartitionGrid:
    cells: list[PartitionCell]
    total: int
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def truncated(self) -> bool:
        return len(self.cells) < self.total

    def to_json(self) -> dict[str, Any]:
        return {"total": self.total, "counts": self.counts, "truncated": self.truncated,
                "partitions": [{"key": c.key, "status": c.status, "timestamp": c.timestamp} for c in self.cells]}


def partition_grid(ws: Workspace, key: AssetKey) -> PartitionGrid | None:
    """The status of each partition (the newest ``MAX_GRID``), or ``None`` if not partitioned."""
    node = ws.node(key)
    latest = ws.instance.get_latest_materialization_events_by_partition(key)
    pdef = node.partitions_def if node is not None else None
    if pdef is None and not latest:
        return None
    keys: Sequence[str]
    if pdef is not None:
        try:
            keys = list(pdef.get_partition_keys(dynamic_partitions_store=ws.instance))
        except Exception:
            keys = sorted(latest)
    else:
        keys = sorted(latest)
    total = len(keys)
    shown = keys[-MAX_GRID:]
    runs: dict[str, DagsterRun] = {}
    for run in ws.instance.get_runs(limit=RECENT_RUNS_FOR_PARTITIONS):
        part = run.partition_key
        if part is not None and run.asset_selection and key in run.asset_selection:
            runs.setdefault(part, run)
    cells = []
    counts: dict[str, int] = {}
    for part in shown:
        entry = latest.get(part)
        status = asset_status(entry, runs.get(part))
        counts[status] = counts.get(status, 0) + 1
        cells.append(PartitionCell(part, status, entry.timestamp if entry is not None else None))
    return PartitionGrid(cells, total, counts)


def lineage(ws: Workspace, group: str | None = None) -> GraphLayout:
    """The lineage of the definitions (or of one group), laid out, colored by status."""
    assert ws.layer is not None
    keys = [k for k in ws.layer.toposorted_keys if group is None or ws.layer.nodes[k].group_name == group]
    runs = ws.latest_runs_by_asset()
    status = {}
    latest_by_key = ws.instance.get_latest_materialization_events(keys)
    for key in keys:
        node = ws.layer.nodes[key]
        latest = latest_by_key.get(key)
        state = asset_status(latest, runs.get(key))
        status[key] = state if node.is_materializable or state != "missing" else "external"
    upstream = {k: ws.layer.upstream_keys(k) for k in keys}
    groups = {k: ws.layer.nodes[k].group_name for k in keys}
    return layout_graph(keys, upstream, groups, status)
