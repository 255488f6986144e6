"""Staging a workbook (SPEC §1, Bad input): what loads, what is rejected, and how it is reported."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from data.headers import ColumnMap, load_column_map
from data.validate import REJECT_COLUMNS, LoadResult, TabReport, stage
from data.workbook import SyncRefused
from tests.conftest import MINIMAL_TABS, raw_workbook, stage_tabs, with_rows

CLIENT_HEADER = MINIMAL_TABS["clients"][0]
# A smaller workbook for tests about one tab's cells: the others are reported missing.
CLIENTS_AND_MESSAGES = {"clients": MINIMAL_TABS["clients"], "messages": [MINIMAL_TABS["messages"][0]]}
FEEDBACK_HEADER = MINIMAL_TABS["feedback"][0]
MILESTONE_HEADER = ["milestone_id", "project_id", "milestone_name", "owner", "baseline_due", "due_date",
                    "delivered_date", "slip_cause", "status"]


def report(result: LoadResult, tab: str) -> TabReport:
    return next(r for r in result.tabs if r.tab == tab)


def rejects(result: LoadResult, tab: str | None = None, severity: str = "error") -> list[tuple]:
    """(tab, sheet_row, column, value) of each reject (or warning) in sheet order."""
    r = result.rejects[result.rejects["severity"] == severity]
    if tab:
        r = r[r["tab"] == tab]
    return [tuple(x) for x in r[["tab", "sheet_row", "column", "value"]].itertuples(index=False)]


def reasons(result: LoadResult, tab: str, row: int) -> list[str]:
    r = result.rejects
    return r[(r["tab"] == tab) & (r["sheet_row"] == row)]["reason"].tolist()


def ids(result: LoadResult, tab: str) -> list[str]:
    table = result.tables[tab]
    return table[table.columns[1]].tolist()  # the key column follows sheet_row


def row_of(result: LoadResult, tab: str, key: str) -> pd.Series:
    table = result.tables[tab]
    return table[table[table.columns[1]] == key].iloc[0]


def message(mid: str, direction: str = "in", *, client: str = "C01", project: str = "", channel: str = "email",
            sent_at: str = "2026-11-20 10:00", needs_reply: object = "") -> list[object]:
    return [mid, "T1", client, project, channel, direction, "someone", sent_at, needs_reply]


def approval(aid: str, *, project: str = "P01", round_: object = "1", sent_at: str = "2026-11-10",
             responded_at: str = "", decision: str = "") -> list[object]:
    return [aid, project, "Banner", round_, sent_at, "", responded_at, decision, ""]


def feedback(rid: str, score: object, scale: str = "nps", *, client: str = "C01", project: str = "") -> list[object]:
    return [rid, client, project, "2026-11-10", score, scale, "", ""]


def project(pid: str, *, client: str = "C01", baseline: str = "2026-11-13", due: str = "2026-11-20",
            slip_cause: str = "") -> list[object]:
    return [pid, client, "Site", "", "", "", "", baseline, due, "", slip_cause]


# ---------------------------------------------------------------------- the happy path


def test_minimal_workbook_loads_every_required_tab_without_rejects() -> None:
    result = stage_tabs(MINIMAL_TABS)

    assert result.rejects.empty
    assert list(result.rejects.columns) == REJECT_COLUMNS
    assert {r.tab: (r.status, r.loaded) for r in result.tabs} == {
        "clients": ("loaded", 1),
        "team": ("absent_optional", 0),
        "projects": ("loaded", 1),
        "milestones": ("absent_optional", 0),
        "messages": ("loaded", 1),
        "approvals": ("loaded", 1),
        "feedback": ("loaded", 1),
    }
    assert set(result.tables) == {"clients", "projects", "messages", "approvals", "feedback"}
    assert result.tables["clients"]["sheet_row"].tolist() == [2]


# ------------------------------------------------- one workbook with every kind of bad row
#
# Staged once for the tests below (staging costs a fraction of a second). The sheet row of
# each line is written beside it; the whole expected list of rejects is in
# test_every_bad_row_is_listed_with_its_sheet_row_column_and_value.

BLANK6 = ["", "", "", "", "", ""]
BAD_TABS: dict[str, list[list[object]]] = with_rows(
    "clients",
    ["C02", "", "", "", "", ""],  # 3: client_name missing
    ["C03", "Gamma", "", "", "", ""],  # 4
    BLANK6,  # 5: blank row
    ["  ", None, "", "", "", ""],  # 6: blank row (spaces only)
    ["C01", "Acme again", "", "", "", ""],  # 7: duplicate of row 2
    ["C05", "", "", "", "", ""],  # 8: invalid first occurrence of C05
    ["C05", "Epsilon", "", "", "", ""],  # 9: the first valid C05: kept
    ["C05", "Epsilon again", "", "", "", ""],  # 10: duplicate of row 9
    ["C06", "Zeta", "", "", "sleeping", ""],  # 11: unknown status
    ["007", "Bond", "", "", "", ""],  # 12
    [7.0, "Seven", "", "", "", ""],  # 13: a number cell in a text column
    ["C08", "Eta"],  # 14: ragged, as the Sheets API sends it
    ["C09"],  # 15: ragged and missing client_name
)
BAD_TABS = with_rows(
    "projects",
    project("P02", client="C99"),  # 3: unknown client
    project("P03", client="C02"),  # 4: client rejected in row 3
    project("P04", baseline="", due="2026-12-01"),  # 5
    project("P05", baseline="2026-12-05", due=""),  # 6
    project("P06", baseline="", due=""),  # 7: no deadline at all
    project("P07", baseline="soon", due=""),  # 8: unreadable deadline
    project("P08", slip_cause="weather"),  # 9: warning, cause left blank
    project("P09", slip_cause="Scope"),  # 10
    project("P10", client="007"),  # 11
    project("P11", client=7),  # 12: a number cell, reads "7"
    project("P12", client="C05"),  # 13: C05 of row 9
    base=BAD_TABS,
)
BAD_TABS = with_rows(
    "messages",
    message("M2", sent_at="31.02.2026 10:00"),  # 3: impossible date
    message("M3", sent_at="yesterday"),  # 4: a word
    message("M4", direction="sideways"),  # 5: unknown required enumeration
    message("M5", direction=""),  # 6: required enumeration blank
    message("M6", project="P99"),  # 7: unknown project
    message("M7", project=""),  # 8: no project: fine
    message("M8", channel="carrier pigeon"),  # 9: warning, read as other
    message("M9", "out", channel=""),  # 10: defaults: other, needs_reply false
    message("M10", "in", needs_reply="no"),  # 11
    message("M11", "out", needs_reply="да"),  # 12
    message("M12", "outbound", needs_reply=True),  # 13: a checkbox cell
    message("M13", needs_reply="perhaps"),  # 14
    message("M14", channel="Telegram"),  # 15
    ["M15", "T1", "C01", "", "chat", "out", "me", "2026-11-20 11:00"],  # 16: ragged
    message("M16", project="P02"),  # 17: project rejected in row 3
    message("M17", client="C02"),  # 18: client rejected in row 3
    base=BAD_TABS,
)
BAD_TABS = with_rows(
    "approvals",
    approval("A2", project="P99"),  # 3
    approval("A3", project=""),  # 4: project_id is required here
    approval("A4", responded_at="2026-11-12"),  # 5: answered without a decision
    approval("A5", round_="0"),  # 6
    approval("A6", round_="-1"),  # 7
    approval("A7", round_="1,5"),  # 8
    approval("A8", round_="two"),  # 9
    approval("A9", round_=""),  # 10: round 1
    approval("A10", project="P02"),  # 11: project rejected in row 3
    approval("A11", round_="1e30"),  # 12: too big for a whole number
    base=BAD_TABS,
)
BAD_TABS = with_rows(
    "feedback",
    feedback("R2", "nine"),  # 3
    feedback("R3", "11"),  # 4
    feedback("R4", "-1"),  # 5
    feedback("R5", "0", "csat"),  # 6
    feedback("R6", "6", "csat"),  # 7
    feedback("R7", "7.5"),  # 8
    feedback("R8", "7,5"),  # 9
    feedback("R9", "4,5", "csat"),  # 10
    feedback("R10", "0"),  # 11
    feedback("R11", "10"),  # 12
    feedback("R12", "1", "csat"),  # 13
    feedback("R13", "5", "CSAT"),  # 14
    feedback("R14", "10", ""),  # 15: blank scale is nps
    feedback("R15", "9,0"),  # 16
    feedback("R16", "11", ""),  # 17: blank scale is nps, so out of scale
    feedback("R17", 11.0),  # 18: a number cell
    feedback("R18", "9", project="P99"),  # 19
    feedback("R19", "9", project=""),  # 20
    base=BAD_TABS,
)


@pytest.fixture(scope="module")
def bad() -> LoadResult:
    return stage_tabs(BAD_TABS)


def test_every_bad_row_is_listed_with_its_sheet_row_column_and_value(bad: LoadResult) -> None:
    assert rejects(bad) == [
        ("clients", 3, "client_name", ""),
        ("clients", 7, "client_id", "C01"),
        ("clients", 8, "client_name", ""),
        ("clients", 10, "client_id", "C05"),
        ("clients", 11, "status", "sleeping"),
        ("clients", 15, "client_name", ""),
        ("projects", 3, "client_id", "C99"),
        ("projects", 4, "client_id", "C02"),
        ("projects", 7, "due_date", ""),
        ("projects", 8, "baseline_due", "soon"),
        ("messages", 3, "sent_at", "31.02.2026 10:00"),
        ("messages", 4, "sent_at", "yesterday"),
        ("messages", 5, "direction", "sideways"),
        ("messages", 6, "direction", ""),
        ("messages", 7, "project_id", "P99"),
        ("messages", 14, "needs_reply", "perhaps"),
        ("messages", 17, "project_id", "P02"),
        ("messages", 18, "client_id", "C02"),
        ("approvals", 3, "project_id", "P99"),
        ("approvals", 4, "project_id", ""),
        ("approvals", 5, "decision", ""),
        ("approvals", 6, "round", "0"),
        ("approvals", 7, "round", "-1"),
        ("approvals", 8, "round", "1,5"),
        ("approvals", 9, "round", "two"),
        ("approvals", 11, "project_id", "P02"),
        ("approvals", 12, "round", "1e30"),
        ("feedback", 3, "score", "nine"),
        ("feedback", 4, "score", "11"),
        ("feedback", 5, "score", "-1"),
        ("feedback", 6, "score", "0"),
        ("feedback", 7, "score", "6"),
        ("feedback", 8, "score", "7.5"),
        ("feedback", 9, "score", "7,5"),
        ("feedback", 10, "score", "4,5"),
        ("feedback", 17, "score", "11"),
        ("feedback", 18, "score", "11"),
        ("feedback", 19, "project_id", "P99"),
    ]
    assert rejects(bad, severity="warning") == [
        ("projects", 9, "slip_cause", "weather"),
        ("messages", 9, "channel", "carrier pigeon"),
    ]


def test_rejected_rows_are_left_out_of_the_tables(bad: LoadResult) -> None:
    assert ids(bad, "clients") == ["C01", "C03", "C05", "007", "7", "C08"]
    assert ids(bad, "projects") == ["P01", "P04", "P05", "P08", "P09", "P10", "P11", "P12"]
    assert ids(bad, "messages") == ["M1", "M7", "M8", "M9", "M10", "M11", "M12", "M14", "M15"]
    assert ids(bad, "approvals") == ["A1", "A9"]
    assert ids(bad, "feedback") == ["R1", "R10", "R11", "R12", "R13", "R14", "R15", "R19"]


def test_tab_reports_count_loaded_rejected_and_warnings(bad: LoadResult) -> None:
    counts = {r.tab: (r.status, r.rows_read, r.loaded, r.rejected, r.warnings) for r in bad.tabs}
    assert counts == {
        "clients": ("loaded", 12, 6, 6, 0),
        "team": ("absent_optional", 0, 0, 0, 0),
        "projects": ("loaded", 12, 8, 4, 1),
        "milestones": ("absent_optional", 0, 0, 0, 0),
        "messages": ("loaded", 17, 9, 8, 1),
        "approvals": ("loaded", 11, 2, 9, 0),
        "feedback": ("loaded", 19, 8, 11, 0),
    }
    assert (bad.rows_loaded, bad.rows_rejected) == (33, 38)


def test_every_reject_has_a_reason_a_person_understands(bad: LoadResult) -> None:
    r = bad.rejects
    assert list(r.columns) == REJECT_COLUMNS
    assert set(r["severity"]) == {"error", "warning"}
    assert r["value"].map(lambda v: isinstance(v, str)).all()
    assert r["reason"].map(lambda v: isinstance(v, str) and len(v) > 15).all()
    # Each reason names the column it is about.
    assert all(c in reason for c, reason in zip(r["column"], r["reason"], strict=True))


def test_required_value_missing_says_it_is_required(bad: LoadResult) -> None:
    assert "required" in reasons(bad, "clients", 3)[0]
    assert "required" in reasons(bad, "approvals", 4)[0]


def test_unparseable_values_say_what_was_expected(bad: LoadResult) -> None:
    assert "date" in reasons(bad, "messages", 3)[0]
    assert "number" in reasons(bad, "feedback", 3)[0]
    assert "whole number" in reasons(bad, "approvals", 9)[0]


def test_unknown_direction_lists_the_allowed_values(bad: LoadResult) -> None:
    assert "in, out" in reasons(bad, "messages", 5)[0]


def test_score_outside_its_scale_names_the_scale(bad: LoadResult) -> None:
    assert "NPS" in reasons(bad, "feedback", 4)[0]
    assert "CSAT" in reasons(bad, "feedback", 7)[0]
    assert "whole" in reasons(bad, "feedback", 8)[0]


def test_scores_on_their_scale_load_as_numbers(bad: LoadResult) -> None:
    fb = bad.tables["feedback"]
    assert dict(zip(fb["response_id"], zip(fb["score"], fb["scale"], strict=True), strict=True)) == {
        "R1": (9.0, "nps"),
        "R10": (0.0, "nps"),
        "R11": (10.0, "nps"),
        "R12": (1.0, "csat"),
        "R13": (5.0, "csat"),
        "R14": (10.0, "nps"),
        "R15": (9.0, "nps"),
        "R19": (9.0, "nps"),
    }


def test_duplicate_id_keeps_the_first_valid_row_and_names_it(bad: LoadResult) -> None:
    assert row_of(bad, "clients", "C01")["client_name"] == "Acme"
    assert "row 2" in reasons(bad, "clients", 7)[0]
    # Row 8 was C05's first occurrence but invalid, so row 9 is the one kept.
    assert row_of(bad, "clients", "C05")["sheet_row"] == 9
    assert "row 9" in reasons(bad, "clients", 10)[0]
    assert row_of(bad, "projects", "P12")["client_id"] == "C05"


def test_reference_to_an_unknown_client_names_the_value(bad: LoadResult) -> None:
    reason = reasons(bad, "projects", 3)[0]
    assert "C99" in reason and "clients" in reason
    assert "rejected" not in reason


def test_reference_to_a_rejected_client_says_it_was_rejected_and_where(bad: LoadResult) -> None:
    for tab, row in (("projects", 4), ("messages", 18)):
        reason = reasons(bad, tab, row)[0]
        assert "rejected" in reason and "row 3" in reason


def test_reference_to_a_rejected_project_says_it_was_rejected(bad: LoadResult) -> None:
    for tab in ("messages", "approvals"):
        row = {"messages": 17, "approvals": 11}[tab]
        reason = reasons(bad, tab, row)[0]
        assert "rejected" in reason and "row 3" in reason


def test_blank_optional_project_is_fine(bad: LoadResult) -> None:
    assert row_of(bad, "messages", "M7")["project_id"] is None
    assert row_of(bad, "feedback", "R19")["project_id"] is None


def test_responded_approval_without_a_decision_says_why(bad: LoadResult) -> None:
    assert "responded_at" in reasons(bad, "approvals", 5)[0]


def test_round_below_one_says_it_must_be_one_or_more(bad: LoadResult) -> None:
    assert "1 or more" in reasons(bad, "approvals", 6)[0]


def test_unknown_channel_is_read_as_other_with_a_warning(bad: LoadResult) -> None:
    assert row_of(bad, "messages", "M8")["channel"] == "other"
    assert "other" in reasons(bad, "messages", 9)[0]


def test_unknown_slip_cause_is_left_blank_with_a_warning(bad: LoadResult) -> None:
    assert row_of(bad, "projects", "P08")["slip_cause"] is None
    assert row_of(bad, "projects", "P09")["slip_cause"] == "scope"
    assert "blank" in reasons(bad, "projects", 9)[0]


def test_channel_aliases_are_read_as_their_channel(bad: LoadResult) -> None:
    assert row_of(bad, "messages", "M14")["channel"] == "chat"


def test_blank_values_take_their_defaults(bad: LoadResult) -> None:
    assert row_of(bad, "clients", "C03")["status"] == "active"
    assert row_of(bad, "projects", "P04")["status"] == "active"
    assert row_of(bad, "messages", "M9")["channel"] == "other"
    assert row_of(bad, "approvals", "A9")["round"] == 1
    assert row_of(bad, "feedback", "R14")["scale"] == "nps"


def test_needs_reply_defaults_by_direction_unless_given(bad: LoadResult) -> None:
    m = bad.tables["messages"]
    replies = {k: bool(v) for k, v in zip(m["message_id"], m["needs_reply"], strict=True)}
    assert replies == {"M1": True, "M7": True, "M8": True, "M9": False, "M10": False, "M11": True, "M12": True,
                       "M14": True, "M15": False}


def test_a_blank_deadline_takes_the_other_ones_value(bad: LoadResult) -> None:
    p4, p5 = row_of(bad, "projects", "P04"), row_of(bad, "projects", "P05")
    assert (p4["baseline_due"].date(), p4["due_date"].date()) == (dt.date(2026, 12, 1), dt.date(2026, 12, 1))
    assert (p5["baseline_due"].date(), p5["due_date"].date()) == (dt.date(2026, 12, 5), dt.date(2026, 12, 5))


def test_both_deadlines_blank_names_both_columns(bad: LoadResult) -> None:
    reason = reasons(bad, "projects", 7)[0]
    assert "baseline_due" in reason and "due_date" in reason


def test_unreadable_deadline_is_reported_once_not_also_as_blank(bad: LoadResult) -> None:
    assert len(reasons(bad, "projects", 8)) == 1


def test_blank_rows_are_skipped_but_keep_the_sheet_numbering(bad: LoadResult) -> None:
    # Rows 5 and 6 are blank: C05's rows keep their numbers 8, 9, 10 and none is an error.
    assert bad.tables["clients"]["sheet_row"].tolist() == [2, 4, 9, 12, 13, 14]
    assert not ({5, 6} & set(bad.rejects.loc[bad.rejects["tab"] == "clients", "sheet_row"]))


def test_ragged_rows_are_padded_not_rejected(bad: LoadResult) -> None:
    assert row_of(bad, "clients", "C08")["status"] == "active"
    assert bool(row_of(bad, "messages", "M15")["needs_reply"]) is False


@pytest.mark.filterwarnings("error::DeprecationWarning")
def test_ragged_rows_need_no_deprecated_pandas_padding() -> None:
    # pandas deprecates padding rows of mismatched lengths: it will raise in pandas 4.
    result = stage_tabs({"clients": [CLIENT_HEADER, ["C01", "Acme"], ["C02"], ["C03", "Gamma", "", "", "", "", "x"]]})

    assert ids(result, "clients") == ["C01", "C03"]
    assert rejects(result) == [("clients", 3, "client_name", "")]


def test_leading_zero_ids_stay_text_and_a_number_cell_id_reads_without_decimals(bad: LoadResult) -> None:
    projects = bad.tables["projects"]
    owner = dict(zip(projects["project_id"], projects["client_id"], strict=True))
    assert (owner["P10"], owner["P11"]) == ("007", "7")


def test_milestone_deadlines_and_references_follow_the_project_rules() -> None:
    tabs = {"clients": MINIMAL_TABS["clients"], "projects": MINIMAL_TABS["projects"], "milestones": [
        MILESTONE_HEADER,
        ["MS1", "P01", "Design", "", "", "20.11.2026", "", "", ""],
        ["MS2", "P01", "Build", "", "", "", "", "", ""],
        ["MS3", "P99", "Test", "", "2026-12-01", "", "", "", ""],
    ]}
    result = stage_tabs(tabs)

    ms1 = row_of(result, "milestones", "MS1")
    assert ms1["baseline_due"].date() == dt.date(2026, 11, 20)
    assert ms1["status"] == "active"
    assert ids(result, "milestones") == ["MS1"]
    assert rejects(result) == [("milestones", 3, "due_date", ""), ("milestones", 4, "project_id", "P99")]


# --------------------------------------------------------------------- tabs and headers


def test_tab_missing_a_required_column_is_not_loaded_and_the_others_are() -> None:
    header = [h for h in FEEDBACK_HEADER if h not in ("score", "received_on")]
    rows = [[v for h, v in zip(FEEDBACK_HEADER, r, strict=True) if h in header] for r in MINIMAL_TABS["feedback"][1:]]
    result = stage_tabs({**MINIMAL_TABS, "feedback": [header, *rows]})

    fb = report(result, "feedback")
    assert fb.status == "missing_columns"
    assert fb.missing_columns == ["received_on", "score"]
    assert fb.loaded == 0
    assert "feedback" not in result.tables
    assert "received_on" in fb.message and "score" in fb.message
    assert {r.tab: r.status for r in result.tabs if r.tab != "feedback"} == {
        "clients": "loaded", "team": "absent_optional", "projects": "loaded",
        "milestones": "absent_optional", "messages": "loaded", "approvals": "loaded",
    }
    assert result.rows_loaded == 4


def test_required_tab_missing_altogether_is_reported_and_the_rest_loads() -> None:
    tabs = {k: v for k, v in MINIMAL_TABS.items() if k != "approvals"}
    result = stage_tabs(tabs)

    ap = report(result, "approvals")
    assert ap.status == "missing_tab"
    assert "approvals" in ap.message
    assert [r.tab for r in result.tabs if r.status == "loaded"] == ["clients", "projects", "messages", "feedback"]
    assert result.rejects.empty


def test_optional_tabs_present_load_like_the_others() -> None:
    tabs = {**MINIMAL_TABS, "team": [["person", "role", "department", "email"], ["Anna", "AM", "Accounts", ""]],
            "milestones": [MILESTONE_HEADER, ["MS1", "P01", "Design", "", "2026-11-20", "", "", "", ""]]}
    result = stage_tabs(tabs)

    assert report(result, "team").status == "loaded"
    assert report(result, "milestones").loaded == 1
    assert ids(result, "team") == ["Anna"]


def test_unknown_tabs_and_columns_are_ignored_and_listed() -> None:
    tabs = {}
    tabs["clients"] = [[*CLIENT_HEADER, "Notes"], [*MINIMAL_TABS["clients"][1], "pays late"],
                       ["", "", "", "", "", "", ""]]
    tabs["Scratch"] = [["anything"], ["at all"]]
    result = stage_tabs(tabs)

    assert result.ignored_tabs == ["Scratch"]
    assert report(result, "clients").ignored_columns == ["Notes"]
    assert "Notes" not in result.tables["clients"].columns
    assert ids(result, "clients") == ["C01"]
    assert result.rejects.empty


def test_a_row_with_text_only_in_columns_the_contract_does_not_know_is_rejected_as_missing_required_values() -> None:
    # SPEC §1: a row is blank only when every cell is blank, unknown columns included.
    tabs = {"clients": [[*CLIENT_HEADER, "Notes"], [*MINIMAL_TABS["clients"][1], ""],
                        ["", "", "", "", "", "", "only a note"],
                        ["", "", "", "", "", "", "", "a cell past the last header"]]}
    result = stage_tabs(tabs)

    assert ids(result, "clients") == ["C01"]
    assert rejects(result, "clients") == [("clients", 3, "client_id", ""), ("clients", 3, "client_name", ""),
                                          ("clients", 4, "client_id", ""), ("clients", 4, "client_name", "")]
    assert reasons(result, "clients", 3) == ["client_id is required but blank", "client_name is required but blank"]
    assert report(result, "clients").rejected == 2


def test_headers_match_ignoring_case_spaces_dashes_and_underscores() -> None:
    header = [" Client ID ", "CLIENT-NAME", "account  manager", "Tier", "status", "start_date"]
    result = stage_tabs({"clients": [header, *MINIMAL_TABS["clients"][1:]]})

    assert report(result, "clients").status == "loaded"
    assert row_of(result, "clients", "C01")["account_manager"] == "Anna"


def test_tab_names_match_like_headers_and_in_russian() -> None:
    tabs = {("Клиенты" if k == "clients" else f" {k.upper()} "): v for k, v in MINIMAL_TABS.items()}
    result = stage_tabs(tabs)

    assert report(result, "clients").source_title == "Клиенты"
    assert all(r.status == "loaded" for r in result.tabs if r.tab not in ("team", "milestones"))
    assert result.rejects.empty


def test_two_tabs_that_map_to_one_table_refuse_the_sync_naming_both() -> None:
    # SPEC §1: picking one (even the canonical name) would drop the other's rows silently.
    tabs = {"Клиенты": [CLIENT_HEADER, ["C09", "Other", "", "", "", ""]], "clients": MINIMAL_TABS["clients"],
            "Projects": MINIMAL_TABS["projects"], " PROJECTS ": MINIMAL_TABS["projects"]}
    with pytest.raises(SyncRefused) as refused:
        stage_tabs(tabs, kind="sheets")

    assert str(refused.value) == ("Клиенты and clients both map to the clients table (rename or remove one); "
                                  "Projects and  PROJECTS  both map to the projects table (rename or remove one)")


def test_russian_headers_are_understood() -> None:
    clients = [["Код клиента", "Клиент", "Аккаунт-менеджер", "Уровень", "Статус", "Дата начала"],
               ["C01", "Акме", "Анна", "A", "Активен", "05.01.2026"]]
    projects = [["Код проекта", "Клиент", "Название проекта", "Отдел", "Исходный дедлайн", "Дедлайн", "Сдано",
                 "Причина задержки"],
                ["P01", "C01", "Сайт", "Digital", "13.11.2026", "20.11.2026", "", "клиент"]]
    result = stage_tabs({"Клиенты": clients, "Проекты": projects})

    c = row_of(result, "clients", "C01")
    assert (c["client_name"], c["account_manager"], c["status"]) == ("Акме", "Анна", "active")
    p = row_of(result, "projects", "P01")
    assert p["client_id"] == "C01"
    assert p["due_date"].date() == dt.date(2026, 11, 20)
    assert p["baseline_due"].date() == dt.date(2026, 11, 13)
    assert p["slip_cause"] == "client"
    assert result.rejects.empty


def test_exact_header_beats_an_alias_and_the_alias_is_listed_as_duplicate() -> None:
    header = ["Name", "client_id", "client_name"]
    result = stage_tabs({"clients": [header, ["Alias name", "C01", "Real name"]]})

    assert row_of(result, "clients", "C01")["client_name"] == "Real name"
    assert report(result, "clients").ignored_columns == ["Name (duplicate)"]


def test_an_agencys_column_map_adds_aliases(tmp_path) -> None:
    extra = tmp_path / "our-columns.toml"
    extra.write_text(
        '[tabs]\nclients = ["Our brands"]\n'
        '[columns.clients]\nclient_name = ["Brand"]\n'
        '[values.channel]\nchat = ["tg"]\n',
        encoding="utf-8",
    )
    tabs = {"Our brands": [["client_id", "Brand"], ["C01", "Acme"]], "messages": CLIENTS_AND_MESSAGES["messages"]}
    tabs = with_rows("messages", message("M2", channel="TG"), base=tabs)
    wb = raw_workbook(tabs)

    with_map = stage(wb, load_column_map(str(extra)))
    without = stage(wb, load_column_map())

    assert row_of(with_map, "clients", "C01")["client_name"] == "Acme"
    assert row_of(with_map, "messages", "M2")["channel"] == "chat"
    assert with_map.rejects.empty
    assert report(without, "clients").status == "missing_tab"
    # The defaults still apply under the agency's map.
    assert "клиенты" in load_column_map(str(extra)).tabs["clients"]


def test_merged_column_map_keeps_both_sets_of_aliases() -> None:
    base = load_column_map()
    extra = ColumnMap(tabs={"clients": ["Brands"]}, columns={"projects": {"due_date": ["ETA"]}})
    merged = base.merged(extra)

    assert "Brands" in merged.tabs["clients"] and "клиенты" in merged.tabs["clients"]
    assert merged.columns["projects"]["due_date"] == ["ETA"]
    assert "Brands" not in base.tabs["clients"]  # the defaults are not changed in place
    assert "дедлайн" in merged.columns["common"]["due_date"]


# ------------------------------------------------------------------------ cell forms


def test_xlsx_style_cells_stage_like_typed_text() -> None:
    tabs = with_rows("messages", ["M2", "T1", "C01", "", "chat", "out", "me", dt.datetime(2026, 11, 20, 12, 0), False])
    tabs = with_rows("approvals", ["A2", "P01", "Logo", 2.0, dt.date(2026, 11, 10), dt.date(2026, 11, 13),
                                   dt.datetime(2026, 11, 12, 9, 30), "Approved", ""], base=tabs)
    tabs = with_rows("feedback", ["R2", "C01", "P01", dt.datetime(2026, 11, 10), 4, "CSAT", "", ""], base=tabs)
    result = stage_tabs(tabs, timezone="Europe/Moscow", kind="xlsx")

    assert result.rejects.empty
    m2 = row_of(result, "messages", "M2")
    assert m2["sent_at"] == pd.Timestamp("2026-11-20 09:00", tz="UTC")
    assert bool(m2["needs_reply"]) is False
    a2 = row_of(result, "approvals", "A2")
    assert (a2["round"], a2["decision"]) == (2, "approved")
    assert a2["sent_at"] == pd.Timestamp("2026-11-09 21:00", tz="UTC")
    assert a2["responded_at"] == pd.Timestamp("2026-11-12 06:30", tz="UTC")
    assert a2["due_by"].date() == dt.date(2026, 11, 13)
    r2 = row_of(result, "feedback", "R2")
    assert (r2["score"], r2["scale"], r2["received_on"].date()) == (4.0, "csat", dt.date(2026, 11, 10))


def test_values_are_trimmed_before_they_are_checked() -> None:
    tabs = with_rows("messages",
                     [" M2 ", " T1", "C01 ", "  ", " Email ", " OUT ", " me ", " 20.11.2026 9:00 ", " yes "],
                     base=CLIENTS_AND_MESSAGES)
    result = stage_tabs(tabs)

    assert result.rejects.empty
    m2 = row_of(result, "messages", "M2")
    assert (m2["thread_id"], m2["client_id"], m2["channel"], m2["direction"], m2["sender"]) == (
        "T1", "C01", "email", "out", "me")
    assert m2["project_id"] is None
    assert bool(m2["needs_reply"]) is True


# ------------------------------------------------------------- dates outside the timestamp range


def test_dates_outside_the_timestamp_range_reject_their_row_instead_of_failing_the_sync() -> None:
    tabs = with_rows("projects",
                     ["P02", "C01", "Never", "", "", "active", "", "2026-11-13", "9999-12-31", "", ""],
                     ["P03", "C01", "Ancient", "", "", "active", "0001-01-01", "2026-11-13", "", "", ""],
                     ["P04", "C01", "Typed", "", "", "active", "", dt.date(9999, 12, 31), "", "", ""])
    tabs = with_rows("messages",
                     ["M2", "T2", "C01", "", "email", "in", "x", "31.12.9999 10:00", ""],
                     ["M3", "T3", "C01", "", "email", "in", "x", dt.datetime(1, 1, 1, 9, 30), ""],
                     ["M4", "T4", "C01", "", "email", "in", "x", "9999-12-31T10:00:00+03:00", ""],
                     base=tabs)

    result = stage_tabs(tabs)

    assert rejects(result, "projects") == [("projects", 3, "due_date", "9999-12-31"),
                                           ("projects", 4, "start_date", "0001-01-01"),
                                           ("projects", 5, "baseline_due", "9999-12-31")]
    assert rejects(result, "messages") == [("messages", 3, "sent_at", "31.12.9999 10:00"),
                                           ("messages", 4, "sent_at", "0001-01-01 09:30:00"),
                                           ("messages", 5, "sent_at", "9999-12-31T10:00:00+03:00")]
    assert reasons(result, "projects", 3) == ["due_date: date out of range (years 1678-2261)"]
    assert ids(result, "projects") == ["P01"]
    assert ids(result, "messages") == ["M1"]


def test_sheets_serials_outside_the_timestamp_range_reject_their_row() -> None:
    # 2958465 is 9999-12-31 as a serial; -700000 is before year 1 of pandas' range.
    tabs = with_rows("messages",
                     ["M2", "T2", "C01", "", "email", "in", "x", 2958465, ""],
                     ["M3", "T3", "C01", "", "email", "in", "x", -700000.5, ""],
                     ["M4", "T4", "C01", "", "email", "in", "x", 46346.75, ""])

    result = stage_tabs(tabs, kind="sheets", serial_timezone="Europe/Moscow")

    assert rejects(result, "messages") == [("messages", 3, "sent_at", "2958465"),
                                           ("messages", 4, "sent_at", "-700000.5")]
    assert set(reasons(result, "messages", 3)) == {"sent_at: date out of range (years 1678-2261)"}
    assert ids(result, "messages") == ["M1", "M4"]


def test_the_last_and_first_whole_years_of_the_timestamp_range_still_load() -> None:
    tabs = with_rows("projects", ["P02", "C01", "Far", "", "", "active", "1678-01-01", "", "2261-12-31", "", ""])
    result = stage_tabs(tabs)
    assert rejects(result, "projects") == []
    assert ids(result, "projects") == ["P01", "P02"]


def test_a_tab_whose_rows_are_all_empty_lists_loads_nothing_and_fails_nothing() -> None:
    # The Sheets API sends [] for a blank row; a tab of only such rows has no data column at all.
    result = stage_tabs({"clients": [CLIENT_HEADER, [], []], "team": [["person"], []]}, kind="sheets")

    assert report(result, "clients").status == "loaded"
    assert ids(result, "clients") == []
    assert report(result, "team").loaded == 0
    assert result.rejects.empty
