"""The default I/O manager: ``PickledObjectFilesystemIOManager``, a ``UPathIOManager`` that
pickles with no file extension, and ``fs_io_manager``, its legacy definition.

Layout (compatible with Dagster's, so existing storage directories keep loading):

    asset                   <base>/<k1>/.../<kn>
    asset partition         <base>/<k1>/.../<kn>/<partition>
    multi-partition         <base>/<k1>/.../<kn>/<value of dim a>/<value of dim b>   (dims by name)
    op output               <base>/<run_id>/<step_key>/<output>[/<mapping_key>]
    versioned op output     <base>/versioned_outputs/<version>/<step_key>/<output>

Partition keys are joined literally, except that a leading ``/`` becomes ``%2F`` and whole
``..`` segments become ``%2E%2E``, so a key never leaves its asset directory.

Fast path: with a local base directory and none of the path or serialization hooks overridden,
paths are computed as plain ``os.path`` strings and no ``UPath`` is built (building one costs
~15 µs, a run of small assets pays that per step). Any override, or a remote base (``memory://``
etc.), takes the generic ``UPathIOManager`` route; both give the same paths.
"""

from __future__ import annotations

import logging
import os
import pickle
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from dockyard.defs.config import Field, StringSource
from dockyard.defs.keys import AssetKey
from dockyard.defs.metadata import PathMetadataValue
from dockyard.defs.results import AssetMaterialization
from dockyard.errors import CheckError, DagsterInvariantViolationError
from dockyard.io.base import IOManager, io_manager
from dockyard.io.upath import (
    LOCAL_LOAD_WORKERS,
    MISSING,
    UPathIOManager,
    allow_missing_partitions,
    describe,
    discard,
    load_partition_values,
    missing_value_error,
    partition_path_string,
    partition_segments,
    pickle_value,
    temp_sibling,
    too_many_partitions_error,
    write_atomic,
)

if TYPE_CHECKING:
    from upath import UPath

    from dockyard.io.context import InputContext, OutputContext

_logger = logging.getLogger("dockyard")

# Overriding any of these sends every call through the generic UPath route.
_HOOKS = (
    "dump_to_path", "load_from_path", "get_asset_relative_path", "get_op_output_relative_path",
    "get_path_for_partition", "make_safe_partition_path", "path_exists", "unlink", "make_directory",
    "get_loading_input_log_message", "get_writing_output_log_message",
    "get_loading_input_partition_log_message", "get_missing_partition_log_message",
    "load_partitions", "load_partitions_async", "_gather_partitions", "_with_extension", "_get_path",
    "_get_path_without_extension", "_get_paths_for_partitions", "_load_single_input",
    "_load_partition", "_on_missing_partition", "_dump", "_legacy_multipartition_path",
)


class PickledObjectFilesystemIOManager(UPathIOManager):
    """Pickles every output under ``base_dir`` (see the module docstring for the layout).

    Args:
        base_dir: the root directory (default: the current directory); an fsspec URL such as
            ``memory://bucket/prefix`` also works.
    """

    extension: str | None = None

    def __init__(self, base_dir: str | None = None, executor_name: str = "in_process executor") -> None:
        raw = os.fspath(base_dir) if base_dir else os.getcwd()
        is_url = "://" in raw
        self.base_dir = raw if is_url else os.path.abspath(raw)
        self._executor_name = executor_name
        super().__init__(base_path=self.base_dir)
        cls = type(self)
        overridden = any(getattr(cls, h) is not getattr(PickledObjectFilesystemIOManager, h) for h in _HOOKS)
        self._fast_root = None if is_url or overridden else self.base_dir

    # -- hooks ----------------------------------------------------------------------------------
    def dump_to_path(self, context: OutputContext, obj: Any, path: UPath) -> None:
        path.write_bytes(pickle_value(context, obj, self._executor_name))

    # -- fast path: os paths under a local base -------------------------------------------------
    def _ext(self) -> str:
        return self.extension or ""

    def handle_output(self, context: OutputContext, obj: Any) -> None:
        root = self._fast_root
        if root is None:
            super().handle_output(context, obj)
            return
        key = context.asset_key
        partition_dir = None
        if key is None:
            path = os.path.join(root, *context.get_identifier()) + self._ext()
        elif context.has_asset_partitions:
            keys = context.asset_partition_keys
            if len(keys) != 1:
                raise too_many_partitions_error(self, context)
            partition_dir = os.path.join(root, *key.parts)
            path = os.path.join(partition_dir, *partition_segments(partition_path_string(keys[0]))) + self._ext()
        else:
            path = os.path.join(root, *key.parts) + self._ext()
        if _logger.isEnabledFor(logging.DEBUG):
            context.log.debug(self.get_writing_output_log_message(path))  # type: ignore[arg-type]
        self._write(context, path, pickle_value(context, obj, self._executor_name), partition_dir)
        metadata: dict[str, Any] = {"path": PathMetadataValue(path)} if obj is not None else {}
        metadata.update(self.get_metadata(context, obj) or {})
        if metadata:
            context.add_output_metadata(metadata)

    def _write(self, context: OutputContext, path: str, data: bytes, asset_dir: str | None) -> None:
        """Atomic write; parent directories are made only when the first attempt says so."""
        tmp = temp_sibling(path)
        try:
            try:
                f = open(tmp, "wb")  # noqa: SIM115
            except (FileNotFoundError, NotADirectoryError):
                self._make_parent(context, path, asset_dir)
                f = open(tmp, "wb")  # noqa: SIM115
            with f:
                f.write(data)
            os.replace(tmp, path)
        except IsADirectoryError as exc:
            discard(tmp)
            raise DagsterInvariantViolationError(
                f"Cannot store {describe(context)} at {path}: a directory is there (the asset was "
                "partitioned before). Delete that directory, or keep the asset partitioned."
            ) from exc
        except BaseException:
            discard(tmp)
            raise

    def _make_parent(self, context: OutputContext, path: str, asset_dir: str | None) -> None:
        parent = os.path.dirname(path)
        try:
            os.makedirs(parent, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            # unpartitioned -> partitioned: a plain file sits where the partition directory goes
            if asset_dir is None or not os.path.isfile(asset_dir):
                raise
            context.log.warning(
                f"Removing {asset_dir}: {describe(context)} was stored unpartitioned and is now partitioned."
            )
            os.unlink(asset_dir)
            os.makedirs(parent, exist_ok=True)

    def load_input(self, context: InputContext) -> Any:
        root = self._fast_root
        if root is None:
            return super().load_input(context)
        key = context.asset_key
        if key is None:
            if context.upstream_output is None:
                raise DagsterInvariantViolationError(
                    f"{type(self).__name__} cannot load input {context._name!r}: it has neither an "
                    "asset key nor an upstream output. Give the input an input_manager_key that "
                    "knows where the value comes from."
                )
            return self._read(context, os.path.join(root, *context.get_identifier()) + self._ext())
        asset_dir = os.path.join(root, *key.parts)
        if not context.has_asset_partitions:
            return self._read(context, asset_dir + self._ext())
        keys: Sequence[str] = context.asset_partition_keys
        if not keys:
            return None
        if len(keys) == 1:
            value = self._read_partition(context, asset_dir, keys[0])
            return None if value is MISSING else value
        return load_partition_values(keys, lambda pk: self._read_partition(context, asset_dir, pk), LOCAL_LOAD_WORKERS)

    def _read(self, context: InputContext, path: str) -> Any:
        if _logger.isEnabledFor(logging.DEBUG):
            context.log.debug(self.get_loading_input_log_message(path))  # type: ignore[arg-type]
        try:
            return _unpickle(path)
        except FileNotFoundError as exc:
            if os.path.exists(path):
                raise
            raise missing_value_error(context, path) from exc

    def _read_partition(self, context: InputContext, asset_dir: str, pk: str) -> Any:
        path = os.path.join(asset_dir, *partition_segments(partition_path_string(pk))) + self._ext()
        try:
            return _unpickle(path)
        except FileNotFoundError as exc:
            if os.path.exists(path):
                raise
            if getattr(pk, "keys_by_dimension", None):  # older layout: one segment "v1|v2"
                legacy = os.path.join(asset_dir, *partition_segments(str(pk))) + self._ext()
                if os.path.exists(legacy):
                    return _unpickle(legacy)
            if allow_missing_partitions(context):
                context.log.warning(self.get_missing_partition_log_message(pk))
                return MISSING
            raise missing_value_error(context, path, pk) from exc


def _unpickle(path: str) -> Any:
    with open(path, "rb") as f:
        return pickle.load(f)


@io_manager(  # type: ignore[untyped-decorator]
    config_schema={"base_dir": Field(StringSource, is_required=False)},
    description="Pickles outputs to the local filesystem (superseded by FilesystemIOManager).",
)
def fs_io_manager(init_context: Any) -> PickledObjectFilesystemIOManager:  # type: ignore[misc]
    """Pickle outputs under ``base_dir`` (default: the instance's storage directory)."""
    base_dir = (init_context.resource_config or {}).get("base_dir")
    if base_dir is None:
        instance = init_context.instance
        base_dir = instance.storage_directory() if instance is not None else None
    return PickledObjectFilesystemIOManager(base_dir=base_dir)


class CustomPathPickledObjectFilesystemIOManager(IOManager):
    """Pickles each output to ``<base_dir>/<the output's "path" metadata>`` (parents created).

    Inputs read the path from the upstream output's definition metadata. Each write reports an
    ``AssetMaterialization`` keyed ``[job_name, step_key, output_name]`` with the absolute path.
    """

    def __init__(self, base_dir: str) -> None:
        self.base_dir = os.fspath(base_dir)

    def _path(self, metadata: Any, where: str) -> str:
        relative = (metadata or {}).get("path")
        if not isinstance(relative, str):
            raise CheckError(
                f"custom_path_fs_io_manager needs a str 'path' in the metadata of {where}; "
                f"got {relative!r}. Example: Out(metadata={{'path': 'dir/value.pkl'}})."
            )
        return os.path.abspath(os.path.join(self.base_dir, relative))

    def handle_output(self, context: OutputContext, obj: Any) -> Iterator[AssetMaterialization]:
        path = self._path(context.definition_metadata, f"output {context.name!r}")
        data = pickle_value(context, obj)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        write_atomic(path, data)  # a failed write leaves the previous value readable
        yield AssetMaterialization(
            asset_key=AssetKey([context.job_name, context.step_key, context.name]),
            metadata={"path": PathMetadataValue(path)},
        )

    def load_input(self, context: InputContext) -> Any:
        upstream = context.upstream_output
        path = self._path(upstream.definition_metadata if upstream is not None else None, "the upstream output")
        return _unpickle(path)


@io_manager(  # type: ignore[untyped-decorator]
    config_schema={"base_dir": Field(StringSource)},
    description="Pickles each output to the path in its 'path' metadata, under base_dir.",
)
def custom_path_fs_io_manager(init_context: Any) -> CustomPathPickledObjectFilesystemIOManager:  # type: ignore[misc]
    """Pickle outputs to ``<base_dir>/<output metadata "path">``."""
    return CustomPathPickledObjectFilesystemIOManager(base_dir=init_context.resource_config["base_dir"])
