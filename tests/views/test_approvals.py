"""The Approvals page: its tiles and tables show what metrics/approvals.py returns for the
same as_of, period and filters, on the sample and on an empty workbook."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from metrics import approvals
from metrics.catalogue import metric
from tests.views.conftest import ask, drawn, sample_variant, tile_checks

AS_OF = "2026-11-20T18:00:00"
TILES = ["pending", "overdue", "oldest_pending_days", "median_lag_days", "first_round_approval_rate",
         "rounds_to_approval"]
TABLES = {"pending": "approvals_pending", "rounds": "approvals_rounds", "by_client": "approvals_by_client"}


expected_tiles, shown_tiles = tile_checks(approvals.approvals_summary, TILES)


def table(at: AppTest, name: str) -> pd.DataFrame:
    """The frame behind one of the page's tables (ids and all)."""
    return drawn(TABLES[name])


def test_on_the_sample_the_tiles_and_lists_match_metrics_and_follow_the_client_filter(app, sample_db) -> None:
    at = app("approvals")
    assert not at.exception
    assert shown_tiles(at) == expected_tiles(sample_db)

    pending = ask(sample_db, approvals.pending_list)
    shown = table(at, "pending")
    assert sorted(shown["approval_id"]) == sorted(pending["approval_id"])
    overdue_first = shown["is_overdue"].tolist()
    assert overdue_first == sorted(overdue_first, reverse=True) and any(overdue_first)
    per = ask(sample_db, approvals.rounds_per_deliverable)
    assert len(table(at, "rounds")) == len(per)
    assert len(at.dataframe[1].value) == min(len(per), 100)  # one page of the table goes to the browser
    assert table(at, "rounds")["rounds"].is_monotonic_decreasing  # most rounds first

    at.sidebar.multiselect(key="client").set_value(["Meridian Bank"]).run()
    assert not at.exception
    filtered = expected_tiles(sample_db, clients=("C03",))
    assert shown_tiles(at) == filtered
    assert filtered != expected_tiles(sample_db)
    assert set(table(at, "pending")["client_id"]) == {"C03"}
    assert set(table(at, "rounds")["client_id"]) == {"C03"}


@pytest.mark.parametrize("query", [None, {"client": ["Meridian Bank"], "period": "Quarter"}])
def test_an_empty_workbook_opens_with_explanations_instead_of_charts(app, empty_db, query) -> None:
    at = app("approvals", db=empty_db, query=query)
    assert not at.exception
    assert shown_tiles(at) == expected_tiles(empty_db)
    assert shown_tiles(at)[metric("pending").label] == "0"
    assert len(at.info) >= 5  # three charts and both lists explain they have nothing to show


@pytest.fixture(scope="module")
def html_names_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample with a client whose name is HTML (a clock-independent chart shows it: pending now)."""
    folder = tmp_path_factory.mktemp("html_names")
    return sample_variant(folder, {"clients.csv": [("C03,Meridian Bank,", "C03,<i>Meridian</i> & Bank,")]})


def test_sheet_text_in_chart_labels_is_printed_not_rendered(app, html_names_db) -> None:
    at = app("approvals", db=html_names_db)
    assert not at.exception
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    (spec,) = [s for s in specs if s["layout"]["title"]["text"].startswith("Pending approvals by client")]
    assert "C03" in spec["data"][0]["y"]
    assert "&lt;i&gt;Meridian&lt;/i&gt; &amp; Bank" in spec["layout"]["yaxis"]["ticktext"]
    assert "<i>Meridian</i>" not in json.dumps(spec)
