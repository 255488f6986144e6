"""Clients: one client at a time, its health explained signal by signal, the evidence narrowed to
that client, and every client ranked by health."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from metrics import approvals, deadlines, feedback, health, replies
from metrics.catalogue import metric
from tests.views.conftest import DRAWN, ask, metric_values

TILES = ["health_score", "on_time_rate", "open_overdue", "awaiting_agency", "awaiting_client", "pending", "nps"]
SUMMARIES = (deadlines.deadlines_summary, replies.replies_summary, approvals.approvals_summary,
             feedback.feedback_summary)


def expected_tiles(db: Path, client_id: str) -> dict[str, str]:
    only = {"clients": (client_id,)}
    values: dict = {}
    for fn in SUMMARIES:
        values.update(ask(db, fn, **only))
    board = ask(db, health.client_health, **only)
    values["health_score"] = board["health_score"].iloc[0]
    return {metric(n).label: metric(n).fmt(values[n]) for n in TILES}


def table_with(at: AppTest, column: str) -> pd.DataFrame:
    found = [df for df in DRAWN.values() if column in df.columns]
    assert len(found) == 1, f"expected one table with {column!r}, found {len(found)}"
    return found[0]


@pytest.fixture(scope="module")
def board(sample_db) -> pd.DataFrame:
    return ask(sample_db, health.client_health)


def test_it_opens_on_the_lowest_health_client_with_its_tiles_breakdown_and_ranking(app, sample_db, board):
    at = app("clients")
    assert not at.exception
    worst = board.sort_values(["health_score", "client_id"]).iloc[0]
    assert at.selectbox(key="clients_client").value == worst["client_id"]
    assert metric_values(at) == expected_tiles(sample_db, worst["client_id"])

    expected = ask(sample_db, health.health_breakdown, worst["client_id"])
    shown = table_with(at, "points_lost")
    assert shown["signal_label"].tolist() == expected["label"].tolist()
    assert shown["points_lost"].tolist() == pytest.approx(expected["points_lost"].tolist())
    assert shown["signal_reason"].tolist() == expected["reason"].tolist()

    ranking = table_with(at, "delivery_score")
    assert len(ranking) == len(board)
    assert ranking["health_score"].dropna().is_monotonic_increasing
    assert ranking["client_id"].iloc[0] == worst["client_id"]


def test_the_evidence_lists_are_the_metrics_narrowed_to_the_client(app, sample_db):
    at = app("clients")
    at.selectbox(key="clients_client").set_value("C07").run()  # Lumen Telecom: overdue work, a pending round
    only = {"clients": ("C07",)}
    overdue = ask(sample_db, deadlines.overdue_list, **only)
    pending = ask(sample_db, approvals.pending_list, **only)
    assert len(overdue) and len(pending)
    assert DRAWN["clients_overdue"]["deliverable_name"].tolist() == overdue["deliverable_name"].tolist()
    assert table_with(at, "age_days")["deliverable"].tolist() == pending["deliverable"].tolist()
    assert metric_values(at) == expected_tiles(sample_db, "C07")


def test_a_single_client_picked_in_the_sidebar_opens_here(app, sample_db):
    at = app("clients")
    at.sidebar.multiselect(key="client").set_value(["Solstice Hotels"]).run()
    assert at.selectbox(key="clients_client").value == "C05"
    assert metric_values(at) == expected_tiles(sample_db, "C05")


def test_the_client_in_the_url_is_the_same_as_picking_it(app):
    picked = app("clients")
    picked.selectbox(key="clients_client").set_value("C05").run()
    label = picked.selectbox(key="clients_client").format_func("C05")
    by_url = app("clients", query={"clients_client": label})
    assert by_url.selectbox(key="clients_client").value == "C05"
    assert metric_values(by_url) == metric_values(picked)


@pytest.mark.parametrize("workbook", ["empty", "no match"])
def test_no_client_to_show_is_explained(app, empty_db, workbook):
    if workbook == "empty":
        at = app("clients", db=empty_db)
    else:
        at = app("clients")
        at.sidebar.multiselect(key="client").set_value(["Meridian Bank"])
        at.sidebar.multiselect(key="am").set_value(["James Whitfield"]).run()  # C03 is Anna Petrova's
    assert not at.exception
    assert not at.error
    assert "client" in " ".join(i.value for i in at.info).lower()
    assert not at.get("plotly_chart") and not at.metric


def test_the_selected_clients_deadline_moves_are_listed(app, sample_db):
    from metrics import history

    at = app("clients", query={"client": "Lumen Telecom"})
    assert not at.exception
    assert any(m.value.startswith("**Deadline moves**") for m in at.markdown)
    moves = ask(sample_db, history.move_list, False, clients=("C07",))
    assert len(moves) > 0
    shown = [df for df in DRAWN.values() if "old_due_date" in df.columns]
    assert len(shown) == 1 and len(shown[0]) == len(moves)


@pytest.fixture(scope="module")
def quiet_db(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample with Urban Nest Furniture (C19) silent after Fri 2026-10-30 16:26 (a client wrote last)."""
    from tests.views.conftest import edited_copy

    return edited_copy(sample_db, tmp_path_factory.mktemp("clients-quiet"),
                       "DELETE FROM messages WHERE client_id = 'C19' AND sent_at > TIMESTAMPTZ '2026-11-02 00:00+00'")


def test_a_client_gone_quiet_says_so_beside_its_score_and_in_the_ranking(app, quiet_db):
    at = app("clients", db=quiet_db, query={"client": "Urban Nest Furniture"})
    assert not at.exception
    assert at.selectbox(key="clients_client").value == "C19"
    # working dates after Fri 10-30 up to Fri 11-20: 15
    assert [w.value for w in at.warning] == [
        "Gone quiet: no message either way for 15 working days (the last: 30.10.2026 16:26, from the client). "
        "Not part of the health score, which its five signals make."]
    board = ask(quiet_db, health.client_health).set_index("client_id")
    assert board.loc["C19", "is_quiet"] and board.loc["C19", "quiet_days"] == 15
    assert metric_values(at)[metric("health_score").label] == metric("health_score").fmt(board.loc["C19",
                                                                                                  "health_score"])

    at.sidebar.multiselect(key="client").set_value([]).run()  # every client in the ranking
    ranking = DRAWN["clients_ranking"].set_index("client_id")
    assert ranking.loc["C19", "quiet_days"] == 15 and ranking.loc["C19", "is_quiet"]
    assert ranking.loc["C05", "quiet_days"] == 3 and not ranking.loc["C05", "is_quiet"]
    assert pd.isna(ranking.loc["C20", "quiet_days"])  # paused: never quiet
    assert ranking["is_quiet"].tolist() == board.loc[ranking.index, "is_quiet"].tolist()


def test_a_client_still_writing_shows_its_last_message_and_no_warning(app):
    at = app("clients", query={"client": "Solstice Hotels"})
    assert not at.exception and not at.warning
    # Tue 11-17 15:34 to Fri 11-20: 3 working days
    assert any(c.value == "Last message either way 17.11.2026 15:34, from the client: 3 wd ago. "
                          "A client silent for 10 working days has gone quiet." for c in at.caption)
