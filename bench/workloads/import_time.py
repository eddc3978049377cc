"""import_time: wall time of ``python -c "import <impl>"`` in a fresh interpreter.

One warm-up run (fills the OS page cache and writes .pyc files), then N timed runs, median.
Also times a bare ``python -c pass`` the same way so the interpreter's own start-up can be
subtracted (``net_s``). The target applies to the wall time, start-up included.
"""

from __future__ import annotations

import subprocess
import sys
import time

from _common import IMPL, QUICK, emit, median

RUNS = 3 if QUICK else 9


def _wall(code: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def main() -> None:
    import_code = f"import {IMPL}"
    _wall("pass")
    _wall(import_code)
    bare: list[float] = []
    imported: list[float] = []
    for _ in range(RUNS):
        # Interleave so drift hits both series alike.
        bare.append(_wall("pass"))
        imported.append(_wall(import_code))
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
