"""Metadata values as the UI shows them: a kind, display text, and a safe link when there is one.

Nothing here produces HTML: templates escape ``text``, and links are only made for ``http(s)``
URLs (a ``javascript:`` URL in metadata stays text), asset keys and run ids.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dockyard.defs import metadata as md
from dockyard.defs.keys import AssetKey
from dockyard.ui.links import asset_url, run_url

MAX_TEXT = 2_000        # characters of one value shown before clipping
MAX_TABLE_ROWS = 50     # rows of a table value shown

# Metadata keys whose value says where a stored value lives, most specific first.
LOCATION_KEYS = ("path", "dagster/uri", "uri", "dagster/table_name", "table", "table_name")


@dataclass(frozen=True, slots=True)
class TableView:
    columns: list[str]
    types: list[str]
    rows: list[list[str]]
    total_rows: int


@dataclass(frozen=True, slots=True)
class MetadataEntry:
    """One metadata value ready to show.

    Attributes:
        label: The metadata key.
        kind: ``text``, ``int``, ``float``, ``bool``, ``path``, ``url``, ``json``, ``md``, ``null``,
            ``timestamp``, ``asset``, ``run``, ``python``, ``table`` or ``table_schema``.
        text: Plain display text (clipped).
        href: A link for ``url`` (http/https only), ``asset`` and ``run`` values.
        number: The value of ``int``/``float`` entries (what charts plot).
        table: Columns and rows of ``table`` / ``table_schema`` entries.
    """

    label: str
    kind: str
    text: str
    href: str | None = None
    number: float | None = None
    table: TableView | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"label": self.label, "kind": self.kind, "text": self.text}
        if self.href is not None:
            out["href"] = self.href
        if self.number is not None:
            out["number"] = self.number
        if self.table is not None:
            out["table"] = {"columns": self.table.columns, "types": self.table.types, "rows": self.table.rows,
                            "total_rows": self.table.total_rows}
        return out


def clip(text: str, limit: int = MAX_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def is_web_url(url: str) -> bool:
    return url.lower().startswith(("http://", "https://"))


def format_timestamp(ts: float | None) -> str:
    if ts is None:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts))


def _json_text(value: Any) -> str:
    try:
        return clip(json.dumps(value, indent=2, sort_keys=True, default=str))
    except (TypeError, ValueError):
        return clip(repr(value))


def _schema_view(schema: md.TableSchema) -> TableView:
    rows = [[c.name, c.type, c.description or ""] for c in schema.columns]
    return TableView(["column", "type", "description"], ["string"] * 3, rows[:MAX_TABLE_ROWS], len(rows))


def _table_view(value: md.TableMetadataValue) -> TableView:
    if value.schema is not None and value.schema.columns:
        columns = [c.name for c in value.schema.columns]
        types = [c.type for c in value.schema.columns]
    else:
        columns = []
        for record in value.records:
            columns.extend(k for k in record.data if k not in columns)
        types = ["string"] * len(columns)
    rows = [["" if r.data.get(c) is None else clip(str(r.data.get(c)), 200) for c in columns] for r in value.records[:MAX_TABLE_ROWS]]
    return TableView(columns, types, rows, len(value.records))


def metadata_entry(label: str, value: Any) -> MetadataEntry:
    """The display form of one metadata value (typed ``MetadataValue`` or a raw Python value)."""
    if not isinstance(value, md.MetadataValue):
        try:
            value = md.normalize_metadata_value(label, value)
        except Exception:
            return MetadataEntry(label, "text", clip(repr(value)))
    if isinstance(value, md.BoolMetadataValue):  # before int: bool values are ints too
        return MetadataEntry(label, "bool", "true" if value.value else "false")
    if isinstance(value, md.IntMetadataValue):
        return MetadataEntry(label, "int", f"{value.value:,}", number=float(value.value))
    if isinstance(value, md.FloatMetadataValue):
        number = float(value.value)
        return MetadataEntry(label, "float", f"{number:,.6g}", number=number if math.isfinite(number) else None)
    if isinstance(value, md.TextMetadataValue):
        return MetadataEntry(label, "text", clip(value.text))
    if isinstance(value, md.PathMetadataValue):
        return MetadataEntry(label, "path", clip(value.path))
    if isinstance(value, md.UrlMetadataValue):
        return MetadataEntry(label, "url", clip(value.url), href=value.url if is_web_url(value.url) else None)
    if isinstance(value, md.MarkdownMetadataValue):
        return MetadataEntry(label, "md", clip(value.md_str))
    if isinstance(value, md.JsonMetadataValue):
        return MetadataEntry(label, "json", _json_text(value.data))
    if isinstance(value, md.NullMetadataValue):
        return MetadataEntry(label, "null", "-")
    if isinstance(value, md.TimestampMetadataValue):
        return MetadataEntry(label, "timestamp", format_timestamp(value.value))
    if isinstance(value, md.DagsterAssetMetadataValue):
        key = value.asset_key
        return MetadataEntry(label, "asset", key.to_user_string(), href=asset_url(key))
    if isinstance(value, md.DagsterRunMetadataValue):
        return MetadataEntry(label, "run", value.run_id, href=run_url(value.run_id))
    if isinstance(value, md.PythonArtifactMetadataValue):
        return MetadataEntry(label, "python", f"{value.module}.{value.name}")
    if isinstance(value, md.TableSchemaMetadataValue):
        view = _schema_view(value.schema)
        return MetadataEntry(label, "table_schema", f"{view.total_rows} columns", table=view)
    if isinstance(value, md.TableMetadataValue):
        view = _table_view(value)
        return MetadataEntry(label, "table", f"{view.total_rows} rows", table=view)
    plain = getattr(value, "value", value)
    if isinstance(plain, AssetKey):
        return MetadataEntry(label, "asset", plain.to_user_string(), href=asset_url(plain))
    return MetadataEntry(label, "text", clip(str(plain)))


def metadata_entries(metadata: Mapping[str, Any] | None) -> list[MetadataEntry]:
    """Every entry of a metadata mapping, in its order."""
    return [metadata_entry(str(label), value) for label, value in (metadata or {}).items()]


def location_of(entries: list[MetadataEntry]) -> MetadataEntry | None:
    """The entry saying where a value is stored (path, URI or table), if any."""
    by_label = {e.label: e for e in entries}
    return next((by_label[k] for k in LOCATION_KEYS if k in by_label), None)
