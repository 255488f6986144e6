"""Weekly review: the clients at risk and the urgent lists are the metrics' own rows, the at-risk
chart filters by client, and an empty view explains itself. (Tiles and URL: test_app.py.)"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from metrics import approvals, deadlines, health, replies
from tests.views.conftest import DRAWN, ask
from views.selection import selection_to_filters


def table_with(at: AppTest, column: str) -> pd.DataFrame:
    """The one table on the page that has this column."""
    found = [df for df in DRAWN.values() if column in df.columns]
    assert len(found) == 1, f"expected one table with {column!r}, found {len(found)}"
    return found[0]


def at_risk_spec(at: AppTest) -> dict:
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    return next(c for c in charts if "health" in c["layout"]["title"]["text"].lower())


@pytest.fixture(scope="module")
def sample_view(sample_db):
    """Expected rows for the sample's default view, computed once."""
    board = ask(sample_db, health.client_health)
    lowest = board[board["health_score"].notna()].sort_values(["health_score", "client_id"], kind="stable").head(10)
    pending = ask(sample_db, approvals.pending_list)
    return {
        "lowest": lowest,
        "overdue": ask(sample_db, deadlines.overdue_list).head(5),
        "queue": ask(sample_db, replies.queue, "agency").head(5),
        "late_approvals": pending[pending["is_overdue"]].head(5),
    }


def test_the_clients_at_risk_are_the_lowest_health_scores_with_their_main_issue_and_reason(app, sample_view):
    at = app("overview")
    assert not at.exception
    lowest = sample_view["lowest"]
    table = table_with(at, "health_score")
    assert table["client_name"].tolist() == lowest["client_name"].tolist()
    assert table["health_score"].tolist() == pytest.approx(lowest["health_score"].tolist())
    assert table["main_issue"].tolist() == [health.SIGNAL_LABELS[s] for s in lowest["main_issue"]]
    worst = lowest.iloc[0]
    assert table["main_reason"].iloc[0] == worst[f"{worst['main_issue']}_reason"]


def test_clicking_an_at_risk_bar_filters_the_dashboard_by_that_client(app, sample_view):
    at = app("overview")
    spec = at_risk_spec(at)
    ids = [point[0] for trace in spec["data"] for point in trace["customdata"]]
    assert sorted(ids) == sorted(sample_view["lowest"]["client_id"])
    worst = sample_view["lowest"]["client_id"].iloc[0]
    clicked = next(p for t in spec["data"] for p in t["customdata"] if p[0] == worst)
    assert selection_to_filters([{"customdata": clicked}], "client") == {"client": [worst]}

    at.sidebar.multiselect(key="client").set_value([sample_view["lowest"]["client_name"].iloc[0]]).run()  # the click
    assert table_with(at, "health_score")["client_name"].tolist() == [sample_view["lowest"]["client_name"].iloc[0]]


def test_the_urgent_lists_are_the_top_overdue_waiting_and_late_approval_rows(app, sample_view):
    at = app("overview")
    overdue = table_with(at, "days_overdue")
    assert overdue["deliverable_name"].tolist() == sample_view["overdue"]["deliverable_name"].tolist()
    assert overdue["days_overdue"].tolist() == sample_view["overdue"]["days_overdue"].tolist()
    queue = table_with(at, "wait_hours")
    assert queue["client_name"].tolist() == sample_view["queue"]["client_name"].tolist()
    assert queue["wait_hours"].tolist() == pytest.approx(sample_view["queue"]["wait_hours"].tolist())
    late = table_with(at, "approver")
    assert late["deliverable"].tolist() == sample_view["late_approvals"]["deliverable"].tolist()
    assert len(late) > 0 and len(overdue) == 5 and len(queue) == 5


def test_an_empty_workbook_explains_instead_of_drawing_empty_charts(app, empty_db):
    at = app("overview", db=empty_db)
    assert not at.exception
    assert not at.get("plotly_chart")
    infos = " ".join(i.value for i in at.info)
    assert "No client has a health score" in infos and "no trend" in infos
    assert len(at.success) == 3  # the three urgent lists say all clear
    assert {m.value for m in at.metric} <= {"—", "0"}


def test_filters_that_match_nothing_show_explanations_not_errors(app):
    at = app("overview")
    at.sidebar.multiselect(key="client").set_value(["Meridian Bank"])  # Anna Petrova's client…
    at.sidebar.multiselect(key="am").set_value(["James Whitfield"]).run()  # …under another manager
    assert not at.exception
    assert not at.get("plotly_chart")
    assert "No client has a health score" in " ".join(i.value for i in at.info)


def test_what_changed_since_last_week_lists_match_the_metrics(app, sample_db):
    from metrics import changes

    at = app("overview")
    assert not at.exception
    assert "What changed since last week" in [s.value for s in at.subheader]
    text = [m.value for m in at.markdown]
    counts = ask(sample_db, changes.counts)
    for title, name in (("Newly overdue", "newly_overdue"), ("Deadlines moved", "deadlines_moved"),
                        ("Crossed the reply SLA", "sla_crossed"), ("Approvals now overdue", "approvals_became_overdue"),
                        ("New detractors", "new_detractors"), ("Health fell most", "health_drops")):
        assert f"**{title}** ({counts[name]})" in text
    assert counts["deadlines_moved"] > 0 and counts["newly_overdue"] > 0
    moved = ask(sample_db, changes.deadlines_moved)
    lines = next(t for t in text if t.startswith("- ") and "→" in t and "wd" in t)
    assert moved["client_name"].iloc[0] in lines and moved["project_manager"].iloc[0] in lines


def test_the_weekly_digest_prints_what_the_page_shows_for_its_filters(app, sample_db) -> None:
    """The digest (metrics/digest.py) and the page: same tiles and changes, same clients at risk."""
    from metrics import digest

    at = app(query={"am": "Elena Morozova", "period": "Last 4 weeks"})
    assert not at.exception
    shown = {m.label: (m.value, m.delta) for m in at.metric}
    data = ask(sample_db, digest.digest_data, period_days=28, account_managers=("Elena Morozova",))
    assert {t.label: (t.value, t.change or "") for t in data["tiles"]} == shown  # AppTest: no delta is ""
    page_risk = table_with(at, "main_reason")
    assert page_risk["client_name"].tolist() == data["at_risk"]["client_name"].tolist()
    assert page_risk["main_reason"].tolist() == data["at_risk"]["main_reason"].tolist()
    assert [b.label for b in at.get("download_button")].count("Download weekly digest (HTML)") == 1
