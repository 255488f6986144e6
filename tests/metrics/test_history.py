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
