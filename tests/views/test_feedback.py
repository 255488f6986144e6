"""The Feedback page: its tiles and lists show what metrics/feedback.py returns for the same
as_of, period and filters, on the sample and on an empty workbook; client names in its
charts are printed, never rendered; silent clients are listed."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from metrics import feedback
from metrics.catalogue import metric
from tests.views.conftest import DRAWN, ask, edited_copy, tile_checks

AS_OF = "2026-11-20T18:00:00"
TILES = ["responses", "nps", "csat", "avg_normalized_score", "detractors"]
CHARTS = 2  # NPS and CSAT by month, score per client
PAGE_ROWS = 100  # common.table's page size


expected_tiles, shown_tiles = tile_checks(feedback.feedback_summary, TILES)


def tables(at: AppTest) -> dict[str, pd.DataFrame]:
    """The frames behind the page's tables by name: the per-client scores, the detractors, the
    comments and the clients without feedback (a list replaced by a message is absent)."""
    keys = {"clients": "feedback_client_table", "detractors": "feedback_detractors", "comments": "feedback_comments",
            "silent": "feedback_silent"}
    return {name: DRAWN[key] for name, key in keys.items() if key in DRAWN}


def test_on_the_sample_the_tiles_and_lists_match_metrics_and_follow_the_filters(app, sample_db) -> None:
    at = app("feedback")
    assert not at.exception
    assert shown_tiles(at) == expected_tiles(sample_db)
    assert len(at.get("plotly_chart")) == CHARTS
    shown = tables(at)
    said = ask(sample_db, feedback.comments)
    assert shown["comments"]["response_id"].tolist() == said["response_id"].head(PAGE_ROWS).tolist()
    assert len(shown["clients"]) == len(ask(sample_db, feedback.feedback_by_client))

    at.sidebar.button_group(key="period").set_value("Quarter").run()
    assert not at.exception
    assert shown_tiles(at) == expected_tiles(sample_db, 91)
    shown = tables(at)
    detractors = ask(sample_db, feedback.detractor_list, period_days=91)
    assert len(detractors) > 0
    assert shown["detractors"]["response_id"].tolist() == detractors["response_id"].head(PAGE_ROWS).tolist()
    said = ask(sample_db, feedback.comments, period_days=91)
    assert shown["comments"]["response_id"].tolist() == said["response_id"].head(PAGE_ROWS).tolist()
    assert shown["comments"]["received_on"].is_monotonic_decreasing  # newest first

    at.sidebar.multiselect(key="client").set_value(["Solstice Hotels"]).run()
    assert not at.exception
    filtered = expected_tiles(sample_db, 91, clients=("C05",))
    assert shown_tiles(at) == filtered
    assert filtered != expected_tiles(sample_db, 91)
    shown = tables(at)
    assert set(shown["detractors"]["client_id"]) == {"C05"}
    assert shown["clients"]["client_id"].tolist() == ["C05"]


@pytest.mark.parametrize("query", [None, {"client": ["Meridian Bank"], "period": "Quarter"}])
def test_an_empty_workbook_opens_with_explanations_instead_of_charts(app, empty_db, query) -> None:
    at = app("feedback", db=empty_db, query=query)
    assert not at.exception
    assert shown_tiles(at) == expected_tiles(empty_db)
    assert shown_tiles(at)[metric("responses").label] == "0"
    assert not at.get("plotly_chart")  # no empty axes
    assert len(at.info) >= CHARTS  # each chart explains why it has nothing to draw


@pytest.fixture(scope="module")
def altered_db(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample with a client named like markup and an active client that never answered."""
    return edited_copy(sample_db, tmp_path_factory.mktemp("altered"),
                       "UPDATE clients SET client_name = '<b>Solstice</b> & Co' WHERE client_id = 'C05'",
                       "DELETE FROM feedback WHERE client_id = 'C01'")


def test_names_are_printed_literally_and_a_client_that_never_answered_is_listed_as_silent(app, altered_db) -> None:
    at = app("feedback", db=altered_db)
    assert not at.exception
    bars = [json.loads(c.proto.spec) for c in at.get("plotly_chart")][-1]["data"]  # the per-client chart
    labels = [y for trace in bars for y in trace["y"]]
    assert "&lt;b&gt;Solstice&lt;/b&gt; &amp; Co" in labels
    assert not [y for y in labels if "<b>" in y]
    assert "C05" in [row[0] for trace in bars for row in trace["customdata"]]  # a click filters by the id

    silent = tables(at)["silent"]
    expected = ask(altered_db, feedback.silent_clients, 90)
    assert silent["client_id"].tolist() == expected["client_id"].tolist()
    assert "C01" in silent["client_id"].tolist()
    assert silent.set_index("client_id").loc["C01", "last_response"] is None  # never answered
