"""The Deadlines page: its tiles and tables show what metrics/deadlines.py returns for the
same as_of, period and filters, on the sample and on an empty workbook."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from metrics import deadlines
from metrics.catalogue import metric
from tests.views.conftest import ask, drawn, sample_variant, tile_checks

AS_OF = "2026-11-20T18:00:00"
TILES = ["delivered", "on_time_rate", "median_slip_days", "open_overdue", "max_days_overdue", "rescheduled_open"]


expected_tiles, shown_tiles = tile_checks(deadlines.deadlines_summary, TILES)


TABLES = {"by_group": "deadlines_by_group_table", "overdue": "deadlines_overdue",
          "rescheduled": "deadlines_rescheduled"}


def table(at: AppTest, name: str) -> pd.DataFrame:
    """The frame behind one of the page's tables (ids and all)."""
    return drawn(TABLES[name])


def test_on_the_sample_the_tiles_and_lists_match_metrics_and_follow_the_client_filter(app, sample_db) -> None:
    at = app("deadlines")
    assert not at.exception
    assert shown_tiles(at) == expected_tiles(sample_db)

    overdue = ask(sample_db, deadlines.overdue_list)
    assert table(at, "overdue")["deliverable_id"].tolist() == overdue["deliverable_id"].tolist()
    moved = ask(sample_db, deadlines.rescheduled_list, True)
    assert table(at, "rescheduled")["deliverable_id"].tolist() == moved["deliverable_id"].tolist()

    at.sidebar.multiselect(key="client").set_value(["Baltic Motors"]).run()
    assert not at.exception
    filtered = expected_tiles(sample_db, clients=("C02",))
    assert shown_tiles(at) == filtered
    assert filtered != expected_tiles(sample_db)
    assert set(table(at, "overdue")["client_id"]) == {"C02"}


def test_every_grouping_measure_and_the_all_rescheduled_switch_draw_without_errors(app, sample_db) -> None:
    at = app("deadlines")
    for group in ("client_name", "project_manager", "department"):
        for measure in ("median_slip_days", "late_delivered", "open_overdue"):
            at.button_group(key="deadlines_group").set_value(group)
            at.button_group(key="deadlines_measure").set_value(measure).run()
            assert not at.exception, (group, measure)
    at.toggle(key="deadlines_resched_open").set_value(False).run()
    assert not at.exception
    moved = ask(sample_db, deadlines.rescheduled_list, False)
    assert len(table(at, "rescheduled")) == min(len(moved), 100)  # one page of the table


@pytest.mark.parametrize("query", [None, {"client": ["Meridian Bank"], "period": "Quarter"}])
def test_an_empty_workbook_opens_with_explanations_instead_of_charts(app, empty_db, query) -> None:
    at = app("deadlines", db=empty_db, query=query)
    assert not at.exception
    assert shown_tiles(at) == expected_tiles(empty_db)
    assert shown_tiles(at)[metric("delivered").label] == "0"
    assert len(at.info) >= 4  # the four charts and both tables explain they have nothing to show


@pytest.fixture(scope="module")
def html_names_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample with a client whose name is HTML (a clock-independent chart shows it: open overdue)."""
    folder = tmp_path_factory.mktemp("html_names")
    return sample_variant(folder, {"clients.csv": [("C07,Lumen Telecom,", "C07,<b>Lumen</b> Telecom,")]})


def test_sheet_text_in_chart_labels_is_printed_not_rendered(app, html_names_db) -> None:
    at = app("deadlines", db=html_names_db)
    at.button_group(key="deadlines_measure").set_value("open_overdue").run()
    assert not at.exception
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    (spec,) = [s for s in specs if "by client" in s["layout"]["title"]["text"]]
    (bars,) = spec["data"]
    assert "C07" in bars["y"]
    assert "&lt;b&gt;Lumen&lt;/b&gt; Telecom" in spec["layout"]["yaxis"]["ticktext"]
    assert "<b>Lumen</b>" not in json.dumps(spec)


def test_the_slip_ledger_shows_the_history_tiles_charts_and_a_timeline(app, sample_db) -> None:
    """The sample ships with six weekly copies: the ledger has moves to show at once."""
    from metrics import history
    from metrics.history import history_summary

    at = app("deadlines")
    assert not at.exception
    assert "Slip ledger: deadline moves" in [s.value for s in at.subheader]
    values = ask(sample_db, history_summary)
    shown = {m.label: m.value for m in at.metric}
    for name in ("deadline_moves", "moved_deliverables", "net_days_moved"):
        assert shown[metric(name).label] == metric(name).fmt(values[name])
    assert values["deadline_moves"] > 0
    top = ask(sample_db, history.most_replanned, 10)
    replanned = drawn("ledger_replanned")
    assert replanned["deliverable_key"].tolist() == top["deliverable_key"].tolist() and len(top) > 0
    pick = at.selectbox(key="ledger_deliverable")
    assert pick.value == top["deliverable_key"].iloc[0]
    story = drawn("ledger_timeline_table")
    assert story["event"].iloc[0] == "first agreed" and (story["event"] == "moved").any()
    charts = [c for c in at.get("plotly_chart")]
    assert len(charts) >= 6  # week, histogram, 2 slip bars, by client, causes, by PM, timeline
