"""Presentation mode (?present=1): section 1 is the Weekly review's tiles, Next / Previous walk
every section (wrapping at the ends), the URL's filters apply, sheet text stays text, and
the timers and the stale stamp decide as documented."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from metrics import summaries
from metrics.catalogue import metric
from tests.views.conftest import ask, metric_values
from views import present, weekly

TITLES = [s.title for s in present.SECTIONS]


def presenting(app, **query) -> AppTest:
    at = app(query={"present": "1", **query})
    assert not at.exception
    return at


def param(at: AppTest, name: str) -> list[str]:
    value = at.query_params[name]
    return value if isinstance(value, list) else [value]


def button(at: AppTest, key: str):
    return next(b for b in at.button if b.key == key)


def shown_as_metrics_say(db, **kw) -> dict[str, str]:
    now, _ = ask(db, summaries.headline, **kw)
    return {metric(n).label: metric(n).fmt(now[n]) for n in weekly.TILES}


def test_present_1_draws_section_1_with_the_weekly_tiles_equal_to_the_metrics(app, sample_db):
    at = presenting(app)
    assert [t.value for t in at.title] == [TITLES[0]]
    assert metric_values(at) == shown_as_metrics_say(sample_db)


def test_present_mode_hides_the_navigation_and_offers_no_present_button(app):
    at = presenting(app)
    assert "present_start" not in [b.key for b in at.sidebar.button]
    assert {"present_prev", "present_next", "present_exit"} <= {b.key for b in at.button}
    assert "present_start" in [b.key for b in app().sidebar.button]  # the normal dashboard has it


def test_next_walks_through_every_section_and_wraps_to_the_first(app):
    at = presenting(app)
    seen = [at.title[0].value]
    for _ in TITLES:
        button(at, "present_next").click().run()
        assert not at.exception
        seen.append(at.title[0].value)
    assert seen == [*TITLES, TITLES[0]]
    assert param(at, "section") == ["1"]


def test_previous_from_the_first_section_wraps_to_the_last_and_walks_back(app):
    at = presenting(app)
    seen = []
    for _ in TITLES:
        button(at, "present_prev").click().run()
        assert not at.exception
        seen.append(at.title[0].value)
    assert seen == [*reversed(TITLES)]


@pytest.mark.parametrize("n", range(1, len(TITLES) + 1))
def test_the_section_in_the_url_is_the_one_drawn(app, n):
    assert presenting(app, section=str(n)).title[0].value == TITLES[n - 1]


@pytest.mark.parametrize(("value", "shown"), [("0", 1), ("99", len(TITLES)), ("x", 1)])
def test_a_section_out_of_range_in_the_url_shows_the_nearest_one(app, value, shown):
    assert presenting(app, section=value).title[0].value == TITLES[shown - 1]


def test_filters_from_the_url_apply_in_present_mode(app, sample_db):
    at = presenting(app, client="Meridian Bank", period="Last 4 weeks")
    expected = shown_as_metrics_say(sample_db, period_days=28, clients=("C03",))
    assert metric_values(at) == expected
    assert expected != shown_as_metrics_say(sample_db, period_days=28)  # the filter changed something
    assert "Client: Meridian Bank" in at.markdown[0].value  # the header line names the filter


def test_exit_leaves_presentation_mode_and_keeps_the_filters(app):
    at = presenting(app, client="Meridian Bank", section="3")
    button(at, "present_exit").click().run()
    assert "present" not in at.query_params and "section" not in at.query_params
    assert param(at, "client") == ["Meridian Bank"]
    assert at.title[0].value == "Weekly review"


def test_the_present_button_turns_presentation_mode_on(app):
    at = app()
    next(b for b in at.sidebar.button if b.key == "present_start").click().run()
    assert param(at, "present") == ["1"]
    assert at.title[0].value == TITLES[0]


def test_a_page_link_with_present_opens_at_that_pages_section(app):
    at = app("approvals", query={"present": "1"})
    assert at.title[0].value == "Approvals"


def test_the_large_type_table_escapes_sheet_text(monkeypatch):
    drawn = []
    monkeypatch.setattr(present.st, "html", lambda body, **_: drawn.append(body))
    present.big_table(pd.DataFrame({"client_name": ["<b>x</b> & =HYPERLINK(1)"]}), {"client_name": "Client"})
    assert "&lt;b&gt;x&lt;/b&gt; &amp; =HYPERLINK(1)" in drawn[0] and "<b>x" not in drawn[0]


@pytest.mark.parametrize(("elapsed_shown", "elapsed_refresh", "advance", "refresh", "expected"), [
    (10, 10, 60, None, None),
    (60, 60, 60, None, "advance"),
    (59.8, 59.8, 60, None, "advance"),  # a timer tick a little early still counts
    (100, 100, None, 300, None),
    (300, 300, None, 300, "refresh"),
    (30, 300, 60, 300, "refresh"),
    (0, 0, None, None, None),
])
def test_a_timer_tick_advances_or_refreshes_only_when_due(elapsed_shown, elapsed_refresh, advance, refresh, expected):
    now = 1_000_000.0
    assert present.due(now, now - elapsed_shown, now - elapsed_refresh, advance, refresh) == expected


NOW = pd.Timestamp("2026-12-01 12:00", tz="UTC")


@pytest.mark.parametrize(("age", "refresh", "failed", "expected"), [
    (pd.Timedelta(minutes=4), 300, False, False),
    (pd.Timedelta(minutes=6), 300, False, True),
    (pd.Timedelta(hours=23), None, False, False),
    (pd.Timedelta(hours=25), None, False, True),
    (pd.Timedelta(minutes=1), 300, True, True),
])
def test_the_data_stamp_is_stale_past_the_refresh_interval_or_a_day(age, refresh, failed, expected):
    assert present.stale(NOW - age, NOW, refresh, failed) is expected


def test_no_sync_at_all_is_stale():
    assert present.stale(None, NOW, None)


def test_a_fresh_stamp_is_not_red_and_says_when_the_data_is_from(app):
    line = presenting(app).markdown[0].value
    assert "data as of" in line and ":red[" not in line
