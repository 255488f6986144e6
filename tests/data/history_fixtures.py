"""A sheet changing over four weeks: the versions the history tests load, oldest first.

Agency time is Europe/Berlin (UTC+1 in November); Mon-Fri. 2026-11-20 is a Friday.
Deliverables (tab/id → client):
- projects/P01 (C01): due 20.11 → 27.11 (v2, +5) → 25.11 (v3, -2).
- milestones/M1 (P02, C01): due 16.11; v2 writes the same date as 16.11.2026 (no move); v3 its
  row is rejected (an unreadable due_date); v4 due 18.11 (+2 against v2, v3 skipped over).
- milestones/M2 (P02, C01): due Sat 21.11 → Sun 22.11 (v2: a move of 0 working days).
- projects/P03 (C02): due_date blank, so baseline_due 10.11; v3 writes 10.11 (no move).
- projects/P04 (C02): a deliverable until v3 gives it its first milestone M4a (due 10.12):
  the project stops counting, the milestone starts (its first counting sync is no move).
- projects/P05 (C02): due 25.11; cancelled in v3 (due 30.11 then); v4 active, due 26.11 (+1).
- projects/P06: C01, due 30.11; missing from v2; back in v3 as C02's, due 02.12 (+2, C02's move).
"""

from __future__ import annotations

from tests.conftest import MINIMAL_TABS

TIMEZONE = "Europe/Berlin"
# v1, v2 with an offset (11:00 in Berlin), v3, v4 with an offset that is 23 November in Berlin.
RECORDED = ("2026-11-02T09:00", "2026-11-09T10:00:00+00:00", "2026-11-16T09:00", "2026-11-22T23:30:00+00:00")

PROJECT_HEADER = MINIMAL_TABS["projects"][0]
MILESTONE_HEADER = ["milestone_id", "project_id", "milestone_name", "owner", "baseline_due", "due_date",
                    "delivered_date", "slip_cause", "status"]


def _project(pid: str, client: str, baseline: str, due: str, status: str = "active", cause: str = "") -> list[str]:
    return [pid, client, f"Project {pid}", "Pat", "Digital", status, "2026-01-01", baseline, due, "", cause]


def _milestone(mid: str, pid: str, baseline: str, due: str, cause: str = "") -> list[str]:
    return [mid, pid, f"Milestone {mid}", "Olga", baseline, due, "", cause, "active"]


def version(n: int) -> dict[str, list[list[str]]]:
    """The workbook as it looked at RECORDED[n - 1]."""
    tabs = {k: [list(r) for r in v] for k, v in MINIMAL_TABS.items()}
    tabs["clients"].append(["C02", "Beta", "Boris", "B", "active", "2026-01-05"])
    p01 = {1: "2026-11-20", 2: "2026-11-27"}.get(n, "2026-11-25")
    projects = [
        _project("P01", "C01", "2026-11-13", p01, cause="agency" if n >= 3 else ""),
        _project("P02", "C01", "2026-11-16", "2026-11-21"),
        _project("P03", "C02", "2026-11-10", "2026-11-10" if n >= 3 else ""),
        _project("P04", "C02", "2026-12-04", "2026-12-04"),
        _project("P05", "C02", "2026-11-25", {1: "2026-11-25", 2: "2026-11-25", 3: "2026-11-30"}.get(n, "2026-11-26"),
                 status="cancelled" if n == 3 else "active"),
    ]
    if n != 2:
        projects.append(_project("P06", "C01" if n == 1 else "C02", "2026-11-30",
                                 "2026-11-30" if n == 1 else "2026-12-02"))
    tabs["projects"] = [PROJECT_HEADER, *projects]
    m1 = {1: "2026-11-16", 2: "16.11.2026", 3: "soon"}.get(n, "2026-11-18")
    milestones = [
        _milestone("M1", "P02", "2026-11-16", m1),
        _milestone("M2", "P02", "2026-11-21", "2026-11-21" if n == 1 else "2026-11-22"),
    ]
    if n >= 3:
        milestones.append(_milestone("M4a", "P04", "2026-12-10", "2026-12-10"))
    tabs["milestones"] = [MILESTONE_HEADER, *milestones]
    return tabs
