"""The dashboard as a director uses it: every page in chromium, a chart click, a shared URL."""

from __future__ import annotations

import re

import pytest

from views import registry

pytestmark = pytest.mark.e2e

PAGES = {p.key: p.title for p in registry.PAGES}
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def settle(page, quiet_ms: int = 1200) -> None:
    """Wait until the script has finished and stayed finished: a fresh session can rerun once
    more after its first idle moment (query-param correction, page resolution)."""
    page.wait_for_selector('[data-testid="stMainBlockContainer"] h1', timeout=90_000)
    deadline = 20
    while deadline:
        page.wait_for_selector(IDLE, timeout=90_000)
        page.wait_for_timeout(quiet_ms)
        if page.locator(IDLE).count():
            return
        deadline -= 1


def dismiss_page_not_found(page) -> bool:
    """streamlit#9992: a deep link to a non-home page can raise a 'Page not found' dialog over
    the correct page. Close it; the page underneath is what the test checks."""
    dialog = page.get_by_role("dialog").filter(has_text="Page not found")
    if dialog.count():
        page.keyboard.press("Escape")
        dialog.wait_for(state="detached", timeout=10_000)
        return True
    return False


def open_page(page, url: str) -> None:
    page.goto(url)
    settle(page)
    dismiss_page_not_found(page)


def exceptions(page) -> list[str]:
    return page.locator('[data-testid="stException"]').all_inner_texts()


def tiles(page) -> dict[str, str]:
    """KPI tile label → value, as shown."""
    out = {}
    for m in page.locator('[data-testid="stMetric"]').all():
        label = m.locator('[data-testid="stMetricLabel"]').inner_text().strip()
        out[label] = m.locator('[data-testid="stMetricValue"]').inner_text().strip()
    return out


def sidebar_chips(page) -> list[str]:
    tags = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelectTagsContainer"] [data-tag] span[title]')
    return [t.strip() for t in tags.all_inner_texts()]


@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_opens_without_an_exception_box(page, server: str, screenshots, path: str) -> None:
    open_page(page, f"{server}/{path}")
    assert exceptions(page) == []
    assert page.locator('[data-testid="stMainBlockContainer"] h1').first.inner_text().strip() == PAGES[path]
    # The data stamp is on every page.
    assert page.get_by_text(re.compile(r"last good sync \d{2}\.\d{2}\.\d{4} \d{2}:\d{2}")).count() >= 1
    page.screenshot(path=str(screenshots / f"{path}.png"), full_page=False)


@pytest.mark.parametrize("path", ["/overview", "/overview?client=Meridian+Bank&client=Aurora+Foods", "/"])
def test_the_weekly_review_opens_at_its_own_path_as_at_the_root(page, server: str, path: str) -> None:
    page.goto(f"{server}{path}")  # no dismiss_page_not_found: the dialog must not come at all
    settle(page)
    page.wait_for_timeout(1500)
    assert page.get_by_text("Page not found").count() == 0
    assert exceptions(page) == []
    assert page.locator('[data-testid="stMainBlockContainer"] h1').first.inner_text().strip() == PAGES["overview"]
    # one address: /overview lands on "/", its filters kept, and the menu marks the Weekly review
    assert page.url.split("?")[0] == f"{server}/"
    if "client=" in path:
        assert page.url.endswith("?client=Meridian+Bank&client=Aurora+Foods")
        page.wait_for_function("() => document.querySelectorAll('[data-testid=stSidebar] "
                               "[data-testid=stMultiSelectTagsContainer] [data-tag]').length >= 2", timeout=30_000)
        assert sorted(sidebar_chips(page)) == ["Aurora Foods", "Meridian Bank"]
    current = page.locator('[data-testid="stSidebarNav"] a[aria-current="page"]')
    assert current.count() == 1 and current.get_attribute("href") == f"{server}/"
    assert current.inner_text().strip().endswith(PAGES["overview"])  # after its icon's name


def test_clicking_a_chart_filters_and_the_copied_url_reopens_the_same_view(
    page, browser, server: str, screenshots
) -> None:
    open_page(page, f"{server}/approvals")
    before = tiles(page)
    chart = page.locator('[data-testid="stPlotlyChart"]').filter(has=page.locator("g.point")).first
    bar = chart.locator("g.trace.bars g.point path").first
    box = bar.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("() => location.search.includes('client=')", timeout=30_000)
    settle(page)
    assert exceptions(page) == []
    chips = sidebar_chips(page)
    assert len(chips) == 1, chips
    after = tiles(page)
    assert after != before  # the whole page now shows one client
    page.screenshot(path=str(screenshots / "approvals-filtered.png"))

    copied = page.url
    assert "client=" in copied
    other = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
    try:
        open_page(other, copied)
        assert exceptions(other) == []
        other.wait_for_function(
            "n => document.querySelectorAll('[data-testid=stSidebar] [data-testid=stMultiSelectTagsContainer] "
            "[data-tag]').length >= n", arg=len(chips), timeout=30_000)
        settle(other)
        assert sidebar_chips(other) == chips
        assert tiles(other) == after
        assert other.locator('[data-testid="stMainBlockContainer"] h1').first.inner_text().strip() == "Approvals"
    finally:
        other.context.close()


def test_a_filter_set_in_the_sidebar_lands_in_the_url(page, server: str) -> None:
    open_page(page, f"{server}/deadlines")
    option = page.get_by_role("option").first
    for _ in range(3):  # a late rerun or streamlit#9992's dialog can swallow the first click
        dismiss_page_not_found(page)
        page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').first.click()
        try:
            option.wait_for(timeout=10_000)
            break
        except Exception:
            settle(page)
    option.click()
    page.keyboard.press("Escape")
    page.wait_for_function("() => location.search.includes('client=')", timeout=30_000)
    settle(page)
    assert exceptions(page) == []
    shown = tiles(page)
    reopened = page.context.new_page()
    open_page(reopened, page.url)
    assert tiles(reopened) == shown


def test_the_slip_ledger_is_visible_on_deadlines(page, server: str, screenshots) -> None:
    open_page(page, f"{server}/deadlines")
    assert exceptions(page) == []
    heading = page.get_by_role("heading", name="Slip ledger: deadline moves")
    heading.scroll_into_view_if_needed()
    settle(page)
    assert heading.is_visible()
    assert page.get_by_text("Re-planned most often").is_visible()
    page.screenshot(path=str(screenshots / "deadlines-ledger.png"), full_page=False)
    page.screenshot(path=str(screenshots / "deadlines-full.png"), full_page=True)


def test_what_changed_since_last_week_is_visible_on_the_weekly_review(page, server: str, screenshots) -> None:
    open_page(page, f"{server}/overview")
    assert exceptions(page) == []
    heading = page.get_by_role("heading", name="What changed since last week")
    heading.scroll_into_view_if_needed()
    settle(page)
    assert heading.is_visible()
    assert page.get_by_text(re.compile(r"Deadlines moved \(\d+\)")).first.is_visible()
    page.screenshot(path=str(screenshots / "overview-changed.png"), full_page=False)


# --- presentation mode ------------------------------------------------------------------------

def px(page, selector: str) -> float:
    return float(page.eval_on_selector(selector, "e => getComputedStyle(e).fontSize").removesuffix("px"))


def present_heading(page) -> str:
    return page.locator('[data-testid="stMainBlockContainer"] h1').first.inner_text().strip()


def test_presentation_mode_is_large_type_without_chrome_and_the_arrow_keys_walk_every_section(
    page, server: str, screenshots
) -> None:
    from views import present

    titles = [s.title for s in present.SECTIONS]
    open_page(page, f"{server}/?present=1")
    assert exceptions(page) == []
    assert present_heading(page) == titles[0]
    assert px(page, '[data-testid="stMetricValue"]') >= 64
    assert px(page, '[data-testid="stMetricValue"] p') >= 64  # the text itself, not only its box
    assert px(page, '[data-testid="stMetricLabel"]') >= 28
    assert px(page, '[data-testid="stMetricLabel"] p') >= 28
    assert not page.locator('[data-testid="stSidebar"]').is_visible()
    assert not page.locator('[data-testid="stHeader"]').is_visible()
    assert page.get_by_text(re.compile(r"data as of \d{2}\.\d{2}\.\d{4} \d{2}:\d{2}")).count() >= 1
    page.screenshot(path=str(screenshots / "present-1.png"))
    for n, title in enumerate(titles[1:], start=2):
        page.keyboard.press("ArrowRight")
        page.wait_for_function(
            "t => document.querySelector('[data-testid=\"stMainBlockContainer\"] h1')?.innerText.trim() === t",
            arg=title, timeout=60_000)
        settle(page)
        assert exceptions(page) == []
        assert f"section={n}" in page.url
        if title == "Clients at risk":  # chart text on the TV
            sizes = page.eval_on_selector_all(
                '[data-testid="stPlotlyChart"] text', "els => els.map(e => parseFloat(e.style.fontSize))")
            assert sizes and min(s for s in sizes if s) >= 20
        page.screenshot(path=str(screenshots / f"present-{n}.png"))
    page.keyboard.press("ArrowRight")  # past the last: back to the first
    page.wait_for_function(
        "t => document.querySelector('[data-testid=\"stMainBlockContainer\"] h1')?.innerText.trim() === t",
        arg=titles[0], timeout=60_000)
    page.keyboard.press("ArrowLeft")
    page.wait_for_function(
        "t => document.querySelector('[data-testid=\"stMainBlockContainer\"] h1')?.innerText.trim() === t",
        arg=titles[-1], timeout=60_000)


def test_a_filtered_page_link_opens_the_same_view_in_presentation_mode(page, server: str) -> None:
    open_page(page, f"{server}/approvals?client=Meridian+Bank&present=1")
    assert present_heading(page) == "Approvals"
    assert page.get_by_text("Client: Meridian Bank").count() >= 1


@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_at_1366_has_a_small_top_gap(browser, server: str, screenshots, path: str) -> None:
    ctx = browser.new_context(viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    page.set_default_timeout(60_000)
    try:
        open_page(page, f"{server}/{path}")
        assert exceptions(page) == []
        h1_top = "() => document.querySelector('[data-testid=\"stMainBlockContainer\"] h1').getBoundingClientRect().top"
        page.wait_for_function(f"({h1_top})() < 80", timeout=15_000)  # the page's CSS is redrawn with each run
        top = page.evaluate(h1_top)
        assert 56 <= top < 80  # was 96 px above every title; not under the fixed header either
        page.screenshot(path=str(screenshots / f"1366-{path}.png"))
        cut = page.evaluate("() => [...document.querySelectorAll("
                            "'[data-testid=\"stMetricLabel\"] [data-testid=\"stMarkdownContainer\"]')]"
                            ".filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)")
        assert cut == [], cut  # a tile's label wraps, it never loses its end to "…"
        if path == "overview":
            page.wait_for_selector('[data-testid="stPlotlyChart"]:has(.gtitle) .legend', timeout=60_000)  # drawn late
            box = lambda sel: page.eval_on_selector(  # noqa: E731
                f'[data-testid="stPlotlyChart"]:has(.gtitle) {sel}', "e => e.getBoundingClientRect().toJSON()")
            title, legend = box(".gtitle"), box(".legend")
            assert legend["top"] >= title["bottom"] - 1, (title, legend)  # the legend sits below its title
            # Act on these now: every list shows all its columns, none scrolled out of sight.
            page.get_by_text("Act on these now").first.scroll_into_view_if_needed()
            page.wait_for_function("() => document.querySelectorAll('[data-testid=\"stDataFrame\"] .dvn-scroller')"
                                   ".length >= 4", timeout=30_000)
            hidden = page.evaluate("() => [...document.querySelectorAll('[data-testid=\"stDataFrame\"] .dvn-scroller')]"
                                   ".slice(1).map(e => e.scrollWidth - e.clientWidth)")  # [0] is the at-risk table
            assert hidden == [0, 0, 0], hidden
    finally:
        ctx.close()
