"""postgres_1m: the duckdb_1m frame through dockyard's PostgresPandasIOManager (dockyard only).

The reference venv has no PostgreSQL integration to compare with, so the baseline is a raw
psycopg round trip in the same process on the same frame. A throw-away server is started the
way ``tests/postgres/conftest.py`` does it: ``initdb`` / ``pg_ctl`` from the newest
``/usr/lib/postgresql/*/bin`` (as the ``postgres`` user when running as root), a free
127.0.0.1 port, a temp dir, ``fsync=off``; it is stopped and removed at the end. Without the
binaries (or psycopg/pyarrow) the script prints a ``skipped`` result instead of failing.

Timed per repetition, alternating which goes first, after dropping the table (untimed):
- ``materialize_s``: ``dg.materialize([big, total])`` with
  ``PostgresPandasIOManager(conninfo=url, schema="bench")`` storing ``big`` and loading it into
  ``total`` (whose small output goes to ``mem_io_manager``); ``io_s`` = ``big``'s body end →
  ``total``'s body start.
- ``raw_s``: by hand with psycopg 3, connection set-up included: ``CREATE TABLE`` with the
  column types, ``COPY ... FROM STDIN (FORMAT csv)`` fed by Arrow's CSV writer
  (``pyarrow.csv.write_csv`` of ``pa.Table.from_pandas(df)``), then ``COPY ... TO STDOUT (FORMAT
  csv)`` collected and parsed by ``pyarrow.csv.read_csv`` with the column types, ``.to_pandas()``.
  That is the fastest plain-COPY round trip we know how to write (``DataFrame.to_csv`` /
  ``read_csv`` would be several times slower, and an easier baseline).
``raw_write_s`` is the raw path's connect + CREATE + COPY in + commit part (the rest is the read).
``vs_raw`` = median ``materialize_s`` / median ``raw_s`` (target: at most 1.2).
"""

from __future__ import annotations

import glob
import io
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from _common import (
    DISK_DIR,
    IMPL,
    QUICK,
    alternate_runs,
    divert_stdout,
    emit,
    load_impl,
    materialize_round_trip,
    median,
    round_trip_assets,
    round_trip_metrics,
    sample_frame,
)

ROWS = 100_000 if QUICK else 1_000_000
REPS = 2 if QUICK else 5


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(cmd: list[str]) -> None:
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)


def _pg_bin() -> str | None:
    bins = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: [int(x) for x in p.split("/")[-2].split(".") if x.isdigit()],
    )
    return bins[-1] if bins and os.path.exists(os.path.join(bins[-1], "pg_ctl")) else None


@contextmanager
def postgres_server(pgbin: str) -> Iterator[str]:
    root = tempfile.mkdtemp(prefix="bench-pg-", dir=DISK_DIR)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    data, port = os.path.join(root, "data"), _free_port()
    try:
        _run([f"{pgbin}/initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"])
        opts = (
            f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        _run([f"{pgbin}/pg_ctl", "-D", data, "-l", os.path.join(root, "log"), "-w", "-o", opts, "start"])
        try:
            yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
        finally:
            _run([f"{pgbin}/pg_ctl", "-D", data, "-m", "fast", "-w", "stop"])
    finally:
        shutil.rmtree(root, ignore_errors=True)


def skip(reason: str) -> None:
    emit("postgres_1m", {}, skipped=reason)


def main() -> None:
    if IMPL != "dockyard":
        raise SystemExit("postgres_1m is a dockyard-only workload (the reference venv has no PostgreSQL integration)")
    divert_stdout()
    pgbin = _pg_bin()
    if pgbin is None:
        skip("no PostgreSQL binaries under /usr/lib/postgresql/*/bin (make test-deps installs them)")
        return
    try:
        import psycopg
        import pyarrow as pa
        import pyarrow.csv as pacsv
    except ImportError as exc:
        skip(f"missing driver: {exc}")
        return
    dg = load_impl()
    from dockyard.postgres import PostgresPandasIOManager

    frame = sample_frame(ROWS)
    expected = (ROWS, int(frame["id"].sum()))
    big, total, marks = round_trip_assets(dg, frame, Any)

    with postgres_server(pgbin) as url:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute("CREATE SCHEMA bench")

        def drop(table: str) -> None:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(f"DROP TABLE IF EXISTS bench.{table}")
                conn.execute("CHECKPOINT")

        def run_materialize() -> tuple[float, float, Any]:
            drop("big")
            resources = {"io_manager": PostgresPandasIOManager(conninfo=url, schema="bench"), "mem": dg.mem_io_manager}
            return materialize_round_trip(dg, [big, total], resources, marks, "postgres_1m")

        names = list(frame.columns)
        types = {"id": pa.int64(), "amount": pa.float64(), "category": pa.string(), "flag": pa.bool_(),
                 "ts": pa.timestamp("us")}

        raw_writes: list[float] = []

        def run_raw() -> tuple[float, Any]:
            drop("raw")
            start = time.perf_counter()
            with psycopg.connect(url) as conn:
                conn.execute(
                    "CREATE TABLE bench.raw (id BIGINT, amount DOUBLE PRECISION, category TEXT, "
                    "flag BOOLEAN, ts TIMESTAMP)"
                )
                buf = io.BytesIO()
                pacsv.write_csv(
                    pa.Table.from_pandas(frame, preserve_index=False), buf,
                    pacsv.WriteOptions(include_header=False),
                )
                with conn.cursor() as cur, cur.copy("COPY bench.raw FROM STDIN (FORMAT csv)") as copy:
                    copy.write(buf.getbuffer())
                conn.commit()
                raw_writes.append(time.perf_counter() - start)
                with conn.cursor() as cur, cur.copy("COPY bench.raw TO STDOUT (FORMAT csv)") as copy:
                    data = b"".join(copy)
                back = pacsv.read_csv(
                    pa.py_buffer(data),
                    read_options=pacsv.ReadOptions(column_names=names),
                    convert_options=pacsv.ConvertOptions(column_types=types, true_values=["t"], false_values=["f"]),
                ).to_pandas()
                value = (len(back), int(back["id"].sum()))  # what `total` computes
                del back  # freed inside the clock, as the run frees the loaded input
            elapsed = time.perf_counter() - start
            return elapsed, value

        run_materialize()  # warm-up
        run_raw()
        raw_writes.clear()
        mats, ios, raws, check_error = alternate_runs(REPS, run_materialize, run_raw, expected)
        with psycopg.connect(url) as conn:
            server = conn.execute("SHOW server_version").fetchone()[0]
    emit(
        "postgres_1m",
        {**round_trip_metrics(mats, ios, raws), "raw_write_s": median(raw_writes)},
        rows=ROWS,
        reps=REPS,
        postgres=server,
        psycopg=psycopg.__version__,
        check_error=check_error,
    )


if __name__ == "__main__":
    main()
