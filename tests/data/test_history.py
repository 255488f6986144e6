"""The history in the DuckDB file: what each sync appends, and what never changes it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from data import history, store
from data.settings import Settings, parse_settings
from data.sync import main as sync_main
from data.sync import run_sync
from tests.conftest import stage_tabs, write_csv_folder
from tests.data.history_fixtures import RECORDED, TIMEZONE, version

UTC = dt.UTC
BERLIN = ZoneInfo(TIMEZONE)


@pytest.fixture
def hsettings(tmp_path: Path) -> Settings:
    return parse_settings({"db": str(tmp_path / "pulse.duckdb"), "timezone": TIMEZONE})


@pytest.fixture
def hcon(hsettings: Settings):
    c = store.connect(hsettings.db_path())
    yield c
    c.close()


@pytest.fixture
def sync_version(tmp_path: Path, hcon: duckdb.DuckDBPyConnection, hsettings: Settings) -> Callable[..., object]:
    def sync(n: int, recorded_at: str | None = None):
        folder = write_csv_folder(tmp_path / f"v{n}-{recorded_at}", version(n))
        return run_sync(hcon, hsettings, str(folder), recorded_at=recorded_at or RECORDED[n - 1])

    return sync


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    cur = con.cursor()
    try:
        return cur.execute(sql).fetchall()
    finally:
        cur.close()


def dump(con: duckdb.DuckDBPyConnection) -> tuple[list[tuple], ...]:
    """Everything a sync may change: history, sync log, data, meta."""
    return (rows(con, "SELECT * FROM history_syncs ORDER BY sync_id"),
            rows(con, "SELECT * FROM history_deliverables ORDER BY ALL"),
            rows(con, "SELECT sync_id, status FROM sync_log ORDER BY sync_id"),
            rows(con, "SELECT * FROM projects ORDER BY project_id"),
            rows(con, "SELECT * FROM milestones ORDER BY milestone_id"),
            rows(con, "SELECT key, value FROM meta ORDER BY key"))


def states(con: duckdb.DuckDBPyConnection, sync_id: int) -> set[tuple]:
    return {(tab, did, counted, str(due) if due else None, client)
            for tab, did, counted, due, client in rows(
                con, f"SELECT tab, deliverable_id, counted, due_date, client_id FROM history_deliverables "
                     f"WHERE sync_id = {sync_id}")}


def test_each_sync_records_its_time_and_only_the_deliverables_whose_state_changed(sync_version, hcon) -> None:
    ids = [sync_version(n).sync_id for n in (1, 2, 3, 4)]
    assert rows(hcon, "SELECT sync_id, recorded_at FROM history_syncs ORDER BY sync_id") == [
        (ids[0], dt.datetime(2026, 11, 2, 8, 0, tzinfo=UTC)),   # 09:00 without an offset: Berlin time
        (ids[1], dt.datetime(2026, 11, 9, 10, 0, tzinfo=UTC)),  # with an offset: as given
        (ids[2], dt.datetime(2026, 11, 16, 8, 0, tzinfo=UTC)),
        (ids[3], dt.datetime(2026, 11, 22, 23, 30, tzinfo=UTC)),
    ]
    # v1: every deliverable that counts; P02 has milestones, so it is none; P03's blank due_date is its baseline.
    assert states(hcon, ids[0]) == {
        ("projects", "P01", True, "2026-11-20", "C01"), ("milestones", "M1", True, "2026-11-16", "C01"),
        ("milestones", "M2", True, "2026-11-21", "C01"), ("projects", "P03", True, "2026-11-10", "C02"),
        ("projects", "P04", True, "2026-12-04", "C02"), ("projects", "P05", True, "2026-11-25", "C02"),
        ("projects", "P06", True, "2026-11-30", "C01"),
    }
    # v2: M1's date written as 16.11.2026 is no change; P06 is missing, so it stops counting.
    assert states(hcon, ids[1]) == {
        ("projects", "P01", True, "2026-11-27", "C01"), ("milestones", "M2", True, "2026-11-22", "C01"),
        ("projects", "P06", False, None, None),
    }
    # v3: M1's row rejected, P05 cancelled, P04 got a milestone (so it stops and M4a starts), P06 is back
    # as C02's; P03's explicit 10.11 equals what its blank meant.
    assert states(hcon, ids[2]) == {
        ("projects", "P01", True, "2026-11-25", "C01"), ("milestones", "M1", False, None, None),
        ("projects", "P05", False, None, None), ("projects", "P04", False, None, None),
        ("milestones", "M4a", True, "2026-12-10", "C02"), ("projects", "P06", True, "2026-12-02", "C02"),
    }
    assert states(hcon, ids[3]) == {
        ("milestones", "M1", True, "2026-11-18", "C01"), ("projects", "P05", True, "2026-11-26", "C02"),
    }


def test_a_recorded_at_not_later_than_the_latest_is_refused_and_changes_nothing(sync_version, hcon) -> None:
    assert sync_version(1).ok and sync_version(2).ok
    before = dump(hcon)
    same = sync_version(3, recorded_at="2026-11-09T11:00")  # 11:00 Berlin = the latest, 10:00 UTC
    assert not same.ok and same.sync_id is None
    assert "not later than the latest recorded sync" in same.error and "\n" not in same.error
    assert not sync_version(3, recorded_at="2026-11-05T00:00:00+00:00").ok
    assert dump(hcon) == before  # no history, no data, no sync log entry
    assert sync_version(3, recorded_at="2026-11-09T11:00:01").ok


def test_a_failed_sync_adds_nothing_to_the_history(sync_version, hcon, hsettings: Settings, tmp_path: Path) -> None:
    assert sync_version(1).ok
    before = dump(hcon)[:2]
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    assert not run_sync(hcon, hsettings, str(broken), recorded_at="2026-11-09T10:00").ok
    assert dump(hcon)[:2] == before


def test_a_load_refused_inside_its_transaction_rolls_back_whole(sync_version, hcon) -> None:
    """The guard inside write_load: two racing syncs cannot append out of order."""
    assert sync_version(2).ok
    before = dump(hcon)
    result = stage_tabs(version(4), timezone=TIMEZONE)
    with pytest.raises(history.HistoryRefused):
        store.write_load(hcon, result, source="test", kind="csv", started_at=dt.datetime.now(UTC),
                         recorded_at=dt.datetime(2026, 11, 1, tzinfo=UTC))
    assert dump(hcon) == before


def test_without_recorded_at_a_sync_is_recorded_now(hcon, hsettings: Settings, tmp_path: Path) -> None:
    """What *Sync now* does: the same run_sync, recorded at the moment it ran."""
    start = dt.datetime.now(UTC)
    assert run_sync(hcon, hsettings, str(write_csv_folder(tmp_path / "v1", version(1)))).ok
    (recorded,), = rows(hcon, "SELECT recorded_at FROM history_syncs")
    assert start - dt.timedelta(seconds=1) <= recorded <= dt.datetime.now(UTC)


def test_history_survives_later_loads_and_a_schema_rebuild(sync_version, hcon, hsettings: Settings) -> None:
    assert sync_version(1).ok and sync_version(2).ok
    kept = dump(hcon)[:2]
    hcon.execute("UPDATE meta SET value = 'older' WHERE key = 'schema_version'")
    hcon.close()
    con = store.connect(hsettings.db_path())  # an older layout: the data tables are dropped and rebuilt
    try:
        assert not store.has_data(con)
        assert dump(con)[:2] == kept
    finally:
        con.close()


def test_cli_recorded_at_is_kept_and_a_refusal_is_one_line_with_a_nonzero_exit(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    toml = tmp_path / "pulse.toml"
    db = tmp_path / "cli.duckdb"
    toml.write_text(f'timezone = "{TIMEZONE}"\ndb = "{db.as_posix()}"\n', encoding="utf-8")
    v1, v2 = (str(write_csv_folder(tmp_path / f"v{n}", version(n))) for n in (1, 2))
    args = ["--db", str(db), "--settings", str(toml)]
    assert sync_main(["--source", v1, *args, "--recorded-at", "2026-11-02T09:00"]) == 0
    capsys.readouterr()
    assert sync_main(["--source", v2, *args, "--recorded-at", "2026-11-02T08:00:00+00:00"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not later than the latest recorded sync" in err
    assert sync_main(["--source", v2, *args, "--recorded-at", "next tuesday"]) == 2
    assert "--recorded-at" in capsys.readouterr().err
    con = store.connect(db, read_only=True)
    try:
        assert rows(con, "SELECT recorded_at FROM history_syncs") == [(dt.datetime(2026, 11, 2, 8, tzinfo=UTC),)]
    finally:
        con.close()


def test_recorded_at_without_an_offset_is_agency_time() -> None:
    got = history.parse_recorded_at("2026-07-01 09:00", TIMEZONE)
    assert got == dt.datetime(2026, 7, 1, 9, 0, tzinfo=BERLIN) and got.utcoffset() == dt.timedelta(hours=2)
    assert history.parse_recorded_at("2026-07-01T09:00:00-04:00", TIMEZONE) == dt.datetime(2026, 7, 1, 13, tzinfo=UTC)
    assert history.parse_recorded_at(None, TIMEZONE) is None
    with pytest.raises(ValueError, match="recorded-at"):
        history.parse_recorded_at("soon", TIMEZONE)


def test_the_sample_first_syncs_with_its_weekly_history(tmp_path: Path) -> None:
    """The first sync of the bundled sample loads its kept copies oldest first, each on its Friday
    at 18:00, then the sample at its reference moment; a later sync is a plain one, recorded now."""
    from data.settings import SAMPLE_DIR
    from data.sync import first_sync, sample_history

    s = Settings(db=str(tmp_path / "pulse.duckdb"))
    con = store.connect(s.db_path())
    try:
        assert first_sync(con, s).ok
        kept = [r for _, r in sample_history()]
        assert kept == [f"2026-{d}T18:00:00" for d in ("10-09", "10-16", "10-23", "10-30", "11-06", "11-13")]
        rows = con.execute("SELECT recorded_at FROM history_syncs ORDER BY sync_id").fetchall()
        assert [r[0].astimezone(ZoneInfo(s.timezone)).replace(tzinfo=None).isoformat() for r in rows] == \
            [*kept, "2026-11-20T18:00:00"]
        assert store.read_meta(con)["sample_as_of"] == "2026-11-20T18:00:00"  # the newest load is the sample
        assert con.execute("SELECT source FROM sync_log ORDER BY sync_id DESC LIMIT 1").fetchone()[0] == \
            str(SAMPLE_DIR)
        assert first_sync(con, s).ok  # recorded now: later than the sample's reference moment
        assert con.execute("SELECT count(*) FROM history_syncs").fetchone()[0] == 8
    finally:
        con.close()
