"""Fixtures for the web UI tests: a code location written to a temp dir, a temporary
``DOCKYARD_HOME``, the app and a Starlette ``TestClient``."""

from __future__ import annotations

import contextlib
import os
import queue
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

PIPELINE = textwrap.dedent('''
    import time

    import dockyard as dg

    REGIONS = dg.StaticPartitionsDefinition(["eu", "us", "apac"])


    @dg.asset(
        group_name="sales",
        description="Raw rows <b>as delivered</b>.",
        metadata={"note": "<script>alert('definition')</script>", "docs": dg.MetadataValue.url("javascript:alert(1)"),
                  "home": dg.MetadataValue.url("https://example.com/raw")},
        owners=["team:data"],
    )
    def raw(context: dg.AssetExecutionContext) -> list:
        context.add_output_metadata({
            "dagster/row_count": 3,
            "uri": dg.MetadataValue.url("https://storage.example.com/raw.csv"),
            "comment": "<script>alert('materialized')</script>",
            "preview": dg.MetadataValue.md("| a |\\n|---|\\n| <img src=x onerror=alert(1)> |"),
            "table": dg.MetadataValue.table([dg.TableRecord({"id": 1, "name": "<i>one</i>"})],
                                            dg.TableSchema([dg.TableColumn("id", "int"), dg.TableColumn("name")])),
        })
        return [1, 2, 3]


    @dg.asset(group_name="sales")
    def doubled(context: dg.AssetExecutionContext, raw: list) -> list:
        context.add_output_metadata({"rows": len(raw), "ratio": 0.5})
        return [2 * x for x in raw]


    @dg.asset(group_name="reports")
    def slow(doubled: list) -> int:
        time.sleep(SLOW_SECONDS)
        return sum(doubled)


    @dg.asset(group_name="reports", partitions_def=REGIONS)
    def regional(context: dg.AssetExecutionContext) -> str:
        context.add_output_metadata({"region": context.partition_key})
        return context.partition_key


    @dg.asset(group_name="reports")
    def broken(doubled: list) -> int:
        raise ValueError("the source is down")


    @dg.asset(group_name="reports", required_resource_keys={"warehouse"})
    def needs_warehouse(context: dg.AssetExecutionContext) -> int:
        return 1


    SLOW_SECONDS = 0.0
    defs = dg.Definitions(assets=[raw, doubled, slow, regional, broken, needs_warehouse])
''')


def write_pipeline(directory: Path, slow_seconds: float = 0.0) -> Path:
    path = directory / "ui_pipeline.py"
    path.write_text(PIPELINE.replace("SLOW_SECONDS = 0.0", f"SLOW_SECONDS = {slow_seconds}"))
    return path


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "home"
    monkeypatch.setenv("DOCKYARD_HOME", str(path))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    return path


@pytest.fixture
def instance(home: Path) -> Iterator[Any]:
    from dockyard.instance.instance import DagsterInstance

    inst = DagsterInstance.get()
    yield inst
    inst.dispose()


@pytest.fixture
def location(tmp_path: Path) -> Any:
    from dockyard.cli.code_locations import load_code_location

    return load_code_location(str(write_pipeline(tmp_path)))


@pytest.fixture
def app(instance: Any, location: Any) -> Iterator[Any]:
    from dockyard.ui import create_app

    application = create_app(instance, location.definitions, location.code_pointer)
    yield application
    application.state.workspace.close(timeout=30)


@pytest.fixture
def client(app: Any) -> Any:
    from starlette.testclient import TestClient

    return TestClient(app)


def launch(client: Any, assets: list[str], partition: str | None = None, wait: bool = True) -> str:
    """Launch through the JSON API and wait for the run's thread; returns the run id."""
    app = client.app
    response = client.post("/api/runs", json={"assets": assets, "partition": partition},
                           headers={"X-CSRF-Token": app.state.csrf_token})
    assert response.status_code == 202, response.text
    run_id: str = response.json()["run_id"]
    if wait:
        assert app.state.workspace.launcher.wait(run_id, timeout=30)
    return run_id


REPO = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def running_server(args: list[str], home: Path, timeout: float = 30.0) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``python -m dockyard ARGS --port 0`` as a subprocess; yields it and the URL it printed.

    Stopped with SIGINT (like Ctrl+C) and waited for, then killed if it does not exit.
    """
    env = {**os.environ, "DOCKYARD_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    env.pop("DAGSTER_HOME", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "dockyard", *args, "--port", "0"], cwd=str(home.parent), env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    reader: threading.Thread | None = None
    try:
        lines: queue.Queue[str] = queue.Queue()
        assert proc.stdout is not None
        # a thread reads stdout: select() on a buffered text pipe misses lines already buffered
        reader = threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True)  # type: ignore[union-attr]
        reader.start()
        url = None
        deadline = time.monotonic() + timeout
        while url is None and time.monotonic() < deadline and proc.poll() is None:
            try:
                line = lines.get(timeout=0.2)
            except queue.Empty:
                continue
            match = re.search(r"serving on (http://\S+)", line)
            url = match.group(1) if match else None
        if url is None:
            proc.kill()
            _, err = proc.communicate(timeout=10)
            raise AssertionError(f"the server did not print its URL within {timeout} s; stderr:\n{err}")
        yield proc, url
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        if reader is not None:
            reader.join(timeout=5)  # EOF once the process is gone
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
