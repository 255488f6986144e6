"""Every page in Russian and Ukrainian, in chromium: switched from the sidebar, kept across pages,
and no English word left on screen except what the sheet itself says."""

from __future__ import annotations

import csv
import re

import pytest

from data.schema import TABS
from data.settings import SAMPLE_DIR
from tests.e2e.test_browser import IDLE, exceptions, open_page, settle
from views import registry

pytestmark = pytest.mark.e2e

# Words that are no one's English: acronyms every language uses, the product's name, units of
# time zones. Anything else in Latin letters must come from the sheet.
ALLOWED = {"NPS", "CSAT", "SLA", "CSV", "HTML", "ID", "PM", "UTC", "Agency", "Pulse", "xlsx", "OIDC", "English",
           "toml", "pulse", "source", "Google", "Sheets", "Sheet", "csv",
           "Skip", "main"}  # Streamlit's own hidden "skip to main content" link for keyboard users
# The visible text of the app, without icon ligatures (":material/download:" renders as "download").
VISIBLE_TEXT = """() => {
  const root = document.querySelector('[data-testid="stApp"]');
  const skip = '[data-testid="stIconMaterial"], script, style, .modebar, [aria-hidden="true"]';
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const out = [];
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (el && !el.closest(skip)) out.push(walker.currentNode.textContent);
  }
  return out.join(' ');
}"""


@pytest.fixture(scope="module")
def sheet_words() -> set[str]:
    """Every word the bundled sample workbook holds (names, projects, comments …) and its title."""
    words = {"Northwind", "Creative"}  # the sample agency's name (its title is translated around it)
    words |= {t.name for t in TABS}  # the workbook's tab names, as the Data page lists them
    words |= set(re.findall(r"[A-Za-z]+", str(SAMPLE_DIR / "history")))  # the sources: the sample's folders
    for path in SAMPLE_DIR.glob("*.csv"):
        with path.open(encoding="utf-8") as f:
            for row in csv.reader(f):
                for cell in row:
                    words.update(re.findall(r"[A-Za-z]+", cell))
    return words


def english_left(text: str, sheet: set[str]) -> list[str]:
    return sorted({w for w in re.findall(r"[A-Za-z][A-Za-z'’]+", text) if w not in sheet and w not in ALLOWED})


@pytest.mark.parametrize("code", ["ru", "uk"])
def test_every_page_speaks_the_chosen_language_and_keeps_it(page, server: str, sheet_words, code: str) -> None:
    open_page(page, server)
    native = {"ru": "Русский", "uk": "Українська"}[code]
    page.locator('[data-testid="stSidebar"]').get_by_text(native, exact=True).click()
    page.wait_for_url(re.compile(rf"lang={code}"))
    settle(page)
    left = {}
    for p in registry.PAGES:
        if p.key != registry.DEFAULT:
            page.locator('[data-testid="stSidebarNav"] a').nth(registry.PAGES.index(p)).click()
            page.wait_for_url(re.compile(rf"/{p.key}.*lang={code}|lang={code}.*"))
            settle(page)
        page.wait_for_selector(IDLE)
        assert exceptions(page) == []
        assert f"lang={code}" in page.url, p.key  # kept across the sidebar's pages
        words = english_left(page.evaluate(VISIBLE_TEXT), sheet_words)
        if words:
            left[p.key] = words
    assert left == {}, "\n".join(f"{k}: {v}" for k, v in left.items())


@pytest.mark.parametrize("code", ["ru", "uk"])
def test_the_meeting_screen_keeps_the_language(page, server: str, sheet_words, code: str) -> None:
    for section in range(1, 8):
        open_page(page, f"{server}/?lang={code}&present=1&section={section}")
        assert exceptions(page) == []
        assert english_left(page.evaluate(VISIBLE_TEXT), sheet_words) == [], section
