"""The UI in a real browser: Debian's Chromium driven by Playwright for Python.

The server is ``dockyard dev`` in a subprocess on a free port. Screenshots of each step go to a
pytest temp dir (``browser-screenshots``), printed at the end. Chromium comes from apt
(``make test-deps``); Playwright's own browser download (``playwright install``) is never used.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import running_server, write_pipeline

CHROMIUM = "/usr/bin/chromium"
# see shared/spec/local-servers.md §9: root needs --no-sandbox; the rest stop background traffic
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
TIMEOUT_MS = 20_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is missing: `make test-deps` installs Debian's chromium"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("browser")
    pipeline = write_pipeline(root, slow_seconds=1.5)
    with running_server(["dev", "-f", str(pipeline)], root / "home") as (_, url):
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[dev]')")
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(TIMEOUT_MS)
    dialogs: list[str] = []
    tab.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    context.close()
    assert dialogs == [], f"a script ran and opened dialogs: {dialogs}"
    assert errors == [], f"JavaScript errors on the page: {errors}"


def wait_for_run_end(page: Any, status: str) -> None:
    """Wait for the final run page (the live page reloads itself once the run has ended)."""
    page.wait_for_selector(f"#run-root[data-finished='1'] #run-status .badge.status-{status}")


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    directory = tmp_path_factory.mktemp("browser-screenshots")
    yield directory
    sys.stderr.write(f"\nbrowser screenshots: {directory}\n")


def test_catalog_asset_launch_and_new_materialization(server: str, page: Any, shots: Path) -> None:
    page.goto(server + "/assets")
    assert page.locator("#catalog-table tbody tr").count() == 6
    page.screenshot(path=str(shots / "01-catalog.png"), full_page=True)

    page.click("a.asset-link:text-is('raw')")
    page.wait_for_url(re.compile(r"/assets/raw$"))
    assert page.locator("p.description").inner_text() == "Raw rows <b>as delivered</b>."
    assert page.get_by_text("<script>alert('definition')</script>").is_visible()  # shown as text
    assert page.locator("#history tr.materialization").count() == 0

    page.click("#materialize-button")
    page.wait_for_url(re.compile(r"/runs/[0-9a-f-]+$"))
    wait_for_run_end(page, "success")
    assert page.locator("#event-log tr.type-asset_materialization").count() == 1
    assert page.locator("svg.timeline g.step.status-success").count() == 1
    page.screenshot(path=str(shots / "02-run-success.png"), full_page=True)

    page.click("#run-root a.asset-link:text-is('raw')")
    page.wait_for_url(re.compile(r"/assets/raw$"))
    history = page.locator("#history tr.materialization")
    assert history.count() == 1
    text = history.first.inner_text()
    assert "dagster/row_count" in text and "3" in text and "https://storage.example.com/raw.csv" in text
    assert "<script>alert('materialized')</script>" in text and "<i>one</i>" in text
    assert page.locator("#history code.path").first.inner_text().endswith(os.path.join("storage", "raw"))
    assert page.locator("h1 .badge").inner_text() == "materialized"
    page.screenshot(path=str(shots / "03-asset-after-run.png"), full_page=True)


def test_launch_from_catalog_shows_live_progress(server: str, page: Any, shots: Path) -> None:
    page.goto(server + "/assets")
    for key in ("raw", "doubled", "slow"):
        page.check(f"input[name=assets][value={key}]")
    assert page.locator("[data-selected-count]").inner_text() == "3 selected"
    page.click("#materialize-selected")
    page.wait_for_url(re.compile(r"/runs/[0-9a-f-]+$"))
    # `slow` sleeps 1.5 s: the page must show it running before the run ends
    # (a locator wait, not wait_for_function: the page's CSP forbids evaluating strings)
    page.locator("#run-progress-text", has_text="running slow").wait_for()
    assert page.locator("#run-status .badge").inner_text() in ("started", "starting")
    page.screenshot(path=str(shots / "04-run-live.png"), full_page=True)
    wait_for_run_end(page, "success")
    assert page.locator("svg.timeline g.step.status-success").count() == 3
    assert page.locator("#event-log tr.type-asset_materialization").count() == 3


def test_launch_one_partition_and_a_failing_run(server: str, page: Any, shots: Path) -> None:
    page.goto(server + "/assets/regional")
    page.fill("#launch-partition", "us")
    page.click("#materialize-button")
    wait_for_run_end(page, "success")
    assert page.locator("#run-partition").inner_text() == "us"
    page.goto(server + "/assets/regional")
    assert page.locator("#partition-grid .cell.status-materialized").get_attribute("data-partition") == "us"
    assert page.locator("#partition-grid .cell.status-missing").count() == 2
    page.screenshot(path=str(shots / "05-partitions.png"), full_page=True)

    page.goto(server + "/assets/broken")
    page.click("#materialize-button")
    wait_for_run_end(page, "failure")
    assert "ValueError: the source is down" in page.locator("#errors").inner_text()
    page.screenshot(path=str(shots / "06-run-failure.png"), full_page=True)

    page.goto(server + "/graph")
    assert page.locator("svg.lineage a.node.status-failed").get_attribute("data-key") == "broken"
    assert page.locator("svg.lineage a.node.status-materialized").count() >= 3
    page.screenshot(path=str(shots / "07-lineage.png"), full_page=True)
    page.click("svg.lineage a.node[data-key=doubled]")
    page.wait_for_url(re.compile(r"/assets/doubled$"))
