"""Deadline slippage (SPEC §4) on tiny hand-built workbooks; every number worked by hand.

Calendar used below (Mon–Fri workdays, no holidays unless a test sets them):
November 2026: Fri 13, Mon 16 … Fri 20, Sat 21, Sun 22, Mon 23 … Fri 27, Mon 30.
working_days(d1, d2) counts working dates in (d1, d2], negative when d2 < d1.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from data.settings import parse_settings
from metrics import deadlines as dl
from metrics.catalogue import summary_record
from metrics.context import Context, Filters
from tests.conftest import MINIMAL_TABS

PROJECT_HEADER = ["project_id", "client_id", "project_name", "project_manager", "department", "status",
                  "start_date", "baseline_due", "due_date", "delivered_date", "slip_cause"]
MILESTONE_HEADER = ["milestone_id", "project_id", "milestone_name", "owner", "baseline_due", "due_date",
                    "delivered_date", "slip_cause", "status"]
CLIENTS = [MINIMAL_TABS["clients"][0], MINIMAL_TABS["clients"][1],
           ["C02", "Globex", "Boris", "B", "active", "2026-01-05"]]


def project(pid: str, baseline: str, due: str = "", delivered: str = "", *, client: str = "C01", pm: str = "Pat",
            dept: str = "Digital", status: str = "active", cause: str = "", name: str = "") -> list[str]:
    return [pid, client, name or f"Project {pid}", pm, dept, status, "2026-01-01", baseline, due or baseline,
            delivered, cause]


def milestone(mid: str, pid: str, baseline: str, due: str = "", delivered: str = "", *, owner: str = "Olga",
              status: str = "active", cause: str = "") -> list[str]:
    return [mid, pid, f"Milestone {mid}", owner, baseline, due or baseline, delivered, cause, status]


def workbook(projects: list[list[str]], milestones: list[list[str]] | None = None) -> dict[str, list[list[str]]]:
    tabs = {k: [list(r) for r in v] for k, v in MINIMAL_TABS.items()}
    tabs["clients"] = [list(r) for r in CLIENTS]
    tabs["projects"] = [PROJECT_HEADER, *projects]
    # The minimal approvals/messages rows point at P01, which every workbook here keeps.
    if milestones is not None:
        tabs["milestones"] = [MILESTONE_HEADER, *milestones]
    return tabs


def ctx_at(as_of: str, period_days: int = 7, filters: Filters | None = None, **settings: object) -> Context:
    return Context.build(parse_settings(dict(settings)), as_of, period_days, filters)


def by_id(mart: pd.DataFrame) -> dict[str, dict]:
    return {r["deliverable_id"]: r for r in mart.to_dict("records")}


def nan(x: object) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NaT


# ---------------------------------------------------------------------------- the mart


def test_mart_has_exactly_the_contract_columns(loaded) -> None:
    con = loaded(workbook([project("P01", "2026-11-20")]))
    mart = dl.deliverables(con, ctx_at("2026-11-20 12:00"))
    assert list(mart.columns) == list(dl.DELIVERABLE_COLUMNS)
    assert str(mart["period_date"].dtype).startswith("datetime64") and mart["period_date"].dt.tz is None


def test_spec_examples_due_friday(loaded) -> None:
    # baseline = due = Fri 2026-11-20
    con = loaded(workbook([
        project("P01", "2026-11-20", delivered="2026-11-23"),  # Mon: (Fri, Mon] = {Mon} → 1
        project("P02", "2026-11-20", delivered="2026-11-21"),  # Sat: (Fri, Sat] has no workday → 0
        project("P03", "2026-11-20", delivered="2026-11-19"),  # Thu before: -(Thu, Fri] = -{Fri} → -1
    ]))
    rows = by_id(dl.deliverables(con, ctx_at("2026-11-25 12:00")))
    assert {k: r["slip_days"] for k, r in rows.items()} == {"P01": 1, "P02": 0, "P03": -1}
    assert {k: r["on_time"] for k, r in rows.items()} == {"P01": False, "P02": True, "P03": True}
    assert all(r["is_delivered"] and not r["overdue"] and nan(r["days_overdue"]) for r in rows.values())
    assert not any(r["rescheduled"] for r in rows.values())


def test_open_deliverable_past_due(loaded) -> None:
    # baseline Fri 13, due Wed 18, not delivered; as_of Tue 24
    con = loaded(workbook([project("P01", "2026-11-13", "2026-11-18")]))
    r = by_id(dl.deliverables(con, ctx_at("2026-11-24 12:00")))["P01"]
    # slip: working_days(13, max(18, 24) = 24) = Mon16..Fri20 (5) + Mon23, Tue24 (2) = 7
    assert r["slip_days"] == 7 and not r["on_time"]
    # overdue: open and 18 < 24; days_overdue = working_days(18, 24) = Thu19, Fri20, Mon23, Tue24 = 4
    assert r["overdue"] and r["days_overdue"] == 4
    assert r["rescheduled"] and not r["is_delivered"] and pd.isna(r["period_date"]) and not r["in_period"]


def test_rescheduled_open_deliverable_not_yet_overdue(loaded) -> None:
    con = loaded(workbook([
        project("P01", "2026-11-13", "2026-11-27"),  # moved from Fri 13 to Fri 27
        project("P02", "2026-11-27"),                # not moved, due later
        project("P03", "2026-11-24"),                # due today
    ]))
    rows = by_id(dl.deliverables(con, ctx_at("2026-11-24 12:00")))
    # P01: working_days(13, max(27, 24) = 27) = 16..20 (5) + 23..27 (5) = 10; not overdue (27 >= 24)
    assert rows["P01"]["slip_days"] == 10 and rows["P01"]["rescheduled"] and not rows["P01"]["on_time"]
    assert not rows["P01"]["overdue"] and nan(rows["P01"]["days_overdue"])
    # P02: working_days(27, 27) = 0 → on time so far
    assert rows["P02"]["slip_days"] == 0 and rows["P02"]["on_time"] and not rows["P02"]["rescheduled"]
    # P03: due on as_of_date is not overdue (24 < 24 is false); slip working_days(24, 24) = 0
    assert not rows["P03"]["overdue"] and rows["P03"]["slip_days"] == 0


def test_project_with_milestones_is_not_itself_a_deliverable(loaded) -> None:
    con = loaded(workbook(
        [project("P01", "2026-11-20", pm="Pat"), project("P02", "2026-11-20", pm="Quinn", client="C02")],
        [milestone("M1", "P01", "2026-11-16", delivered="2026-11-17", owner="Olga"),
         milestone("M2", "P01", "2026-11-19", owner="")],
    ))
    mart = dl.deliverables(con, ctx_at("2026-11-20 12:00"))
    rows = by_id(mart)
    assert sorted(rows) == ["M1", "M2", "P02"]
    m1, p2 = rows["M1"], rows["P02"]
    assert (m1["kind"], m1["deliverable_name"], m1["owner"], m1["project_id"], m1["project_manager"],
            m1["client_name"]) == ("milestone", "Milestone M1", "Olga", "P01", "Pat", "Acme")
    assert pd.isna(rows["M2"]["owner"])  # a milestone's owner is its own, as loaded
    assert (p2["kind"], p2["deliverable_name"], p2["owner"], p2["client_name"], p2["account_manager"],
            p2["tier"]) == ("project", "Project P02", "Quinn", "Globex", "Boris", "B")
    assert rows["M1"]["slip_days"] == 1  # working_days(Mon 16, Tue 17) = 1


def test_cancelled_milestones_and_projects_are_left_out(loaded) -> None:
    con = loaded(workbook(
        [project("P01", "2026-11-13"),
         project("P02", "2026-11-13", status="cancelled"),            # no milestones, cancelled
         project("P03", "2026-11-13", status="cancelled"),            # its milestones go with it
         project("P04", "2026-11-13")],                               # only milestone cancelled
        [milestone("M1", "P01", "2026-11-13"),
         milestone("M2", "P01", "2026-11-13", status="cancelled"),
         milestone("M3", "P03", "2026-11-13"),
         milestone("M4", "P04", "2026-11-13", status="cancelled")],
    ))
    mart = dl.deliverables(con, ctx_at("2026-11-20 12:00"))
    # P04 has a milestone row (cancelled), so the project itself is not a deliverable either.
    assert mart["deliverable_id"].tolist() == ["M1"]
    s = dl.deadlines_summary(con, ctx_at("2026-11-20 12:00"))
    assert s["open_overdue"] == 1  # only M1: due 13 < 20


def test_delivered_after_as_of_is_open(loaded) -> None:
    con = loaded(workbook([project("P01", "2026-11-20", delivered="2026-11-23")]))
    before = by_id(dl.deliverables(con, ctx_at("2026-11-20 18:00")))["P01"]
    # open at Fri 20: slip = working_days(20, max(20, 20)) = 0; not overdue (20 < 20 is false)
    assert not before["is_delivered"] and before["slip_days"] == 0 and not before["overdue"]
    assert pd.isna(before["period_date"]) and not before["in_period"]
    assert before["delivered_date"] == pd.Timestamp("2026-11-23")  # as loaded
    on_sat = by_id(dl.deliverables(con, ctx_at("2026-11-21 12:00")))["P01"]
    # open on Sat 21, due Fri 20 < 21 → overdue, days_overdue = working_days(20, 21) = 0
    assert on_sat["overdue"] and on_sat["days_overdue"] == 0 and on_sat["slip_days"] == 0
    after = by_id(dl.deliverables(con, ctx_at("2026-11-23 09:00")))["P01"]
    assert after["is_delivered"] and after["slip_days"] == 1 and after["in_period"]
    assert after["period_date"] == pd.Timestamp("2026-11-23")


def test_as_of_date_is_the_agency_date(loaded) -> None:
    # 2026-11-22 22:30 UTC is already Mon 23 01:30 in Moscow: the delivery of Mon 23 has happened.
    con = loaded(workbook([project("P01", "2026-11-20", delivered="2026-11-23")]), timezone="Europe/Moscow")
    moscow = ctx_at("2026-11-22T22:30:00+00:00", timezone="Europe/Moscow")
    assert by_id(dl.deliverables(con, moscow))["P01"]["is_delivered"]
    utc = ctx_at("2026-11-22T22:30:00+00:00")
    assert not by_id(dl.deliverables(con, utc))["P01"]["is_delivered"]


# ------------------------------------------------------------------------- period metrics

# as_of Fri 2026-11-27 18:00, 7-day period = [Sat 21, Fri 27]
PERIOD_PROJECTS = [
    # A: due Fri 20, delivered Mon 23 → slip 1 (late), in period
    project("A", "2026-11-20", delivered="2026-11-23", pm="Pat", dept="Digital", cause="client"),
    # B: due Wed 25, delivered Wed 25 → slip 0 (on time), in period
    project("B", "2026-11-25", delivered="2026-11-25", pm="Pat", dept="Digital"),
    # C: baseline Fri 20, moved to Tue 24, delivered Fri 27 → working_days(20, 27) = 23..27 = 5 (late)
    project("C", "2026-11-20", "2026-11-24", "2026-11-27", pm="Quinn", dept="Design", client="C02",
            cause="agency"),
    # D: due Fri 27, delivered Thu 26 → -1 (early), in period
    project("D", "2026-11-27", delivered="2026-11-26", pm="Quinn", dept="Design", client="C02"),
    # E: delivered Thu 19, before the period (slip 0)
    project("E", "2026-11-19", delivered="2026-11-19", pm="Pat", dept="Digital"),
    # F: open, due Wed 25 → overdue, days_overdue = working_days(25, 27) = Thu26, Fri27 = 2
    project("F", "2026-11-25", pm="Pat", dept="Digital"),
    # G: open, baseline Thu 26 moved to Mon 30 → not overdue, rescheduled
    project("G", "2026-11-26", "2026-11-30", pm="Quinn", dept="Design", client="C02"),
]


@pytest.fixture
def period_con(loaded):
    # P01 is kept for the minimal tabs' messages/approvals; cancelled, so it is no deliverable.
    return loaded(workbook([project("P01", "2026-11-13", status="cancelled"), *PERIOD_PROJECTS]))


AS_OF = "2026-11-27 18:00"


def test_period_metrics_from_summary_record(period_con) -> None:
    mart = dl.deliverables(period_con, ctx_at(AS_OF))
    s = summary_record(period_con, mart, "deadlines")
    assert s["delivered"] == 4                 # A, B, C, D (E was delivered before the period)
    assert s["on_time_rate"] == 0.5            # B (0) and D (-1) of 4
    assert s["median_slip_days"] == 0.5        # median(1, 0, 5, -1) = (0 + 1) / 2
    assert s["open_overdue"] == 1              # F
    assert s["max_days_overdue"] == 2          # F: Thu 26, Fri 27
    assert s["late_delivered"] == 2            # A, C
    assert s["rescheduled_open"] == 1          # G (C moved too but is delivered)
    assert dl.deadlines_summary(period_con, ctx_at(AS_OF)) == s


def test_a_longer_period_includes_earlier_deliveries(period_con) -> None:
    # 14 days: [Sat 14, Fri 27] adds E (slip 0): on time B, D, E of 5; median(1, 0, 5, -1, 0) = 0
    s = dl.deadlines_summary(period_con, ctx_at(AS_OF, period_days=14))
    assert (s["delivered"], s["on_time_rate"], s["median_slip_days"]) == (5, 0.6, 0)


def test_slip_by_project_manager_and_cause(period_con) -> None:
    by_pm = dl.slip_by(period_con, ctx_at(AS_OF), "project_manager").set_index("project_manager")
    # Pat: A (1), B (0) delivered; F overdue. Quinn: C (5), D (-1) delivered; G open, not overdue.
    assert by_pm.loc["Pat", "delivered"] == 2 and by_pm.loc["Pat", "on_time_rate"] == 0.5
    assert by_pm.loc["Pat", "median_slip_days"] == 0.5 and by_pm.loc["Pat", "open_overdue"] == 1
    assert by_pm.loc["Quinn", "delivered"] == 2 and by_pm.loc["Quinn", "median_slip_days"] == 2  # (5 + -1) / 2
    assert by_pm.loc["Quinn", "open_overdue"] == 0
    by_cause = dl.slip_by(period_con, ctx_at(AS_OF), "slip_cause")
    # agency: C (late); client: A (late); blank: B, D delivered on time (+ E, F, G not in period)
    assert by_cause["slip_cause"].tolist()[:2] == ["agency", "client"] and pd.isna(by_cause["slip_cause"].iloc[2])
    assert by_cause["delivered"].tolist() == [1, 1, 2]
    assert by_cause["late_delivered"].tolist() == [1, 1, 0]
    by_client = dl.slip_by(period_con, ctx_at(AS_OF), "client_name")
    assert by_client[["client_id", "client_name", "delivered"]].values.tolist() == [["C01", "Acme", 2],
                                                                                  ["C02", "Globex", 2]]
    with pytest.raises(ValueError, match="not one of"):
        dl.slip_by(period_con, ctx_at(AS_OF), "owner")


def test_trend_distribution_and_lists(period_con) -> None:
    ctx = ctx_at(AS_OF)
    trend = dl.deadline_trend(period_con, ctx, weeks=2)
    # weeks [Sat 14, Fri 20] and [Sat 21, Fri 27]: E in the first, A–D in the second
    assert trend["week"].dt.strftime("%Y-%m-%d").tolist() == ["2026-11-14", "2026-11-21"]
    assert trend["delivered"].tolist() == [1, 4]
    assert trend["on_time_rate"].tolist() == [1.0, 0.5]
    dist = dl.slip_distribution(period_con, ctx)
    assert dist["slip_days"].tolist() == [-1, 0, 1, 5] and dist["deliverable_id"].tolist() == ["D", "B", "A", "C"]
    over = dl.overdue_list(period_con, ctx)
    assert over["deliverable_id"].tolist() == ["F"] and over["days_overdue"].tolist() == [2]
    moved = dl.rescheduled_list(period_con, ctx)
    # G open first (Thu 26 → Mon 30: Fri 27, Mon 30 = 2), then C delivered (Fri 20 → Tue 24: Mon 23, Tue 24 = 2)
    assert moved["deliverable_id"].tolist() == ["G", "C"] and moved["moved_days"].tolist() == [2, 2]
    assert dl.rescheduled_list(period_con, ctx, open_only=True)["deliverable_id"].tolist() == ["G"]


def test_overdue_list_most_days_overdue_first(loaded) -> None:
    con = loaded(workbook([project("P01", "2026-11-25"), project("P02", "2026-11-18"),
                           project("P03", "2026-11-23")]))
    over = dl.overdue_list(con, ctx_at(AS_OF))
    # working_days(due, Fri 27): P02 18 → 7; P03 23 → 4; P01 25 → 2
    assert over["deliverable_id"].tolist() == ["P02", "P03", "P01"]
    assert over["days_overdue"].tolist() == [7, 4, 2]


def test_a_holiday_changes_a_slip(loaded) -> None:
    con = loaded(workbook([project("P01", "2026-11-20", delivered="2026-11-24")]))
    # due Fri 20, delivered Tue 24: Mon 23, Tue 24 → 2
    assert by_id(dl.deliverables(con, ctx_at(AS_OF)))["P01"]["slip_days"] == 2
    # with Mon 23 a holiday only Tue 24 counts → 1
    holiday = ctx_at(AS_OF, holidays=["2026-11-23"])
    assert by_id(dl.deliverables(con, holiday))["P01"]["slip_days"] == 1


def test_filters_department_pm_and_client(period_con) -> None:
    design = dl.deliverables(period_con, ctx_at(AS_OF, filters=Filters(departments=("Design",))))
    assert sorted(design["deliverable_id"]) == ["C", "D", "G"]
    pat = dl.deadlines_summary(period_con, ctx_at(AS_OF, filters=Filters(project_managers=("Pat",))))
    # Pat: A (1, late), B (0, on time) in the period; F overdue
    assert (pat["delivered"], pat["on_time_rate"], pat["open_overdue"]) == (2, 0.5, 1)
    globex = dl.deadlines_summary(period_con, ctx_at(AS_OF, filters=Filters(clients=("C02",))))
    # C (5, late), D (-1, on time); G open, not overdue
    assert (globex["delivered"], globex["on_time_rate"], globex["median_slip_days"]) == (2, 0.5, 2)
    assert globex["open_overdue"] == 0
    nobody = ctx_at(AS_OF, filters=Filters(departments=("Nowhere",)))
    assert dl.deliverables(period_con, nobody).empty
    s = dl.deadlines_summary(period_con, nobody)
    assert s["delivered"] == 0 and s["open_overdue"] == 0 and s["on_time_rate"] is None
    assert dl.deadline_trend(period_con, nobody, weeks=2)["delivered"].tolist() == [0, 0]
    assert dl.overdue_list(period_con, nobody).empty and dl.rescheduled_list(period_con, nobody).empty


def test_no_milestones_tab_and_no_projects(loaded) -> None:
    tabs = workbook([project("P01", "2026-11-20")])
    tabs.pop("milestones", None)
    con = loaded(tabs)
    assert by_id(dl.deliverables(con, ctx_at(AS_OF)))["P01"]["kind"] == "project"
