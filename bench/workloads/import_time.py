"""import_time: wall time of ``python -c "import <impl>"`` in a fresh interpreter.

One warm-up run (fills the OS page cache and compiles .pyc files), then N timed runs, median.
Also times a bare ``python -c pass`` the same way so the interpreter's own start-up can be
subtracted (``net_s``). The target applies to the wall time, start-up included.

Bytecode: the child interpreters get ``PYTHONPYCACHEPREFIX`` pointing at a private temp dir and
no ``PYTHONDONTWRITEBYTECODE``, so the warm-up compiles every module into that cache and the
timed runs read it. Without this, an environment that sets PYTHONDONTWRITEBYTECODE=1 (this
one does) makes an editable install recompile from source on every import while site-packages
ships .pyc files, which would compare compile time, not import time. The private prefix also
keeps the benchmark from writing ``__pycache__`` into either tree.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

from _common import IMPL, QUICK, emit, median

RUNS = 3 if QUICK else 9


def _wall(code: str, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-pycache-") as cache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = cache
        measure(env)


def measure(env: dict[str, str]) -> None:
    import_code = f"import {IMPL}"
    _wall("pass", env)
    _wall(import_code, env)
    bare: list[float] = []
    imported: list[float] = []
    for _ in range(RUNS):
        # Interleave so drift hits both series alike.
        bare.append(_wall("pass", env))
        imported.append(_wall(import_code, env))
    wall = median(imported)
    base = median(bare)
    emit(
        "import_time",
        {"wall_s": wall, "net_s": wall - base, "bare_python_s": base},
        runs=RUNS,
        samples_s=imported,
    )


if __name__ == "__main__":
    main()
