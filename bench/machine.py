"""Machine and interpreter facts recorded next to every benchmark run (stdlib only)."""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

REPO_DIR = Path(__file__).resolve().parent.parent

# Packages whose versions go into the machine-info block (missing ones are skipped).
VERSION_PACKAGES = (
    "dagster",
    "dockyard",
    "pydantic",
    "universal-pathlib",
    "fsspec",
    "pandas",
    "pyarrow",
    "numpy",
    "polars",
    "duckdb",
)


_INFO_SNIPPET = """
import json, platform, sys
from importlib import metadata
versions = {}
for name in %r:
    try:
        versions[name] = metadata.version(name)
    except metadata.PackageNotFoundError:
        pass
print(json.dumps({"python": platform.python_version(), "executable": sys.executable,
                  "versions": versions}))
"""


def interpreter_info(python: str) -> dict[str, Any]:
    try:
        proc = subprocess.run(
            [python, "-c", _INFO_SNIPPET % (VERSION_PACKAGES,)],
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
        info: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
        return info
    except (OSError, subprocess.TimeoutExpired, IndexError, json.JSONDecodeError) as exc:
        return {"python": "?", "executable": python, "versions": {}, "error": str(exc)}


def cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "unknown"
    match = re.search(r"^model name\s*:\s*(.+)$", text, re.MULTILINE)
    return match.group(1).strip() if match else platform.processor() or "unknown"


def git_revision() -> str:
    """Short commit of the dockyard tree (read-only git call), or "" when unavailable."""
    try:
        proc = subprocess.run(
            ["git", "-C", str(REPO_DIR), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return proc.stdout.strip() if proc.returncode == 0 else ""


def filesystem_type(path: str) -> str:
    """Filesystem type of the mount holding ``path`` (from /proc/mounts), or "?"."""
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return "?"
    real = os.path.realpath(path)
    best, fstype = "", "?"
    for line in mounts:
        parts = line.split()
        if len(parts) < 3:
            continue
        point = parts[1].replace("\\040", " ")
        inside = real == point or real.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, fstype = point, parts[2]
    return fstype


def storage_dirs(tmpfs_dir: str | None, disk_dir: str | None) -> dict[str, str]:
    disk = disk_dir or tempfile.gettempdir()
    tmpfs = tmpfs_dir or ("/dev/shm" if os.path.isdir("/dev/shm") else disk)
    return {"tmpfs": tmpfs, "disk": disk}


def load_average() -> str:
    """1-minute load average: other work on the machine is the main source of noise."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "?"


def machine_info(pythons: dict[str, str], storage: dict[str, str]) -> dict[str, Any]:
    return {
        "storage": {role: f"{path} ({filesystem_type(path)})" for role, path in storage.items()},
        "date": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load_before": load_average(),
        "nproc": os.cpu_count(),
        "cpu": cpu_model(),
        "platform": platform.platform(),
        "git": git_revision(),
        "interpreters": {impl: interpreter_info(py) for impl, py in pythons.items()},
    }
