"""File handles and the local file manager (``local_file_manager`` resource).

A file manager writes opaque files under a base directory and hands back ``FileHandle``
objects that later steps read through the same manager. Files are named ``<uuid4>[.ext]`` and
written atomically (temporary file in the same directory, then ``os.replace``).

Friendlier forms the seed documents are accepted as well (Dagster rejects them):
``write_data`` takes ``str`` (UTF-8) and JSON-serialisable ``dict``/``list`` besides ``bytes``
(a dict defaults to the ``json`` extension), the returned handle works as a context manager
yielding itself, and ``copy_handle_to_local_temp`` given a plain path copies that file into the
managed directory and returns a ``LocalFileHandle`` for the copy. Given a handle it returns the
local temporary path as Dagster does.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from dockyard.defs.config import Field, StringSource
from dockyard.defs.resource import resource
from dockyard.errors import DagsterInvalidInvocationError


class FileHandle(ABC):
    """A reference to a file some file manager can read."""

    @property
    @abstractmethod
    def path_desc(self) -> str:
        """A human-readable description of where the file is."""

    def __enter__(self) -> FileHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


class LocalFileHandle(FileHandle):
    """A file on the local filesystem."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self._path = os.fspath(path)

    @property
    def path(self) -> str:
        return self._path

    @property
    def path_desc(self) -> str:
        return self._path

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LocalFileHandle) and other._path == self._path

    def __hash__(self) -> int:
        return hash(("LocalFileHandle", self._path))

    def __repr__(self) -> str:
        return f"LocalFileHandle({self._path!r})"


class FileManager(ABC):
    """Writes and reads files, identified by ``FileHandle`` objects."""

    @abstractmethod
    def copy_handle_to_local_temp(self, file_handle: FileHandle) -> Any:
        """Copy the file to a local temporary path (removed by ``delete_local_temp``)."""

    @abstractmethod
    def delete_local_temp(self) -> None:
        """Remove every temporary copy this manager made."""

    @abstractmethod
    def read(self, file_handle: FileHandle, mode: str = "rb") -> Any:
        """Context manager yielding the open file."""

    @abstractmethod
    def read_data(self, file_handle: FileHandle) -> bytes:
        """The file's bytes."""

    @abstractmethod
    def write(self, file_obj: IO[Any], mode: str = "wb", ext: str | None = None) -> FileHandle:
        """Copy an open file into managed storage."""

    @abstractmethod
    def write_data(self, data: bytes, ext: str | None = None) -> FileHandle:
        """Store ``data`` in managed storage."""


def _check_mode(mode: str, allowed: tuple[str, ...], what: str) -> None:
    if mode not in allowed:
        raise DagsterInvalidInvocationError(f"{what} mode must be one of {allowed!r}, got {mode!r}.")


def _as_bytes(data: Any, ext: str | None) -> tuple[bytes, str | None]:
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data), ext
    if isinstance(data, str):
        return data.encode("utf-8"), ext
    if isinstance(data, (dict, list)):
        import json

        try:
            text = json.dumps(data)
        except TypeError as exc:
            raise DagsterInvalidInvocationError(
                f"write_data got a {type(data).__name__} that is not JSON-serialisable ({exc}); pass bytes instead."
            ) from exc
        return text.encode("utf-8"), ext if ext is not None else "json"
    raise DagsterInvalidInvocationError(
        f"write_data takes bytes (or str, or a JSON-serialisable dict/list), got {type(data).__name__}: {data!r:.80}."
    )


class LocalFileManager(FileManager):
    """Keeps files under ``base_dir`` on the local filesystem."""

    def __init__(self, base_dir: str | os.PathLike[str]) -> None:
        self.base_dir = os.fspath(base_dir)
        self._base_dir_ensured = False
        self._temp_paths: list[str] = []

    @staticmethod
    def for_instance(instance: Any) -> LocalFileManager:
        """A manager rooted at ``<instance storage>/file_manager``."""
        return LocalFileManager(os.path.join(instance.storage_directory(), "file_manager"))

    def _ensure_base_dir(self) -> None:
        if not self._base_dir_ensured:
            os.makedirs(self.base_dir, exist_ok=True)
            self._base_dir_ensured = True

    def _new_path(self, ext: str | None) -> str:
        import uuid  # lazy: uuid imports platform, which `import dockyard` need not pay for

        name = str(uuid.uuid4()) + (f".{ext}" if ext else "")
        return os.path.join(self.base_dir, name)

    def _write_atomic(self, path: str, chunks: Iterator[bytes]) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.base_dir, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    out.write(chunk)
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise

    @staticmethod
    def _local_path(file_handle: Any) -> str:
        if isinstance(file_handle, LocalFileHandle):
            return file_handle.path
        raise DagsterInvalidInvocationError(
            f"LocalFileManager reads LocalFileHandle objects, got {type(file_handle).__name__}: {file_handle!r}."
        )

    @contextmanager
    def read(self, file_handle: FileHandle, mode: str = "rb") -> Iterator[IO[Any]]:
        """Open the handle's file for reading (``"rb"`` or ``"r"``)."""
        _check_mode(mode, ("rb", "r"), "read")
        with open(self._local_path(file_handle), mode) as f:
            yield f

    def read_data(self, file_handle: FileHandle) -> bytes:
        """The file's bytes."""
        with self.read(file_handle, mode="rb") as f:
            data: bytes = f.read()
        return data

    def write_data(self, data: Any, ext: str | None = None) -> LocalFileHandle:
        """Store ``data`` (bytes; str or JSON dict/list accepted) as a new file."""
        payload, ext = _as_bytes(data, ext)
        return self.write(io.BytesIO(payload), mode="wb", ext=ext)

    def write(self, file_obj: IO[Any], mode: str = "wb", ext: str | None = None) -> LocalFileHandle:
        """Copy ``file_obj`` (read to its end) into a new file named ``<uuid4>[.ext]``."""
        _check_mode(mode, ("wb", "w"), "write")
        self._ensure_base_dir()
        path = self._new_path(ext)

        def chunks() -> Iterator[bytes]:
            while True:
                chunk = file_obj.read(1 << 20)
                if not chunk:
                    return
                yield chunk.encode("utf-8") if isinstance(chunk, str) else chunk

        self._write_atomic(path, chunks())
        return LocalFileHandle(path)

    def copy_handle_to_local_temp(self, file_handle: Any) -> Any:
        """Copy a handle's file to a local temp path and return the path.

        Given a plain path (``str`` or ``os.PathLike``) instead, copy that file into managed
        storage and return a ``LocalFileHandle`` for the copy.
        """
        if isinstance(file_handle, (str, os.PathLike)):
            src = os.fspath(file_handle)
            if not os.path.isfile(src):
                raise DagsterInvalidInvocationError(f"copy_handle_to_local_temp: no file at {src!r}.")
            ext = os.path.splitext(src)[1].lstrip(".") or None
            with open(src, "rb") as f:
                return self.write(f, ext=ext)
        src = self._local_path(file_handle)
        fd, tmp = tempfile.mkstemp(prefix="dockyard-file-", suffix=os.path.splitext(src)[1])
        os.close(fd)
        shutil.copyfile(src, tmp)
        self._temp_paths.append(tmp)
        return tmp

    def delete_local_temp(self) -> None:
        """Remove every temporary copy made by ``copy_handle_to_local_temp``."""
        paths, self._temp_paths = self._temp_paths, []
        for p in paths:
            try:
                os.unlink(p)
            except FileNotFoundError:
                pass

    def __repr__(self) -> str:
        return f"LocalFileManager(base_dir={self.base_dir!r})"


@resource(config_schema={"base_dir": Field(StringSource, is_required=False)})
def local_file_manager(init_context: Any) -> LocalFileManager:
    """A ``LocalFileManager`` under ``base_dir`` (default: ``<instance storage>/file_manager``)."""
    base_dir = (init_context.resource_config or {}).get("base_dir")
    if base_dir is None:
        instance = init_context.instance
        if instance is not None:
            base_dir = os.path.join(instance.storage_directory(), "file_manager")
        else:  # no instance at hand (bare init context): a private temporary directory
            base_dir = tempfile.mkdtemp(prefix="dockyard-files-")
    return LocalFileManager(base_dir)
