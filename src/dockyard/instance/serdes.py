"""Explicit JSON-ready dicts for runs and events, for persistent storages.

Every stored class has one ``*_to_dict`` and one ``*_from_dict``; nothing is pickled. Unknown
values inside JSON metadata fall back to ``str(value)`` rather than failing the write, since the
event log must never lose an event because a user attached an odd object. The format carries a
``"v"`` version number per event so later readers can migrate old rows.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from dockyard.defs import metadata as md
from dockyard.defs.keys import AssetKey
from dockyard.defs.results import AssetMaterialization, AssetObservation
from dockyard.instance.events import (
    AssetObservationData,
    DagsterEvent,
    EngineEventData,
    EventLogEntry,
    HandledOutputData,
    LoadedInputData,
    SerializableErrorInfo,
    StepFailureData,
    StepMaterializationData,
    StepOutputData,
)
from dockyard.instance.runs import DagsterRun, DagsterRunStatus

FORMAT_VERSION = 1


def dumps(obj: Any) -> str:
    """Compact JSON; odd leaf values become their ``str``."""
    return json.dumps(obj, separators=(",", ":"), default=str)


# -- metadata ---------------------------------------------------------------------------------
def _schema_to_dict(schema: md.TableSchema | None) -> dict[str, Any] | None:
    if schema is None:
        return None
    return {
        "columns": [
            {"name": c.name, "type": c.type, "description": c.description, "tags": dict(c.tags)} for c in schema.columns
        ]
    }


def _schema_from_dict(d: Mapping[str, Any] | None) -> md.TableSchema | None:
    if d is None:
        return None
    return md.TableSchema(
        columns=[md.TableColumn(c["name"], c.get("type", "string"), c.get("description"), None, c.get("tags") or {}) for c in d["columns"]]
    )


# one-field value classes, round-tripped through ``.value`` and the positional constructor
_SIMPLE: dict[type[Any], str] = {
    md.TextMetadataValue: "text",
    md.IntMetadataValue: "int",
    md.FloatMetadataValue: "float",
    md.BoolMetadataValue: "bool",
    md.PathMetadataValue: "path",
    md.UrlMetadataValue: "url",
    md.JsonMetadataValue: "json",
    md.MarkdownMetadataValue: "md",
    md.TimestampMetadataValue: "timestamp",
    md.DagsterRunMetadataValue: "run",
}
_SIMPLE_BY_TAG: dict[str, type[Any]] = {tag: cls for cls, tag in _SIMPLE.items()}
_ASSET_VALUE: type[Any] = getattr(md, "DagsterAssetMetadataValue", None) or md.AssetMetadataValue  # type: ignore[attr-defined]


def metadata_value_to_dict(value: md.MetadataValue) -> dict[str, Any]:
    """``{"t": tag, "v": payload}`` for one typed metadata value."""
    tag = _SIMPLE.get(type(value))
    if tag is not None:
        return {"t": tag, "v": value.value}
    if isinstance(value, md.NullMetadataValue):
        return {"t": "null"}
    if isinstance(value, _ASSET_VALUE):
        return {"t": "asset", "v": list(value.asset_key.path)}
    if isinstance(value, md.PythonArtifactMetadataValue):
        return {"t": "python", "v": [value.module, value.name]}
    if isinstance(value, md.TableSchemaMetadataValue):
        return {"t": "schema", "v": _schema_to_dict(value.schema)}
    if isinstance(value, md.TableMetadataValue):
        return {"t": "table", "v": [dict(r.data) for r in value.records], "schema": _schema_to_dict(value.schema)}
    return {"t": "text", "v": str(value.value)}


def metadata_value_from_dict(d: Mapping[str, Any]) -> md.MetadataValue:
    tag = d["t"]
    cls = _SIMPLE_BY_TAG.get(tag)
    if cls is not None:
        return cls(d["v"])  # type: ignore[no-any-return]
    if tag == "null":
        return md.NullMetadataValue()
    if tag == "asset":
        return _ASSET_VALUE(AssetKey(d["v"]))  # type: ignore[no-any-return]
    if tag == "python":
        return md.PythonArtifactMetadataValue(d["v"][0], d["v"][1])
    if tag == "schema":
        return md.TableSchemaMetadataValue(_schema_from_dict(d["v"]) or md.TableSchema())
    if tag == "table":
        return md.TableMetadataValue([md.TableRecord(r) for r in d["v"]], _schema_from_dict(d.get("schema")))
    raise ValueError(f"Unknown stored metadata tag {tag!r}; the event log was written by a newer dockyard.")


def metadata_to_dict(metadata: Mapping[str, Any]) -> dict[str, Any]:
    return {
        k: metadata_value_to_dict(v if isinstance(v, md.MetadataValue) else md.normalize_metadata_value(k, v))
        for k, v in metadata.items()
    }


def metadata_from_dict(d: Mapping[str, Any] | None) -> dict[str, md.MetadataValue]:
    return {k: metadata_value_from_dict(v) for k, v in (d or {}).items()}


# -- partitions, errors, asset events ----------------------------------------------------------
def partition_to_json(partition: Any) -> Any:
    by_dim = getattr(partition, "keys_by_dimension", None)
    if isinstance(by_dim, Mapping) and by_dim:
        return {"multi": dict(by_dim)}
    return partition


def partition_from_json(value: Any) -> Any:
    if isinstance(value, Mapping):
        from dockyard.defs.partitions.multi import MultiPartitionKey

        return MultiPartitionKey(value["multi"])
    return value


def error_to_dict(err: SerializableErrorInfo | None) -> dict[str, Any] | None:
    if err is None:
        return None
    return {"message": err.message, "stack": list(err.stack), "cls_name": err.cls_name, "cause": error_to_dict(err.cause)}


def error_from_dict(d: Mapping[str, Any] | None) -> SerializableErrorInfo | None:
    if d is None:
        return None
    return SerializableErrorInfo(d["message"], list(d["stack"]), d.get("cls_name"), error_from_dict(d.get("cause")))


def _asset_event_to_dict(ev: Any) -> dict[str, Any]:
    return {
        "asset_key": list(ev.asset_key.path),
        "description": ev.description,
        "metadata": metadata_to_dict(ev.metadata),
        "partition": partition_to_json(ev.partition),
        "tags": dict(ev.tags),
    }


def _asset_event_kwargs(d: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "asset_key": AssetKey(d["asset_key"]),
        "description": d.get("description"),
        "partition": partition_from_json(d.get("partition")),
        "tags": d.get("tags") or {},
    }


def materialization_from_dict(d: Mapping[str, Any]) -> AssetMaterialization:
    mat = AssetMaterialization(**_asset_event_kwargs(d))
    mat.metadata = metadata_from_dict(d.get("metadata"))  # already typed: skip normalisation
    return mat


def observation_from_dict(d: Mapping[str, Any]) -> AssetObservation:
    obs = AssetObservation(**_asset_event_kwargs(d))
    obs.metadata = metadata_from_dict(d.get("metadata"))
    return obs


# -- event-specific data ------------------------------------------------------------------------
def _user_failure_to_dict(data: Any) -> Any:
    if data is None:
        return None
    return {"description": getattr(data, "description", None), "metadata": metadata_to_dict(getattr(data, "metadata", {}) or {})}


def _engine_metadata_to_dict(metadata: Mapping[str, Any]) -> dict[str, Any]:
    return {k: metadata_value_to_dict(v) if isinstance(v, md.MetadataValue) else {"t": "raw", "v": v} for k, v in metadata.items()}


def _engine_metadata_from_dict(d: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v["v"] if v.get("t") == "raw" else metadata_value_from_dict(v) for k, v in d.items()}


_DATA_TO: dict[type[Any], tuple[str, Callable[[Any], dict[str, Any]]]] = {
    StepMaterializationData: ("mat", lambda x: _asset_event_to_dict(x.materialization)),
    AssetObservationData: ("obs", lambda x: _asset_event_to_dict(x.asset_observation)),
    HandledOutputData: ("handled", lambda x: {"output_name": x.output_name, "manager_key": x.manager_key, "metadata": metadata_to_dict(x.metadata)}),
    LoadedInputData: ("loaded", lambda x: {
        "input_name": x.input_name, "manager_key": x.manager_key, "upstream_output_name": x.upstream_output_name,
        "upstream_step_key": x.upstream_step_key, "metadata": metadata_to_dict(x.metadata),
    }),
    StepOutputData: ("output", lambda x: {
        "output_name": x.output_name, "mapping_key": x.mapping_key, "metadata": metadata_to_dict(x.metadata),
        "type_check_success": x.type_check_success,
    }),
    StepFailureData: ("failure", lambda x: {
        "error": error_to_dict(x.error), "user_failure_data": _user_failure_to_dict(x.user_failure_data), "error_source": x.error_source,
    }),
    EngineEventData: ("engine", lambda x: {"metadata": _engine_metadata_to_dict(x.metadata), "error": error_to_dict(x.error)}),
}


def _user_failure_from_dict(d: Any) -> Any:
    if d is None:
        return None
    from types import SimpleNamespace

    return SimpleNamespace(description=d.get("description"), metadata=metadata_from_dict(d.get("metadata")))


_DATA_FROM: dict[str, Callable[[Mapping[str, Any]], Any]] = {
    "mat": lambda d: StepMaterializationData(materialization_from_dict(d)),
    "obs": lambda d: AssetObservationData(observation_from_dict(d)),
    "handled": lambda d: HandledOutputData(d["output_name"], d["manager_key"], metadata_from_dict(d.get("metadata"))),
    "loaded": lambda d: LoadedInputData(
        d["input_name"], d["manager_key"], d.get("upstream_output_name"), d.get("upstream_step_key"), metadata_from_dict(d.get("metadata"))
    ),
    "output": lambda d: StepOutputData(d["output_name"], d.get("mapping_key"), metadata_from_dict(d.get("metadata")), d.get("type_check_success", True)),
    "failure": lambda d: StepFailureData(error_from_dict(d.get("error")), _user_failure_from_dict(d.get("user_failure_data")), d.get("error_source")),
    "engine": lambda d: EngineEventData(_engine_metadata_from_dict(d.get("metadata") or {}), error_from_dict(d.get("error"))),
}


def event_data_to_dict(data: Any) -> dict[str, Any] | None:
    if data is None:
        return None
    entry = _DATA_TO.get(type(data))
    if entry is None:
        return {"kind": "repr", "repr": repr(data)}
    kind, fn = entry
    return {"kind": kind, **fn(data)}


def event_data_from_dict(d: Mapping[str, Any] | None) -> Any:
    if d is None:
        return None
    kind = d["kind"]
    if kind == "repr":
        return None
    return _DATA_FROM[kind](d)


# -- events and runs ----------------------------------------------------------------------------
def dagster_event_to_dict(ev: DagsterEvent) -> dict[str, Any]:
    return {
        "type": ev.event_type_value,
        "job_name": ev.job_name,
        "step_key": ev.step_key,
        "node_name": ev.node_name,
        "data": event_data_to_dict(ev.event_specific_data),
        "message": ev.message,
        "partition": partition_to_json(ev.partition),
        "logging_tags": dict(ev.logging_tags),
    }


def dagster_event_from_dict(d: Mapping[str, Any]) -> DagsterEvent:
    ev = DagsterEvent(
        d["type"], d["job_name"], d.get("step_key"), d.get("node_name"), event_data_from_dict(d.get("data")),
        d.get("message"), partition_from_json(d.get("partition")),
    )
    ev.logging_tags = dict(d.get("logging_tags") or {})
    return ev


def event_log_entry_to_dict(entry: EventLogEntry) -> dict[str, Any]:
    return {
        "v": FORMAT_VERSION,
        "run_id": entry.run_id,
        "event": dagster_event_to_dict(entry.dagster_event) if entry.dagster_event is not None else None,
        "timestamp": entry.timestamp,
        "user_message": entry.user_message,
        "level": entry.level,
        "error_info": error_to_dict(entry.error_info),
    }


def event_log_entry_from_dict(d: Mapping[str, Any], storage_id: int | None = None) -> EventLogEntry:
    ev = d.get("event")
    return EventLogEntry(
        d["run_id"], dagster_event_from_dict(ev) if ev is not None else None, d["timestamp"], d.get("user_message", ""),
        d.get("level", 20), error_from_dict(d.get("error_info")), storage_id,
    )


def run_to_dict(run: DagsterRun) -> dict[str, Any]:
    return {
        "run_id": run.run_id,
        "job_name": run.job_name,
        "status": run.status.value,
        "run_config": run.run_config,
        "tags": dict(run.tags),
        "asset_selection": sorted(list(k.path) for k in run.asset_selection) if run.asset_selection is not None else None,
        "start_time": run.start_time,
        "end_time": run.end_time,
    }


def run_from_dict(d: Mapping[str, Any]) -> DagsterRun:
    sel = d.get("asset_selection")
    return DagsterRun(
        d["run_id"], d["job_name"], DagsterRunStatus(d["status"]), d.get("run_config") or {}, dict(d.get("tags") or {}),
        frozenset(AssetKey(p) for p in sel) if sel is not None else None, d.get("start_time"), d.get("end_time"),
    )
