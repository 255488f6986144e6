"""What every page shares: the store connection, first-run sync, the data stamp, downloads.

The connection is a process-wide resource (one DuckDB connection, a cursor per query);
a sync clears the cached query results so no page shows numbers from the old load.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from data import store
from data.settings import Settings, load_settings
from data.sync import SyncOutcome, run_sync
from metrics import quality

# Tests and the browser suite point the app at their own files through these.
SETTINGS_ENV = "PULSE_SETTINGS"
DB_ENV = "PULSE_DB"
SOURCE_ENV = "PULSE_SOURCE"


def settings() -> Settings:
    path = os.environ.get(SETTINGS_ENV) or None
    mtime = Path(path).stat().st_mtime if path and Path(path).exists() else 0.0
    return _settings(path, mtime)


@st.cache_resource(show_spinner=False)
def _settings(path: str | None, _mtime: float) -> Settings:
    s = load_settings(path)
    return s.with_overrides(source=os.environ.get(SOURCE_ENV) or None, db=os.environ.get(DB_ENV) or None)


@st.cache_resource(show_spinner=False)
def _connection(db_path: str) -> duckdb.DuckDBPyConnection:
    return store.connect(db_path)


def connection() -> duckdb.DuckDBPyConnection:
    """The store, synced from the source on the very first run of this process."""
    s = settings()
    con = _connection(str(s.db_path()))
    if not store.has_data(con):
        with st.spinner("Loading the workbook for the first time…"):
            outcome = run_sync(con, s)
        if not outcome.ok:
            st.error(f"The first sync failed: {outcome.error}")
    return con


def sync_now() -> SyncOutcome:
    outcome = run_sync(_connection(str(settings().db_path())), settings())
    st.cache_data.clear()
    return outcome


def data_stamp(con: duckdb.DuckDBPyConnection) -> None:
    """'Data as of … / last sync …' on every page, and a warning when the last sync failed."""
    status = quality.sync_status(con)
    meta = quality.read_meta(con)
    good = status["good_at"]
    title = meta.get("title") or meta.get("source") or "workbook"
    if good is not None:
        st.caption(f"Data: **{title}** · last good sync {pd.Timestamp(good):%Y-%m-%d %H:%M} UTC")
    if status["last_status"] == "failed":
        when = pd.Timestamp(status["last_at"])
        kept = f"showing the last good data from {pd.Timestamp(good):%Y-%m-%d %H:%M} UTC" if good else "no data yet"
        st.warning(f"The last sync ({when:%Y-%m-%d %H:%M} UTC) failed: {status['last_error']}. {kept.capitalize()}.",
                   icon=":material/sync_problem:")


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(df: pd.DataFrame) -> bytes:
    """CSV whose text cells can never run as spreadsheet formulas (=, +, -, @ are escaped)."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(
                lambda v: "'" + v if isinstance(v, str) and v.startswith(FORMULA_PREFIXES) else v
            )
    return out.to_csv(index=False).encode("utf-8")
