"""Gone quiet (issue 12): active clients with no message either way for quiet_after_days
working days, on tiny workbooks whose every number is worked out by hand here."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from data.settings import Settings, parse_settings
from metrics import quiet
from metrics.context import Context, Filters
from metrics.health import client_health, lowest
from metrics.quiet import quiet_clients, quiet_count, quiet_reason
from metrics.report import build_report
from metrics.summaries import headline
from tests.conftest import MINIMAL_TABS

AS_OF = "2026-11-20 18:00"  # a Friday; the previous week's moment is Fri 2026-11-13 18:00
CLIENTS_HEADER = MINIMAL_TABS["clients"][0]  # client_id, client_name, account_manager, tier, status, start_date
MESSAGES_HEADER = MINIMAL_TABS["messages"][0]


def msg(mid: str, client: str, direction: str, sender: str, sent_at: str) -> list[str]:
    return [mid, f"T-{mid}", client, "", "email", direction, sender, sent_at, "no"]


def ctx(settings: Settings | None = None, as_of: str = AS_OF, **filters) -> Context:
    return Context.build(settings or Settings(), as_of, 7, Filters(**filters))


def tabs(clients: list[list[str]], messages: list[list[str]]) -> dict[str, list[list[str]]]:
    out = {k: [list(r) for r in v] for k, v in MINIMAL_TABS.items()}
    out["clients"] = [CLIENTS_HEADER, *clients]
    out["messages"] = [MESSAGES_HEADER, *messages]
    return out


@pytest.fixture
def agency(loaded):
    """Nine clients, working days Mon–Fri, as_of Fri 2026-11-20 18:00 UTC:

    C01 active, last message Fri 11-06 (in)            → 10 working days: quiet at exactly 10
    C02 active, last message Mon 11-09 (out)           → 9: one below, not quiet
    C03 paused, silent since September                 → never quiet, not listed
    C04 ended, no message                              → never quiet, not listed
    C05 active, no message, signed Thu 11-19           → 1 from its start date: not quiet
    C06 active, no message, no start date              → quiet, no message on record (null)
    C07 active, last message Thu 10-01; two after as_of → 36: quiet (later messages do not exist yet)
    C08 active, no message, signed Tue 09-01           → 58 from its start date: quiet
    C09 active, no message, starts Tue 12-01           → has not started: not quiet (null)
    """
    clients = [
        ["C01", "Acme", "Anna", "A", "active", "2026-01-05"],
        ["C02", "Beta", "Bob", "B", "active", "2025-03-02"],
        ["C03", "Gamma", "Bob", "B", "paused", "2024-01-01"],
        ["C04", "Delta", "Anna", "A", "ended", ""],
        ["C05", "Echo", "Cara", "B", "active", "2026-11-19"],
        ["C06", "Foxtrot", "Cara", "A", "active", ""],
        ["C07", "Golf", "Anna", "A", "active", "2024-05-06"],
        ["C08", "Hotel", "Bob", "A", "active", "2026-09-01"],
        ["C09", "India", "Dan", "A", "active", "2026-12-01"],
    ]
    messages = [
        msg("M01", "C01", "out", "anna", "2026-10-20 11:00"),
        msg("M02", "C01", "in", "ceo@acme", "2026-11-06 12:00"),
        msg("M03", "C02", "in", "cmo@beta", "2026-11-02 10:00"),
        msg("M04", "C02", "out", "bob", "2026-11-09 10:00"),
        msg("M05", "C03", "in", "gamma", "2026-09-01 10:00"),
        msg("M06", "C07", "in", "golf", "2026-10-01 15:00"),
        msg("M07", "C07", "out", "anna", "2026-11-20 18:30"),  # half an hour after as_of
        msg("M08", "C07", "in", "golf", "2026-11-23 09:00"),   # next Monday
    ]
    return loaded(tabs(clients, messages))


def rows(con, context: Context) -> pd.DataFrame:
    return quiet_clients(con, context).set_index("client_id")


def test_active_clients_only_quiet_first_longest_silence_first(agency) -> None:
    q = quiet_clients(agency, ctx())
    # paused C03 and ended C04 are never listed; the quiet ones first: no message on record (C06),
    # then 58 (C08), 36 (C07), 10 (C01); then the rest, longest silence first, not started last
    assert q["client_id"].tolist() == ["C06", "C08", "C07", "C01", "C02", "C05", "C09"]
    assert q["is_quiet"].tolist() == [True, True, True, True, False, False, False]
    days = q["quiet_days"].tolist()
    assert math.isnan(days[0]) and days[1:6] == [58, 36, 10, 9, 1] and math.isnan(days[6])
    assert quiet_count(agency, ctx()) == 4


def test_the_threshold_is_inclusive_at_quiet_after_days(agency) -> None:
    r = rows(agency, ctx())
    # C01: working dates after Fri 11-06 up to Fri 11-20 = Mon 9 … Fri 13 (5) + Mon 16 … Fri 20 (5) = 10
    assert r.loc["C01", "quiet_days"] == 10 and r.loc["C01", "is_quiet"]
    # C02: after Mon 11-09 = Tue 10 … Fri 13 (4) + 5 = 9: one below
    assert r.loc["C02", "quiet_days"] == 9 and not r.loc["C02", "is_quiet"]
    nine = rows(agency, ctx(parse_settings({"quiet_after_days": 9})))
    assert nine.loc["C02", "is_quiet"]
    eleven = rows(agency, ctx(parse_settings({"quiet_after_days": 11})))
    assert not eleven.loc["C01", "is_quiet"] and eleven.loc["C07", "is_quiet"]
    assert quiet_count(agency, ctx(parse_settings({"quiet_after_days": 9}))) == 5
    assert quiet_count(agency, ctx(parse_settings({"quiet_after_days": 37}))) == 2  # C06 (no record), C08 (58)


def test_the_last_message_its_direction_and_sender_ignoring_messages_after_as_of(agency) -> None:
    r = rows(agency, ctx())
    assert r.loc["C01", "last_direction"] == "in" and r.loc["C01", "last_sender"] == "ceo@acme"
    assert r.loc["C02", "last_direction"] == "out" and r.loc["C02", "last_sender"] == "bob"
    assert r.loc["C01", "last_message_at"] == pd.Timestamp("2026-11-06 12:00", tz="UTC")
    # C07's messages at 18:30 on as_of's day and on 11-23 do not exist yet: the last is Thu 10-01
    assert r.loc["C07", "last_message_at"] == pd.Timestamp("2026-10-01 15:00", tz="UTC")
    assert r.loc["C07", "last_sender"] == "golf"
    # working dates after Thu 10-01 up to Fri 11-20: Fri 10-02 (1) + seven full weeks (35) = 36
    assert r.loc["C07", "quiet_days"] == 36
    # once they exist (as_of Mon 11-23 10:00), C07's last message is that Monday's: 0 days, not quiet
    later = rows(agency, ctx(as_of="2026-11-23 10:00"))
    assert later.loc["C07", "last_sender"] == "golf" and later.loc["C07", "quiet_days"] == 0
    assert not later.loc["C07", "is_quiet"]


def test_without_a_message_the_start_date_counts_and_without_either_it_is_quiet(agency) -> None:
    r = rows(agency, ctx())
    # C05 signed Thu 11-19: one working date (Fri 11-20) since, not quiet
    assert r.loc["C05", "quiet_days"] == 1 and not r.loc["C05", "is_quiet"]
    assert pd.isna(r.loc["C05", "last_message_at"]) and r.loc["C05", "quiet_since"] == pd.Timestamp("2026-11-19")
    # C08 signed Tue 09-01: Wed 2 … Fri 4 (3) + eleven full weeks (55) = 58
    assert r.loc["C08", "quiet_days"] == 58 and r.loc["C08", "is_quiet"]
    assert r.loc["C08", "quiet_reason"] == "Gone quiet: no message either way in the 58 working days since its " \
                                          "start date"
    # C06: neither a message nor a start date: quiet, with nothing to count
    assert math.isnan(r.loc["C06", "quiet_days"]) and r.loc["C06", "is_quiet"]
    assert r.loc["C06", "quiet_reason"] == "Gone quiet: no message on record"
    # C09 starts after as_of and has no message: it has not started, so it cannot have gone quiet
    assert math.isnan(r.loc["C09", "quiet_days"]) and not r.loc["C09", "is_quiet"]
    assert r.loc["C09", "quiet_reason"] is None
    assert r.loc["C01", "quiet_reason"] == "Gone quiet: no message either way for 10 working days"


def test_working_days_across_a_weekend_and_the_agency_calendar(loaded) -> None:
    con = loaded(tabs([["C01", "Acme", "Anna", "A", "active", ""]],
                      [msg("M1", "C01", "in", "ceo", "2026-11-13 17:00")]))  # Friday
    days = {as_of: rows(con, ctx(as_of=as_of)).loc["C01", "quiet_days"]
            for as_of in ("2026-11-13 18:00", "2026-11-14 12:00", "2026-11-15 12:00", "2026-11-16 09:00",
                          "2026-11-20 18:00")}
    # Fri → Fri 0, Sat 0, Sun 0, Mon 1, next Fri 5
    assert list(days.values()) == [0, 0, 0, 1, 5]
    # a holiday on Wed 11-18 is not a working date: 4
    holiday = parse_settings({"holidays": ["2026-11-18"]})
    assert rows(con, ctx(holiday)).loc["C01", "quiet_days"] == 4
    # a six-day week (Mon–Sat) counts Sat 11-14 too: 6
    six = parse_settings({"workdays": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]})
    assert rows(con, ctx(six)).loc["C01", "quiet_days"] == 6


def test_the_last_message_date_is_the_agency_time_zone_date(loaded) -> None:
    # Thu 11-05 22:30 UTC is Fri 11-06 01:30 in Moscow (UTC+3): counted from Friday, 10 days, not 11
    con = loaded(tabs([["C01", "Acme", "Anna", "A", "active", ""]],
                      [msg("M1", "C01", "in", "ceo", "2026-11-05T22:30:00+00:00")]), timezone="Europe/Moscow")
    moscow = rows(con, ctx(parse_settings({"timezone": "Europe/Moscow"}))).loc["C01"]
    assert moscow["quiet_days"] == 10 and moscow["is_quiet"]
    assert moscow["last_message_local"] == pd.Timestamp("2026-11-06 01:30")
    assert rows(con, ctx()).loc["C01", "quiet_days"] == 11  # the same instant read in UTC is a Thursday


def test_a_tie_on_sent_at_goes_to_the_later_message_id_with_its_own_blank_sender(loaded) -> None:
    con = loaded(tabs([["C01", "Acme", "Anna", "A", "active", ""]],
                      [msg("M1", "C01", "in", "ceo", "2026-11-20 10:00"),
                       msg("M2", "C01", "out", "", "2026-11-20 10:00")]))
    r = rows(con, ctx()).loc["C01"]
    assert r["last_direction"] == "out" and pd.isna(r["last_sender"])
    assert r["quiet_days"] == 0


def test_only_the_client_level_filters_choose_clients(agency) -> None:
    assert rows(agency, ctx(account_managers=("Bob",))).index.tolist() == ["C08", "C02"]  # paused C03 left out
    assert rows(agency, ctx(tiers=("B",))).index.tolist() == ["C02", "C05"]
    assert rows(agency, ctx(clients=("C01", "C03"))).index.tolist() == ["C01"]
    assert quiet_count(agency, ctx(account_managers=("Anna",))) == 2  # C07, C01
    assert quiet_clients(agency, ctx(clients=("nobody",))).empty
    # project-manager, department and channel filters do not change whether a client is quiet
    assert quiet_count(agency, ctx(project_managers=("Pat",), channels=("chat",))) == 4


def test_the_tile_now_and_one_period_earlier(agency) -> None:
    now, prev = headline(agency, ctx(), ("replies",))
    assert now["quiet_clients"] == 4
    # at Fri 11-13 18:00: C06 (no record), C08 (53), C07 (31) are quiet; C01 has 5, C02 4; C05 has not started
    assert prev["quiet_clients"] == 3
    assert headline(agency, ctx(tiers=("B",)), ("replies",))[0]["quiet_clients"] == 0
    assert "quiet_clients" not in headline(agency, ctx(), ("deadlines",))[0]


def test_health_carries_the_quiet_facts_beside_an_unchanged_score(agency) -> None:
    h = client_health(agency, ctx()).set_index("client_id")
    assert h.loc["C01", "quiet_days"] == 10 and h.loc["C01", "is_quiet"]
    assert h.loc["C01", "quiet_reason"] == "Gone quiet: no message either way for 10 working days"
    assert h.loc["C02", "quiet_days"] == 9 and not h.loc["C02", "is_quiet"] and h.loc["C02", "quiet_reason"] is None
    # paused and ended clients are scored but never quiet
    assert not h.loc["C03", "is_quiet"] and math.isnan(h.loc["C03", "quiet_days"])
    assert not h.loc["C04", "is_quiet"] and h.loc["C04", "quiet_reason"] is None
    # the score does not depend on the quiet setting
    strict = client_health(agency, ctx(parse_settings({"quiet_after_days": 1}))).set_index("client_id")
    pd.testing.assert_series_equal(strict["health_score"], h["health_score"])
    assert strict["is_quiet"].sum() == 6  # every active client that has started but wrote nothing today
    low = lowest(agency, ctx(), 3)
    assert {"quiet_days", "is_quiet", "quiet_reason"} <= set(low.columns)


def test_the_report_keys_do_not_change(agency) -> None:
    rep = build_report(agency, ctx())
    assert set(rep) == {"as_of", "period", "deadlines", "replies", "approvals", "feedback", "history", "clients"}
    assert set(rep["replies"]) == {"awaiting_agency", "oldest_wait_hours", "median_response_hours",
                                   "sla_breach_rate", "awaiting_client"}
    assert "quiet_days" not in rep["clients"][0] and "is_quiet" not in rep["clients"][0]


@pytest.mark.parametrize(("days", "is_quiet", "from_start", "text"), [
    (14, True, False, "Gone quiet: no message either way for 14 working days"),
    (1, True, False, "Gone quiet: no message either way for 1 working day"),
    (12, True, True, "Gone quiet: no message either way in the 12 working days since its start date"),
    (float("nan"), True, False, "Gone quiet: no message on record"),
    (3, False, False, None),
])
def test_the_reason_in_words(days, is_quiet, from_start, text) -> None:
    assert quiet_reason(days, is_quiet, from_start) == text


def test_an_empty_clients_tab_gives_an_empty_frame(loaded) -> None:
    con = loaded(tabs([], []) | {"projects": [MINIMAL_TABS["projects"][0]], "approvals": [MINIMAL_TABS["approvals"][0]],
                                 "feedback": [MINIMAL_TABS["feedback"][0]]})
    q = quiet_clients(con, ctx())
    assert q.empty and list(q.columns) == list(quiet.QUIET_COLUMNS)
    assert quiet_count(con, ctx()) == 0


REFERENCE_SQL = """
SELECT c.client_id,
       arg_max(struct_pack(t := m.sent_at, d := m.direction, s := m.sender), struct_pack(t := m.sent_at,
                                                                                         i := m.message_id)) AS last
FROM clients c JOIN messages m ON m.client_id = c.client_id AND m.sent_at <= ?
WHERE c.status = 'active'
GROUP BY c.client_id
"""


@pytest.mark.parametrize("as_of", ["2026-11-20 18:00", "2026-11-13 18:00", "2026-06-01 09:30", "2025-01-01 00:00"])
def test_on_the_sample_the_last_messages_are_a_query_over_every_message(sample, as_of) -> None:
    con, s = sample
    context = Context.build(s, as_of, 7, Filters())
    expected = {cid: last for cid, last in con.execute(REFERENCE_SQL, [context.as_of_utc]).fetchall()}
    got = quiet_clients(con, context)
    active = {r[0] for r in con.execute("SELECT client_id FROM clients WHERE status = 'active'").fetchall()}
    assert set(got["client_id"]) == active
    for r in got.to_dict("records"):
        last = expected.get(r["client_id"])
        if last is None:
            assert pd.isna(r["last_message_at"]), r["client_id"]
            continue
        assert r["last_message_at"] == pd.Timestamp(last["t"]), r["client_id"]
        assert (r["last_direction"], r["last_sender"]) == (last["d"], last["s"]), r["client_id"]
        assert r["quiet_days"] == context.calendar.working_days(context.calendar.local_date(last["t"]),
                                                                context.as_of_date)
