"""The real app in a real browser: a streamlit server on a free port, Debian's chromium."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from data.settings import ROOT
from tests.e2e.server import serving

CHROMIUM = os.environ.get("PULSE_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
# Flags this sandbox needs: no GPU, no sandbox as root, and no background traffic to a
# closed network (without them chromium keeps retrying Google's hosts).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard on the bundled sample, served on 127.0.0.1 for this session."""
    db = tmp_path_factory.mktemp("e2e") / "pulse.duckdb"
    with (tmp_path_factory.mktemp("e2e-log") / "streamlit.log").open("w") as log, serving(db, log) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's chromium driven by Playwright (installed by `python3 dev.py test`)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.fail(f"{CHROMIUM} is missing: `python3 dev.py test` installs Debian's chromium")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A fresh 1920×1080 tab (the meeting-room screen)."""
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    p = ctx.new_page()
    p.set_default_timeout(60_000)
    yield p
    ctx.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Where the browser tests save their PNGs (git-ignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
