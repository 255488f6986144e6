"""The sync as a whole: workbook → DuckDB in one transaction, failures that lose nothing."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from data import store
from data.settings import ROOT, Settings
from data.sync import main as sync_main
from data.sync import run_sync
from tests.conftest import MINIMAL_TABS, with_rows
from tests.data.sheets_fixtures import (
    SHEETS_API,
    calls_to,
    mock_workbook,
    service_account_info,
    sheet_url,
    sheets_api_mock,
)


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    cur = con.cursor()
    try:
        return {t: cur.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in store.DATA_TABLES}
    finally:
        cur.close()


def test_a_sync_loads_every_tab_and_lists_rejects(con, settings: Settings, csv_workbook) -> None:
    wb = csv_workbook(with_rows("messages", ["M2", "T1", "C99", "", "email", "in", "x", "2026-11-20 10:00", ""]))
    outcome = run_sync(con, settings, str(wb))
    assert outcome.ok
    assert counts(con) == {"clients": 1, "team": 0, "projects": 1, "milestones": 0, "messages": 1,
                           "approvals": 1, "feedback": 1}
    cur = con.cursor()
    assert cur.execute("SELECT tab, sheet_row, \"column\", value, reason FROM rejects").fetchall() == [
        ("messages", 3, "client_id", "C99", "client_id: C99 is not in clients")
    ]
    # Typed columns, not text: the metrics layer relies on these.
    types = dict(cur.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'messages'")
                 .fetchall())
    assert types["sent_at"] == "TIMESTAMP WITH TIME ZONE"
    assert types["needs_reply"] == "BOOLEAN"
    log = cur.execute("SELECT status, rows_loaded, rows_rejected FROM sync_log").fetchall()
    assert log == [("ok", 5, 1)]


def test_an_unreadable_source_keeps_the_previous_data_and_records_the_failure(
    con, settings: Settings, csv_workbook, tmp_path: Path
) -> None:
    assert run_sync(con, settings, str(csv_workbook())).ok
    before = counts(con)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"this is not a zip file")
    outcome = run_sync(con, settings, str(broken))
    assert not outcome.ok
    assert "broken.xlsx" in outcome.error and "\n" not in outcome.error
    assert counts(con) == before
    status = store.sync_status(con)
    assert status["last_status"] == "failed"
    assert status["last_error"] == outcome.error
    assert status["good_at"] is not None


def test_cli_failure_exits_nonzero_with_one_line_and_keeps_data(
    tmp_path: Path, csv_workbook, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "cli.duckdb"
    assert sync_main(["--source", str(csv_workbook()), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "clients" in out and "loaded" in out
    assert sync_main(["--source", str(tmp_path / "missing-folder"), "--db", str(db)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert err.startswith("sync failed:") and "previous data from" in err
    con = store.connect(db)
    try:
        assert counts(con)["clients"] == 1
    finally:
        con.close()


def test_cli_exits_zero_when_rows_are_rejected(tmp_path: Path, csv_workbook, capsys) -> None:
    wb = csv_workbook(with_rows("feedback", ["R2", "C01", "", "2026-11-10", "11", "nps", "", ""]))
    assert sync_main(["--source", str(wb), "--db", str(tmp_path / "x.duckdb")]) == 0
    out = capsys.readouterr().out
    assert "feedback row 3, score = '11': score: outside the NPS scale 0-10" in out


def test_a_missing_required_tab_is_reported_and_the_rest_loads(con, settings: Settings, csv_workbook) -> None:
    tabs = {k: v for k, v in MINIMAL_TABS.items() if k != "approvals"}
    outcome = run_sync(con, settings, str(csv_workbook(tabs)))
    assert outcome.ok
    report = {t.tab: t for t in outcome.result.tabs}
    assert report["approvals"].status == "missing_tab"
    assert counts(con)["messages"] == 1 and counts(con)["approvals"] == 0


def test_a_corrupt_store_is_set_aside_and_rebuilt(tmp_path: Path, csv_workbook) -> None:
    db = tmp_path / "pulse.duckdb"
    db.write_bytes(b"\x00garbage, not a database" * 100)
    con = store.connect(db)
    try:
        assert run_sync(con, Settings(db=str(db)), str(csv_workbook())).ok
        assert counts(con)["clients"] == 1
        assert "recovered_from" in store.read_meta(con)
    finally:
        con.close()
    aside = list(tmp_path.glob("pulse.duckdb.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes().startswith(b"\x00garbage")


def test_a_store_held_by_another_process_gives_a_clear_one_line_failure(tmp_path: Path, csv_workbook) -> None:
    db = tmp_path / "locked.duckdb"
    store.connect(db).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, sys, time; c = duckdb.connect({str(db)!r}); "
                               "print('held', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        proc = subprocess.run(
            [sys.executable, "-m", "data.sync", "--source", str(csv_workbook()), "--db", str(db)],
            cwd=ROOT, capture_output=True, text=True, timeout=120,
        )
    finally:
        holder.kill()
        holder.wait()
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "open in another process" in lines[0]


def test_a_reader_never_sees_a_partial_load(con, settings: Settings, csv_workbook) -> None:
    """Alternate two workbooks while another thread queries: every snapshot is one of them."""
    small = csv_workbook()
    big_tabs = MINIMAL_TABS
    for i in range(2, 40):
        big_tabs = with_rows("clients", [f"C{i:02d}", f"Client {i}", "Anna", "B", "active", ""], base=big_tabs)
        big_tabs = with_rows("messages", [f"M{i}", f"T{i}", f"C{i:02d}", "", "chat", "in", "x",
                                          "2026-11-19 12:00", ""], base=big_tabs)
    big = csv_workbook(big_tabs)
    assert run_sync(con, settings, str(small)).ok
    seen: set[tuple[int, int]] = set()
    errors: list[BaseException] = []
    stop = threading.Event()

    def reader() -> None:
        try:
            while not stop.is_set():
                cur = con.cursor()
                try:
                    # One statement = one snapshot across both tables.
                    seen.add(cur.execute(
                        "SELECT (SELECT count(*) FROM clients), (SELECT count(*) FROM messages)"
                    ).fetchone())
                finally:
                    cur.close()
        except BaseException as exc:
            errors.append(exc)

    t = threading.Thread(target=reader)
    t.start()
    try:
        for i in range(12):
            assert run_sync(con, settings, str(big if i % 2 == 0 else small)).ok
    finally:
        stop.set()
        t.join(30)
    assert not errors, errors
    assert seen <= {(1, 1), (39, 39)}
    assert len(seen) == 2  # the reader really saw both loads


def test_the_file_does_not_grow_with_every_sync(tmp_path: Path) -> None:
    """100 syncs of the sample stay within 3x one sync's size (CHECKPOINT reclaims space)."""
    from data.headers import load_column_map
    from data.settings import SAMPLE_DIR
    from data.sync import read_source
    from data.validate import stage

    settings = Settings(db=str(tmp_path / "grow.duckdb"))
    result = stage(read_source(str(SAMPLE_DIR), settings), load_column_map(), "UTC")
    assert result.rows_loaded > 10_000
    con = store.connect(settings.db_path())
    try:
        import datetime as dt

        now = dt.datetime.now(dt.UTC)
        store.write_load(con, result, source="sample", kind="csv", started_at=now)
        one = settings.db_path().stat().st_size
        for _ in range(99):
            store.write_load(con, result, source="sample", kind="csv", started_at=now)
    finally:
        con.close()
    assert settings.db_path().stat().st_size <= 3 * one


def test_a_google_sheet_syncs_with_one_values_request(
    con, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole path: credentials from GOOGLE_APPLICATION_CREDENTIALS, real gspread, DuckDB."""
    key_file = tmp_path / "sa.json"
    key_file.write_text(json.dumps(service_account_info()))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key_file))
    monkeypatch.setattr("data.sync.SECRETS_PATH", tmp_path / "no-secrets.toml")
    tabs = {k: [list(r) for r in v] for k, v in MINIMAL_TABS.items()}
    # As Sheets sends it: a date cell as a serial (46346 = 2026-11-20), 18:00 as its fraction,
    # a ragged row, a notes tab the contract does not know.
    tabs["messages"][1] = ["M1", "T1", "C01", "P01", "email", "in", "client@acme.test", 46346.75]
    tabs["notes"] = [["anything"], ["free text"]]
    with sheets_api_mock() as rsps:
        mocked = mock_workbook(rsps, tabs, time_zone="Europe/Moscow")
        outcome = run_sync(con, settings, sheet_url(mocked.key))
        values_calls = calls_to(rsps, mocked.batch_get_url)
        sheets_calls = [c for c in rsps.calls if c.request.url.startswith(SHEETS_API)]
    assert outcome.ok, outcome.error
    assert len(values_calls) == 1
    assert len(sheets_calls) == 2  # metadata + values:batchGet
    assert "notes" not in values_calls[0].request.url
    cur = con.cursor()
    sent = cur.execute("SELECT strftime(sent_at, '%Y-%m-%d %H:%M') FROM messages").fetchone()[0]
    # 18:00 in the spreadsheet's zone (Moscow, UTC+3) is 15:00 UTC.
    assert sent == "2026-11-20 15:00"
    assert cur.execute("SELECT needs_reply FROM messages").fetchone()[0] is True
    assert store.read_meta(con)["serial_timezone"] == "Europe/Moscow"


def _truncate(path: Path, fraction: float) -> None:
    size = path.stat().st_size
    with path.open("r+b") as fh:
        fh.truncate(int(size * fraction))


def _loaded_store(tmp_path: Path, csv_workbook) -> Path:
    db = tmp_path / "pulse.duckdb"
    con = store.connect(db)
    try:
        assert run_sync(con, Settings(db=str(db)), str(csv_workbook())).ok
    finally:
        con.close()
    return db


def test_a_truncated_store_is_closed_then_set_aside_and_rebuilt(tmp_path: Path, csv_workbook) -> None:
    # Cut in half, the file still opens but its catalogue cannot be read. The half-open
    # connection must be closed before reconnecting, or DuckDB hands the damaged one back.
    db = _loaded_store(tmp_path, csv_workbook)
    _truncate(db, 0.5)

    con = store.connect(db)
    try:
        assert "recovered_from" in store.read_meta(con)
        assert run_sync(con, Settings(db=str(db)), str(csv_workbook())).ok
        assert counts(con)["clients"] == 1
    finally:
        con.close()
    assert len(list(tmp_path.glob("pulse.duckdb.corrupt-*"))) == 1


def test_a_store_damaged_past_its_catalogue_fails_the_write_in_one_line_and_the_cli_rebuilds_it(
    tmp_path: Path, csv_workbook, capsys: pytest.CaptureFixture[str]
) -> None:
    # Cut at 90%, the file opens and its catalogue reads; only replacing the tables fails.
    db = _loaded_store(tmp_path, csv_workbook)
    _truncate(db, 0.9)
    con = store.connect(db)
    try:
        outcome = run_sync(con, Settings(db=str(db)), str(csv_workbook()))
    finally:
        con.close()
    assert not outcome.ok and outcome.store_damaged
    assert outcome.error.startswith("cannot write the DuckDB file:") and "\n" not in outcome.error

    assert sync_main(["--source", str(csv_workbook()), "--db", str(db)]) == 0
    assert "synced" in capsys.readouterr().out
    con = store.connect(db)
    try:
        assert counts(con)["clients"] == 1
    finally:
        con.close()


@pytest.mark.parametrize("where", ["under a file", "a folder"])
def test_cli_with_an_unusable_db_path_prints_one_line_and_exits_nonzero(
    tmp_path: Path, csv_workbook, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    db = blocker / "pulse.duckdb" if where == "under a file" else tmp_path
    assert sync_main(["--source", str(csv_workbook()), "--db", str(db)]) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("sync failed:") and str(db) in err[0]


def test_cli_on_an_xlsx_cut_short_prints_one_line_and_keeps_the_data(
    tmp_path: Path, csv_workbook, capsys: pytest.CaptureFixture[str]
) -> None:
    import zipfile

    from openpyxl import Workbook

    db = tmp_path / "cli.duckdb"
    assert sync_main(["--source", str(csv_workbook()), "--db", str(db)]) == 0
    good, cut = tmp_path / "good.xlsx", tmp_path / "cut.xlsx"
    wb = Workbook()
    wb.active.title = "clients"
    for row in [MINIMAL_TABS["clients"][0], *[[f"C{i}", "Client"] for i in range(300)]]:
        wb.active.append(row)
    wb.save(good)
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(cut, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            dst.writestr(name, data[: len(data) // 2] if name.startswith("xl/worksheets/") else data)
    capsys.readouterr()

    assert sync_main(["--source", str(cut), "--db", str(db)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cut.xlsx" in err[0] and "previous data from" in err[0]


# ------------------------------------------------------------------ silent losses refuse the sync


def test_two_csv_files_for_one_table_refuse_the_sync_naming_both_and_keep_the_data(
    con, settings: Settings, csv_workbook
) -> None:
    assert run_sync(con, settings, str(csv_workbook())).ok
    folder = csv_workbook(with_rows("clients", ["C02", "Beta", "", "", "", ""]))
    (folder / "Clients.csv").write_text("client_id,client_name\nC03,Gamma\n", encoding="utf-8")

    outcome = run_sync(con, settings, str(folder))

    assert not outcome.ok and outcome.refused
    assert outcome.error == ("refused: Clients.csv and clients.csv both map to the clients table "
                             "(rename or remove one)")
    assert counts(con)["clients"] == 1
    assert store.sync_status(con)["last_status"] == "failed"


def test_a_tab_that_held_rows_and_is_now_missing_refuses_the_sync_and_keeps_the_data(
    con, settings: Settings, csv_workbook
) -> None:
    assert run_sync(con, settings, str(csv_workbook())).ok
    tabs = {k: v for k, v in MINIMAL_TABS.items() if k != "approvals"}

    outcome = run_sync(con, settings, str(csv_workbook(tabs)))

    assert not outcome.ok and outcome.refused
    assert outcome.error.startswith("refused: tab approvals held 1 row(s) in the previous load but is missing "
                                    "(looked for a tab named approvals, ")
    assert "columns approval_id, project_id, deliverable, sent_at" in outcome.error
    assert "--allow-partial" in outcome.error and "\n" not in outcome.error
    assert counts(con)["approvals"] == 1
    assert store.sync_status(con)["last_error"] == outcome.error


def test_a_renamed_required_column_refuses_the_sync_naming_the_tab_and_the_column_looked_for(
    con, settings: Settings, csv_workbook
) -> None:
    assert run_sync(con, settings, str(csv_workbook())).ok
    tabs = {k: [list(r) for r in v] for k, v in MINIMAL_TABS.items()}
    tabs["projects"][0][2] = "Job title"  # was project_name

    outcome = run_sync(con, settings, str(csv_workbook(tabs)))

    assert not outcome.ok and outcome.refused
    assert outcome.error.startswith("refused: tab projects (projects) held 1 row(s) in the previous load but "
                                    "lacks required column(s) project_name (project_name: looked for project_name")
    assert counts(con)["projects"] == 1


def test_allow_partial_loads_a_workbook_that_lost_a_tab(
    con, settings: Settings, csv_workbook, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_sync(con, settings, str(csv_workbook())).ok
    partial = csv_workbook({k: v for k, v in MINIMAL_TABS.items() if k != "feedback"})

    outcome = run_sync(con, settings, str(partial), allow_partial=True)

    assert outcome.ok
    assert counts(con)["feedback"] == 0 and counts(con)["clients"] == 1
    # The CLI: refused without the flag (one line, non-zero), loaded with it.
    db = tmp_path / "cli.duckdb"
    assert sync_main(["--source", str(csv_workbook()), "--db", str(db)]) == 0
    capsys.readouterr()
    assert sync_main(["--source", str(partial), "--db", str(db)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("sync refused: tab feedback held 1 row(s)")
    assert sync_main(["--source", str(partial), "--db", str(db), "--allow-partial"]) == 0


def test_a_tab_that_was_empty_in_the_previous_load_may_go_missing(con, settings: Settings, csv_workbook) -> None:
    first = with_rows("clients")
    first["team"] = [["person", "role"]]
    assert run_sync(con, settings, str(csv_workbook(first))).ok
    assert run_sync(con, settings, str(csv_workbook())).ok


def test_two_refreshes_at_once_run_one_after_the_other(con, settings: Settings, csv_workbook,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Two directors press Sync now together: the second waits, then loads; never two writes at once."""
    import data.sync as sync

    folder = str(csv_workbook())
    running, overlaps = [0], []
    real = sync.load_workbook

    def slow_stage(wb, s):
        running[0] += 1
        overlaps.append(running[0])
        time.sleep(0.2)
        try:
            return real(wb, s)
        finally:
            running[0] -= 1

    monkeypatch.setattr(sync, "load_workbook", slow_stage)
    outcomes = []
    threads = [threading.Thread(target=lambda: outcomes.append(run_sync(con.cursor(), settings, folder)))
               for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert [o.ok for o in outcomes] == [True, True, True]
    assert overlaps == [1, 1, 1]  # each refresh ran alone
    assert len({o.sync_id for o in outcomes}) == 3
