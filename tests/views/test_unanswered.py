"""The Unanswered page: its tiles and queues show what metrics/replies.py returns for the
same as_of, period and filters, on the sample and on an empty workbook, and sheet text in
its charts is printed, never rendered."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from metrics import quiet, replies
from metrics.catalogue import metric
from tests.views.conftest import DRAWN, ask, edited_copy, shown_tiles_for, tile_checks

AS_OF = "2026-11-20T18:00:00"
TILES = ["awaiting_agency", "oldest_wait_hours", "breached_open", "awaiting_client", "median_response_hours",
         "p90_response_hours", "sla_breach_rate"]
# The queue tables sit in tabs named after the side (AppTest carries no key for st.dataframe).
TABS = {"agency_queue": "unanswered_queue_agency", "client_queue": "unanswered_queue_client"}
CHARTS = 6  # queue by age, by owner, response by week, breach rate by week, by channel, voices
PAGE_ROWS = 100  # common.table's page size


expected_tiles, shown_tiles = tile_checks(replies.replies_summary, TILES)


def table(at: AppTest, name: str) -> pd.DataFrame | None:
    """The frame behind a queue table or the voices table; None when not drawn."""
    return DRAWN.get({"voices": "unanswered_voices_table", **TABS}.get(name, name))


SHOWN_KEYS = ("x", "y", "text", "name", "hovertemplate", "texttemplate", "hovertext", "title", "annotations")


def chart_texts(at: AppTest) -> tuple[list[str], list[str]]:
    """(every string a chart shows, the ids its marks carry in customdata[0])."""
    shown, ids = [], []
    for element in at.get("plotly_chart"):
        spec = json.loads(element.proto.spec)
        for trace in spec.get("data", []):
            shown += [s for k in SHOWN_KEYS for s in _strings(trace.get(k))]
            ids += [row[0] for row in trace.get("customdata") or [] if isinstance(row, list) and row]
        shown += [s for k in SHOWN_KEYS for s in _strings(spec.get("layout", {}).get(k))]
    return shown, ids


def _strings(node: object) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for v in node.values():
            yield from _strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from _strings(v)


def test_on_the_sample_the_tiles_and_queues_match_metrics_and_follow_the_client_filter(app, sample_db) -> None:
    at = app("unanswered")
    assert not at.exception
    assert shown_tiles(at) == expected_tiles(sample_db)
    assert len(at.get("plotly_chart")) == CHARTS

    for side, name in (("agency", "agency_queue"), ("client", "client_queue")):
        queue = ask(sample_db, replies.queue, side)
        assert len(queue) > 0, side
        shown = table(at, name)
        assert shown["episode_id"].tolist() == queue["episode_id"].head(PAGE_ROWS).tolist(), side
        assert shown["wait_hours"].is_monotonic_decreasing, side  # longest wait first
    voices = ask(sample_db, replies.voices)
    shown = table(at, "voices")
    assert sorted(shown["client_id"]) == sorted(voices["client_id"])
    assert shown["agency_voices"].is_monotonic_decreasing  # the client with the most agency voices first

    at.sidebar.multiselect(key="client").set_value(["Pixel Forge Games"]).run()
    assert not at.exception
    filtered = expected_tiles(sample_db, clients=("C13",))
    assert shown_tiles(at) == filtered
    assert filtered != expected_tiles(sample_db)
    assert set(table(at, "agency_queue")["client_id"]) == {"C13"}
    assert table(at, "client_queue") is None  # nobody at the agency waits on this client
    assert table(at, "voices")["client_id"].tolist() == ["C13"]


def test_the_channel_and_period_filters_change_the_tiles_to_the_filtered_values(app, sample_db) -> None:
    at = app("unanswered")
    at.sidebar.multiselect(key="channel").set_value(["email"])
    at.sidebar.button_group(key="period").set_value("Last 4 weeks").run()
    assert not at.exception
    filtered = expected_tiles(sample_db, 28, channels=("email",))
    assert shown_tiles(at) == filtered
    assert filtered != expected_tiles(sample_db)
    assert set(table(at, "agency_queue")["channel"]) == {"email"}


@pytest.mark.parametrize("query", [None, {"client": ["Meridian Bank"], "period": "Quarter"}])
def test_an_empty_workbook_opens_with_explanations_instead_of_charts(app, empty_db, query) -> None:
    at = app("unanswered", db=empty_db, query=query)
    assert not at.exception
    assert shown_tiles(at) == expected_tiles(empty_db)
    assert shown_tiles(at)[metric("awaiting_agency").label] == "0"
    assert not at.get("plotly_chart")  # no empty axes
    assert len(at.info) >= CHARTS  # every chart explains why it has nothing to draw
    assert len(at.success) == 2  # nobody waits on either side


@pytest.fixture(scope="module")
def hostile_db(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample with a client and an account manager named like markup."""
    return edited_copy(sample_db, tmp_path_factory.mktemp("hostile"),
                       "UPDATE clients SET client_name = '<b>Lumen</b> & Co' WHERE client_id = 'C07'",
                       "UPDATE clients SET account_manager = '<i>James</i>' WHERE account_manager = 'James Whitfield'")


def test_client_and_owner_names_are_printed_literally_in_the_charts(app, hostile_db) -> None:
    at = app("unanswered", db=hostile_db)
    assert not at.exception
    shown, ids = chart_texts(at)
    assert "&lt;b&gt;Lumen&lt;/b&gt; &amp; Co" in shown  # the voices chart's bar label
    assert "&lt;i&gt;James&lt;/i&gt;" in shown  # the owner chart's bar label
    assert not [s for s in shown if "<b>Lumen" in s or "<i>James" in s]
    # A click on a bar filters by the value as loaded, not by its escaped label.
    assert "C07" in ids
    assert "<i>James</i>" in ids


# --- gone quiet ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def quiet_db(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample with two active clients gone quiet: Tundra Outdoor (C16) without any message or
    start date, Urban Nest Furniture (C19) with nothing after Fri 2026-10-30 16:26."""
    return edited_copy(sample_db, tmp_path_factory.mktemp("quiet"),
                       "DELETE FROM messages WHERE client_id = 'C16'",
                       "UPDATE clients SET start_date = NULL WHERE client_id = 'C16'",
                       "DELETE FROM messages WHERE client_id = 'C19' AND sent_at > TIMESTAMPTZ '2026-11-02 00:00+00'")


def quiet_table(at: AppTest) -> pd.DataFrame | None:
    """The frame behind the gone-quiet table (None: not drawn)."""
    return DRAWN.get("unanswered_quiet")


def test_the_gone_quiet_section_sits_between_the_queues_and_the_response_times(app, sample_db) -> None:
    at = app("unanswered")
    assert not at.exception
    headers = [h.value for h in at.subheader]
    assert headers.index("Open queues") < headers.index("Gone quiet") < headers.index("How fast we answer")
    # on the sample every active client wrote, or heard from us, within 10 working days
    assert ask(sample_db, quiet.quiet_count) == 0
    assert shown_tiles_for(at, ["quiet_clients"]) == {"Clients gone quiet": "0"}
    assert any("within the last 10 working days" in s.value for s in at.success)
    assert quiet_table(at) is None


def test_the_quiet_clients_are_listed_longest_silence_first_in_plain_words(app, quiet_db) -> None:
    at = app("unanswered", db=quiet_db)
    assert not at.exception
    assert shown_tiles_for(at, ["quiet_clients"]) == {"Clients gone quiet": "2"}
    expected = ask(quiet_db, quiet.quiet_clients)
    assert expected["client_id"].head(2).tolist() == ["C16", "C19"] and expected["is_quiet"].sum() == 2
    shown = quiet_table(at)
    assert shown["client_id"].tolist() == ["C16", "C19"]
    # working dates after Fri 10-30 up to Fri 11-20: three full weeks = 15
    c16, c19 = shown.to_dict("records")
    assert (c16["client_name"], c16["account_manager"]) == ("Tundra Outdoor", "Anna Petrova")
    assert pd.isna(c16["last_message_local"]) and pd.isna(c16["wrote_last"]) and pd.isna(c16["quiet_days"])
    assert c19["last_message_local"].floor("min") == pd.Timestamp("2026-10-30 16:26")
    assert c19["wrote_last"] == "Client: peter.fontaine@urbannest.com"
    assert c19["quiet_days"] == 15
    grid = next(d for d in at.dataframe if "Silent for, wd" in d.value.columns)
    assert grid.value["Silent for, wd"].tolist()[1] == 15 and grid.proto.placeholder == "—"

    # the client-level filters choose the clients: Anna Petrova's quiet client only
    at.sidebar.multiselect(key="am").set_value(["Anna Petrova"]).run()
    assert not at.exception
    assert quiet_table(at)["client_id"].tolist() == ["C16"]
    assert shown_tiles_for(at, ["quiet_clients"]) == {"Clients gone quiet": "1"}
