"""``dockyard runs reexecute RUN_ID [--from-failure]``: a failed CLI run, fixed between runs, is
finished from its failed step without recomputing what already succeeded (counted in files)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import dockyard as dg
from dockyard.cli import main

# Each asset appends one character to <name>.count next to the file when it computes; `flaky`
# fails until a file named `fixed` exists there.
PIPELINE = '''
from pathlib import Path

import dockyard as dg

HERE = Path(__file__).parent


def count(name: str) -> None:
    with open(HERE / f"{name}.count", "a") as f:
        f.write("x")


@dg.asset
def source() -> list:
    count("source")
    return [1, 2, 3]


@dg.asset
def flaky(source: list) -> int:
    count("flaky")
    if not (HERE / "fixed").exists():
        raise ConnectionError("the warehouse is down")
    return sum(source)


@dg.asset
def report(flaky: int) -> str:
    count("report")
    return f"total={flaky}"


defs = dg.Definitions(assets=[source, flaky, report])
'''


@pytest.fixture
def project(tmp_path: Path) -> Path:
    directory = tmp_path / "project"
    directory.mkdir()
    (directory / "reexec_pipeline.py").write_text(textwrap.dedent(PIPELINE))
    return directory


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def counts(project: Path) -> dict[str, int]:
    return {name: len((project / f"{name}.count").read_text()) if (project / f"{name}.count").exists() else 0
            for name in ("source", "flaky", "report")}


def latest_run(home: Path) -> dg.DagsterRun:
    with dg.DagsterInstance.from_home(str(home)) as instance:
        return instance.get_runs(limit=1)[0]


def test_reexecute_from_failure_runs_only_the_failed_steps(home: Path, project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(capsys, "materialize", "-f", str(project / "reexec_pipeline.py"))
    assert code == 1 and "the warehouse is down" in err
    first = latest_run(home)
    assert counts(project) == {"source": 1, "flaky": 1, "report": 0}

    # still broken: a second failed run, child of the first
    code, out, err = cli(capsys, "runs", "reexecute", first.run_id[:8], "--from-failure")
    assert code == 1
    assert "error: step 'flaky' failed: ConnectionError: the warehouse is down" in err
    assert f"re-execution of {first.run_id}; reused 1 step(s): source" in out
    second = latest_run(home)
    assert second.status == dg.DagsterRunStatus.FAILURE and second.tags["dagster/parent_run_id"] == first.run_id
    assert counts(project) == {"source": 1, "flaky": 2, "report": 0}

    (project / "fixed").touch()
    code, out, err = cli(capsys, "runs", "reexecute", second.run_id, "--from-failure")
    assert code == 0, err
    assert "[2/2] report done" in err  # progress covers only the re-executed steps
    assert "flaky " in out and "report " in out and "source " not in out  # the table: what this run materialized
    assert str(home / "storage" / "report") in out
    assert "SUCCESS  2 asset(s)" in out and "reused 1 step(s): source" in out  # from the first run
    assert counts(project) == {"source": 1, "flaky": 3, "report": 1}  # source was loaded, not recomputed
    third = latest_run(home)
    assert third.status == dg.DagsterRunStatus.SUCCESS
    assert third.tags["dagster/parent_run_id"] == second.run_id and third.tags["dagster/root_run_id"] == first.run_id
    with dg.DagsterInstance.from_home(str(home)) as instance:
        assert dg.AssetValueLoader(instance).load_asset_value("report") == "total=6"

    # a run that succeeded has nothing to resume; without --from-failure every step runs again
    code, _, err = cli(capsys, "runs", "reexecute", third.run_id, "--from-failure")
    assert code == 1 and err.count("\n") == 1
    assert err.startswith(f"error: Run {third.run_id!r} succeeded, so there is nothing to re-execute from failure.")
    code, out, err = cli(capsys, "runs", "reexecute", third.run_id)
    assert code == 0, err
    assert "SUCCESS  3 asset(s)" in out
    assert counts(project) == {"source": 2, "flaky": 4, "report": 2}


def test_reexecute_errors_are_one_line(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(capsys, "runs", "reexecute", "nope", "--from-failure")
    assert code == 1 and err.startswith("error: No run 'nope'") and err.count("\n") == 1

    @dg.asset
    def broken_in_process() -> int:
        raise ValueError("no")

    with dg.DagsterInstance.get() as instance:  # $DOCKYARD_HOME: the instance the CLI reads
        dg.materialize([broken_in_process], instance=instance, raise_on_error=False)
    run = latest_run(home)
    code, _, err = cli(capsys, "runs", "reexecute", run.run_id, "--from-failure")
    assert code == 1 and err.count("\n") == 1 and "Traceback" not in err
    assert f"Run {run.run_id!r} did not record where its code lives" in err
    assert "reexecute_from_failure(run_id, instance, job=reconstructable(defs))" in err
    code, _, err = cli(capsys, "runs", "reexecute", run.run_id, "--from-failure", "--verbose")
    assert code == 1 and "Traceback" in err


def test_reexecute_in_a_new_process_imports_the_recorded_code(home: Path, project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(capsys, "materialize", "-f", str(project / "reexec_pipeline.py"))[0] == 1
    failed = latest_run(home)
    (project / "fixed").touch()
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    env["DOCKYARD_HOME"] = str(home)
    done = subprocess.run(
        [sys.executable, "-m", "dockyard", "runs", "reexecute", failed.run_id, "--from-failure"],
        capture_output=True, text=True, env=env, cwd=home.parent, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert f"re-executing the failed steps of run {failed.run_id}" in done.stderr
    assert "report " in done.stdout and "SUCCESS" in done.stdout
    assert counts(project) == {"source": 1, "flaky": 2, "report": 1}
