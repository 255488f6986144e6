"""Workbook in, DuckDB out: `python -m data.sync --source SRC --db PATH [--settings PATH]`.

A sync either replaces everything or changes nothing but the sync log: a source that
cannot be read leaves the last good data in place and says why, in one line.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import sys
import threading
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from data import history, store
from data.headers import load_column_map, match_tabs
from data.reasons import reason
from data.settings import (
    ROOT,
    SAMPLE_DIR,
    Settings,
    SettingsError,
    is_sample_source,
    load_settings,
    sample_reference,
)
from data.validate import LoadResult, lost_tabs, stage
from data.workbook import RawWorkbook, SourceError, SyncRefused

SECRETS_PATH = ROOT / ".streamlit" / "secrets.toml"


@dataclass
class SyncOutcome:
    ok: bool
    sync_id: int | None
    source: str
    result: LoadResult | None = None
    error: str | None = None
    refused: bool = False  # read fine, but loading it would lose data silently (SPEC §1)
    store_damaged: bool = False  # the DuckDB file itself failed a read: set it aside and sync again


def source_kind(source: str) -> str:
    from data.sheets import is_sheets_source

    if is_sheets_source(source):
        return "sheets"
    p = Path(source)
    if p.is_dir():
        return "csv"
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        return "xlsx"
    if not p.exists():
        raise SourceError(
            f"source {source} not found (expected a Google Sheets URL or key, an .xlsx file or a folder of .csv files)"
        )
    raise SourceError(f"source {source} is not a Google Sheet, an .xlsx file or a folder of .csv files")


def read_secrets(path: Path | None = None) -> Mapping[str, Any]:
    """The [gcp_service_account] section lives in .streamlit/secrets.toml (never committed).

    Read from the file itself, the same one Streamlit reads: getting data in knows nothing of
    the dashboard, and the command line and *Sync now* see the same credentials.
    """
    path = path or SECRETS_PATH
    if path.exists():
        return tomllib.loads(path.read_text(encoding="utf-8"))
    return {}


_CREDENTIALS: dict[str, Any] = {}


def _credentials() -> Any:
    """One credentials object per key, so later syncs reuse its token instead of fetching one."""
    from data.sheets import load_credentials

    secrets = read_secrets()
    key = json.dumps([secrets.get("gcp_service_account"), os.environ.get("GOOGLE_APPLICATION_CREDENTIALS")],
                     sort_keys=True, default=str)
    if key not in _CREDENTIALS:
        _CREDENTIALS.clear()
        _CREDENTIALS[key] = load_credentials(secrets, os.environ)
    return _CREDENTIALS[key]


def read_source(source: str, settings: Settings) -> RawWorkbook:
    """Fetch a workbook in any of the three forms; every failure is a SourceError."""
    kind = source_kind(source)
    try:
        if kind == "sheets":
            from data.sheets import read_sheets

            cmap = load_column_map(settings.column_map)
            return read_sheets(source, _credentials(), wanted=lambda title: bool(match_tabs([title], cmap)[0]))
        if kind == "csv":
            from data.files import read_csv_folder

            wb = read_csv_folder(source)
            return _with_sample_tabs(wb) if is_sample_history(source) else wb
        from data.files import read_xlsx

        return read_xlsx(source)
    except SourceError:
        raise
    except OSError as exc:
        raise SourceError(f"cannot read {source}: {exc.strerror or exc}") from None


# --- the sample's history -----------------------------------------------------------------------
# The bundled sample keeps weekly copies of its deadline tabs (data/sample/history/YYYY-MM-DD/,
# only the tabs that differ from today's); the first sync of the sample loads them oldest first,
# each recorded on its Friday evening, then the sample itself at its reference moment, so a
# newcomer sees deadline moves at once (README, History).
SAMPLE_HISTORY_DIR = SAMPLE_DIR / "history"
SAMPLE_HISTORY_TIME = "18:00:00"  # each copy is recorded at this agency time of its day


def sample_history() -> list[tuple[Path, str]]:
    """(folder, recorded_at) of each kept copy of the sample, oldest first."""
    if not SAMPLE_HISTORY_DIR.is_dir():
        return []
    return [(p, f"{p.name}T{SAMPLE_HISTORY_TIME}") for p in sorted(SAMPLE_HISTORY_DIR.iterdir())
            if p.is_dir() and any(p.glob("*.csv"))]


def is_sample_history(source: str) -> bool:
    try:
        return Path(source).resolve().parent == SAMPLE_HISTORY_DIR.resolve()
    except OSError:
        return False


def _with_sample_tabs(wb: RawWorkbook) -> RawWorkbook:
    """A kept copy of the sample: its own tabs, and today's sample for the tabs it does not hold."""
    from data.files import read_csv_folder

    own = {t.title.lower() for t in wb.tabs}
    rest = [t for t in read_csv_folder(SAMPLE_DIR).tabs if t.title.lower() not in own]
    return RawWorkbook(source=wb.source, kind=wb.kind, tabs=[*rest, *wb.tabs], title=f"sample as of {wb.title}")


def sync_sample_with_history(con: duckdb.DuckDBPyConnection, settings: Settings) -> SyncOutcome:
    """The first sync of the bundled sample: its kept weekly copies oldest first, each recorded
    at its date, then the sample itself recorded at its reference moment (sample.toml's as_of).

    Only into a file with no recorded sync yet; otherwise (and for any later sync) it is the
    plain sync of the sample, recorded now. Returns the outcome of the last sync it ran; a copy
    that fails to load stops it there, leaving what loaded (each sync is its own transaction).
    """
    src = str(SAMPLE_DIR)
    if history.latest_recorded_at(con) is not None:
        return run_sync(con, settings, src)
    for folder, recorded in sample_history():
        outcome = run_sync(con, settings, str(folder), recorded)
        if not outcome.ok:
            return outcome
    return run_sync(con, settings, src, sample_reference().get("as_of") or None)


def first_sync(con: duckdb.DuckDBPyConnection, settings: Settings, source: str | None = None,
               recorded_at: str | None = None, allow_partial: bool = False) -> SyncOutcome:
    """A sync into a file: the sample with its history when the source is the bundled sample,
    no recorded_at is given and nothing is recorded yet; otherwise run_sync."""
    src = source or settings.resolved_source()
    if is_sample_source(src) and recorded_at is None and not allow_partial \
            and history.latest_recorded_at(con) is None:
        return sync_sample_with_history(con, settings)
    return run_sync(con, settings, src, recorded_at, allow_partial=allow_partial)


def load_workbook(wb: RawWorkbook, settings: Settings) -> LoadResult:
    return stage(wb, load_column_map(settings.column_map), settings.timezone, settings.date_order)


_REFRESH = threading.Lock()  # one refresh at a time in a process: Sync now, the schedule, a second tab


def refresh_running() -> bool:
    """Whether a sync is running in this process now (a new one would wait for it)."""
    return _REFRESH.locked()


def run_sync(
    con: duckdb.DuckDBPyConnection, settings: Settings, source: str | None = None,
    recorded_at: str | dt.datetime | None = None, *, allow_partial: bool = False,
) -> SyncOutcome:
    """The one refresh: read, stage and store one workbook with its marts and its history, in
    one transaction; on failure or refusal record it and keep the old data.

    Every caller (the command line, *Sync now*) comes through here, one at a time per
    process: a second caller waits for the first to finish, then syncs afresh.

    A tab that held rows in the previous load and cannot be loaded now refuses the sync
    unless `allow_partial` (SPEC §1): a renamed header must not empty a table silently.
    recorded_at (default: now; without an offset, agency time) is when the sheet looked like
    this, for the history; one not later than the latest recorded sync is refused up front
    and changes nothing, not even the sync log (a refusal is a wrong argument, not a sync).
    """
    src = source or settings.resolved_source()
    with _REFRESH:
        started = dt.datetime.now(dt.UTC)
        recorded = history.parse_recorded_at(recorded_at, settings.timezone) or started
        if refused := history.refusal(con, recorded):
            return SyncOutcome(False, None, src, error=refused)
        try:
            return _run_sync(con, settings, src, started, recorded, allow_partial)
        except history.HistoryRefused as exc:  # another process recorded a later sync meanwhile
            return SyncOutcome(False, None, src, error=str(exc).splitlines()[0])
        except duckdb.Error as exc:
            if not store.is_damaged(exc):
                raise  # a bug (bad SQL), not the file: surface it
            # The DuckDB file itself failed a read (truncated past its catalogue, disk full): the
            # load was rolled back; say so in one line, and log it if the file still takes a write.
            error = f"cannot write the DuckDB file: {str(exc).splitlines()[0]}"
            failed_id = None
            with contextlib.suppress(duckdb.Error):
                failed_id = store.record_failure(con, source=src, kind=None, started_at=started, error=error)
            return SyncOutcome(False, failed_id, src, error=error, store_damaged=True)


def _run_sync(
    con: duckdb.DuckDBPyConnection, settings: Settings, src: str, started: dt.datetime, recorded: dt.datetime,
    allow_partial: bool,
) -> SyncOutcome:
    kind = None
    try:
        kind = source_kind(src)
        wb = read_source(src, settings)
        result = load_workbook(wb, settings)
        if not allow_partial:
            lost = lost_tabs(result, store.previous_rows(con), load_column_map(settings.column_map))
            if lost:
                raise SyncRefused(reason("lost_tabs_refused", lost="; ".join(lost)))
    except (SourceError, ValueError) as exc:
        error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if isinstance(exc, SyncRefused):
            error = reason("refused", refusal=error)
        sync_id = store.record_failure(con, source=src, kind=kind, started_at=started, error=error)
        return SyncOutcome(False, sync_id, src, error=error, refused=isinstance(exc, SyncRefused))
    meta: dict[str, Any] = {
        "title": wb.title,
        "serial_timezone": wb.serial_timezone,
        "locale": wb.locale,
        "timezone": settings.timezone,
    }
    if is_sample_source(src):
        ref = sample_reference()
        meta["sample_as_of"] = ref.get("as_of", "")
        meta["title"] = ref.get("name", wb.title)
    sync_id = store.write_load(con, result, source=src, kind=wb.kind, started_at=started, meta=meta,
                               recorded_at=recorded)
    return SyncOutcome(True, sync_id, src, result=result)


def summary_lines(result: LoadResult, max_rejects: int = 20) -> list[str]:
    """The per-tab table the CLI prints, and the first rejects with where and why."""
    lines = [f"{'tab':<12} {'source tab':<22} {'loaded':>8} {'rejected':>9} {'warnings':>9}  note"]
    for t in result.tabs:
        lines.append(
            f"{t.tab:<12} {(t.source_title or '-')[:22]:<22} {t.loaded:>8} {t.rejected:>9} {t.warnings:>9}  {t.message}"
        )
    lines.append(f"{'total':<12} {'':<22} {result.rows_loaded:>8} {result.rows_rejected:>9}")
    if result.ignored_tabs:
        lines.append("ignored tabs (not part of the contract): " + ", ".join(result.ignored_tabs))
    rej = result.rejects
    if len(rej):
        lines.append("")
        lines.append(f"{len(rej)} problem(s) — tab, sheet row, column, value: reason")
        for r in rej.head(max_rejects).itertuples(index=False):
            mark = "warning" if r.severity == "warning" else "rejected"
            lines.append(f"  [{mark}] {r.tab} row {r.sheet_row}, {r.column} = {r.value!r}: {r.reason}")
        if len(rej) > max_rejects:
            lines.append(f"  … and {len(rej) - max_rejects} more (see the Data page or the rejects table)")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m data.sync", description=__doc__.splitlines()[0])
    ap.add_argument("--source", help="Google Sheets URL/key, .xlsx file or folder of .csv files "
                                     "(default: the settings' source, else the bundled sample)")
    ap.add_argument("--db", help="DuckDB file (default: the settings' db)")
    ap.add_argument("--settings", help="settings file (default: pulse.toml)")
    ap.add_argument("--allow-partial", action="store_true",
                    help="load even when a tab that held rows in the previous load cannot be loaded now")
    ap.add_argument("--recorded-at", dest="recorded_at",
                    help="ISO datetime the sheet looked like this, for the history (default: now; "
                         "without an offset it is agency time); must be later than the latest recorded sync")
    args = ap.parse_args(argv)
    try:
        settings = load_settings(args.settings)
        history.parse_recorded_at(args.recorded_at, settings.timezone)
    except (SettingsError, ValueError) as exc:
        print(f"sync failed: {exc}", file=sys.stderr)
        return 2
    db = Path(args.db) if args.db else settings.db_path()
    try:
        return _sync_into(db, settings, args.source, args.allow_partial, args.recorded_at)
    except store.StoreError as exc:
        print(f"sync failed: {exc}", file=sys.stderr)
        return 3
    except Exception as exc:  # a bug: still one line and a non-zero exit, never a traceback
        print(f"sync failed: unexpected {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}",
              file=sys.stderr)
        return 1


def _sync_into(db: Path, settings: Settings, source: str | None, allow_partial: bool = False,
               recorded_at: str | None = None) -> int:
    """One sync into the file at db; a file found damaged mid-write is set aside and the sync retried once."""
    con = store.connect(db)
    try:
        outcome = first_sync(con, settings, source, recorded_at, allow_partial)
        if outcome.store_damaged:
            con.close()
            kept = store.set_aside(db)
            # The sheet rebuilds the data, not the deadline history: say where it now is.
            print(f"warning: {db} was damaged; set aside as {kept.name} (its history of deadline moves stays "
                  "there) and rebuilt from the source", file=sys.stderr)
            con = store.connect(db)
            outcome = run_sync(con, settings, source, recorded_at, allow_partial=allow_partial)
        if not outcome.ok:
            try:
                good_at = store.sync_status(con)["good_at"]
                kept = f"previous data from {good_at:%Y-%m-%d %H:%M UTC} kept" if good_at else "no previous data"
            except duckdb.Error:
                kept = "the DuckDB file could not be read"
            what, why = ("sync refused", outcome.error.removeprefix("refused: ")) if outcome.refused and outcome.error \
                else ("sync failed", outcome.error)
            print(f"{what}: {why} ({kept})", file=sys.stderr)
            return 1
        assert outcome.result is not None
        print(f"synced {outcome.source} into {db} (sync {outcome.sync_id})")
        print("\n".join(summary_lines(outcome.result)))
        return 0
    finally:
        con.close()


if __name__ == "__main__":
    sys.exit(main())
