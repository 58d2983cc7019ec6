"""Browser tests: Playwright drives the system Chromium against the live server (tests/fixtures/infra.py)."""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("PORTAL_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
SCREENSHOTS = os.environ.get("PORTAL_SCREENSHOTS")


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def check_page():
    """check_page(page, name): axe finds nothing (WCAG 2.2 AA, target size on); optionally save screenshots."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(page, name: str):
        results = axe.run(page, options={
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
            "rules": {"target-size": {"enabled": True}},
            "resultTypes": ["violations"]})
        assert results.violations_count == 0, f"{name}: {results.generate_report()}"
        if SCREENSHOTS:
            folder = Path(SCREENSHOTS)
            folder.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(folder / f"{name}.png"), full_page=True)

    return check
