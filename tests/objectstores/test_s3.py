"""S3 resources and pickle I/O managers against a real S3 server (SeaweedFS): the conformance
suite (pickle and a custom format), layout, pythonic and legacy definitions in runs, whole-object
writes under interrupted uploads, error messages, and credentials kept out of everything."""

from __future__ import annotations

import logging
import os
import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import dockyard as dg
from dockyard.aws.s3 import (
    ConfigurablePickledObjectS3IOManager,
    PickledObjectS3IOManager,
    S3PickleIOManager,
    S3Resource,
    s3_pickle_io_manager,
    s3_resource,
)
from dockyard.testing.io_manager_suite import LETTERS, in_ctx, out_ctx

from .store_suite import (
    BUCKET,
    JsonFormat,
    ObjectStoreSuite,
    StoreConformanceSuite,
    event_texts,
    stored_text,
)

pytestmark = pytest.mark.s3


class JsonS3IOManager(JsonFormat, PickledObjectS3IOManager):
    """A custom format written through ``path.open``, as users subclass."""


def manager(server: Any, prefix: str, cls: type | None = None, **options: Any) -> Any:
    cls = cls or PickledObjectS3IOManager
    return cls(BUCKET, s3_prefix=prefix, storage_options=server.storage_options(**options))


def keys_under(server: Any, prefix: str) -> list[str]:
    listing = server.client().list_objects_v2(Bucket=BUCKET, Prefix=prefix + "/")
    return sorted(o["Key"][len(prefix) + 1 :] for o in listing.get("Contents", []))


class TestS3Store(ObjectStoreSuite):
    scheme = "s3"
    server_fixture = "s3_server"
    resource_key = "s3"
    json_manager = JsonS3IOManager
    pythonic_manager = S3PickleIOManager
    configurable_manager = ConfigurablePickledObjectS3IOManager
    manager = staticmethod(manager)
    keys_under = staticmethod(keys_under)

    def read_object(self, server: Any, key: str) -> bytes:
        return server.client().get_object(Bucket=BUCKET, Key=key)["Body"].read()  # type: ignore[no-any-return]

    def pythonic_io_manager(self, server: Any, prefix: str, monkeypatch: pytest.MonkeyPatch) -> Any:
        monkeypatch.setenv("DOCKYARD_TEST_S3_SECRET", server.secret)
        return S3PickleIOManager(
            s3_resource=S3Resource(
                endpoint_url=server.endpoint, aws_access_key_id=server.key,
                aws_secret_access_key=dg.EnvVar("DOCKYARD_TEST_S3_SECRET"), max_attempts=2,
            ),
            s3_bucket=BUCKET,
            s3_prefix=prefix,
        )

    def legacy_resources(self, server: Any, prefix: str) -> dict[str, Any]:
        s3 = s3_resource.configured({
            "endpoint_url": server.endpoint, "region_name": "us-east-1",
            "aws_access_key_id": server.key, "aws_secret_access_key": server.secret,
        })
        return {"io_manager": s3_pickle_io_manager.configured({"s3_bucket": BUCKET, "s3_prefix": prefix}), "s3": s3}

    test_legacy_manager_uses_the_client_of_resource_s3 = ObjectStoreSuite.check_legacy_manager_uses_its_resource

    def test_missing_partition_error_names_asset_partition_and_uri(self, server: Any, unique_prefix: str) -> None:
        super().test_missing_partition_error_names_asset_partition_and_uri(server, unique_prefix)
        with pytest.raises(FileNotFoundError, match=f"s3://{BUCKET}/{unique_prefix}/never"):
            manager(server, unique_prefix).load_input(in_ctx(["never"]))


# -- conformance: the pickle manager and a custom format --------------------------------------------
class TestS3Conformance(StoreConformanceSuite):
    store = TestS3Store


# -- resources and definitions --------------------------------------------------------------------
def test_s3_resource_client_and_legacy_resource_reach_the_server(
    s3_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKYARD_TEST_S3_SECRET", s3_server.secret)
    res = S3Resource(
        endpoint_url=s3_server.endpoint, region_name="us-east-1", aws_access_key_id=s3_server.key,
        aws_secret_access_key=dg.EnvVar("DOCKYARD_TEST_S3_SECRET"),
    )
    assert BUCKET in [b["Name"] for b in res.get_client().list_buckets()["Buckets"]]
    config = {
        "endpoint_url": s3_server.endpoint, "region_name": "us-east-1",
        "aws_access_key_id": s3_server.key, "aws_secret_access_key": {"env": "DOCKYARD_TEST_S3_SECRET"},
    }
    with dg.build_resources({"s3": s3_resource}, resource_config={"s3": {"config": config}}) as resources:
        assert BUCKET in [b["Name"] for b in resources.s3.list_buckets()["Buckets"]]


def test_default_prefix_is_dagster_and_bucket_names_are_checked() -> None:
    assert S3PickleIOManager(s3_bucket="b").s3_prefix == "dagster"
    with pytest.raises(dg.DagsterInvalidConfigError, match="s3_bucket must be a bucket name"):
        PickledObjectS3IOManager("s3://b/prefix", storage_options={})


# -- store errors ---------------------------------------------------------------------------------
def test_unreachable_endpoint_error_names_asset_uri_and_endpoint(unique_prefix: str) -> None:
    (port,) = _free_ports(1)
    endpoint = f"http://127.0.0.1:{port}"
    mgr = PickledObjectS3IOManager(
        BUCKET, s3_prefix=unique_prefix,
        storage_options={"key": "k", "secret": "s3cr3t-value", "endpoint_url": endpoint,
                         "config_kwargs": {"retries": {"max_attempts": 1}}},
    )
    with pytest.raises(OSError) as info:
        mgr.handle_output(out_ctx(["orders"], ["a"], LETTERS), 1)
    message = str(info.value)
    assert f"Could not write partition 'a' of asset ['orders'] to s3://{BUCKET}/{unique_prefix}/orders/a (S3)" in message
    assert endpoint in message and "s3cr3t-value" not in message
    assert info.value.__cause__ is not None


def test_wrong_secret_is_a_permission_error_without_the_secret(s3_server: Any, unique_prefix: str) -> None:
    mgr = manager(s3_server, unique_prefix, secret="not-the-right-secret-42")
    with pytest.raises(PermissionError) as info:
        mgr.handle_output(out_ctx(["orders"]), 1)
    assert "Check the credentials" in str(info.value)
    assert "not-the-right-secret-42" not in str(info.value)


def test_missing_bucket_write_names_the_bucket(s3_server: Any) -> None:
    mgr = PickledObjectS3IOManager("no-such-bucket-here", s3_prefix="p", storage_options=s3_server.storage_options())
    with pytest.raises(OSError, match=r"s3://no-such-bucket-here/p/orders .*does not exist"):
        mgr.handle_output(out_ctx(["orders"]), 1)


# -- all-or-nothing writes -----------------------------------------------------------------------
class CuttingProxy:
    """A TCP proxy to the S3 server that drops every connection, and stops accepting new ones,
    once ``cut_after`` request bytes went through: the server vanishes in the middle of a body."""

    def __init__(self, upstream_port: int, cut_after: int) -> None:
        self.upstream_port = upstream_port
        self.cut_after = cut_after
        self.sent = 0
        self.cut = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = [self.listener]
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.cut.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            with self.lock:
                self.sockets += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, counts: bool) -> None:
        try:
            while not self.cut.is_set():
                data = src.recv(65536)
                if not data:
                    break
                if counts:
                    with self.lock:
                        self.sent += len(data)
                        over = self.sent > self.cut_after
                    if over:
                        self.close()
                        return
                dst.sendall(data)
        except OSError:
            pass
        if counts:  # the request side ended: close both directions
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        self.cut.set()
        with self.lock:
            for s in self.sockets:
                try:
                    s.close()
                except OSError:
                    pass


@pytest.fixture
def cutting_proxy(s3_server: Any) -> Iterator[Any]:
    proxies: list[CuttingProxy] = []

    def make(cut_after: int) -> CuttingProxy:
        proxies.append(CuttingProxy(int(s3_server.endpoint.rsplit(":", 1)[1]), cut_after))
        return proxies[-1]

    yield make
    for p in proxies:
        p.close()


@pytest.mark.parametrize(
    "size_mb, cut_mb",
    [(20, 8), (110, 70)],
    ids=["single-put", "multipart-upload"],
)
def test_interrupted_upload_never_leaves_a_readable_partial_object(
    s3_server: Any, unique_prefix: str, cutting_proxy: Any, size_mb: int, cut_mb: int
) -> None:
    direct = manager(s3_server, unique_prefix)
    direct.handle_output(out_ctx(["blob"]), "previous value")
    big = os.urandom(size_mb * 2**20)
    for key in (["blob"], ["fresh"]):
        proxy = cutting_proxy(cut_mb * 2**20)
        through_proxy = manager(s3_server, unique_prefix, endpoint_url=f"http://127.0.0.1:{proxy.port}")
        with pytest.raises(OSError, match=re.escape(f"Could not write asset {key!r} to s3://")):
            through_proxy.handle_output(out_ctx(key), big)
        assert proxy.cut.is_set() and proxy.sent > cut_mb * 2**20  # the body was cut, not refused
    uploads = s3_server.client().list_multipart_uploads(Bucket=BUCKET, Prefix=unique_prefix).get("Uploads", [])
    assert len(uploads) == (2 if size_mb > 100 else 0)  # started, never completed: invisible
    assert direct.load_input(in_ctx(["blob"])) == "previous value"
    with pytest.raises(FileNotFoundError):
        direct.load_input(in_ctx(["fresh"]))
    assert keys_under(s3_server, unique_prefix) == ["blob"]


def test_unpicklable_value_writes_nothing(s3_server: Any, unique_prefix: str) -> None:
    mgr = manager(s3_server, unique_prefix)
    mgr.handle_output(out_ctx(["value"]), 1)
    with pytest.raises(dg.DagsterInvariantViolationError, match="not picklable"):
        mgr.handle_output(out_ctx(["value"]), threading.Lock())
    assert mgr.load_input(in_ctx(["value"])) == 1


# -- credentials -----------------------------------------------------------------------------------
def test_credentials_never_appear_in_events_errors_logs_or_reprs(
    s3_server: Any, unique_prefix: str, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture, scratch_dir: Path,
) -> None:
    secret, wrong = s3_server.secret, "wrong-secret-" + s3_server.secret[-12:]
    monkeypatch.setenv("DOCKYARD_TEST_S3_SECRET", secret)
    monkeypatch.setenv("DOCKYARD_TEST_S3_WRONG", wrong)
    caplog.set_level(logging.DEBUG)
    (port,) = _free_ports(1)

    def io(secret_var: str, endpoint: str = s3_server.endpoint) -> S3PickleIOManager:
        return S3PickleIOManager(
            s3_resource=S3Resource(
                endpoint_url=endpoint, aws_access_key_id=s3_server.key,
                aws_secret_access_key=dg.EnvVar(secret_var), max_attempts=1,
            ),
            s3_bucket=BUCKET,
            s3_prefix=unique_prefix,
        )

    @dg.asset
    def first() -> int:
        return 1

    @dg.asset
    def second(first: int) -> int:
        return first + 1

    @dg.asset
    def never_stored() -> int:
        return 0

    @dg.asset
    def reads_missing(never_stored: int) -> int:
        return never_stored

    instance = dg.DagsterInstance.from_home(str(scratch_dir))
    good = io("DOCKYARD_TEST_S3_SECRET")
    results = [
        dg.materialize([first, second], resources={"io_manager": good}, instance=instance),
        dg.materialize([never_stored, reads_missing], selection=[reads_missing], resources={"io_manager": good},
                       instance=instance, raise_on_error=False),
        dg.materialize([first], resources={"io_manager": io("DOCKYARD_TEST_S3_WRONG")}, instance=instance,
                       raise_on_error=False),
        dg.materialize([first], resources={"io_manager": io("DOCKYARD_TEST_S3_SECRET", f"http://127.0.0.1:{port}")},
                       instance=instance, raise_on_error=False),
    ]
    assert [r.success for r in results] == [True, False, False, False]
    texts = [repr(good), repr(good.s3_resource), str(good.s3_resource.model_dump(exclude={"aws_secret_access_key"}))]
    events, failures = event_texts(results)
    texts += events
    stored = stored_text(scratch_dir)
    assert "reads_missing" in stored  # the instance's run and event storage is searched too
    texts += [*failures, stored, *(rec.getMessage() for rec in caplog.records)]
    assert len(failures) == 3
    assert f"s3://{BUCKET}/{unique_prefix}/never_stored" in failures[0]
    assert "reads_missing" in failures[0]
    blob = "\n".join(texts)
    assert secret not in blob and wrong not in blob


def _free_ports(n: int) -> list[int]:
    socks = [socket.create_server(("127.0.0.1", 0)) for _ in range(n)]
    try:
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()
