"""``ObjectStoreIOManager``: the pickling ``UPathIOManager`` shared by the S3, GCS and Azure
backends (``s3://``, ``gs://``, ``az://`` base paths through s3fs, gcsfs and adlfs).

Layout inside the bucket (the one Dagster's object-store managers use, so existing buckets
keep loading)::

    asset              <prefix>/<k1>/.../<kn>
    asset partition    <prefix>/<k1>/.../<kn>/<partition>
    op output          <prefix>/storage/<run_id>/<step_key>/<output>

Writes and reads move whole objects. ``pickle.dumps`` gives one ``bytes`` body and
``fs.pipe_file`` sends it: one PUT, or a multipart upload that S3 shows only once it is
completed (Azure commits its block list at the end, GCS finalises its upload at the end). A
reader sees the old object or the new one, never part of one, and a failed upload leaves the
previous value in place. Reads are one ``fs.cat_file`` into ``pickle.loads``. No intermediate
buffer or file is made, so throughput matches the filesystem library itself. A subclass that
overrides ``dump_to_path`` (another format) loses the ``@writes_whole_object`` mark, so
``UPathIOManager`` stages its output in a temporary object (see ``dockyard.io.upath``).

Object stores have no directories: ``make_directory`` does nothing, and buckets are never
created (writing into a missing bucket is an error that names it).

Store failures (connection refused, access denied, ...) are raised as ``OSError`` (a built-in
subclass where one fits: ``PermissionError`` for HTTP 401/403, ``ConnectionError``, ...) whose
message names the asset, the partition, the object URI and the endpoint. The original is
``__cause__``. Missing objects stay ``FileNotFoundError``, so ``UPathIOManager`` reports them as
missing values. ``secrets`` (keys, tokens, connection strings) are masked in every message built
here.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from dockyard.errors import DagsterInvariantViolationError
from dockyard.io.upath import PICKLE_PROTOCOL, UPathIOManager, describe, writes_whole_object

if TYPE_CHECKING:
    from upath import UPath

    from dockyard.io.context import InputContext, OutputContext

DEFAULT_PREFIX = "dagster"
OP_OUTPUT_DIRECTORY = "storage"
_MASK = "***"


class ObjectStoreIOManager(UPathIOManager):
    """Pickles every output as one object under ``base_path`` (``s3://bucket/prefix``, ...).

    Subclasses may override ``dump_to_path`` / ``load_from_path`` and ``extension`` for
    another format, as with any ``UPathIOManager``.

    Args:
        base_path: the bucket URL and prefix; its storage options carry the credentials.
        store_name: how messages name the store (``"S3"``, ``"GCS"``, ``"Azure Blob Storage"``).
        endpoint: the endpoint URL shown in connection errors (never a connection string).
        secrets: values masked in every message this class builds.
    """

    def __init__(
        self,
        base_path: UPath,
        *,
        store_name: str = "object store",
        endpoint: str | None = None,
        secrets: Iterable[str | None] = (),
    ) -> None:
        super().__init__(base_path=base_path)
        self.store_name = store_name
        self.endpoint = endpoint
        self._secrets = tuple(s for s in secrets if s and len(s) >= 4)

    # -- hooks ------------------------------------------------------------------------------------
    @writes_whole_object
    def dump_to_path(self, context: OutputContext, obj: Any, path: UPath) -> None:
        data = self._pickle(context, obj)
        try:
            path.fs.pipe_file(path.path, data)
        except Exception as exc:
            raise self.store_error("write", context, path, exc) from exc

    def load_from_path(self, context: InputContext, path: UPath) -> Any:
        try:
            data = path.fs.cat_file(path.path)
        except FileNotFoundError:
            raise
        except Exception as exc:
            raise self.store_error("read", context, path, exc) from exc
        return pickle.loads(data)

    def path_exists(self, path: UPath) -> bool:
        try:
            return bool(path.fs.exists(path.path))
        except Exception as exc:
            raise self.store_error("check", None, path, exc) from exc

    def make_directory(self, path: UPath) -> None:
        """Nothing to do: object stores have no directories."""

    def unlink(self, path: UPath) -> None:
        path.fs.rm_file(path.path)

    def get_op_output_relative_path(self, context: InputContext | OutputContext) -> UPath:
        from upath import UPath

        return UPath(OP_OUTPUT_DIRECTORY, *context.get_identifier())

    def get_loading_input_log_message(self, path: UPath) -> str:
        return f"Loading {self.store_name} object from: {path}"

    def get_writing_output_log_message(self, path: UPath) -> str:
        return f"Writing {self.store_name} object at: {path}"

    # -- errors -----------------------------------------------------------------------------------
    def redact(self, text: str) -> str:
        """``text`` with every configured secret replaced by ``***``."""
        for secret in self._secrets:
            text = text.replace(secret, _MASK)
        return text

    def store_error(
        self, verb: str, context: InputContext | OutputContext | None, path: UPath, exc: BaseException
    ) -> OSError:
        """An ``OSError`` (of the original's subclass when it is one) saying what failed where."""
        what = "" if context is None else f" {_describe_with_partition(context)}"
        preposition = {"write": "to", "read": "from"}.get(verb, "at")
        # the first line: Azure appends the whole XML error body, which stays in __cause__
        detail = (str(exc).strip().splitlines() or [""])[0]
        reason = self.redact(f"{type(exc).__name__}: {detail}".strip())
        status = _http_status(exc)
        # keep a built-in subclass (ConnectionError, TimeoutError, ...); library ones may format
        # their message from other attributes
        cls: type[OSError] = OSError
        if isinstance(exc, OSError) and type(exc).__module__ == "builtins" and not isinstance(exc, FileNotFoundError):
            cls = type(exc)
        if (isinstance(exc, FileNotFoundError) or status == 404) and verb == "write":
            hint = (
                f"The bucket (or container) of {path} does not exist or is not visible with these "
                "credentials. Create it first, or fix the bucket name."
            )
        elif isinstance(exc, PermissionError) or status in (401, 403):
            cls = PermissionError
            hint = "Check the credentials and their permissions on this bucket."
        else:
            where = f" at {self.endpoint}" if self.endpoint else ""
            hint = (
                f"Check that the {self.store_name} endpoint{where} is reachable and the bucket "
                "exists; the run can be re-executed once it is."
            )
        message = f"Could not {verb}{what} {preposition} {path} ({self.store_name}): {reason.rstrip('.')}. {hint}"
        return cls(message)

    def _pickle(self, context: OutputContext, obj: Any) -> bytes:
        try:
            return pickle.dumps(obj, PICKLE_PROTOCOL)
        except (AttributeError, RecursionError, ImportError, pickle.PicklingError, TypeError) as exc:
            raise DagsterInvariantViolationError(
                f"{type(self).__name__} cannot store {describe(context)}: a value of type "
                f"{type(obj).__name__} is not picklable ({type(exc).__name__}: {exc}). Return "
                "plain data, or bind an I/O manager that can store this type."
            ) from exc


def _describe_with_partition(context: InputContext | OutputContext) -> str:
    text = describe(context)
    if context.has_asset_key and context.has_asset_partitions:
        keys = context.asset_partition_keys
        if len(keys) == 1:
            text = f"partition {str(keys[0])!r} of {text}"
    return text


def _http_status(exc: BaseException) -> int | None:
    """The HTTP status an SDK error carries (azure-core ``status_code``, gcsfs ``code``)."""
    for attr in ("status_code", "code"):
        value = getattr(exc, attr, None)
        if isinstance(value, int) and 100 <= value < 600:
            return value
    return None
