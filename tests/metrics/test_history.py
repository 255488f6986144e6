"""Deadline moves between recorded syncs, at several as_of values, and the report's history numbers."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from data import store
from data.settings import Settings, parse_settings
from data.sync import run_sync
from metrics import cache
from metrics.context import Context
from metrics.history import deadline_moves, history_summary, recorded_syncs
from metrics.report import build_report
from tests.conftest import write_csv_folder
from tests.data.history_fixtures import RECORDED, TIMEZONE, version


@pytest.fixture(scope="module")
def hsettings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return parse_settings({"db": str(tmp_path_factory.mktemp("history") / "pulse.duckdb"), "timezone": TIMEZONE})


@pytest.fixture(scope="module")
def hcon(hsettings: Settings, tmp_path_factory: pytest.TempPathFactory):
    """The four versions synced oldest first, each at its recorded_at."""
    c = store.connect(hsettings.db_path())
    root = tmp_path_factory.mktemp("versions")
    for n, recorded_at in enumerate(RECORDED, start=1):
        assert run_sync(c, hsettings, str(write_csv_folder(root / f"v{n}", version(n))), recorded_at=recorded_at).ok
    cache.clear()
    yield c
    c.close()


def ctx(settings: Settings, as_of: str, days: int = 7) -> Context:
    return Context.build(settings, as_of, days)


def test_moves_are_due_date_changes_between_consecutive_counting_syncs(hcon, hsettings: Settings) -> None:
    moves = deadline_moves(hcon, ctx(hsettings, "2026-11-23T18:00", 30))
    got = [(r.deliverable_key, r.client_id, None if pd.isna(r.slip_cause) else r.slip_cause, str(r.old_due_date.date()),
            str(r.new_due_date.date()), r.days_moved, str(r.period_date.date()))
           for r in moves.itertuples()]
    assert got == [
        ("milestones/M2", "C01", None, "2026-11-21", "2026-11-22", 0.0, "2026-11-09"),     # Sat → Sun
        ("projects/P01", "C01", None, "2026-11-20", "2026-11-27", 5.0, "2026-11-09"),       # later
        ("projects/P01", "C01", "agency", "2026-11-27", "2026-11-25", -2.0, "2026-11-16"),  # earlier
        ("projects/P06", "C02", None, "2026-11-30", "2026-12-02", 2.0, "2026-11-16"),      # over its gap, C02 now
        ("milestones/M1", "C01", None, "2026-11-16", "2026-11-18", 2.0, "2026-11-23"),     # over its rejected row
        ("projects/P05", "C02", None, "2026-11-25", "2026-11-26", 1.0, "2026-11-23"),      # over its cancellation
    ]
    # 16.11.2026 for 16.11, P03's explicit date for its blank one, M4a's first sync: no move.


@pytest.mark.parametrize(("as_of", "days", "want"), [
    # before the first recorded sync: all 0
    ("2026-11-01T12:00", 7, {"syncs": 0, "deadline_moves": 0, "moved_deliverables": 0, "net_days_moved": 0}),
    # v2 was recorded at 10:00 UTC = 11:00 in Berlin: a minute before, it does not exist yet
    ("2026-11-09T10:59", 7, {"syncs": 1, "deadline_moves": 0, "moved_deliverables": 0, "net_days_moved": 0}),
    ("2026-11-09T11:00", 7, {"syncs": 2, "deadline_moves": 2, "moved_deliverables": 2, "net_days_moved": 5}),
    ("2026-11-16T18:00", 7, {"syncs": 3, "deadline_moves": 2, "moved_deliverables": 2, "net_days_moved": 0}),
    # v4 is 22 November 23:30 UTC, 23 November in Berlin: not in the week ending the 22nd (Berlin) ...
    ("2026-11-22T23:59", 7, {"syncs": 3, "deadline_moves": 2, "moved_deliverables": 2, "net_days_moved": 0}),
    # ... and in the one-day period of the 23rd
    ("2026-11-23T18:00", 1, {"syncs": 4, "deadline_moves": 2, "moved_deliverables": 2, "net_days_moved": 3}),
    ("2026-11-23T18:00", 30, {"syncs": 4, "deadline_moves": 6, "moved_deliverables": 5, "net_days_moved": 8}),
])
def test_report_history_at_several_as_of(hcon, hsettings: Settings, as_of: str, days: int, want: dict) -> None:
    rep = build_report(hcon, ctx(hsettings, as_of, days))
    assert rep["history"] == want
    assert list(rep["history"]) == ["syncs", "deadline_moves", "moved_deliverables", "net_days_moved"]
    assert all(type(v) is int for v in rep["history"].values())


@pytest.mark.parametrize(("as_of", "days", "want"), [
    ("2026-11-01T12:00", 7, {"C01": 0, "C02": 0}),
    ("2026-11-09T11:00", 7, {"C01": 2, "C02": 0}),
    ("2026-11-16T18:00", 7, {"C01": 1, "C02": 1}),  # P06's move is C02's: the later sync's client
    ("2026-11-23T18:00", 30, {"C01": 4, "C02": 2}),
])
def test_report_counts_each_clients_moves_in_the_period(hcon, hsettings: Settings, as_of: str, days: int,
                                                        want: dict) -> None:
    rep = build_report(hcon, ctx(hsettings, as_of, days))
    assert {c["client_id"]: c["deadline_moves"] for c in rep["clients"]} == want
    assert all(list(c)[-1] == "deadline_moves" for c in rep["clients"])


def test_summary_and_syncs_agree_with_the_report(hcon, hsettings: Settings) -> None:
    c = ctx(hsettings, "2026-11-16T18:00", 14)
    assert recorded_syncs(hcon, c) == 3
    assert history_summary(hcon, c) == {"deadline_moves": 4, "moved_deliverables": 3, "net_days_moved": 5}


def test_the_history_leaves_every_other_number_as_the_latest_load_has_it(hcon, hsettings: Settings) -> None:
    rep = build_report(hcon, ctx(hsettings, "2026-11-23T18:00", 30))
    # Latest load: P01 (due 25.11), P03 (10.11), P05 (26.11), P06 (02.12), M1 (18.11), M2 (22.11), M4a
    # (10.12); open and due before 23.11: P03, M1, M2.
    assert rep["deadlines"]["open_overdue"] == 3


def test_a_file_without_history_tables_reads_as_no_history(tmp_path: Path, hsettings: Settings) -> None:
    db = tmp_path / "old.duckdb"
    con = store.connect(db)
    assert run_sync(con, hsettings, str(write_csv_folder(tmp_path / "v1", version(1))), recorded_at=RECORDED[0]).ok
    con.close()
    raw = duckdb.connect(str(db))
    raw.execute("DROP TABLE history_deliverables")
    raw.execute("DROP TABLE history_syncs")
    raw.close()
    con = store.connect(db, read_only=True)  # as a file written before the history existed is read
    try:
        cache.clear()
        rep = build_report(con, ctx(hsettings, "2026-11-23T18:00", 30))
        assert rep["history"] == {"syncs": 0, "deadline_moves": 0, "moved_deliverables": 0, "net_days_moved": 0}
        assert {c["deadline_moves"] for c in rep["clients"]} == {0}
    finally:
        con.close()


# --- the slip ledger ---------------------------------------------------------------------------


def test_moves_by_client_cause_and_pm_is_a_pareto_of_the_periods_moves(hcon, hsettings: Settings) -> None:
    from metrics.history import moves_by

    c = ctx(hsettings, "2026-11-23T18:00", 30)
    by_client = moves_by(hcon, c, "client_name")
    assert by_client[["client_id", "deadline_moves", "moved_deliverables", "net_days_moved"]].values.tolist() == [
        ["C01", 4, 3, 5.0], ["C02", 2, 2, 3.0]]
    assert by_client["cumulative_share"].round(4).tolist() == [0.6667, 1.0]
    by_cause = moves_by(hcon, c, "slip_cause")
    assert [None if pd.isna(x) else x for x in by_cause["slip_cause"]] == [None, "agency"]  # 5 blank, 1 agency
    assert by_cause["deadline_moves"].tolist() == [5, 1] and by_cause["share"].round(4).tolist() == [0.8333, 0.1667]
    assert moves_by(hcon, c, "project_manager")["deadline_moves"].tolist() == [6]
    # the week of 16 November: P01 (-2, agency) and P06 (+2), one each
    week = moves_by(hcon, ctx(hsettings, "2026-11-16T18:00", 7), "slip_cause")
    assert week["deadline_moves"].tolist() == [1, 1] and week["net_days_moved"].tolist() == [2.0, -2.0]
    assert moves_by(hcon, ctx(hsettings, "2026-11-01T18:00", 7), "client_name").empty
    with pytest.raises(ValueError):
        moves_by(hcon, c, "tier")


def test_most_replanned_counts_every_recorded_move_up_to_as_of(hcon, hsettings: Settings) -> None:
    from metrics.history import most_replanned

    top = most_replanned(hcon, ctx(hsettings, "2026-11-23T18:00", 1))
    assert top[["deliverable_key", "moves", "moves_in_period", "net_days_moved"]].values.tolist() == [
        ["projects/P01", 2, 0, 3.0], ["milestones/M1", 1, 1, 2.0], ["projects/P06", 1, 0, 2.0],
        ["projects/P05", 1, 1, 1.0], ["milestones/M2", 1, 0, 0.0]]
    p01 = top.iloc[0]
    assert (str(p01.first_due.date()), str(p01.current_due.date()), p01.last_cause) == \
        ("2026-11-20", "2026-11-25", "agency")
    assert top.iloc[1].deliverable_name == "Milestone M1" and top.iloc[1].project_name == "Project P02"
    assert len(most_replanned(hcon, ctx(hsettings, "2026-11-23T18:00", 1), 2)) == 2
    assert most_replanned(hcon, ctx(hsettings, "2026-11-09T10:59", 7)).empty


def test_move_list_is_newest_first_with_names(hcon, hsettings: Settings) -> None:
    from metrics.history import move_list

    week = move_list(hcon, ctx(hsettings, "2026-11-23T18:00", 1))
    assert week["deliverable_name"].tolist() == ["Milestone M1", "Project P05"]
    assert len(move_list(hcon, ctx(hsettings, "2026-11-23T18:00", 1), False)) == 6


def test_a_deliverables_timeline_from_first_agreed_to_now(hcon, hsettings: Settings) -> None:
    from metrics.history import deliverable_timeline

    t = deliverable_timeline(hcon, ctx(hsettings, "2026-11-23T18:00", 7), "projects/P01")
    got = [(r.event, None if pd.isna(r.on) else str(r.on.date()), str(r.due_date.date()),
            None if pd.isna(r.days_moved) else r.days_moved, None if pd.isna(r.slip_cause) else r.slip_cause)
           for r in t.itertuples()]
    assert got == [
        ("first agreed", None, "2026-11-13", None, None),
        ("changed before the history", None, "2026-11-20", 5.0, None),  # the first sync already had 20.11
        ("moved", "2026-11-09", "2026-11-27", 5.0, None),
        ("moved", "2026-11-16", "2026-11-25", -2.0, "agency"),
        ("open", None, "2026-11-25", None, None),
    ]
    # before v3 only the first move existed
    early = deliverable_timeline(hcon, ctx(hsettings, "2026-11-10T18:00", 7), "projects/P01")
    assert early["event"].tolist() == ["first agreed", "changed before the history", "moved", "open"]
    p03 = deliverable_timeline(hcon, ctx(hsettings, "2026-11-23T18:00", 7), "projects/P03")
    assert p03["event"].tolist() == ["first agreed", "open"]
