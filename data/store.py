"""The DuckDB file: a cache of the sheet, replaced whole in one transaction per sync.

One connection per process and a cursor per query or load (DuckDB 2 refuses concurrent
use of one connection); MVCC gives every reader either the old load or the new one,
never half of each. The file is disposable: if it cannot be opened it is set aside and
rebuilt from the source.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import weakref
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from data import history, marts
from data.schema import TABS
from data.validate import REJECT_COLUMNS, LoadResult, empty_table

log = logging.getLogger(__name__)
SCHEMA_VERSION = "1"
MARTS_KEY = "marts"  # meta: the fingerprint of the SQL the mart tables were built by
DATA_TABLES = tuple(t.name for t in TABS)

_BOOKKEEPING = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE SEQUENCE IF NOT EXISTS sync_seq START 1;
CREATE TABLE IF NOT EXISTS sync_log (
    sync_id INTEGER PRIMARY KEY,
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ NOT NULL,
    source VARCHAR,
    kind VARCHAR,
    status VARCHAR NOT NULL,          -- ok | failed
    error VARCHAR,
    rows_loaded INTEGER,
    rows_rejected INTEGER,
    warnings INTEGER,
    tabs JSON                         -- per-tab report (TabReport) of an ok sync
);
""" + history.DDL


# What a damaged, truncated or foreign file raises on open. Anything else (a bad
# setting, a bug) must surface, never cost the user their file.
_UNREADABLE = (duckdb.IOException, duckdb.SerializationException, duckdb.InternalException)


class StoreError(RuntimeError):
    """The DuckDB file cannot be opened, created or written: a one-line reason, never a traceback."""


class StoreLocked(StoreError):
    """Another process holds the DuckDB file (DuckDB allows one writer process)."""


def is_damaged(exc: BaseException) -> bool:
    """A read of the file itself failed (truncated, overwritten), not a lock or a bad query."""
    return isinstance(exc, _UNREADABLE) and not _is_lock_error(exc)  # type: ignore[arg-type]


def _table_sql(name: str) -> str:
    tab = next(t for t in TABS if t.name == name)
    cols = ", ".join(f'CAST("{c.name}" AS {c.sql_type}) AS "{c.name}"' for c in tab.columns)
    return f'SELECT CAST(sheet_row AS INTEGER) AS sheet_row, {cols} FROM "{{src}}"'


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text and ("conflicting" in text or "could not set lock" in text)


def set_aside(path: Path) -> Path:
    """Move an unreadable DuckDB file (and its WAL) out of the way; return the new name."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    os.replace(path, target)
    wal = path.with_name(path.name + ".wal")
    if wal.exists():
        os.replace(wal, target.with_name(target.name + ".wal"))
    return target


def connect(path: str | Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (or create) the store; a corrupt or foreign file is set aside, never a crash.

    A path that cannot hold a file (under a file, in a folder without write access) is a
    StoreError with a one-line reason.
    """
    p = Path(path)
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the DuckDB file {p}: {exc.strerror or exc}") from None
    if p.is_dir():
        raise StoreError(f"cannot use {p} as the DuckDB file: it is a folder")
    con: duckdb.DuckDBPyConnection | None = None
    try:
        con = duckdb.connect(str(p), read_only=read_only)
        if not read_only:
            con.execute(_BOOKKEEPING)
        version = _schema_version(con)
        if version not in (None, SCHEMA_VERSION) and not read_only:
            _drop_all(con)
        if not read_only:
            _ensure_tables(con)
            _refresh_stale_marts(con)
    except _UNREADABLE as exc:
        # Close the half-open connection first: DuckDB caches one instance per path, so a
        # reconnect would otherwise get the damaged instance back (and write into the file
        # just set aside).
        if con is not None:
            with contextlib.suppress(duckdb.Error):
                con.close()
        if _is_lock_error(exc):
            raise StoreLocked(
                f"{p} is open in another process (is the dashboard running? use its Sync now, or stop it)"
            ) from None
        if read_only:
            raise
        if not p.exists():
            raise StoreError(f"cannot create the DuckDB file {p}: {str(exc).splitlines()[0]}") from None
        con = _rebuild(p, exc)
    return con


def _rebuild(p: Path, exc: BaseException) -> duckdb.DuckDBPyConnection:
    """Set an unreadable file aside and start a fresh one in its place."""
    try:
        moved = set_aside(p)
    except OSError as err:
        raise StoreError(f"the DuckDB file {p} is damaged and cannot be moved aside: {err.strerror or err}") from None
    log.warning("DuckDB file %s could not be opened (%s); set aside as %s", p, exc, moved.name)
    try:
        con = duckdb.connect(str(p))
        con.execute(_BOOKKEEPING)
        _ensure_tables(con)
        con.execute("INSERT OR REPLACE INTO meta VALUES ('recovered_from', ?)", [f"{moved.name}: {exc}"])
    except duckdb.Error as err:
        raise StoreError(f"cannot create the DuckDB file {p}: {str(err).splitlines()[0]}") from None
    return con


def _schema_version(con: duckdb.DuckDBPyConnection) -> str | None:
    try:
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except duckdb.CatalogException:
        return None
    return row[0] if row else None


def _drop_all(con: duckdb.DuckDBPyConnection) -> None:
    """An older layout is rebuilt from the source, not migrated: the file is only a cache.

    Except for the sync log and the history (data/history.py): the sheet cannot rebuild
    them, so they are never dropped here.
    """
    for name in (*DATA_TABLES, "rejects", "tab_report", *marts.MARTS):
        con.execute(f'DROP TABLE IF EXISTS "{name}"')
    con.execute("DELETE FROM meta")


def _ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Every table a reader asks for exists from the start, empty until the first load.

    A query on a missing table would fail, and inside a reader's snapshot a failed query
    ends the snapshot: with empty tables a fresh or never-loaded file reads as 'no rows'.
    """
    cur = con.cursor()
    try:
        have = {r[0] for r in cur.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()}
        for name in DATA_TABLES:
            if name not in have:
                cur.register("_empty", empty_table(name))
                cur.execute(f'CREATE TABLE "{name}" AS ' + _table_sql(name).format(src="_empty"))
                cur.unregister("_empty")
        if "rejects" not in have:
            cur.execute("CREATE TABLE rejects (tab VARCHAR, sheet_row INTEGER, \"column\" VARCHAR, value VARCHAR, "
                        "reason VARCHAR, severity VARCHAR)")
        if "tab_report" not in have:
            cur.execute("CREATE TABLE tab_report (tab VARCHAR, source_title VARCHAR, status VARCHAR, rows_read BIGINT, "
                        "loaded BIGINT, rejected BIGINT, warnings BIGINT, missing_columns VARCHAR, "
                        "ignored_columns VARCHAR, message VARCHAR)")
    finally:
        cur.close()


def _refresh_stale_marts(con: duckdb.DuckDBPyConnection) -> None:
    """A load whose mart tables were built by other SQL (a file from an older version) gets
    them rebuilt when the file is opened for writing, so readers never cut stale marts."""
    if has_data(con) and read_meta(con).get(MARTS_KEY) != marts.fingerprint():
        rebuild_marts(con)


def has_data(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether a workbook has ever been loaded into this file (a failed first sync loads nothing)."""
    if isinstance(con, Snapshot):
        return con.has_data
    cur = con.cursor()
    try:
        return cur.execute("SELECT count(*) FROM meta WHERE key = 'sync_id' AND value <> ''").fetchone()[0] > 0
    except duckdb.CatalogException:
        return False
    finally:
        cur.close()


def previous_rows(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows each tab held in the last load: read from the sheet (rejects included) or stored."""
    if not has_data(con):
        return {}
    cur = con.cursor()
    try:
        held = {t: int(n or 0) for t, n in cur.execute("SELECT tab, rows_read FROM tab_report").fetchall()}
        for name in DATA_TABLES:
            stored = cur.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            held[name] = max(held.get(name, 0), int(stored))
        return held
    finally:
        cur.close()


def write_load(
    con: duckdb.DuckDBPyConnection,
    result: LoadResult,
    *,
    source: str,
    kind: str,
    started_at: dt.datetime,
    meta: dict[str, Any] | None = None,
    recorded_at: dt.datetime | None = None,
) -> int:
    """Replace every table, the mart tables built from them included, in one transaction; log
    the sync and append it to the history, then CHECKPOINT. A reader sees the old load or the
    new one, each with its marts and history. `recorded_at` (default: now) not later than the
    latest recorded sync raises history.HistoryRefused and changes nothing."""
    cur = con.cursor()
    try:
        cur.execute("BEGIN TRANSACTION")
        try:
            for name in DATA_TABLES:
                df = result.tables.get(name)
                if df is None:
                    df = empty_table(name)
                alias = f"_load_{name}"
                cur.register(alias, df)
                cur.execute(f'CREATE OR REPLACE TABLE "{name}" AS ' + _table_sql(name).format(src=alias))
                cur.unregister(alias)
            _write_marts(cur)
            rejects = result.rejects if len(result.rejects) else pd.DataFrame(columns=REJECT_COLUMNS)
            cur.register("_load_rejects", rejects.astype({"sheet_row": "int64"}) if len(rejects) else rejects)
            cur.execute(
                "CREATE OR REPLACE TABLE rejects AS SELECT CAST(tab AS VARCHAR) AS tab, "
                "CAST(sheet_row AS INTEGER) AS sheet_row, CAST(\"column\" AS VARCHAR) AS \"column\", "
                "CAST(value AS VARCHAR) AS value, CAST(reason AS VARCHAR) AS reason, "
                "CAST(severity AS VARCHAR) AS severity FROM _load_rejects"
            )
            cur.unregister("_load_rejects")
            tabs = pd.DataFrame([_report_row(r) for r in result.tabs])
            cur.register("_load_tabs", tabs)
            cur.execute("CREATE OR REPLACE TABLE tab_report AS SELECT * FROM _load_tabs")
            cur.unregister("_load_tabs")
            sync_id = cur.execute("SELECT nextval('sync_seq')").fetchone()[0]
            finished = dt.datetime.now(dt.UTC)
            history.record(cur, sync_id, recorded_at or finished)
            cur.execute(
                "INSERT INTO sync_log VALUES (?, ?, ?, ?, ?, 'ok', NULL, ?, ?, ?, ?)",
                [
                    sync_id,
                    started_at,
                    finished,
                    source,
                    kind,
                    result.rows_loaded,
                    result.rows_rejected,
                    sum(t.warnings for t in result.tabs),
                    json.dumps([asdict(t) for t in result.tabs]),
                ],
            )
            values = {
                "schema_version": SCHEMA_VERSION,
                "source": source,
                "kind": kind,
                "loaded_at": finished.isoformat(),
                "sync_id": str(sync_id),
                "ignored_tabs": json.dumps(result.ignored_tabs),
                "sample_as_of": "",
                MARTS_KEY: marts.fingerprint(),
                **{k: "" if v is None else str(v) for k, v in (meta or {}).items()},
            }
            cur.execute("DELETE FROM meta WHERE key <> 'recovered_from'")
            cur.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", list(values.items()))
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        checkpoint(cur)
        return int(sync_id)
    finally:
        cur.close()


def _write_marts(cur: duckdb.DuckDBPyConnection) -> None:
    """(Re)build every mart table from the loaded tables: the one path that builds them."""
    for name, sql in marts.MARTS.items():
        cur.execute(f'CREATE OR REPLACE TABLE "{name}" AS {sql}')


def rebuild_marts(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild the mart tables of the current load in one transaction: for a file whose marts
    were built by other SQL (an older version), and for a write that bypassed the sync."""
    cur = con.cursor()
    try:
        cur.execute("BEGIN TRANSACTION")
        try:
            _write_marts(cur)
            cur.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [MARTS_KEY, marts.fingerprint()])
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise
    finally:
        cur.close()


def checkpoint(cur: duckdb.DuckDBPyConnection) -> None:
    """Fold the WAL into the file and free the replaced tables' blocks.

    Best effort: with a reader mid-transaction DuckDB may decline; the next sync retries.
    """
    try:
        cur.execute("CHECKPOINT")
    except duckdb.Error as exc:  # pragma: no cover - depends on timing
        log.info("CHECKPOINT deferred: %s", exc)


def _report_row(r: Any) -> dict[str, Any]:
    d = asdict(r)
    d["missing_columns"] = ", ".join(d["missing_columns"])
    d["ignored_columns"] = ", ".join(d["ignored_columns"])
    return d


def record_failure(
    con: duckdb.DuckDBPyConnection, *, source: str, kind: str | None, started_at: dt.datetime, error: str
) -> int:
    """Log a failed sync; the data tables are not touched."""
    cur = con.cursor()
    try:
        sync_id = cur.execute("SELECT nextval('sync_seq')").fetchone()[0]
        cur.execute(
            "INSERT INTO sync_log VALUES (?, ?, ?, ?, ?, 'failed', ?, NULL, NULL, NULL, NULL)",
            [sync_id, started_at, dt.datetime.now(dt.UTC), source, kind, error],
        )
        return int(sync_id)
    finally:
        cur.close()


def sync_history(con: duckdb.DuckDBPyConnection, limit: int = 50) -> pd.DataFrame:
    cur = con.cursor()
    try:
        return cur.execute(
            "SELECT sync_id, started_at, finished_at, source, kind, status, error, rows_loaded, "
            "rows_rejected, warnings FROM sync_log ORDER BY sync_id DESC LIMIT ?",
            [limit],
        ).df()
    finally:
        cur.close()


def sync_status(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The last sync and the last good one: the 'data as of' stamp and failure banner."""
    if isinstance(con, Snapshot):
        return dict(con.status)
    cur = con.cursor()
    try:
        return _sync_status(cur)
    finally:
        cur.close()


def _sync_status(cur: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    last = cur.execute(
        "SELECT status, finished_at, error, source FROM sync_log ORDER BY sync_id DESC LIMIT 1"
    ).fetchone()
    good = cur.execute(
        "SELECT finished_at, source, rows_loaded, rows_rejected FROM sync_log "
        "WHERE status = 'ok' ORDER BY sync_id DESC LIMIT 1"
    ).fetchone()
    return {
        "last_status": last[0] if last else None,
        "last_at": last[1] if last else None,
        "last_error": last[2] if last else None,
        "last_source": last[3] if last else None,
        "good_at": good[0] if good else None,
        "good_source": good[1] if good else None,
        "rows_loaded": good[2] if good else None,
        "rows_rejected": good[3] if good else None,
    }


def read_meta(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    if isinstance(con, Snapshot):
        return dict(con.meta)
    cur = con.cursor()
    try:
        return dict(cur.execute("SELECT key, value FROM meta").fetchall())
    except duckdb.CatalogException:
        return {}
    finally:
        cur.close()


class Snapshot:
    """One consistent read of the store: every query runs inside one read-only transaction.

    DuckDB's MVCC shows a transaction the data as it stood when it began, so whatever a sync
    commits meanwhile, every number read through one snapshot comes from one load. A page
    rerun and a report each read through one; `version` (which file, which load) is what
    every cache of a result keys on, read inside the same transaction as the data.

    It stands in for a connection: `cursor()` hands back the snapshot itself and `close()`
    does nothing, so code written as `cur = con.cursor() … cur.close()` reads inside it.
    Use it from one thread (DuckDB: a cursor per thread); `release()` ends it.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._cur = con.cursor()
        try:
            self._cur.execute("BEGIN TRANSACTION READ ONLY")
            path, tables = _connection_info(con, self._cur)
            self.meta: dict[str, str] = (dict(self._cur.execute("SELECT key, value FROM meta").fetchall())
                                         if "meta" in tables else {})
            self.status: dict[str, Any] = _cached_status(con, self._cur) if "sync_log" in tables \
                else _sync_status_none()
        except BaseException:
            self.release()
            raise
        self.version: tuple = (path or f"memory:{id(con)}", self.meta.get("loaded_at"), self.meta.get("sync_id"))

    @property
    def has_data(self) -> bool:
        return bool(self.meta.get("sync_id"))

    def cursor(self) -> Snapshot:
        return self

    def close(self) -> None:
        """Nothing: a query's `cur.close()` must not end the snapshot (release() does)."""

    def release(self) -> None:
        with contextlib.suppress(duckdb.Error):
            self._cur.execute("ROLLBACK")
        self._cur.close()

    def register(self, name: str, obj: Any) -> Any:
        # DuckDB refuses a register while the last execute() has rows left unread (a fetchone()):
        # on a cursor of its own that result would be gone with the cursor, so drop it here.
        with contextlib.suppress(duckdb.Error):
            self._cur.abort()
        return self._cur.register(name, obj)

    def __getattr__(self, name: str) -> Any:  # execute, sql, unregister, ...
        return getattr(self._cur, name)

    def __enter__(self) -> Snapshot:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


# Per connection, what a snapshot needs that cannot change while it is open: the file's path
# and which bookkeeping tables exist (a writable connection creates them when it opens; a
# read-only one cannot see a writer add them: DuckDB lets no writer in beside it). And the
# last sync's status, per sync_log entry: a page rerun then costs one small query, not three.
_INFO: weakref.WeakKeyDictionary[Any, tuple[str, frozenset[str]]] = weakref.WeakKeyDictionary()
_STATUS: weakref.WeakKeyDictionary[Any, tuple[Any, dict[str, Any]]] = weakref.WeakKeyDictionary()


def _connection_info(con: duckdb.DuckDBPyConnection, cur: duckdb.DuckDBPyConnection) -> tuple[str, frozenset[str]]:
    info = _INFO.get(con)
    if info is None:
        tables = frozenset(r[0] for r in cur.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall())
        path = cur.execute(
            "SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()[0]
        info = (path, tables)
        if {"meta", "sync_log"} <= tables:  # complete: nothing left to appear
            _INFO[con] = info
    return info


def _cached_status(con: duckdb.DuckDBPyConnection, cur: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    latest = cur.execute("SELECT max(sync_id) FROM sync_log").fetchone()[0]
    seen = _STATUS.get(con)
    if seen is None or seen[0] != latest:
        seen = (latest, _sync_status(cur))
        _STATUS[con] = seen
    return dict(seen[1])


def _sync_status_none() -> dict[str, Any]:
    return dict.fromkeys(("last_status", "last_at", "last_error", "last_source", "good_at", "good_source",
                          "rows_loaded", "rows_rejected"))


@contextlib.contextmanager
def snapshot(con: duckdb.DuckDBPyConnection) -> Iterator[Snapshot]:
    """One load for a whole question: `con` itself when it is already a snapshot (a page rerun
    pins one), else a snapshot held for the duration of the `with` block."""
    if isinstance(con, Snapshot):
        yield con
        return
    with Snapshot(con) as snap:
        yield snap
