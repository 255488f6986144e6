"""Reply episodes, queues and voices (SPEC §5) on tiny hand-built workbooks.

Every expected number is worked out by hand in the comments. The default calendar is
Mon–Fri 10:00–19:00 (9 business hours a day), UTC, unless a test says otherwise.
Calendar of November 2026: Thu 5, Fri 6, Mon 9 … Fri 13, Mon 16, Tue 17, Wed 18,
Thu 19, Fri 20, Mon 23, Tue 24.

Metric values come from the catalogue (`summary_record` / `summarize`), so these tests
pin the catalogue's expressions over the mart as well as the mart itself.
"""

from __future__ import annotations

from collections import defaultdict

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data import store
from data.settings import Settings, parse_settings
from metrics import cache, replies
from metrics.catalogue import summarize, summary_record
from metrics.context import Context, Filters
from tests.conftest import MINIMAL_TABS, load_tabs, with_rows

MSG_HEADER = MINIMAL_TABS["messages"][0]
DEFAULT = parse_settings({})
SLA_TABLE = parse_settings({"reply_sla_hours": {"default": 8, "chat": 2}})


def msg(mid: str, thread: str, direction: str, sent_at: str, needs_reply: str = "", *, channel: str = "email",
        sender: str = "", client: str = "C01", project: str = "P01") -> list[str]:
    """One messages row in the workbook's column order."""
    sender = sender or ("client@acme.test" if direction == "in" else "anna@agency.test")
    return [mid, thread, client, project, channel, direction, sender, sent_at, needs_reply]


def workbook(*messages: list[str], base: dict | None = None) -> dict[str, list[list[object]]]:
    """MINIMAL_TABS (or base) with exactly these messages (MINIMAL_TABS' own M1 left out)."""
    tabs = {k: [list(r) for r in v] for k, v in (base or MINIMAL_TABS).items()}
    tabs["messages"] = [MSG_HEADER, *messages]
    return tabs


def ctx_for(as_of: str, settings: Settings = DEFAULT, period_days: int = 7, **filters: tuple[str, ...]) -> Context:
    return Context.build(settings, as_of, period_days, Filters(**filters))


def rows(mart: pd.DataFrame) -> dict[str, dict]:
    """The mart keyed by (side-qualified) episode id, for readable assertions."""
    return {f"{r['side']}:{r['episode_id']}": r for r in mart.to_dict("records")}


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


# --------------------------------------------------------------------------- episodes


def test_spec_example_friday_evening_answered_monday(loaded):
    con = loaded(workbook(
        msg("M1", "T1", "in", "2026-11-20 18:00"),  # Fri 18:00, needs_reply blank → true for in
        msg("M2", "T1", "out", "2026-11-23 11:30"),  # Mon 11:30
    ))
    ctx = ctx_for("2026-11-24 12:00")
    mart = replies.episodes(con, ctx)
    assert list(mart.columns) == list(replies.EPISODE_COLUMNS)
    assert len(mart) == 1
    e = mart.iloc[0]
    assert (e["episode_id"], e["side"], e["opened_by"], e["answered_by"]) == ("M1", "agency", "M1", "M2")
    assert e["opened_at"] == utc("2026-11-20 18:00") and e["answered_at"] == utc("2026-11-23 11:30")
    assert str(mart["opened_at"].dt.tz) == "UTC"
    # Fri 18:00–19:00 = 1 h, Mon 10:00–11:30 = 1.5 h
    assert e["response_hours"] == 2.5
    assert np.isnan(e["wait_hours"]) and not e["is_open"] and not e["breached"]
    assert pd.isna(e["age_bucket"])
    assert (e["client_name"], e["account_manager"], e["tier"]) == ("Acme", "Anna", "A")
    assert (e["project_name"], e["project_manager"], e["department"]) == ("Site", "Pat", "Digital")
    assert e["sla_hours"] == 8.0 and e["channel"] == "email" and e["sender"] == "client@acme.test"
    assert e["period_date"] == pd.Timestamp("2026-11-20") and e["in_period"]  # period 18..24 Nov
    assert e["opened_local"] == pd.Timestamp("2026-11-20 18:00")
    s = summary_record(con, mart, "replies")
    assert s["median_response_hours"] == 2.5
    assert s["awaiting_agency"] == 0 and s["awaiting_client"] == 0 and s["oldest_wait_hours"] is None
    assert s["sla_breach_rate"] == 0.0  # 0 breached / 1 answered


def test_several_client_messages_open_one_episode_measured_from_the_first(loaded):
    con = loaded(workbook(
        msg("A1", "T1", "in", "2026-11-16 10:00"),  # opens
        msg("A2", "T1", "in", "2026-11-16 12:00"),  # already open: nothing new
        msg("A3", "T1", "in", "2026-11-16 14:00", "yes"),
        msg("A4", "T1", "out", "2026-11-16 15:00"),  # answers: 10:00 → 15:00 = 5 h
        msg("A5", "T1", "in", "2026-11-16 16:00"),  # a new episode
        msg("A6", "T1", "out", "2026-11-16 17:30"),  # 1.5 h
    ))
    mart = replies.episodes(con, ctx_for("2026-11-18 12:00"))
    got = [(e["opened_by"], e["answered_by"], e["response_hours"]) for _, e in mart.iterrows()]
    assert got == [("A1", "A4", 5.0), ("A5", "A6", 1.5)]
    # median of 5 and 1.5
    assert summary_record(con, mart, "replies")["median_response_hours"] == 3.25


def test_fyi_client_messages_open_nothing(loaded):
    con = loaded(workbook(
        msg("F1", "T1", "in", "2026-11-16 10:00", "no"),  # FYI: nothing to answer
        msg("F2", "T1", "out", "2026-11-16 10:30"),
        msg("F3", "T2", "in", "2026-11-16 10:00", "false"),  # FYI, then a real question
        msg("F4", "T2", "in", "2026-11-16 11:00", "true"),  # opens (not F3)
        msg("F5", "T2", "out", "2026-11-16 12:00"),  # 1 h after F4
        msg("F6", "T3", "in", "2026-11-16 13:00", "нет"),  # FYI left alone: no queue entry
    ))
    mart = replies.episodes(con, ctx_for("2026-11-18 12:00"))
    assert [(e["episode_id"], e["response_hours"]) for _, e in mart.iterrows()] == [("F4", 1.0)]
    assert summary_record(con, mart, "replies")["awaiting_agency"] == 0


def test_out_message_without_needs_reply_answers_and_opens_nothing(loaded):
    con = loaded(workbook(
        msg("B1", "T1", "in", "2026-11-16 10:00"),
        msg("B2", "T1", "out", "2026-11-16 13:00", "no"),  # answers B1 (3 h); opens no client episode
    ))
    mart = replies.episodes(con, ctx_for("2026-11-18 12:00"))
    assert len(mart) == 1
    e = mart.iloc[0]
    assert (e["side"], e["answered_by"], e["response_hours"]) == ("agency", "B2", 3.0)
    assert summary_record(con, mart, "replies")["awaiting_client"] == 0


def test_client_episodes_mirror_agency_episodes(loaded):
    con = loaded(workbook(
        # T1: we ask (twice), the client answers with an FYI the next day
        msg("C1", "T1", "out", "2026-11-16 10:00", "yes"),  # opens a client episode
        msg("C2", "T1", "out", "2026-11-16 11:00", "yes"),  # already open
        msg("C3", "T1", "in", "2026-11-17 10:00", "no"),  # answers it: Mon 10–19 = 9 h
        # T2: the client's answer also asks something back
        msg("C4", "T2", "out", "2026-11-16 10:00", "yes"),  # client episode
        msg("C5", "T2", "in", "2026-11-16 12:00"),  # answers C4 (2 h) and opens an agency episode
        msg("C6", "T2", "out", "2026-11-16 13:00"),  # answers C5 (1 h); needs_reply blank = false for out
        # T3: still waiting on the client at as_of
        msg("C7", "T3", "out", "2026-11-18 10:00", "true"),
    ))
    ctx = ctx_for("2026-11-18 15:00")
    mart = replies.episodes(con, ctx)
    by = rows(mart)
    assert by.keys() == {"client:C1", "client:C4", "agency:C5", "client:C7"}
    assert {k: (by[k]["answered_by"], by[k]["response_hours"]) for k in ("client:C1", "client:C4", "agency:C5")} == {
        "client:C1": ("C3", 9.0),
        "client:C4": ("C5", 2.0),
        "agency:C5": ("C6", 1.0),
    }
    c7 = rows(mart)["client:C7"]
    assert c7["is_open"] and pd.isna(c7["answered_by"]) and pd.isna(c7["answered_at"])
    assert c7["wait_hours"] == 5.0  # Wed 10:00–15:00
    s = summary_record(con, mart, "replies")
    assert s["awaiting_client"] == 1 and s["oldest_client_wait_hours"] == 5.0
    assert s["awaiting_agency"] == 0
    # only agency episodes count in response metrics: C5 → 1 h
    assert s["median_response_hours"] == 1.0 and s["episodes_opened"] == 1
    assert replies.queue(con, ctx, side="client")["episode_id"].tolist() == ["C7"]


def test_reply_after_as_of_leaves_the_episode_open(loaded):
    con = loaded(workbook(
        msg("R1", "T1", "in", "2026-11-16 10:00"),
        msg("R2", "T1", "out", "2026-11-18 10:00"),  # after as_of: does not exist yet
    ))
    ctx = ctx_for("2026-11-17 14:00")
    mart = replies.episodes(con, ctx)
    e = mart.iloc[0]
    assert e["is_open"] and pd.isna(e["answered_by"]) and pd.isna(e["answered_at"])
    assert np.isnan(e["response_hours"])
    # Mon 10–19 = 9 h, Tue 10–14 = 4 h
    assert e["wait_hours"] == 13.0 and e["breached"] and e["age_bucket"] == "1–2 working days"
    s = summary_record(con, mart, "replies")
    assert s["awaiting_agency"] == 1 and s["oldest_wait_hours"] == 13.0
    # the same workbook one day later: answered, 9 + 9 = 18 h
    later = replies.episodes(con, ctx_for("2026-11-18 12:00")).iloc[0]
    assert (later["answered_by"], later["response_hours"], later["is_open"]) == ("R2", 18.0, False)


def test_message_after_as_of_opens_nothing(loaded):
    con = loaded(workbook(
        msg("L1", "T1", "in", "2026-11-17 15:00"),
        msg("L2", "T2", "out", "2026-11-17 16:00", "yes"),
    ))
    mart = replies.episodes(con, ctx_for("2026-11-17 14:00"))
    assert mart.empty and list(mart.columns) == list(replies.EPISODE_COLUMNS)
    s = summary_record(con, mart, "replies")
    assert s["awaiting_agency"] == 0 and s["awaiting_client"] == 0
    assert s["median_response_hours"] is None and s["sla_breach_rate"] is None and s["oldest_wait_hours"] is None


def test_ties_on_sent_at_are_ordered_by_message_id(loaded):
    con = loaded(workbook(
        # X1 (out) sorts before X2 (in): the question comes last and stays open
        msg("X2", "TX", "in", "2026-11-16 10:00"),
        msg("X1", "TX", "out", "2026-11-16 10:00"),
        # Y1 (in) sorts before Y2 (out): answered at the same instant, 0 h
        msg("Y1", "TY", "in", "2026-11-16 10:00"),
        msg("Y2", "TY", "out", "2026-11-16 10:00"),
        # text order, not numeric: "Z10" < "Z9", so the in-message Z10 comes first
        msg("Z9", "TZ", "out", "2026-11-16 11:00"),
        msg("Z10", "TZ", "in", "2026-11-16 11:00"),
    ))
    mart = replies.episodes(con, ctx_for("2026-11-16 12:00"))
    got = {k: (e["answered_by"] if not e["is_open"] else None, e["response_hours"], e["wait_hours"])
           for k, e in rows(mart).items()}
    assert got.keys() == {"agency:X2", "agency:Y1", "agency:Z10"}
    assert got["agency:X2"][0] is None and got["agency:X2"][2] == 2.0  # 10:00 → 12:00
    assert got["agency:Y1"][:2] == ("Y2", 0.0)
    assert got["agency:Z10"][:2] == ("Z9", 0.0)


# --------------------------------------------------------------------------- SLA, state and flow metrics


def sla_workbook() -> dict[str, list[list[object]]]:
    return workbook(
        msg("S1", "T1", "in", "2026-11-16 10:00", channel="chat"),
        msg("S1r", "T1", "out", "2026-11-16 13:00", channel="chat"),  # 3 h > chat SLA 2 → breached
        msg("S2", "T2", "in", "2026-11-16 10:00", channel="chat"),
        msg("S2r", "T2", "out", "2026-11-16 12:00", channel="chat"),  # 2 h, not more than 2 → ok
        msg("S3", "T3", "in", "2026-11-16 10:00", channel="email"),
        msg("S3r", "T3", "out", "2026-11-16 15:00", channel="email"),  # 5 h ≤ 8 → ok
        msg("S4", "T4", "in", "2026-11-17 14:00", channel="email"),  # open: Tue 5 h + Wed 5 h = 10 > 8
        msg("S5", "T5", "in", "2026-11-18 14:00", channel="chat"),  # open: 1 h, not yet past 2
        # before the period (12..18 Nov): 18 h (Fri 9 + Mon 9), breached, but not this period's
        msg("S6", "T6", "in", "2026-11-06 10:00", channel="email"),
        msg("S6r", "T6", "out", "2026-11-09 19:00", channel="email"),
        # before the period and still open: Thu 5 9 + Fri 6 9 + 9–13 Nov 45 + Mon 16 9 + Tue 17 9
        # + Wed 18 10–15 5 = 86 h
        msg("S7", "T7", "in", "2026-11-05 10:00", channel="email"),
        # a client episode: we wait since Wed 10:00 → 5 h
        msg("S8", "T8", "out", "2026-11-18 10:00", "yes", channel="email"),
    )


def test_sla_per_channel_and_breach_rate(loaded):
    con = loaded(sla_workbook())
    ctx = ctx_for("2026-11-18 15:00", SLA_TABLE)  # period 12..18 Nov
    mart = replies.episodes(con, ctx)
    by = rows(mart)
    assert {k: by[k]["sla_hours"] for k in by} == {
        "agency:S1": 2.0, "agency:S2": 2.0, "agency:S3": 8.0, "agency:S4": 8.0, "agency:S5": 2.0,
        "agency:S6": 8.0, "agency:S7": 8.0, "client:S8": 8.0}
    assert {k for k in by if by[k]["breached"]} == {"agency:S1", "agency:S4", "agency:S6", "agency:S7"}
    assert by["agency:S4"]["wait_hours"] == 10.0 and by["agency:S5"]["wait_hours"] == 1.0
    assert by["agency:S7"]["wait_hours"] == 86.0
    assert not by["agency:S6"]["in_period"] and not by["agency:S7"]["in_period"]
    s = summary_record(con, mart, "replies")
    # in the period: answered S1 (breached), S2, S3; open S4 (breached), S5 (not yet: left out)
    # breached / (answered + open breached) = 2 / (3 + 1)
    assert s["sla_breach_rate"] == 0.5
    assert s["median_response_hours"] == 3.0  # median of 3, 2, 5 (S6's 18 h is not this period's)
    assert s["episodes_opened"] == 5
    # state at as_of ignores the period: S4, S5, S7 open; S4 and S7 past their SLA
    assert s["awaiting_agency"] == 3 and s["breached_open"] == 2
    assert s["oldest_wait_hours"] == 86.0
    assert s["awaiting_client"] == 1 and s["oldest_client_wait_hours"] == 5.0


def test_single_number_sla_applies_to_every_channel(loaded):
    con = loaded(sla_workbook())
    mart = replies.episodes(con, ctx_for("2026-11-18 15:00", parse_settings({"reply_sla_hours": 4})))
    by = rows(mart)
    assert set(mart["sla_hours"]) == {4.0}
    # 3 h, 2 h ok; 5 h, 10 h, 18 h, 86 h breached; S5 (1 h) not
    assert {k for k in by if by[k]["breached"] and by[k]["side"] == "agency"} == {
        "agency:S3", "agency:S4", "agency:S6", "agency:S7"}
    # period: breached S3, S4 / (answered 3 + open breached S4) = 2 / 4
    assert summary_record(con, mart, "replies")["sla_breach_rate"] == 0.5


def test_queue_views(loaded):
    con = loaded(sla_workbook())
    ctx = ctx_for("2026-11-18 15:00", SLA_TABLE)
    q = replies.queue(con, ctx)
    assert q["episode_id"].tolist() == ["S7", "S4", "S5"]  # longest wait first
    assert q["wait_hours"].tolist() == [86.0, 10.0, 1.0]
    # a working day = 9 h: 86 ≥ 45 (5 days); 9 ≤ 10 < 18; 1 < 4
    assert q["age_bucket"].tolist() == ["5+ working days", "1–2 working days", "under 4 h"]
    assert q["breached"].tolist() == [True, True, False]
    assert q["owner"].tolist() == ["Anna"] * 3 and q["client_name"].tolist() == ["Acme"] * 3
    assert q.iloc[0]["opened_local"] == pd.Timestamp("2026-11-05 10:00")
    for col in ("thread_id", "client_id", "project_name", "channel", "sender", "sla_hours"):
        assert col in q.columns
    assert q.equals(replies.queue(con, ctx))  # the second call reads the cached mart

    b = replies.queue_by_bucket(con, ctx)
    assert list(zip(b["side"], b["age_bucket"], strict=True)) == [
        (side, bucket) for side in ("agency", "client") for bucket in replies.AGE_BUCKETS]
    counts = dict(zip(zip(b["side"], b["age_bucket"], strict=True), b["open_episodes"], strict=True))
    assert counts[("agency", "5+ working days")] == 1 and counts[("agency", "1–2 working days")] == 1
    assert counts[("agency", "under 4 h")] == 1 and counts[("client", "4 h to 1 working day")] == 1  # S8: 5 h
    assert sum(counts.values()) == 4

    o = replies.queue_by_owner(con, ctx)
    assert o.to_dict("records") == [
        {"account_manager": "Anna", "side": "agency", "open_episodes": 3, "breached_open": 2, "max_wait_hours": 86.0},
        {"account_manager": "Anna", "side": "client", "open_episodes": 1, "breached_open": 0, "max_wait_hours": 5.0},
    ]


def test_age_buckets_follow_a_nine_hour_working_day_and_none_is_always_empty():
    day = 9.0
    wait = np.array([0.0, 3.99, 4.0, 8.99, 9.0, 17.99, 18.0, 44.99, 45.0, 5.0])
    is_open = np.array([True] * 9 + [False])
    got = replies._age_bucket(wait, is_open, day).tolist()
    assert got[:9] == ["under 4 h", "under 4 h", "4 h to 1 working day", "4 h to 1 working day", "1–2 working days",
                       "1–2 working days", "2–5 working days", "2–5 working days", "5+ working days"]
    assert pd.isna(got[9])
    assert set(got[:9]) == set(replies.AGE_BUCKETS)  # every bucket can hold a thread


def test_response_by_channel_and_trend(loaded):
    con = loaded(sla_workbook())
    ctx = ctx_for("2026-11-18 15:00", SLA_TABLE)
    by_channel = replies.response_by_channel(con, ctx).set_index("channel")
    # chat: S1 3 h (breached), S2 2 h, S5 open and not breached → 1 / 2; email: S3 5 h, S4 open breached → 1 / 2
    assert by_channel.loc["chat", "median_response_hours"] == 2.5
    assert by_channel.loc["chat", "sla_breach_rate"] == 0.5
    assert by_channel.loc["email", "median_response_hours"] == 5.0
    assert by_channel.loc["email", "sla_breach_rate"] == 0.5
    assert by_channel.loc["email", "awaiting_agency"] == 2  # S4 and S7
    assert by_channel["awaiting_client"].sum() == 0  # agency episodes only

    trend = replies.reply_trend(con, ctx, weeks=3)
    # weeks end on as_of's date: 12–18, 5–11, 29 Oct–4 Nov
    assert trend["week"].tolist() == [pd.Timestamp("2026-10-29"), pd.Timestamp("2026-11-05"),
                                      pd.Timestamp("2026-11-12")]
    assert trend["episodes_opened"].tolist() == [0, 2, 5]  # S6, S7 | S1..S5
    assert trend["median_response_hours"].iloc[1] == 18.0  # S6
    assert trend["median_response_hours"].iloc[2] == 3.0


# --------------------------------------------------------------------------- period


@pytest.mark.parametrize(("period_days", "median", "opened"), [(7, 2.0, 2), (8, 3.0, 3), (1, 3.0, 1)])
def test_median_counts_only_episodes_opened_in_the_period(loaded, period_days, median, opened):
    con = loaded(workbook(
        msg("P1", "T1", "in", "2026-11-10 10:00"),  # Tue 10
        msg("P1r", "T1", "out", "2026-11-16 10:00"),  # answered inside the period: Tue–Fri 4 × 9 = 36 h
        msg("P2", "T2", "in", "2026-11-16 10:00"),
        msg("P2r", "T2", "out", "2026-11-16 11:00"),  # 1 h
        msg("P3", "T3", "in", "2026-11-17 10:00"),
        msg("P3r", "T3", "out", "2026-11-17 13:00"),  # 3 h
    ))
    # as_of Tue 17: 7 days = 11..17 → P2, P3: median(1, 3) = 2 (P1 was opened on the 10th);
    # 8 days = 10..17 → median(36, 1, 3) = 3; 1 day = 17 → P3 alone: 3
    mart = replies.episodes(con, ctx_for("2026-11-17 18:00", period_days=period_days))
    s = summary_record(con, mart, "replies")
    assert s["median_response_hours"] == median and s["episodes_opened"] == opened
    assert s["sla_breach_rate"] == (1 / 3 if period_days == 8 else 0.0)  # only P1 (36 h) breaches


# --------------------------------------------------------------------------- voices


def voices_workbook() -> dict[str, list[list[object]]]:
    base = with_rows("clients", ["C02", "Bravo", "Boris", "B", "active", "2026-01-05"])
    return workbook(
        msg("V1", "T1", "out", "2026-11-16 10:00", sender="Anna"),
        msg("V2", "T1", "out", "2026-11-16 11:00", sender="Bob", channel="chat"),
        msg("V3", "T2", "out", "2026-11-17 11:00", sender="Anna"),
        msg("V4", "T2", "out", "2026-11-05 11:00", sender="Carl"),  # before the period
        msg("V5", "T2", "out", "2026-11-18 16:00", sender="Dan"),  # after as_of: does not exist
        msg("V6", "T1", "in", "2026-11-16 12:00", sender="x@acme.test"),
        msg("V7", "T1", "in", "2026-11-16 13:00", sender="y@acme.test", channel="chat"),
        msg("V8", "T2", "in", "2026-11-17 13:00", sender="x@acme.test"),
        base=base,
    )


def test_voices_count_distinct_senders_in_the_period(loaded):
    con = loaded(voices_workbook())
    ctx = ctx_for("2026-11-18 15:00")  # period 12..18 Nov
    v = replies.voices(con, ctx)
    assert v.to_dict("records") == [
        {"client_id": "C01", "client_name": "Acme", "account_manager": "Anna",
         "agency_voices": 2, "client_voices": 2, "agency_senders": "Anna, Bob"},
        {"client_id": "C02", "client_name": "Bravo", "account_manager": "Boris",
         "agency_voices": 0, "client_voices": 0, "agency_senders": ""},
    ]
    # a 30-day period reaches Carl's message of 5 Nov; Dan's is still after as_of
    v30 = replies.voices(con, ctx_for("2026-11-18 15:00", period_days=30)).set_index("client_id")
    assert v30.loc["C01", "agency_voices"] == 3 and v30.loc["C01", "agency_senders"] == "Anna, Bob, Carl"
    # the channel filter: chat only → Bob and y@
    vc = replies.voices(con, ctx_for("2026-11-18 15:00", channels=("chat",))).set_index("client_id")
    assert (vc.loc["C01", "agency_voices"], vc.loc["C01", "client_voices"]) == (1, 1)
    # client filters keep only the matching clients
    vb = replies.voices(con, ctx_for("2026-11-18 15:00", account_managers=("Boris",)))
    assert vb["client_id"].tolist() == ["C02"]


# --------------------------------------------------------------------------- filters


def filters_workbook() -> dict[str, list[list[object]]]:
    base = with_rows("clients", ["C02", "Bravo", "Boris", "B", "active", "2026-01-05"])
    base = with_rows("projects", ["P02", "C02", "App", "Quinn", "Mobile", "active", "2026-01-01", "2026-12-01",
                                  "2026-12-01", "", ""], base=base)
    return workbook(
        msg("G1", "T1", "in", "2026-11-16 10:00", client="C01", project="P01", channel="email", sender="a@acme"),
        msg("G2", "T2", "in", "2026-11-16 11:00", client="C01", project="", channel="chat", sender="b@acme"),
        msg("G3", "T3", "in", "2026-11-16 12:00", client="C02", project="P02", channel="email", sender="c@bravo"),
        msg("G4", "T4", "out", "2026-11-16 12:00", "yes", client="C02", project="", channel="chat",
            sender="Boris"),
        msg("G5", "T4", "in", "2026-11-16 12:30", "no", client="C02", project="", channel="chat",
            sender="d@bravo"),
        base=base,
    )


@pytest.mark.parametrize(("filters", "open_agency", "voices_clients"), [
    ({}, ["G1", "G2", "G3"], ["C01", "C02"]),
    ({"clients": ("C01",)}, ["G1", "G2"], ["C01"]),
    ({"account_managers": ("Boris",)}, ["G3"], ["C02"]),
    ({"tiers": ("A",)}, ["G1", "G2"], ["C01"]),
    ({"channels": ("chat",)}, ["G2"], ["C01", "C02"]),
    ({"project_managers": ("Pat",)}, ["G1"], ["C01"]),  # G2 has no project: belongs to no PM
    ({"departments": ("Mobile",)}, ["G3"], ["C02"]),
])
def test_filters(loaded, filters, open_agency, voices_clients):
    con = loaded(filters_workbook())
    ctx = ctx_for("2026-11-16 15:00", **filters)
    mart = replies.episodes(con, ctx)
    agency = mart[mart["side"] == "agency"]
    assert sorted(agency["episode_id"]) == open_agency
    assert summary_record(con, mart, "replies")["awaiting_agency"] == len(open_agency)
    assert replies.voices(con, ctx)["client_id"].tolist() == voices_clients


def test_metrics_per_owner_through_summarize(loaded):
    con = loaded(filters_workbook())
    mart = replies.episodes(con, ctx_for("2026-11-16 15:00"))
    per = summarize(con, mart, "replies", group_by=["account_manager"]).set_index("account_manager")
    # Anna: G1 (10:00 → 15:00 = 5 h) and G2 (4 h) open; Boris: G3 open 3 h, G4 answered by the client
    assert per.loc["Anna", "awaiting_agency"] == 2 and per.loc["Anna", "oldest_wait_hours"] == 5.0
    assert per.loc["Boris", "awaiting_agency"] == 1 and per.loc["Boris", "oldest_wait_hours"] == 3.0
    assert per.loc["Boris", "awaiting_client"] == 0 and per.loc["Anna", "breached_open"] == 0


def test_project_filter_counts_only_that_projects_voices(loaded):
    con = loaded(filters_workbook())
    v = replies.voices(con, ctx_for("2026-11-16 15:00", project_managers=("Quinn",)))
    # C02's messages on P02: c@bravo only; Boris and d@bravo wrote without a project
    assert v.to_dict("records") == [{"client_id": "C02", "client_name": "Bravo", "account_manager": "Boris",
                                     "agency_voices": 0, "client_voices": 1, "agency_senders": ""}]
    v_all = replies.voices(con, ctx_for("2026-11-16 15:00")).set_index("client_id")
    assert (v_all.loc["C02", "agency_voices"], v_all.loc["C02", "client_voices"]) == (1, 2)


def test_client_episode_answered_by_fyi_in_filters_view(loaded):
    con = loaded(filters_workbook())
    mart = replies.episodes(con, ctx_for("2026-11-16 15:00"))
    g4 = rows(mart)["client:G4"]
    # answered by G5 (needs_reply no) 30 min later; G5 opens nothing
    assert (g4["answered_by"], g4["response_hours"]) == ("G5", 0.5)
    assert "agency:G5" not in rows(mart)


# --------------------------------------------------------------------------- time zone


def test_agency_time_zone_moscow(loaded):
    tz_settings = parse_settings({"timezone": "Europe/Moscow"})
    con = loaded(workbook(
        # typed as Moscow wall time (UTC+3), the calendar is Mon–Fri 10–19 Moscow time
        msg("K1", "T1", "in", "2026-11-20 18:00"),  # Fri 18:00 MSK = 15:00 UTC
        msg("K2", "T1", "out", "2026-11-23 11:30"),  # Mon 11:30 MSK: 1 + 1.5 = 2.5 h
        msg("K3", "T2", "in", "2026-11-21 01:00"),  # Sat 01:00 MSK = Fri 22:00 UTC; still open
        msg("K4", "T3", "out", "2026-11-20 23:30", sender="Anna"),  # Fri 20 local, Fri 20:30 UTC
        msg("K5", "T3", "out", "2026-11-21 00:30", sender="Bob"),  # Sat 21 local, Fri 21:30 UTC
    ), timezone="Europe/Moscow")
    ctx = Context.build(tz_settings, "2026-11-23 12:00", period_days=3)  # MSK; period 21..23 Nov local
    mart = replies.episodes(con, ctx)
    by = rows(mart)
    k1, k3 = by["agency:K1"], by["agency:K3"]
    assert k1["opened_at"] == utc("2026-11-20 15:00") and k1["opened_local"] == pd.Timestamp("2026-11-20 18:00")
    assert k1["response_hours"] == 2.5
    assert k1["period_date"] == pd.Timestamp("2026-11-20") and not k1["in_period"]
    # by its local date K3 belongs to Sat 21 Nov (in UTC it would be Fri 20)
    assert k3["period_date"] == pd.Timestamp("2026-11-21") and k3["in_period"]
    assert k3["wait_hours"] == 2.0  # Sat, Sun off; Mon 10:00–12:00 MSK
    assert k3["age_bucket"] == "under 4 h"
    s = summary_record(con, mart, "replies")
    assert s["median_response_hours"] is None  # K1 was opened before the period
    assert s["awaiting_agency"] == 1 and s["oldest_wait_hours"] == 2.0
    # voices by local date, 21..23 Nov: Bob (K5, Sat 21 local) and K2's sender; not Anna (K4, Fri 20
    # local); client side: K3 only (K1 is Fri 20 local) — same sender as K1
    v = replies.voices(con, ctx).set_index("client_id")
    assert v.loc["C01", "agency_senders"] == "anna@agency.test, Bob"  # sorted ignoring case
    assert (v.loc["C01", "agency_voices"], v.loc["C01", "client_voices"]) == (2, 1)
    # an as_of given without offset is Moscow time: 11:00 MSK = 08:00 UTC, before K2
    early = replies.episodes(con, Context.build(tz_settings, "2026-11-23 11:00", period_days=3))
    e1 = rows(early)["agency:K1"]
    assert e1["is_open"] and e1["wait_hours"] == 2.0  # Fri 18–19 + Mon 10–11


# --------------------------------------------------------------------------- against a reference


def reference_episodes(messages: pd.DataFrame, as_of: pd.Timestamp) -> set[tuple]:
    """SPEC §5 read literally: walk each thread in order, one message at a time."""
    threads: dict[str, list[dict]] = defaultdict(list)
    for m in messages.to_dict("records"):
        if m["sent_at"] <= as_of:
            threads[m["thread_id"]].append(m)
    found: set[tuple] = set()
    for thread, ms in threads.items():
        ms.sort(key=lambda m: (m["sent_at"], m["message_id"]))
        open_: dict[str, str | None] = {"agency": None, "client": None}
        for m in ms:
            needs = m["needs_reply"]
            needs = (m["direction"] == "in") if needs is None or pd.isna(needs) else bool(needs)
            mine, theirs = ("agency", "client") if m["direction"] == "in" else ("client", "agency")
            if open_[theirs] is not None:  # this message answers the other side's open episode
                found.add((theirs, thread, open_[theirs], m["message_id"]))
                open_[theirs] = None
            if needs and open_[mine] is None:
                open_[mine] = m["message_id"]
        for side, opener in open_.items():
            if opener is not None:
                found.add((side, thread, opener, None))
    return found


def random_messages(rng: np.random.Generator, n: int, threads: int) -> pd.DataFrame:
    """Random threads with many ties on sent_at, ids of mixed length, blank needs_reply."""
    start = pd.Timestamp("2026-11-02", tz="UTC")
    minutes = rng.integers(0, 14 * 24 * 4, n) * 15  # a quarter-hour grid over two weeks: many ties
    needs = rng.choice(np.array([True, False, None], dtype=object), n, p=[0.45, 0.35, 0.20])
    return pd.DataFrame({
        "message_id": [f"M{i}" for i in rng.permutation(n)],  # "M10" < "M9" as text
        "thread_id": [f"T{t}" for t in rng.integers(0, threads, n)],
        "direction": rng.choice(["in", "out"], n),
        "sent_at": start + pd.to_timedelta(minutes, unit="min"),
        "needs_reply": needs,
        "channel": rng.choice(["email", "chat", "phone"], n),
        "sender": [f"p{s}" for s in rng.integers(0, 30, n)],
    })


def replace_messages(con: duckdb.DuckDBPyConnection, df: pd.DataFrame) -> None:
    """Swap the store's messages for df (all for client C01, no project)."""
    cur = con.cursor()
    try:
        cur.execute("DELETE FROM messages")
        cur.register("_msgs", df)
        cur.execute(
            "INSERT INTO messages SELECT 0, message_id, thread_id, 'C01', NULL, channel, direction, sender, "
            "sent_at::TIMESTAMPTZ, needs_reply::BOOLEAN FROM _msgs")
        cur.unregister("_msgs")
    finally:
        cur.close()
    # A write that bypasses the sync must rebuild the materialized marts and drop the cached ones itself.
    store.rebuild_marts(con)
    cache.clear()


def mart_episodes(mart: pd.DataFrame) -> set[tuple]:
    return {(r.side, r.thread_id, r.opened_by, None if r.is_open else r.answered_by)
            for r in mart.itertuples()}


def test_sql_episodes_match_a_reference_on_200k_random_messages(loaded):
    rng = np.random.default_rng(20261120)
    con = loaded(MINIMAL_TABS)
    df = random_messages(rng, 200_000, threads=20_000)
    replace_messages(con, df)
    as_of = pd.Timestamp("2026-11-12 13:00", tz="UTC")  # on the grid: some messages at it, some after
    assert (df["sent_at"] == as_of).any() and (df["sent_at"] > as_of).any()
    mart = replies.episodes(con, ctx_for(as_of.isoformat()))
    assert (mart["episode_id"] == mart["opened_by"]).all()
    assert mart["is_open"].tolist() == mart["answered_by"].isna().tolist()
    assert (mart["opened_at"] <= as_of).all() and (mart["answered_at"].dropna() <= as_of).all()
    assert (mart["answered_at"].dropna() >= mart.loc[~mart["is_open"], "opened_at"]).all()
    # the reference reads whole threads: sample threads until about 2,000 messages
    sizes = df.groupby("thread_id").size()
    order = rng.permutation(sizes.index.to_numpy())
    picked = order[: int(np.searchsorted(np.cumsum(sizes.loc[order].to_numpy()), 2_000)) + 1]
    sample = df[df["thread_id"].isin(picked)]
    assert 1_900 <= len(sample) <= 2_200
    expected = reference_episodes(sample, as_of)
    got = mart_episodes(mart[mart["thread_id"].isin(picked)])
    assert got == expected
    assert {s for s, *_ in expected} == {"agency", "client"} and any(a is None for *_, a in expected)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_sql_episodes_match_the_reference_on_small_threads(loaded_once, data):
    con = loaded_once
    n = data.draw(st.integers(0, 14), label="messages")
    rows_ = [
        {
            "message_id": data.draw(st.sampled_from(["a", "b", "c", "aa", "B", "m1", "m10", "m2", "z"])) + str(i),
            "thread_id": data.draw(st.sampled_from(["T1", "T2"])),
            "direction": data.draw(st.sampled_from(["in", "out"])),
            "sent_at": pd.Timestamp("2026-11-16 10:00", tz="UTC") + pd.Timedelta(hours=data.draw(st.integers(0, 4))),
            "needs_reply": data.draw(st.sampled_from([True, False, None])),
            "channel": "email",
            "sender": "x",
        }
        for i in range(n)
    ]
    df = pd.DataFrame(rows_, columns=["message_id", "thread_id", "direction", "sent_at", "needs_reply", "channel",
                                      "sender"])
    df["sent_at"] = pd.to_datetime(df["sent_at"], utc=True)
    replace_messages(con, df)
    as_of = pd.Timestamp("2026-11-16 13:00", tz="UTC")
    mart = replies.episodes(con, ctx_for(as_of.isoformat()))
    assert mart_episodes(mart) == reference_episodes(df, as_of)


@pytest.fixture
def loaded_once(tmp_path):
    """One store reused by every hypothesis example of a test (its messages get replaced)."""
    from data import store

    con = store.connect(tmp_path / "hyp.duckdb")
    load_tabs(con, MINIMAL_TABS)
    yield con
    con.close()
