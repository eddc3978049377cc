"""s3_partitions_24: a daily asset loading 24 hourly partitions (1 MiB each) from S3 through
``S3PickleIOManager``, concurrently (the manager's default) vs one after another (dockyard only).

Server: SeaweedFS ``weed mini`` as in ``_s3.py`` (data dir under ``BENCH_STORAGE_DIR``); without
``weed`` (or s3fs/boto3) the script prints a ``skipped`` result.

``readings`` is hourly-partitioned and returns 1 MiB of seeded random ``bytes`` per hour;
``daily_summary`` is daily-partitioned and takes ``readings: Dict[str, bytes]`` (the default
time-window mapping: one day = 24 hours). Untimed: the 24 upstream partitions are materialized
once, straight to the server. Timed: ``materialize([*readings.to_source_assets(),
daily_summary], partition_key=day)``; ``load`` = call → ``daily_summary``'s body (planning, run
start and the 24 loads, which dominate).

Two modes, alternating which goes first in each repetition:
- concurrent: as shipped (``dockyard.io.upath.MAX_LOAD_WORKERS`` threads, 8);
- sequential: ``dockyard.io.upath.MAX_LOAD_WORKERS = 1`` (one load after another).
Both against two endpoints of the same server and objects:
- direct: the server on loopback (no network latency: a load costs ~8 ms of CPU on the two
  shared cores, client and server together, so threads have little to overlap);
- latency proxy: ``_s3.latency_proxy``, a separate process holding every request back 20 ms
  (``DELAY_MS``) before forwarding it, as a remote object store's round trip would. s3fs's
  ``cat_file`` sends a HEAD and then a GET, so each load pays the delay twice.
``speedup`` = sequential / concurrent load time (median over repetitions of the two back-to-back
runs' ratio). Target: at least 3x; judged on the latency row, the case concurrency is for.

Context rows: the same 24 objects through raw s3fs in the same process (``fs.cat_file`` in a
loop, and ``fs.cat([...])``, s3fs's own concurrent batch).
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from typing import Any, Dict  # noqa: UP035 (as the seeds annotate)

from _common import QUICK, STORAGE_DIR, emit, median
from _s3 import BUCKET, latency_proxy, seaweedfs, start_s3_workload, weed_version

WORKLOAD = "s3_partitions_24"
HOURS = 24
SIZE = 2**18 if QUICK else 2**20
REPS = 2 if QUICK else 7
DELAY_MS = 20.0
DAY = dt.date(2024, 3, 1)


def main() -> None:
    started = start_s3_workload(WORKLOAD)
    if started is None:
        return
    dg, weed, np, s3fs = started
    import dockyard.io.upath as upath_module
    from dockyard.aws.s3 import S3PickleIOManager, S3Resource

    default_workers = upath_module.MAX_LOAD_WORKERS
    hourly = dg.HourlyPartitionsDefinition(start_date=f"{DAY:%Y-%m-%d}-00:00")
    daily = dg.DailyPartitionsDefinition(start_date=f"{DAY:%Y-%m-%d}")
    marks: dict[str, Any] = {}

    @dg.asset(partitions_def=hourly)
    def readings(context) -> bytes:  # no hint, as in partitions_24_parquet
        return np.random.default_rng(int(context.partition_key[-5:-3])).bytes(SIZE)

    @dg.asset(partitions_def=daily)
    def daily_summary(readings: Dict[str, bytes]) -> int:  # noqa: UP006
        marks["body"] = time.perf_counter()
        marks["hours"] = len(readings)
        return sum(len(v) for v in readings.values())

    day_key = f"{DAY:%Y-%m-%d}"
    hour_keys = [f"{day_key}-{h:02d}:00" for h in range(HOURS)]
    assets = [*readings.to_source_assets(), daily_summary]

    with seaweedfs(weed, STORAGE_DIR) as server:

        def resources(endpoint: str) -> dict[str, Any]:
            res = S3Resource(
                endpoint_url=endpoint, region_name="us-east-1",
                aws_access_key_id=server.key, aws_secret_access_key=server.secret,
            )
            return {"io_manager": S3PickleIOManager(s3_resource=res, s3_bucket=BUCKET, s3_prefix="bench")}

        direct = resources(server.endpoint)
        for key in hour_keys:
            if not dg.materialize([readings], partition_key=key, resources=direct).success:
                raise SystemExit(f"upstream partition {key} failed")

        def call(res: dict[str, Any], workers: int) -> float:
            upath_module.MAX_LOAD_WORKERS = workers
            try:
                marks.clear()
                start = time.perf_counter()
                result = dg.materialize(assets, partition_key=day_key, resources=res)
            finally:
                upath_module.MAX_LOAD_WORKERS = default_workers
            if not result.success or marks.get("hours") != HOURS:
                raise SystemExit(f"downstream run failed or saw {marks.get('hours')} hours")
            return float(marks["body"] - start)

        def raw_times(endpoint: str) -> tuple[float, float]:
            fs = s3fs.S3FileSystem(
                key=server.key, secret=server.secret, endpoint_url=endpoint,
                client_kwargs={"region_name": "us-east-1"},
            )
            paths = [f"{BUCKET}/bench/readings/{k}" for k in hour_keys]
            fs.cat_file(paths[0])  # warm: connection, client
            seq, batch = [], []
            for _ in range(REPS):
                start = time.perf_counter()
                for p in paths:
                    fs.cat_file(p)
                seq.append(time.perf_counter() - start)
                start = time.perf_counter()
                if len(fs.cat(paths)) != HOURS:
                    raise SystemExit("raw fs.cat did not return every object")
                batch.append(time.perf_counter() - start)
            return median(seq), median(batch)

        def measure(label: str, res: dict[str, Any]) -> dict[str, float]:
            call(res, default_workers)  # warm-up: s3fs client, connections, first run's caches
            call(res, 1)
            runs: dict[str, list[float]] = {"concurrent": [], "sequential": []}
            for rep in range(REPS):
                for mode in ("sequential", "concurrent") if rep % 2 == 0 else ("concurrent", "sequential"):
                    runs[mode].append(call(res, default_workers if mode == "concurrent" else 1))
                print(f"[{WORKLOAD}] {label} rep {rep}: concurrent {runs['concurrent'][-1]:.3f} s, "
                      f"sequential {runs['sequential'][-1]:.3f} s", file=sys.stderr, flush=True)
            pairs = zip(runs["sequential"], runs["concurrent"], strict=True)
            return {
                f"{label}.concurrent_s": median(runs["concurrent"]),
                f"{label}.sequential_s": median(runs["sequential"]),
                f"{label}.speedup": median([s / c for s, c in pairs]),
            }

        metrics = measure("direct", direct)
        metrics["direct.raw_loop_s"], metrics["direct.raw_batch_s"] = raw_times(server.endpoint)
        with latency_proxy(server.port, DELAY_MS) as port:
            proxied = f"http://127.0.0.1:{port}"
            metrics.update(measure("latency", resources(proxied)))
            metrics["latency.raw_loop_s"], metrics["latency.raw_batch_s"] = raw_times(proxied)

    emit(
        WORKLOAD,
        metrics,
        hours=HOURS,
        partition_mb=SIZE / 2**20,
        workers=default_workers,
        delay_ms=f"{DELAY_MS:g}",
        reps=REPS,
        s3fs=s3fs.__version__,
        server=weed_version(weed),
        server_dir=STORAGE_DIR or "system temp dir",
    )


if __name__ == "__main__":
    main()
