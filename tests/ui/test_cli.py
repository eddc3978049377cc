"""``dockyard dev`` and ``dockyard ui`` as real processes: they print the URL, serve, and stop on
Ctrl+C."""

from __future__ import annotations

import json
import signal
import urllib.request
from pathlib import Path

import pytest

from dockyard.cli import main

from .conftest import running_server, write_pipeline


def get_json(url: str) -> dict:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never through a proxy
    with opener.open(url, timeout=10) as response:
        return json.loads(response.read())  # type: ignore[no-any-return]


def test_dev_serves_the_code_location_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    pipeline = write_pipeline(tmp_path)
    home = tmp_path / "home"
    with running_server(["dev", "-f", str(pipeline)], home) as (proc, url):
        assert url.startswith("http://127.0.0.1:")
        index = get_json(url + "/api")
        assert index["read_only"] is False and index["code_pointer"] == f"{pipeline}:defs"
        assert index["instance"] == str(home)
        keys = [a["key"] for a in get_json(url + "/api/assets")["assets"]]
        assert keys[:2] == ["raw", "doubled"]
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=15) == 0


def test_ui_serves_a_read_only_view_of_the_instance(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with running_server(["ui"], home) as (_, url):
        assert get_json(url + "/api")["read_only"] is True
        assert get_json(url + "/api/assets")["assets"] == []


def test_dev_reports_a_bad_code_location_without_serving(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKYARD_HOME", str(tmp_path / "home"))
    assert main(["dev", "-f", str(tmp_path / "missing.py"), "--port", "0"]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert main(["dev", "--port", "0"]) == 2  # -f or -m is required
    assert main(["ui", "--port", "not-a-port"]) == 2


def test_importing_dockyard_and_its_cli_loads_no_web_stack() -> None:
    import subprocess
    import sys

    code = (
        "import sys, dockyard, dockyard.cli; dockyard.cli.build_parser(); "
        "loaded = [m for m in ('starlette', 'jinja2', 'uvicorn', 'dockyard.ui') if m in sys.modules]; "
        "print(loaded)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
