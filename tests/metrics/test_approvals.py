"""Approval lags (SPEC §6) on tiny hand-built workbooks; every number worked by hand.

Calendar (Mon–Fri, no holidays): November 2026: Mon 2 … Fri 6, Mon 9 … Fri 13,
Mon 16 … Fri 20, Sat 21, Sun 22, Mon 23 … Fri 27.
working_days(d1, d2) counts working dates in (d1, d2].
Default as_of below: Fri 2026-11-20 18:00, 7-day period [Sat 14, Fri 20], approval_sla_days 3.
"""

from __future__ import annotations

import pandas as pd
import pytest

from data.settings import parse_settings
from metrics import approvals as ap
from metrics.catalogue import summary_record
from metrics.context import Context, Filters
from tests.conftest import MINIMAL_TABS

APPROVAL_HEADER = MINIMAL_TABS["approvals"][0]
AS_OF = "2026-11-20 18:00"


def rnd(aid: str, sent: str, responded: str = "", decision: str = "", *, deliverable: str = "Logo",
        round_: int = 1, due_by: str = "", project: str = "P01", approver: str = "Client") -> list[object]:
    if responded and not decision:
        decision = "approved"
    return [aid, project, deliverable, str(round_), sent, due_by, responded, decision, approver]


def workbook(*rows: list[object]) -> dict[str, list[list[object]]]:
    tabs = {k: [list(r) for r in v] for k, v in MINIMAL_TABS.items()}
    tabs["clients"].append(["C02", "Globex", "Boris", "B", "active", "2026-01-05"])
    tabs["projects"].append(["P02", "C02", "App", "Quinn", "Design", "active", "2026-01-01", "2026-12-18",
                             "2026-12-18", "", ""])
    tabs["approvals"] = [APPROVAL_HEADER, *rows]
    return tabs


def ctx_at(as_of: str = AS_OF, period_days: int = 7, filters: Filters | None = None, **settings: object) -> Context:
    return Context.build(parse_settings(dict(settings)), as_of, period_days, filters)


def by_id(mart: pd.DataFrame) -> dict[str, dict]:
    return {r["approval_id"]: r for r in mart.to_dict("records")}


def test_mart_has_exactly_the_contract_columns(loaded) -> None:
    con = loaded(workbook(rnd("A1", "2026-11-16 10:00", "2026-11-19 15:00")))
    mart = ap.rounds(con, ctx_at())
    assert list(mart.columns) == list(ap.ROUND_COLUMNS)
    r = mart.iloc[0]
    assert r["deliverable_key"] == "P01/Logo" and r["client_name"] == "Acme" and r["project_manager"] == "Pat"
    assert mart["sent_date"].dt.tz is None and mart["period_date"].dt.tz is None


def test_answered_and_pending_lags(loaded) -> None:
    con = loaded(workbook(
        rnd("A1", "2026-11-16 10:00", "2026-11-19 15:00"),  # Mon → Thu: Tue, Wed, Thu = 3
        rnd("A2", "2026-11-17 11:00"),                      # pending Tue → as_of Fri: Wed, Thu, Fri = 3
        rnd("A3", "2026-11-16 09:00"),                      # pending Mon → Fri: 4 > 3 → overdue
    ))
    rows = by_id(ap.rounds(con, ctx_at()))
    a1, a2, a3 = rows["A1"], rows["A2"], rows["A3"]
    assert a1["is_answered"] and a1["lag_days"] == 3 and a1["decision"] == "approved" and not a1["is_overdue"]
    assert a1["responded_date"] == pd.Timestamp("2026-11-19") and a1["period_date"] == pd.Timestamp("2026-11-19")
    assert a1["in_period"] and a1["decision"] == "approved"
    assert not a2["is_answered"] and a2["lag_days"] == 3 and not a2["is_overdue"]  # 3 is not > 3
    assert a3["lag_days"] == 4 and a3["is_overdue"]
    assert pd.isna(a2["period_date"]) and not a2["in_period"] and pd.isna(a2["decision"])
    s = ap.approvals_summary(con, ctx_at())
    assert (s["pending"], s["overdue"], s["oldest_pending_days"]) == (2, 1, 4)


def test_overdue_with_due_by(loaded) -> None:
    con = loaded(workbook(
        rnd("A1", "2026-11-19 10:00", due_by="2026-11-19"),  # due_by Thu 19 < Fri 20 → overdue (lag only 1)
        rnd("A2", "2026-11-19 10:00", due_by="2026-11-20"),  # due_by = as_of_date → not overdue
        rnd("A3", "2026-11-02 10:00", due_by="2026-11-25"),  # lag 14 > 3, but due_by decides: not overdue
        rnd("A4", "2026-11-02 10:00", due_by="2026-11-03", responded="2026-11-10 12:00"),  # answered: never
    ))
    rows = by_id(ap.rounds(con, ctx_at()))
    assert rows["A1"]["is_overdue"] and rows["A1"]["lag_days"] == 1
    assert not rows["A2"]["is_overdue"]
    assert not rows["A3"]["is_overdue"] and rows["A3"]["lag_days"] == 14  # Nov 3..6, 9..13, 16..20
    assert not rows["A4"]["is_overdue"] and rows["A4"]["lag_days"] == 6  # Tue 3..Fri 6, Mon 9, Tue 10
    assert ap.approvals_summary(con, ctx_at())["overdue"] == 1


def test_sla_setting_changes_overdue(loaded) -> None:
    con = loaded(workbook(rnd("A1", "2026-11-16 09:00")))  # pending, lag 4
    assert ap.approvals_summary(con, ctx_at())["overdue"] == 1  # 4 > 3
    assert ap.approvals_summary(con, ctx_at(approval_sla_days=4))["overdue"] == 0  # 4 is not > 4


def test_time_travel_response_and_send_after_as_of(loaded) -> None:
    con = loaded(workbook(
        rnd("A1", "2026-11-17 10:00", "2026-11-20 18:30", "approved"),  # answered half an hour after as_of
        rnd("A2", "2026-11-20 19:00"),                                  # sent after as_of: does not exist yet
        rnd("A3", "2026-11-20 18:00"),                                  # sent exactly at as_of: exists
    ))
    mart = ap.rounds(con, ctx_at())
    rows = by_id(mart)
    assert sorted(rows) == ["A1", "A3"]
    a1 = rows["A1"]
    # pending at as_of: lag to as_of_date = working_days(Tue 17, Fri 20) = 3; the future answer is hidden
    assert not a1["is_answered"] and pd.isna(a1["responded_at"]) and pd.isna(a1["responded_date"])
    assert pd.isna(a1["decision"]) and a1["lag_days"] == 3 and not a1["in_period"]
    s = ap.approvals_summary(con, ctx_at())
    assert s["pending"] == 2 and s["answered"] == 0 and s["median_lag_days"] is None
    later = by_id(ap.rounds(con, ctx_at("2026-11-20 19:00")))
    assert later["A1"]["is_answered"] and later["A1"]["decision"] == "approved" and "A2" in later


def test_median_lag_over_rounds_answered_in_the_period_only(loaded) -> None:
    con = loaded(workbook(
        rnd("A1", "2026-11-02 10:00", "2026-11-12 10:00", deliverable="Old"),  # answered before the period: 8
        rnd("A2", "2026-11-16 10:00", "2026-11-19 10:00", deliverable="X"),    # Mon → Thu: 3
        rnd("A3", "2026-11-18 10:00", "2026-11-19 10:00", deliverable="Y"),    # Wed → Thu: 1
        rnd("A4", "2026-11-16 10:00", "2026-11-18 10:00", "changes_requested", deliverable="Z"),  # Mon → Wed: 2
        rnd("A5", "2026-11-02 10:00", deliverable="W"),                        # pending, lag 14: not counted
    ))
    s = ap.approvals_summary(con, ctx_at())
    assert s["answered"] == 3              # A2, A3, A4
    assert s["median_lag_days"] == 2       # median(3, 1, 2)
    assert s["pending"] == 1 and s["overdue"] == 1


def test_first_round_approval_rate_and_rounds_per_deliverable(loaded) -> None:
    con = loaded(workbook(
        # X: approved in round 1, in the period
        rnd("X1", "2026-11-16 10:00", "2026-11-17 10:00", "approved", deliverable="X"),
        # Y: rounds 1 and 2 send back, round 3 approved in the period
        rnd("Y1", "2026-11-09 10:00", "2026-11-11 10:00", "changes_requested", deliverable="Y"),
        rnd("Y2", "2026-11-12 10:00", "2026-11-16 10:00", "changes_requested", deliverable="Y", round_=2),
        rnd("Y3", "2026-11-17 10:00", "2026-11-19 10:00", "approved", deliverable="Y", round_=3),
        # Z: approved in round 1, but before the period → not in the rate
        rnd("Z1", "2026-11-09 10:00", "2026-11-10 10:00", "approved", deliverable="Z"),
        # W: round 1 sent back in the period, round 2 pending → not approved, not in the rate
        rnd("W1", "2026-11-16 10:00", "2026-11-17 10:00", "changes_requested", deliverable="W"),
        rnd("W2", "2026-11-18 10:00", deliverable="W", round_=2),
    ))
    s = ap.approvals_summary(con, ctx_at())
    assert s["first_round_approval_rate"] == 0.5  # X (round 1) of {X, Y}
    assert s["rounds_to_approval"] == 2.0         # avg(1, 3)
    per = ap.rounds_per_deliverable(con, ctx_at()).set_index("deliverable_key")
    assert list(per.index) == ["P01/W", "P01/X", "P01/Y", "P01/Z"]
    y = per.loc["P01/Y"]
    assert (y["rounds"], y["last_round"], y["approved"], y["approved_round"], y["final_decision"]) == (
        3, 3, True, 3, "approved")
    # first sent Mon 9 → approved Thu 19: Tue 10..Fri 13 (4) + Mon 16..Thu 19 (4) = 8
    assert y["days_to_approval"] == 8
    x = per.loc["P01/X"]
    assert (x["rounds"], x["approved_round"], x["days_to_approval"]) == (1, 1, 1)  # Mon 16 → Tue 17
    w = per.loc["P01/W"]
    assert (w["rounds"], w["approved"]) == (2, False)
    assert pd.isna(w["final_decision"]) and pd.isna(w["approved_round"]) and pd.isna(w["days_to_approval"])
    assert per.loc["P01/Z", "days_to_approval"] == 1


def test_a_date_sent_at_is_midnight_agency_time(loaded) -> None:
    con = loaded(workbook(
        rnd("A1", "2026-11-16", "2026-11-18 09:00"),       # date: 00:00 Moscow = Sun 15 21:00 UTC
        rnd("A2", "2026-11-16 00:00", "2026-11-18 09:00"),  # the same moment written as a datetime
    ), timezone="Europe/Moscow")
    ctx = ctx_at(timezone="Europe/Moscow")
    rows = by_id(ap.rounds(con, ctx))
    for r in rows.values():
        assert r["sent_at"] == pd.Timestamp("2026-11-15 21:00", tz="UTC")
        assert r["sent_date"] == pd.Timestamp("2026-11-16")
        assert r["lag_days"] == 2  # Mon 16 → Wed 18: Tue, Wed
    # a date-only round exists from 00:00 agency time on its date
    assert "A1" in by_id(ap.rounds(con, ctx_at("2026-11-16 00:00", timezone="Europe/Moscow")))
    assert not by_id(ap.rounds(con, ctx_at("2026-11-15 23:59", timezone="Europe/Moscow")))


def test_a_late_utc_response_is_the_next_local_day_in_moscow(loaded) -> None:
    tabs = workbook(rnd("A1", "2026-11-16 10:00", "2026-11-18T23:30:00+00:00"))
    as_of = "2026-11-20T12:00:00+00:00"
    moscow = ap.rounds(loaded(tabs, timezone="Europe/Moscow"), ctx_at(as_of, timezone="Europe/Moscow")).iloc[0]
    # 23:30 UTC on Wed 18 is 02:30 Thu 19 in Moscow: Mon 16 → Thu 19 = 3
    assert moscow["responded_date"] == pd.Timestamp("2026-11-19") and moscow["lag_days"] == 3
    utc = ap.rounds(loaded(tabs), ctx_at(as_of)).iloc[0]
    assert utc["responded_date"] == pd.Timestamp("2026-11-18") and utc["lag_days"] == 2  # Mon 16 → Wed 18


def test_a_response_belongs_to_the_period_by_its_local_date(loaded) -> None:
    # Period of 1 day ending Thu 19 (Moscow): a response at Wed 18 23:30 UTC is Thu 19 02:30 local.
    tabs = workbook(rnd("A1", "2026-11-16 10:00", "2026-11-18T23:30:00+00:00"))
    con = loaded(tabs, timezone="Europe/Moscow")
    s = ap.approvals_summary(con, ctx_at("2026-11-19 12:00", period_days=1, timezone="Europe/Moscow"))
    assert s["answered"] == 1 and s["median_lag_days"] == 3


def test_pending_list_lag_by_client_trend_and_filters(loaded) -> None:
    con = loaded(workbook(
        rnd("A1", "2026-11-17 10:00", deliverable="Logo"),                      # pending, 3, not overdue
        rnd("A2", "2026-11-13 10:00", deliverable="Site", project="P02"),       # pending, 5 → overdue
        rnd("A3", "2026-11-19 10:00", due_by="2026-11-19", deliverable="Ad"),   # pending, 1, due_by passed
        rnd("A4", "2026-11-16 10:00", "2026-11-18 10:00", deliverable="Deck"),  # answered, 2 (Acme)
        rnd("A5", "2026-11-09 10:00", "2026-11-12 10:00", deliverable="App", project="P02"),  # 3, week before
    ))
    pend = ap.pending_list(con, ctx_at())
    assert pend["approval_id"].tolist() == ["A2", "A1", "A3"]  # oldest sent first
    assert pend["age_days"].tolist() == [5, 3, 1]             # Fri 13 → Fri 20: 5; Tue 17: 3; Thu 19: 1
    assert pend["is_overdue"].tolist() == [True, False, True]
    by_client = ap.lag_by_client(con, ctx_at()).set_index("client_id")
    assert by_client.loc["C01", "pending"] == 2 and by_client.loc["C01", "median_lag_days"] == 2
    assert by_client.loc["C02", "pending"] == 1 and by_client.loc["C02", "overdue"] == 1
    assert pd.isna(by_client.loc["C02", "median_lag_days"])  # A5 answered before the period
    trend = ap.approval_trend(con, ctx_at(), weeks=2)
    # weeks [Sat 7, Fri 13] and [Sat 14, Fri 20]: A5 (3) in the first, A4 (2) in the second
    assert trend["week"].dt.strftime("%Y-%m-%d").tolist() == ["2026-11-07", "2026-11-14"]
    assert trend["answered"].tolist() == [1, 1] and trend["median_lag_days"].tolist() == [3, 2]
    globex = ap.approvals_summary(con, ctx_at(filters=Filters(clients=("C02",))))
    assert (globex["pending"], globex["overdue"], globex["answered"]) == (1, 1, 0)
    digital = ap.rounds(con, ctx_at(filters=Filters(departments=("Digital",))))
    assert sorted(digital["approval_id"]) == ["A1", "A3", "A4"]
    quinn = ap.pending_list(con, ctx_at(filters=Filters(project_managers=("Quinn",))))
    assert quinn["approval_id"].tolist() == ["A2"]
    nobody = ctx_at(filters=Filters(tiers=("Z",)))
    assert ap.rounds(con, nobody).empty and ap.rounds_per_deliverable(con, nobody).empty
    s = ap.approvals_summary(con, nobody)
    assert s["pending"] == 0 and s["median_lag_days"] is None and s["first_round_approval_rate"] is None
    assert ap.approval_trend(con, nobody, weeks=2)["answered"].tolist() == [0, 0]


@pytest.mark.parametrize("as_of", ["2026-11-20 18:00", "2026-11-21 12:00"])
def test_summary_record_matches_wrapper(loaded, as_of: str) -> None:
    con = loaded(workbook(rnd("A1", "2026-11-16 10:00", "2026-11-19 15:00")))
    ctx = ctx_at(as_of)
    assert ap.approvals_summary(con, ctx) == summary_record(con, ap.rounds(con, ctx), "approvals")


def test_trend_counts_approvals_in_their_own_week(loaded) -> None:
    con = loaded(workbook(
        rnd("A1", "2026-11-09 10:00", "2026-11-10 10:00", "approved", deliverable="Old"),  # week of Sat 7
        rnd("B1", "2026-11-09 10:00", "2026-11-11 10:00", "changes_requested", deliverable="New"),
        rnd("B2", "2026-11-16 10:00", "2026-11-17 10:00", "approved", deliverable="New", round_=2),  # week of 14
    ))
    trend = ap.approval_trend(con, ctx_at(), weeks=2)
    # week [Sat 7, Fri 13]: Old approved in round 1 of {Old} → 1.0; New's round 1 only sent back
    # week [Sat 14, Fri 20]: New approved in round 2 of {New} → 0.0; rounds_to_approval 2
    assert trend["first_round_approval_rate"].tolist() == [1.0, 0.0]
    assert trend["rounds_to_approval"].tolist() == [1.0, 2.0]
    assert trend["answered"].tolist() == [2, 1]
