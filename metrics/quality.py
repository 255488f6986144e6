"""What the last loads did: rows per tab, rejected rows with reasons, sync history.

The Data page reads these; they are the 'nothing is lost silently' half of SPEC §1.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from data import store
from data.store import sync_history

__all__ = ["read_meta", "rejects", "sync_history", "sync_status", "tab_report"]


def read_meta(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The current load's meta (source, loaded_at, sync_id, the sample's reference time, ...);
    a snapshot read it when it began."""
    return store.read_meta(con)


def sync_status(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The last sync's outcome and the last good one's time (store.sync_status)."""
    return store.sync_status(con)


def tab_report(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per contract tab of the current load, in contract order."""
    cur = con.cursor()
    try:
        return cur.execute(
            "SELECT tab, source_title, status, rows_read, loaded, rejected, warnings, missing_columns, "
            "ignored_columns, message FROM tab_report"
        ).df()
    except duckdb.CatalogException:
        return pd.DataFrame()
    finally:
        cur.close()


def rejects(con: duckdb.DuckDBPyConnection, tab: str | None = None, severity: str | None = None) -> pd.DataFrame:
    """Every rejected row (and warning) of the current load: tab, sheet row, column, value, reason."""
    where, params = [], []
    if tab:
        where.append("tab = ?")
        params.append(tab)
    if severity:
        where.append("severity = ?")
        params.append(severity)
    sql = "SELECT tab, sheet_row, \"column\", value, reason, severity FROM rejects"
    if where:
        sql += " WHERE " + " AND ".join(where)
    cur = con.cursor()
    try:
        return cur.execute(sql + " ORDER BY tab, sheet_row", params).df()
    except duckdb.CatalogException:
        return pd.DataFrame(columns=["tab", "sheet_row", "column", "value", "reason", "severity"])
    finally:
        cur.close()


def load_summary(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Totals of the current load for the Data page's tiles."""
    rep = tab_report(con)
    if rep.empty:
        return {"loaded": 0, "rejected": 0, "warnings": 0, "tabs_not_loaded": 0}
    return {
        "loaded": int(rep["loaded"].sum()),
        "rejected": int(rep["rejected"].sum()),
        "warnings": int(rep["warnings"].sum()),
        "tabs_not_loaded": int(rep["status"].isin(["missing_tab", "missing_columns"]).sum()),
    }
