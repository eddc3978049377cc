"""The ``dockyard`` command line, run in-process through ``main([...])`` and a few times as a real
subprocess, against a temporary ``DOCKYARD_HOME``."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import dockyard as dg
from dockyard.cli import main
from dockyard.cli.progress import ProgressDisplay
from dockyard.execution.asset_origins import CODE_POINTER_TAG
from dockyard.instance.events import (
    DagsterEvent,
    DagsterEventType,
    EventLogEntry,
    StepMaterializationData,
)

REPO = Path(__file__).resolve().parents[2]

PIPELINE = '''
import dockyard as dg

@dg.asset(group_name="sales")
def raw() -> list:
    return [1, 2, 3]

@dg.asset(group_name="sales")
def doubled(context: dg.AssetExecutionContext, raw: list) -> list:
    context.add_output_metadata({"rows": len(raw)})
    return [2 * x for x in raw]

@dg.asset(group_name="report")
def total(doubled: list) -> int:
    return sum(doubled)

defs = dg.Definitions(assets=[raw, doubled, total])
'''

FAILING = '''
import dockyard as dg

@dg.asset
def fine() -> int:
    return 1

@dg.asset
def broken(fine: int) -> int:
    raise ValueError("the source is down")

@dg.asset
def after(broken: int) -> int:
    return broken

defs = dg.Definitions(assets=[fine, broken, after])
'''

PARTITIONED_AND_CONFIG = '''
import dockyard as dg

@dg.asset(partitions_def=dg.StaticPartitionsDefinition(["eu", "us"]))
def regional(context: dg.AssetExecutionContext) -> str:
    return f"sales of {context.partition_key}"

class ScaleConfig(dg.Config):
    factor: int = 1

@dg.asset
def scaled(config: ScaleConfig) -> int:
    return 10 * config.factor

defs = dg.Definitions(assets=[regional, scaled])
'''

DEFINITIONS_FUNCTION = '''
import dockyard as dg

@dg.asset
def built() -> str:
    return "built"

@dg.definitions
def location() -> dg.Definitions:
    return dg.Definitions(assets=[built])
'''

TWO_DEFINITIONS = '''
import dockyard as dg

@dg.asset
def one() -> int:
    return 1

first = dg.Definitions(assets=[one])
second = dg.Definitions(assets=[one])
'''

ONLY_ASSETS = '''
import dockyard as dg

@dg.asset
def lonely() -> int:
    return 1
'''


def write(directory: Path, name: str, source: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source))
    return path


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def instance_at(home: Path) -> dg.DagsterInstance:
    return dg.DagsterInstance.from_home(str(home))


# -- materialize -----------------------------------------------------------------------------------


def test_materialize_file_stores_values_and_records_history(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "pipeline.py", PIPELINE)
    code, out, err = run_cli(capsys, "materialize", "-f", str(path))
    assert code == 0, err
    for name in ("raw", "doubled", "total"):
        assert (home / "storage" / name).is_file()
        assert f"{name} " in out
    assert str(home / "storage" / "total") in out  # the "stored at" column
    assert "SUCCESS" in out
    assert "[3/3] total done" in err  # not a terminal: plain progress lines
    with instance_at(home) as instance:
        runs = instance.get_runs()
        assert len(runs) == 1 and runs[0].is_success
        assert runs[0].tags[CODE_POINTER_TAG] == f"{path}:defs"
        mat = instance.get_latest_materialization_event("doubled").asset_materialization
        assert mat.metadata["rows"].value == 3
        # the recorded code pointer lets a loader without definitions read values back
        assert dg.AssetValueLoader(instance).load_asset_value("total") == 12


def test_materialize_select_runs_only_the_selection(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "pipeline_select.py", PIPELINE)
    assert run_cli(capsys, "materialize", "-f", str(path), "--select", "raw")[0] == 0
    code, _, err = run_cli(capsys, "materialize", "-f", str(path), "--select", "doubled+")
    assert code == 0, err
    with instance_at(home) as instance:
        assert len(instance.get_materialization_history("raw")) == 1
        assert len(instance.get_materialization_history("doubled")) == 1
        assert len(instance.get_materialization_history("total")) == 1
    assert run_cli(capsys, "materialize", "-f", str(path), "--select", "group:report")[0] == 0
    with instance_at(home) as instance:
        assert len(instance.get_materialization_history("total")) == 2
        assert len(instance.get_materialization_history("raw")) == 1


def test_materialize_module_with_attribute_and_definitions_function(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, "cli_two_defs.py", TWO_DEFINITIONS)
    write(tmp_path, "cli_defs_function.py", DEFINITIONS_FUNCTION)
    code, _, err = run_cli(capsys, "materialize", "-m", "cli_two_defs")
    assert code == 1
    assert "several definitions: 'first', 'second'" in err and "-a NAME" in err
    code, _, err = run_cli(capsys, "materialize", "-m", "cli_two_defs", "-a", "second")
    assert code == 0, err
    code, _, err = run_cli(capsys, "materialize", "-m", "cli_defs_function")
    assert code == 0, err
    with instance_at(home) as instance:
        assert instance.get_runs()[0].tags[CODE_POINTER_TAG] == "cli_defs_function:location"
        sys.modules.pop("cli_defs_function")  # as in a new process: the loader imports it again
        assert dg.AssetValueLoader(instance).load_asset_value("built") == "built"


def test_materialize_without_definitions_lists_what_it_found(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "only_assets.py", ONLY_ASSETS)
    code, _, err = run_cli(capsys, "materialize", "-f", str(path))
    assert code == 1
    assert err.startswith("error: ") and err.count("\n") == 1
    assert "no Definitions object or @definitions function" in err and "'lonely'" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["materialize", "-f", "missing.py"], "does not exist"),
        (["materialize", "-m", "no_such_module_here"], "No module named 'no_such_module_here'"),
        (["asset", "show", "nothing"], "has no materializations"),
        (["runs", "show", "abc"], "No run 'abc'"),
    ],
)
def test_errors_are_one_line_without_traceback(home: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    code, _, err = run_cli(capsys, *argv)
    assert code == 1
    assert err.startswith("error: ") and message in err and err.count("\n") == 1


def test_import_error_in_user_file_is_one_line_and_verbose_adds_the_traceback(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "bad_import.py", "import dockyard as dg\nraise RuntimeError('config missing')\n")
    code, _, err = run_cli(capsys, "materialize", "-f", str(path))
    assert code == 1
    assert err == f"error: Importing {str(path)!r} failed: RuntimeError: config missing\n"
    code, _, err = run_cli(capsys, "materialize", "-f", str(path), "--verbose")
    assert code == 1
    assert "Traceback" in err and err.rstrip().endswith("RuntimeError: config missing")


def test_failing_step_exits_1_with_the_error_and_the_run_recorded(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "failing.py", FAILING)
    code, out, err = run_cli(capsys, "materialize", "-f", str(path))
    assert code == 1
    assert "FAILURE" in out and "fine " in out
    assert "error: step 'broken' failed: ValueError: the source is down" in err
    assert "after skipped" in err
    assert "Traceback" not in err
    with instance_at(home) as instance:
        (run,) = instance.get_runs(status=dg.DagsterRunStatus.FAILURE)
    code, out, _ = run_cli(capsys, "runs", "show", run.run_id[:8])
    assert code == 0
    assert "STEP_FAILURE" in out and "the source is down" in out and "STEP_SKIPPED" in out
    code, out, _ = run_cli(capsys, "runs", "show", run.run_id, "--verbose")
    assert 'raise ValueError("the source is down")' in out  # the stored stack


def test_partition_and_config_options(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "partitioned.py", PARTITIONED_AND_CONFIG)
    code, _, err = run_cli(capsys, "materialize", "-f", str(path), "--select", "regional")
    assert code == 1 and "pass --partition KEY (e.g. --partition us)" in err
    code, out, err = run_cli(capsys, "materialize", "-f", str(path), "--select", "regional", "--partition", "eu")
    assert code == 0, err
    assert (home / "storage" / "regional" / "eu").is_file()
    config = tmp_path / "run.yaml"
    config.write_text("ops:\n  scaled:\n    config:\n      factor: 4\n")
    code, _, err = run_cli(capsys, "materialize", "-f", str(path), "--select", "scaled", "--config", str(config))
    assert code == 0, err
    with instance_at(home) as instance:
        assert dg.AssetValueLoader(instance).load_asset_value("scaled") == 40
    code, out, _ = run_cli(capsys, "asset", "show", "regional")
    assert code == 0 and "partition eu" in out
    config.write_text("ops:\n  scaled:\n    config:\n      factor: not-a-number\n")
    code, _, err = run_cli(capsys, "materialize", "-f", str(path), "--select", "scaled", "--config", str(config))
    assert code == 1 and "error: " in err and "factor" in err and "Traceback" not in err


# -- asset, runs, instance ---------------------------------------------------------------------------


def test_asset_list_show_and_wipe(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "pipeline_assets.py", PIPELINE)
    for _ in range(3):
        assert run_cli(capsys, "materialize", "-f", str(path))[0] == 0
    code, out, _ = run_cli(capsys, "asset", "list")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()[1:]] == ["doubled", "raw", "total"]

    code, out, _ = run_cli(capsys, "asset", "show", "doubled", "--limit", "2")
    assert code == 0
    assert out.count("  run ") == 2 and "rows" in out and "I/O manager 'io_manager'" in out
    assert "--cursor" in out
    cursor = out.rsplit("--cursor ", 1)[1].strip()
    code, out, _ = run_cli(capsys, "asset", "show", "doubled", "--limit", "2", "--cursor", cursor)
    assert code == 0 and out.count("  run ") == 1 and "--cursor" not in out
    with instance_at(home) as instance:
        newest_first = [e.run_id for e in instance.get_materialization_history("doubled")]
    code, out, _ = run_cli(capsys, "asset", "show", "doubled")
    assert [line.split("run ")[1].split()[0] for line in out.splitlines() if "  run " in line] == newest_first

    code, _, err = run_cli(capsys, "asset", "wipe", "doubled")  # stdin is not a terminal here
    assert code == 1 and "--yes" in err
    code, out, _ = run_cli(capsys, "asset", "wipe", "doubled", "--yes")
    assert code == 0 and "doubled" in out
    with instance_at(home) as instance:
        assert not instance.has_asset_key("doubled") and instance.has_asset_key("raw")
    assert (home / "storage" / "doubled").is_file()  # values stay
    code, _, err = run_cli(capsys, "asset", "show", "doubled")
    assert code == 1 and "'raw', 'total'" in err
    assert run_cli(capsys, "asset", "wipe", "doubled", "--yes")[0] == 1


def test_asset_show_is_fast_with_ten_thousand_materializations(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with instance_at(home) as instance:
        entries = [
            EventLogEntry("run-1", DagsterEvent(
                DagsterEventType.ASSET_MATERIALIZATION.value, "job", "big", "big",
                StepMaterializationData(dg.AssetMaterialization("big", metadata={"n": i}, partition=str(i % 50))),
            ))
            for i in range(10_000)
        ]
        instance.store_events(entries)
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        code, out, _ = run_cli(capsys, "asset", "show", "big")
        timings.append(time.perf_counter() - started)
        assert code == 0 and out.count("  run ") == 20
    assert min(timings) < 0.2, timings
    assert "n  9999" in out  # newest first


def test_runs_list_filters_by_status(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write(tmp_path, "runs_good.py", PIPELINE)
    bad = write(tmp_path, "runs_bad.py", FAILING)
    assert run_cli(capsys, "materialize", "-f", str(good))[0] == 0
    assert run_cli(capsys, "materialize", "-f", str(bad))[0] == 1
    code, out, _ = run_cli(capsys, "runs", "list")
    assert code == 0 and len(out.splitlines()) == 3
    code, out, _ = run_cli(capsys, "runs", "list", "--status", "failure")
    assert code == 0 and len(out.splitlines()) == 2 and "FAILURE" in out and "SUCCESS" not in out
    code, _, err = run_cli(capsys, "runs", "list", "--status", "bogus")
    assert code == 2 and "SUCCESS" in err


def test_instance_info(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "pipeline_info.py", PIPELINE)
    assert run_cli(capsys, "materialize", "-f", str(path))[0] == 0
    code, out, _ = run_cli(capsys, "instance", "info")
    assert code == 0
    assert str(home) in out and "dockyard.sqlite" in out and "3 materialized" in out
    assert "runs             1" in out


# -- scaffold ----------------------------------------------------------------------------------------


def test_scaffold_asset_file_imports_and_materializes(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "scaffold", "defs", "dockyard.asset", "defs/orders.py")
    assert code == 0 and "dockyard materialize -f defs/orders.py" in out
    text = (tmp_path / "defs" / "orders.py").read_text()
    assert "def orders(" in text and "defs = dg.Definitions(" in text and "#" in text
    code, out, err = run_cli(capsys, "materialize", "-f", "defs/orders.py")
    assert code == 0, err
    with instance_at(home) as instance:
        loader = dg.AssetValueLoader(instance)
        assert loader.load_asset_value("orders") == {"apples": 3, "pears": 5}
        assert loader.load_asset_value("orders_total") == 8
    code, out, _ = run_cli(capsys, "asset", "show", "orders")
    assert code == 0 and "kinds" in out


def test_scaffold_resources_file_provides_a_working_resource(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run_cli(capsys, "scaffold", "defs", "dagster.resources", "project/")
    assert code == 0
    write(tmp_path, "project/users.py", '''
        import dockyard as dg
        from resources import ApiClientResource, resources

        @dg.asset
        def users(api_client: ApiClientResource) -> dict:
            return api_client.fetch("users")

        defs = dg.Definitions.merge(resources(), dg.Definitions(assets=[users]))
    ''')
    code, _, err = run_cli(capsys, "materialize", "-f", "project/users.py")
    assert code == 0, err
    with instance_at(home) as instance:
        assert dg.AssetValueLoader(instance).load_asset_value("users") == {"url": "https://example.com/api/users"}


def test_scaffold_refuses_to_overwrite_without_force(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "mine.py"
    target.write_text("# mine\n")
    code, _, err = run_cli(capsys, "scaffold", "defs", "dockyard.asset", str(target))
    assert code == 1 and "--force" in err
    assert target.read_text() == "# mine\n"
    assert run_cli(capsys, "scaffold", "defs", "dockyard.asset", str(target), "--force")[0] == 0
    assert "def mine(" in target.read_text()
    code, _, err = run_cli(capsys, "scaffold", "defs", "dockyard.sensor", "x.py")
    assert code == 2 and "dockyard.asset" in err and "dockyard.resources" in err


# -- progress display ------------------------------------------------------------------------------


def _progress_record(level: int, msg: str, *args: object, phase: str | None = None) -> logging.LogRecord:
    record = logging.LogRecord("dockyard.progress", level, __file__, 0, msg, args, None)
    if phase is not None:
        record.dockyard_progress = phase
    return record


def test_live_progress_redraws_one_line_and_counts_a_retried_step_once() -> None:
    stream = io.StringIO()
    display = ProgressDisplay(stream, live=True)
    display.start()
    display.handle(_progress_record(logging.DEBUG, "[%d/%d] %s started", 1, 2, "a", phase="start"))
    assert "0/2 steps  a" in stream.getvalue().rsplit("\r", 1)[-1]
    display.handle(_progress_record(logging.INFO, "[%d/%d] %s FAILED: %s", 1, 2, "a", "boom"))  # untagged: inferred
    display.handle(_progress_record(logging.INFO, "[%d/%d] %s done in %.1f ms", 1, 2, "a", 1.0, phase="done"))
    display.handle(_progress_record(logging.INFO, "[%d/%d] %s done in %.1f ms", 2, 2, "b", 1.0, phase="done"))
    display.stop()
    text = stream.getvalue()
    assert "\n" not in text.replace("[1/2] a FAILED: boom\n", "").rstrip("\n")  # one line, redrawn with \r
    assert "\r" in text
    assert text.rstrip("\n").rsplit("\r", 1)[-1].startswith("  [####################] 2/2 steps")


def test_progress_handlers_are_removed_after_the_run(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    progress = logging.getLogger("dockyard.progress")
    before = (list(progress.handlers), progress.level, progress.propagate)
    path = write(tmp_path, "pipeline_handlers.py", PIPELINE)
    assert run_cli(capsys, "materialize", "-f", str(path))[0] == 0
    assert (list(progress.handlers), progress.level, progress.propagate) == before


# -- as a program --------------------------------------------------------------------------------


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    env["DOCKYARD_HOME"] = str(home)
    return env


def test_python_dash_m_dockyard_materializes_the_example_and_shows_history(home: Path, tmp_path: Path) -> None:
    example = REPO / "examples" / "sales_pipeline.py"
    done = subprocess.run(
        [sys.executable, "-m", "dockyard", "materialize", "-f", str(example), "--partition-range", "2024-01-02...2024-01-06"],
        capture_output=True, text=True, env=_env(home), cwd=tmp_path, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "sales_summary" in done.stdout and "[3/3] sales_summary done" in done.stderr
    shown = subprocess.run(
        [sys.executable, "-m", "dockyard", "asset", "show", "sales_summary"],
        capture_output=True, text=True, env=_env(home), cwd=tmp_path, timeout=60,
    )
    assert shown.returncode == 0, shown.stderr
    assert "materializations, newest first (1 shown)" in shown.stdout
    assert f"{example}:defs" in shown.stdout


def test_console_script_reports_errors_in_one_line(home: Path, tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("dockyard")
    if not script.exists():
        pytest.skip(f"console script not installed next to {sys.executable}")
    done = subprocess.run([str(script), "runs", "show", "nope"], capture_output=True, text=True, env=_env(home), cwd=tmp_path, timeout=60)
    assert done.returncode == 1
    assert done.stderr.startswith("error: No run 'nope'") and done.stderr.count("\n") == 1


def test_run_loop_reports_step_start_and_finish_to_the_progress_logger(tmp_path: Path) -> None:
    phases: list[tuple[str, str]] = []

    class Recorder(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            phases.append((getattr(record, "dockyard_progress", "?"), str(record.args[2])))  # type: ignore[index]

    @dg.asset
    def first() -> int:
        return 1

    @dg.asset
    def second(first: int) -> int:
        return first + 1

    progress = logging.getLogger("dockyard.progress")
    recorder = Recorder()
    saved = progress.level
    progress.addHandler(recorder)
    progress.setLevel(logging.DEBUG)
    try:
        with dg.DagsterInstance.ephemeral(str(tmp_path)) as instance:
            dg.materialize([first, second], instance=instance)
    finally:
        progress.removeHandler(recorder)
        progress.setLevel(saved)
    assert phases == [("start", "first"), ("done", "first"), ("start", "second"), ("done", "second")]


def test_live_progress_line_on_a_terminal(home: Path, tmp_path: Path) -> None:
    import pty

    path = write(tmp_path, "pipeline_tty.py", PIPELINE)
    leader, follower = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "dockyard", "materialize", "-f", str(path)],
            stdout=subprocess.PIPE, stderr=follower, text=True, env=_env(home), cwd=tmp_path, timeout=120,
        )
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # EIO: the terminal's other side is closed
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(leader)
    terminal = b"".join(chunks).decode()
    assert done.returncode == 0
    assert "\r" in terminal and "\x1b[K" in terminal
    assert "[####################] 3/3 steps" in terminal
    assert "done in" not in terminal  # no per-step lines: the one status line is redrawn
    assert "total" in done.stdout and "SUCCESS" in done.stdout
