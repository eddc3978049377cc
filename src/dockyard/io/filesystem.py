"""The default I/O manager: pickles on the local filesystem.

Layout (compatible with Dagster's, so existing storage directories keep loading):

    asset                   <base>/<k1>/.../<kn>
    asset partition         <base>/<k1>/.../<kn>/<partition>
    multi-partition         <base>/<k1>/.../<kn>/<value of dim a>/<value of dim b>   (dims by name)
    op output               <base>/<run_id>/<step_key>/<output>[/<mapping_key>]
    versioned op output     <base>/versioned_outputs/<version>/<step_key>/<output>

Writes are atomic: the pickle goes to a temporary file in the target directory, then
``os.replace`` moves it into place, so a crash mid-write never leaves a torn file and readers
see either the old value or the new one.
"""

from __future__ import annotations

import itertools
import os
import pickle
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from dockyard.definitions.config import Field, StringSource
from dockyard.definitions.metadata import PathMetadataValue
from dockyard.errors import CheckError, DagsterInvariantViolationError
from dockyard.io.base import IOManager, io_manager

PICKLE_PROTOCOL = 4
_tmp_counter = itertools.count()
_log_missing = "Partition {pk!r} of asset {asset} is missing at {path}; skipped (allow_missing_partitions)."


def safe_partition_segment(partition: str) -> str:
    """Escape a partition key so it stays one path segment inside the asset directory."""
    seg = partition
    if seg.startswith("/"):
        seg = "%2F" + seg[1:]
    if ".." in seg:
        seg = "/".join("%2E%2E" if part == ".." else part for part in seg.split("/"))
    return seg


def partition_path_parts(partition: str) -> list[str]:
    """Path segments for a partition key: one per dimension for multi-partition keys."""
    by_dim = getattr(partition, "keys_by_dimension", None)
    if isinstance(by_dim, Mapping) and by_dim:
        return [safe_partition_segment(by_dim[d]) for d in sorted(by_dim)]
    return [safe_partition_segment(partition)]


def write_atomic(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and ``os.replace``."""
    directory = os.path.dirname(path)
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{os.getpid()}.{threading.get_ident()}.{next(_tmp_counter)}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


class PickledObjectFilesystemIOManager(IOManager):
    """Pickles every output under ``base_dir`` (see the module docstring for the layout)."""

    def __init__(self, base_dir: str | None = None, executor_name: str = "in_process executor") -> None:
        self.base_dir = os.path.abspath(base_dir or os.getcwd())
        self._executor_name = executor_name

    # -- paths ------------------------------------------------------------------------------
    def _asset_dir(self, asset_key: Any) -> str:
        return os.path.join(self.base_dir, *asset_key.parts)

    def _output_path(self, context: Any) -> str:
        if context.has_asset_key:
            base = self._asset_dir(context.asset_key)
            if context.has_asset_partitions:
                keys = context.asset_partition_keys
                if len(keys) != 1:
                    raise CheckError(
                        f"The filesystem I/O manager stores one partition per file and does not "
                        f"support persisting an output associated with multiple partitions: asset "
                        f"{context.asset_key.to_user_string()!r} got {len(keys)} partitions "
                        f"({keys[0]!r}..{keys[-1]!r}). Materialize one partition per run, or return "
                        "one value per partition from a custom I/O manager."
                    )
                return os.path.join(base, *partition_path_parts(keys[0]))
            return base
        return os.path.join(self.base_dir, *context.get_identifier())

    def get_path(self, context: Any) -> str:
        """The file an output goes to (or an unpartitioned input comes from)."""
        return self._output_path(context)

    # -- store ------------------------------------------------------------------------------
    def handle_output(self, context: Any, obj: Any) -> None:
        path = self._output_path(context)
        parent = os.path.dirname(path)
        self._make_dirs(parent, context)
        if os.path.isdir(path) and not context.has_asset_partitions:
            raise DagsterInvariantViolationError(
                f"Cannot store asset {context.asset_key} at {path}: a directory of partitions is "
                "there. The asset was partitioned before; wipe that directory or keep it partitioned."
            )
        try:
            data = pickle.dumps(obj, PICKLE_PROTOCOL)
        except (AttributeError, RecursionError, ImportError, pickle.PicklingError, TypeError) as exc:
            what = context.asset_key.to_user_string() if context.has_asset_key else f"{context.step_key}.{context.name}"
            if isinstance(exc, RecursionError):
                msg = (
                    f"Object {type(obj)} exceeds recursion limit and is not picklable, so output "
                    f"{what!r} cannot be stored by the fs_io_manager."
                )
            else:
                msg = (
                    f"Object {obj!r} is not picklable. You are currently using the fs_io_manager and "
                    f"the {self._executor_name}. Output {what!r} must be picklable to be stored on disk: "
                    "return plain data, or bind an I/O manager that can store this type."
                )
            raise DagsterInvariantViolationError(msg) from exc
        write_atomic(path, data)
        if obj is not None:
            context.add_output_metadata({"path": PathMetadataValue(path)})

    def _make_dirs(self, parent: str, context: Any) -> None:
        try:
            os.makedirs(parent, exist_ok=True)
        except FileExistsError:
            # unpartitioned -> partitioned: a plain file sits where the partition directory goes
            if os.path.isfile(parent):
                context.log.warning(
                    f"Removing {parent}: the asset was stored unpartitioned, and is now partitioned."
                )
                os.unlink(parent)
                os.makedirs(parent, exist_ok=True)
            else:
                raise

    # -- load -------------------------------------------------------------------------------
    def load_input(self, context: Any) -> Any:
        if context.has_asset_key and context.has_asset_partitions:
            return self._load_partitions(context)
        upstream = context.upstream_output
        if context.has_asset_key:
            path = self._asset_dir(context.asset_key)
        elif upstream is not None:
            path = self._output_path(upstream)
        else:
            raise DagsterInvariantViolationError(
                f"The filesystem I/O manager cannot load input {context.name!r}: it has neither an "
                "asset key nor an upstream output. Give the input an input_manager_key that knows "
                "where the value comes from."
            )
        return self._read(path)

    def _read(self, path: str) -> Any:
        with open(path, "rb") as f:
            return pickle.load(f)

    def _load_partitions(self, context: Any) -> Any:
        keys: Sequence[str] = context.asset_partition_keys
        base = self._asset_dir(context.asset_key)
        if not keys:
            return None
        allow_missing = bool(context.definition_metadata.get("allow_missing_partitions", False))
        if len(keys) == 1 and not allow_missing:
            return self._read_partition(base, keys[0])
        out: dict[str, Any] = {}
        for pk in keys:
            try:
                out[pk] = self._read_partition(base, pk)
            except FileNotFoundError as exc:
                if not allow_missing:
                    raise
                context.log.warning(_log_missing.format(pk=pk, asset=context.asset_key.to_user_string(), path=exc.filename))
        if len(keys) == 1:
            return out.get(keys[0])
        return out

    def _read_partition(self, base: str, pk: str) -> Any:
        path = os.path.join(base, *partition_path_parts(pk))
        try:
            return self._read(path)
        except FileNotFoundError:
            by_dim = getattr(pk, "keys_by_dimension", None)
            if by_dim:  # older layout: one segment "v1|v2"
                legacy = os.path.join(base, safe_partition_segment(str(pk)))
                if os.path.exists(legacy):
                    return self._read(legacy)
            raise


@io_manager(
    config_schema={"base_dir": Field(StringSource, is_required=False)},
    description="Pickles outputs to the local filesystem (superseded by FilesystemIOManager).",
)
def fs_io_manager(init_context: Any) -> PickledObjectFilesystemIOManager:
    """Pickle outputs under ``base_dir`` (default: the instance's storage directory)."""
    base_dir = (init_context.resource_config or {}).get("base_dir")
    if base_dir is None:
        instance = init_context.instance
        base_dir = instance.storage_directory() if instance is not None else None
    return PickledObjectFilesystemIOManager(base_dir=base_dir)
