"""Feedback scores (SPEC §7) over hand-built workbooks; every expected number by hand."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from data.settings import Settings, parse_settings
from metrics import feedback as fb
from metrics.context import Context, Filters
from tests.conftest import MINIMAL_TABS

AS_OF = "2026-11-20 18:00"  # a Friday; the 7-day period is 2026-11-14 .. 2026-11-20
FEEDBACK_HEADER = ["response_id", "client_id", "project_id", "received_on", "score", "scale", "respondent", "comment"]
CLIENTS_HEADER = MINIMAL_TABS["clients"][0]


def workbook(feedback: list[list[object]], clients: list[list[object]] | None = None,
             projects: list[list[object]] | None = None) -> dict[str, list[list[object]]]:
    """MINIMAL_TABS with its feedback tab replaced (and extra clients/projects appended)."""
    tabs = {k: [list(r) for r in v] for k, v in MINIMAL_TABS.items()}
    tabs["feedback"] = [FEEDBACK_HEADER, *feedback]
    tabs["clients"] += clients or []
    tabs["projects"] += projects or []
    return tabs


def nps_rows(day: str, *scores: int, client: str = "C01") -> list[list[object]]:
    return [[f"N{client}{day}{i}", client, "", day, str(s), "nps", "", ""] for i, s in enumerate(scores)]


def csat_rows(day: str, *scores: int, client: str = "C01") -> list[list[object]]:
    return [[f"S{client}{day}{i}", client, "", day, str(s), "csat", "", ""] for i, s in enumerate(scores)]


def ctx(period_days: int = 7, as_of: str = AS_OF, settings: Settings | None = None, **filters) -> Context:
    return Context.build(settings or Settings(), as_of, period_days, Filters(**filters))


# ------------------------------------------------------------------------ NPS and CSAT


def test_nps_promoters_minus_detractors(loaded) -> None:
    con = loaded(workbook(nps_rows("2026-11-18", 10, 9, 8, 6, 3)))
    s = fb.feedback_summary(con, ctx())
    # promoters 10, 9 = 2; detractors 6, 3 = 2; 100 × (2 − 2) / 5 = 0
    assert s["responses"] == 5
    assert s["nps"] == 0
    assert s["csat"] is None


def test_nps_two_promoters_one_passive(loaded) -> None:
    con = loaded(workbook(nps_rows("2026-11-18", 10, 10, 7)))
    # 100 × (2 − 0) / 3 = 66.67
    assert fb.feedback_summary(con, ctx())["nps"] == pytest.approx(200 / 3)


def test_csat_share_of_four_and_five(loaded) -> None:
    con = loaded(workbook(csat_rows("2026-11-18", 5, 4, 3, 2)))
    s = fb.feedback_summary(con, ctx())
    # 5 and 4 are satisfied: 100 × 2 / 4 = 50; no NPS response → nps null
    assert s["csat"] == 50
    assert s["nps"] is None


def test_both_scales_in_one_period(loaded) -> None:
    con = loaded(workbook(nps_rows("2026-11-16", 9, 9, 5) + csat_rows("2026-11-17", 4, 1)))
    s = fb.feedback_summary(con, ctx())
    # nps: 100 × (2 − 1) / 3 = 33.33; csat: 100 × 1 / 2 = 50
    assert s["responses"] == 5
    assert s["nps"] == pytest.approx(100 / 3)
    assert s["csat"] == 50
    # normalised: 90, 90, 50, 75, 0 → 305 / 5 = 61; detractors: nps 5 and csat 1 = 2
    assert s["avg_normalized_score"] == pytest.approx(61)
    assert s["detractors"] == 2


def test_no_response_gives_zero_count_and_null_scores(loaded) -> None:
    con = loaded(workbook([]))
    s = fb.feedback_summary(con, ctx())
    assert s == {"responses": 0, "nps": None, "csat": None, "avg_normalized_score": None, "detractors": 0,
                 "nps_responses": 0, "csat_responses": 0}
    assert fb.responses(con, ctx()).empty


@pytest.mark.parametrize(
    ("scale", "score", "normalized", "detractor", "promoter", "satisfied"),
    [("nps", 7, 70, False, False, False), ("nps", 0, 0, True, False, False), ("nps", 6, 60, True, False, False),
     ("nps", 9, 90, False, True, False), ("nps", 10, 100, False, True, False),
     ("csat", 4, 75, False, False, True), ("csat", 1, 0, True, False, False), ("csat", 2, 25, True, False, False),
     ("csat", 3, 50, False, False, False), ("csat", 5, 100, False, False, True)],
)
def test_normalisation_and_flags(loaded, scale, score, normalized, detractor, promoter, satisfied) -> None:
    # nps × 10; (csat − 1) × 25
    con = loaded(workbook([["R1", "C01", "", "2026-11-18", str(score), scale, "", ""]]))
    row = fb.responses(con, ctx()).iloc[0]
    assert row["normalized"] == normalized
    assert (row["detractor"], row["promoter"], row["satisfied"]) == (detractor, promoter, satisfied)


# ------------------------------------------------------------------------ time: as_of and the period


def test_a_response_after_as_of_does_not_exist_yet(loaded) -> None:
    con = loaded(workbook(nps_rows("2026-11-20", 10) + nps_rows("2026-11-21", 0)))
    mart = fb.responses(con, ctx())
    assert mart["received_on"].tolist() == [dt.date(2026, 11, 20)]
    # only the 10 counts: nps 100; the 0 of the 21st is in the future
    assert fb.feedback_summary(con, ctx())["nps"] == 100
    # a day later it exists: (1 − 1) / 2 = 0
    assert fb.feedback_summary(con, ctx(as_of="2026-11-21 09:00"))["nps"] == 0


def test_as_of_date_is_in_the_agency_time_zone(loaded) -> None:
    con = loaded(workbook(nps_rows("2026-11-21", 10)))
    moscow = parse_settings({"timezone": "Europe/Moscow"})
    # 22:00 UTC on the 20th is 01:00 on the 21st in Moscow: the response of the 21st exists
    assert fb.feedback_summary(con, ctx(as_of="2026-11-20T22:00:00+00:00", settings=moscow))["responses"] == 1
    assert fb.feedback_summary(con, ctx(as_of="2026-11-20T22:00:00+00:00"))["responses"] == 0


def test_period_is_inclusive_on_both_ends(loaded) -> None:
    # 7 days ending 2026-11-20 = 2026-11-14 .. 2026-11-20
    con = loaded(workbook(nps_rows("2026-11-13", 0) + nps_rows("2026-11-14", 10) + nps_rows("2026-11-20", 9)))
    mart = fb.responses(con, ctx())
    assert mart["in_period"].tolist() == [False, True, True]
    s = fb.feedback_summary(con, ctx())
    # 10 and 9, both promoters: responses 2, nps 100 (the 0 of the 13th is outside)
    assert (s["responses"], s["nps"]) == (2, 100)
    # a 1-day period holds only as_of's date
    assert fb.feedback_summary(con, ctx(period_days=1))["responses"] == 1


def test_weekly_trend_counts_each_response_in_its_week(loaded) -> None:
    con = loaded(workbook(nps_rows("2026-11-20", 10) + nps_rows("2026-11-13", 3) + nps_rows("2026-10-01", 10)))
    t = fb.feedback_trend(con, ctx(), weeks=2)
    # weeks start 2026-11-07 (11-07 .. 11-13) and 2026-11-14 (11-14 .. 11-20); 10-01 is outside
    assert t["week"].tolist() == [pd.Timestamp("2026-11-07"), pd.Timestamp("2026-11-14")]
    assert t["responses"].tolist() == [1, 1]
    assert t["nps"].tolist() == [-100, 100]


def test_monthly_scores_per_calendar_month(loaded) -> None:
    con = loaded(workbook(nps_rows("2026-11-02", 10, 3) + csat_rows("2026-09-30", 5)
                          + nps_rows("2026-08-31", 10) + nps_rows("2026-11-21", 0)))
    m = fb.monthly_scores(con, ctx(), months=3)
    assert m["month"].tolist() == [pd.Timestamp("2026-09-01"), pd.Timestamp("2026-10-01"),
                                   pd.Timestamp("2026-11-01")]
    # September: one csat 5 → csat 100, nps null; October: nothing; November (to the 20th): 10 and 3
    # → (1 − 1) / 2 = 0 (the 0 of the 21st is after as_of; August is before the window)
    assert m["responses"].tolist() == [1, 0, 2]
    assert m["csat"].iloc[0] == 100 and pd.isna(m["nps"].iloc[0])
    assert pd.isna(m["nps"].iloc[1]) and pd.isna(m["csat"].iloc[1])
    assert m["nps"].iloc[2] == 0


# ------------------------------------------------------------------------ lists


def test_detractor_list_and_comments_newest_first(loaded) -> None:
    con = loaded(workbook([
        ["R1", "C01", "", "2026-11-15", "3", "nps", "Ann", "Too slow"],
        ["R2", "C01", "P01", "2026-11-18", "2", "csat", "Bo", ""],
        ["R3", "C01", "", "2026-11-19", "10", "nps", "Cy", "  Great  "],
        ["R4", "C01", "", "2026-11-19", "9", "nps", "Di", "   "],
        ["R5", "C01", "", "2026-11-01", "0", "nps", "Ed", "Old news"],
    ]))
    d = fb.detractor_list(con, ctx())
    # nps 3 and csat 2 in the period; the nps 0 of 11-01 is before it
    assert d["response_id"].tolist() == ["R2", "R1"]
    assert d["comment"].iloc[1] == "Too slow"
    c = fb.comments(con, ctx())
    # blank and whitespace-only comments are left out
    assert c["response_id"].tolist() == ["R3", "R1"]


# ------------------------------------------------------------------------ per client


def test_feedback_by_client_with_90_day_trend(loaded) -> None:
    con = loaded(workbook(
        [
            ["A", "C01", "", "2026-07-01", "5", "nps", "", ""],    # previous 90 days (05-25 .. 08-22): 50
            ["B", "C01", "", "2026-08-22", "4", "csat", "", ""],   # previous too: 75
            ["C", "C01", "", "2026-08-23", "9", "nps", "", ""],    # last 90 days (08-23 .. 11-20): 90
            ["D", "C01", "", "2026-11-16", "10", "nps", "", "ok"],  # last 90 days and the 7-day period: 100
            ["E", "C01", "", "2026-11-22", "0", "nps", "", ""],    # after as_of
        ],
        clients=[["C02", "Beta", "Bob", "B", "active", ""]],
    ))
    by = fb.feedback_by_client(con, ctx()).set_index("client_id")
    assert by.index.tolist() == ["C01", "C02"]
    a = by.loc["C01"]
    assert (a["responses"], a["nps"]) == (1, 100)
    # last 90 days: (90 + 100) / 2 = 95; previous: (50 + 75) / 2 = 62.5; change 95 − 62.5 = 32.5
    assert a["score_last_90d"] == 95 and a["score_prev_90d"] == 62.5
    assert a["score_change"] == 32.5
    assert (a["last_score"], a["last_scale"], a["last_received_on"]) == (10, "nps", dt.date(2026, 11, 16))
    b = by.loc["C02"]
    assert b["responses"] == 0 and pd.isna(b["nps"]) and pd.isna(b["score_change"])
    assert b["last_received_on"] is None


def test_silent_clients(loaded) -> None:
    clients = [
        ["C02", "Beta", "Bob", "B", "active", ""],    # never answered (its only response is after as_of)
        ["C03", "Gamma", "Bob", "B", "active", ""],   # last response 2026-08-01: silent
        ["C04", "Delta", "Bob", "B", "paused", ""],   # not active: never listed
        ["C05", "Eps", "Bob", "B", "active", ""],     # 2026-08-23 = first day of the 90 days: not silent
        ["C06", "Zeta", "Bob", "B", "active", ""],    # 2026-08-22 = one day before: silent
    ]
    con = loaded(workbook(
        nps_rows("2026-11-10", 9) + nps_rows("2026-11-25", 9, client="C02") + nps_rows("2026-08-01", 9, client="C03")
        + nps_rows("2026-08-23", 9, client="C05") + nps_rows("2026-08-22", 9, client="C06"),
        clients=clients,
    ))
    s = fb.silent_clients(con, ctx(), days=90)
    # 90 days ending 2026-11-20 start on 2026-08-23; never-answered first, then the longest silent
    assert s["client_id"].tolist() == ["C02", "C03", "C06"]
    assert s["last_response"].tolist() == [None, dt.date(2026, 8, 1), dt.date(2026, 8, 22)]
    # 2026-08-01 → 2026-11-20: 30 + 30 + 31 + 20 = 111 days; 08-22 → 90 days
    assert pd.isna(s["days_silent"].iloc[0]) and s["days_silent"].tolist()[1:] == [111, 90]
    assert fb.silent_clients(con, ctx(), days=200)["client_id"].tolist() == ["C02"]
    assert fb.silent_clients(con, ctx(account_managers=("Anna",)), days=90).empty


# ------------------------------------------------------------------------ filters


def test_filters(loaded) -> None:
    con = loaded(workbook(
        [
            ["R1", "C01", "P01", "2026-11-18", "10", "nps", "", ""],   # Pat / Digital
            ["R2", "C01", "", "2026-11-18", "0", "nps", "", ""],       # no project
            ["R3", "C02", "P02", "2026-11-18", "5", "csat", "", ""],   # Quinn / Print
        ],
        clients=[["C02", "Beta", "Bob", "B", "active", ""]],
        projects=[["P02", "C02", "Flyer", "Quinn", "Print", "active", "", "2026-12-01", "", "", ""]],
    ))

    def ids(**f) -> list[str]:
        return fb.responses(con, ctx(**f))["response_id"].tolist()

    assert ids() == ["R1", "R2", "R3"]
    assert ids(clients=("C01",)) == ["R1", "R2"]
    assert ids(account_managers=("Bob",)) == ["R3"]
    assert ids(tiers=("A",)) == ["R1", "R2"]
    # project-level filters only match responses that name a project
    assert ids(project_managers=("Pat",)) == ["R1"]
    assert ids(departments=("Print",)) == ["R3"]
    assert ids(project_managers=("Nobody",)) == []
    # nps over C01 only: (1 − 1) / 2 = 0; over Pat's responses: 100
    assert fb.feedback_summary(con, ctx(clients=("C01",)))["nps"] == 0
    assert fb.feedback_summary(con, ctx(project_managers=("Pat",)))["nps"] == 100
    # per client: the PM filter keeps clients with a matching project
    assert fb.feedback_by_client(con, ctx(project_managers=("Quinn",)))["client_id"].tolist() == ["C02"]
