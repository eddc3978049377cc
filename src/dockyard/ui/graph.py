"""A layered layout of the asset graph, drawn as SVG by the ``graph.html`` template.

Each group (``group_name``) is a horizontal band, the group of the most upstream asset first.
Inside a band, an asset's column is its depth in the whole graph (1 + the deepest upstream
asset), so every edge points right. Within a column, assets are ordered by the mean row of their
upstream assets (one barycenter pass), then by key: cheap, stable across reloads, and good
enough for the wide, shallow graphs data pipelines have. Cost is linear in nodes + edges.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from dockyard.defs.keys import AssetKey

NODE_WIDTH = 190
NODE_HEIGHT = 44
COLUMN_GAP = 70
ROW_GAP = 14
BAND_PAD = 16
BAND_LABEL = 22
MAX_LABEL = 24


@dataclass(frozen=True, slots=True)
class GraphNode:
    key: AssetKey
    label: str
    group: str
    status: str
    x: int
    y: int
    width: int = NODE_WIDTH
    height: int = NODE_HEIGHT

    @property
    def full_label(self) -> str:
        return self.key.to_user_string()


@dataclass(frozen=True, slots=True)
class GraphEdge:
    source: AssetKey
    target: AssetKey
    path: str  # SVG path data


@dataclass(frozen=True, slots=True)
class GroupBand:
    name: str
    y: int
    height: int


@dataclass(frozen=True, slots=True)
class GraphLayout:
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    groups: list[GroupBand]
    width: int
    height: int


def short_label(key: AssetKey) -> str:
    text = key.to_user_string()
    return text if len(text) <= MAX_LABEL else "…" + text[-(MAX_LABEL - 1):]


def layout_graph(
    keys: Sequence[AssetKey],
    upstream: Mapping[AssetKey, set[AssetKey]],
    group_of: Mapping[AssetKey, str],
    status_of: Mapping[AssetKey, str],
) -> GraphLayout:
    """Place ``keys`` (in dependency order: upstream before downstream) in group bands.

    Args:
        keys: The assets to draw, upstream first.
        upstream: Each asset's upstream keys (keys outside ``keys`` are ignored).
        group_of: Each asset's group name.
        status_of: Each asset's status (``materialized``, ``failed``, ``running``, ``missing``...).
    """
    present = set(keys)
    depth: dict[AssetKey, int] = {}
    for key in keys:
        ups = [depth[u] for u in upstream.get(key, ()) if u in depth]
        depth[key] = 1 + max(ups) if ups else 0
    groups: list[str] = []  # in order of their most upstream asset, so lineage flows down the page
    for key in keys:
        if group_of.get(key, "default") not in groups:
            groups.append(group_of.get(key, "default"))
    cells: dict[tuple[str, int], list[AssetKey]] = {}
    for key in keys:
        cells.setdefault((group_of.get(key, "default"), depth[key]), []).append(key)
    row: dict[AssetKey, float] = {}
    offset = 0
    for group in groups:  # rows are global so barycenters compare across bands
        columns = sorted(d for g, d in cells if g == group)
        height = 0
        for column in columns:
            members = cells[(group, column)]

            def weight(k: AssetKey) -> tuple[float, AssetKey]:
                ups = [row[u] for u in upstream.get(k, ()) if u in row]
                return (sum(ups) / len(ups) if ups else float("inf"), k)

            members.sort(key=weight)
            for index, key in enumerate(members):
                row[key] = offset + index
            height = max(height, len(members))
        offset += height
    nodes: list[GraphNode] = []
    bands: list[GroupBand] = []
    position: dict[AssetKey, tuple[int, int]] = {}
    y = 0
    row_height = NODE_HEIGHT + ROW_GAP
    for group in groups:
        members = [k for k in keys if group_of.get(k, "default") == group]
        first = min(row[k] for k in members)
        rows = int(max(row[k] for k in members) - first) + 1
        band_height = BAND_LABEL + BAND_PAD + rows * row_height
        bands.append(GroupBand(group, y, band_height))
        for key in members:
            nx = BAND_PAD + depth[key] * (NODE_WIDTH + COLUMN_GAP)
            ny = y + BAND_LABEL + BAND_PAD // 2 + int(row[key] - first) * row_height
            position[key] = (nx, ny)
            nodes.append(GraphNode(key, short_label(key), group, status_of.get(key, "missing"), nx, ny))
        y += band_height + ROW_GAP
    edges: list[GraphEdge] = []
    for key in keys:
        tx, ty = position[key]
        for up in sorted(u for u in upstream.get(key, ()) if u in present):
            sx, sy = position[up]
            x1, y1 = sx + NODE_WIDTH, sy + NODE_HEIGHT // 2
            x2, y2 = tx, ty + NODE_HEIGHT // 2
            bend = max((x2 - x1) // 2, 20)
            edges.append(GraphEdge(up, key, f"M{x1},{y1} C{x1 + bend},{y1} {x2 - bend},{y2} {x2},{y2}"))
    max_depth = max(depth.values(), default=0)
    width = 2 * BAND_PAD + (max_depth + 1) * NODE_WIDTH + max_depth * COLUMN_GAP
    return GraphLayout(nodes, edges, bands, width, max(y - ROW_GAP, 0))
