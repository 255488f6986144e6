"""The weekly digest in chromium: offline, every section visible, printed to an A4 PDF."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from data import store
from data.settings import ROOT, Settings
from data.sync import first_sync
from metrics import digest

pytestmark = pytest.mark.e2e

ARTIFACTS = ROOT / "artifacts" / "digest"


@pytest.fixture(scope="module")
def digest_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample synced with its history, and the digest written by the command line."""
    db = tmp_path_factory.mktemp("digest-e2e") / "pulse.duckdb"
    con = store.connect(db)
    try:
        assert first_sync(con, Settings(db=str(db))).ok
    finally:
        con.close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    out = ARTIFACTS / "weekly.html"
    assert digest.main(["--db", str(db), "--out", str(out)]) == 0
    return out


def _offline(page) -> list[str]:
    """Block every request but file:// ones; returns the list of blocked URLs."""
    blocked: list[str] = []

    def route(r):
        if r.request.url.startswith("file:"):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    return blocked


def test_the_digest_opens_offline_with_every_section_and_its_charts(page, digest_file: Path) -> None:
    blocked = _offline(page)
    page.goto(digest_file.as_uri())
    for heading in digest.SECTIONS:
        assert page.get_by_role("heading", name=heading, exact=True).is_visible(), heading
    charts = page.locator("svg.chart")
    assert charts.count() == 2
    for i in range(charts.count()):
        box = charts.nth(i).bounding_box()
        assert box and box["width"] > 300 and box["height"] > 150
    assert page.locator("svg.chart rect, svg.chart circle").count() > 10  # bars and points drawn
    assert page.locator(".tile").count() == len(digest.TILES)
    assert not blocked  # nothing asked the network


def test_the_digest_prints_to_a_4_pages(page, digest_file: Path) -> None:
    _offline(page)
    page.goto(digest_file.as_uri())
    page.emulate_media(media="print")
    pdf = ARTIFACTS / "weekly.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    assert pdf.stat().st_size > 1000
    pdftoppm = shutil.which("pdftoppm")
    if not pdftoppm:
        pytest.skip("pdftoppm (poppler-utils) is not installed: the PDF is written, not rasterized")
    for old in ARTIFACTS.glob("weekly-page-*.png"):
        old.unlink()
    subprocess.run([pdftoppm, "-png", "-r", "80", str(pdf), str(ARTIFACTS / "weekly-page")], check=True,
                   timeout=120)
    pages = sorted(ARTIFACTS.glob("weekly-page-*.png"))
    assert len(pages) > 0
    # A4 at 80 dpi is 661 × 935 px: the pages are portrait A4, nothing was printed on Letter.
    with pages[0].open("rb") as fh:
        head = fh.read(24)
    width, height = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
    assert abs(width - 661) <= 2 and abs(height - 935) <= 2
