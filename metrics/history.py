"""Deadline history (SPEC §10): the moves of due dates between recorded syncs.

The sheet only knows today's deadlines; the history every sync appends (data/history.py)
knows each deliverable's due_date at every recorded sync in which it counted. A *move* is
a change of that due_date between two consecutive recorded syncs in which the deliverable
counted (syncs in which it did not count are skipped over; its first counting sync is no
move). The moves mart (`deadline_moves`) has one row per move recorded at or before as_of:

- `tab`, `deliverable_id` (a deliverable is a tab and an id), `deliverable_key` (both in one);
- `project_id`, `client_id`, `slip_cause`: as the later sync recorded them;
- `moved_at`: the later sync's recorded_at (aware, UTC); `period_date` its agency-local date;
- `old_due_date`, `new_due_date`; `days_moved` = working_days(old, new) through the agency
  calendar (negative when brought forward, possibly 0 between two non-working days);
- `client_name`, `account_manager`, `tier`, `project_manager`, `department`: from the latest
  load, only so that the dashboard's filters pick moves as they pick any other row.

Only syncs recorded at or before as_of exist; a move depends on syncs up to its own
moved_at only, so cutting the moves at as_of is exactly the history as it stood then. The
numbers are the `history` family's catalogue expressions over this mart; `syncs` (a count
of recorded syncs, not of moves) is `recorded_syncs`. Everything else in the dashboard is
computed from the latest load, as before: the history adds to it and never changes it.
"""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np
import pandas as pd

from data.history import TABLES
from data.marts import CLIENTS_SQL, PROJECTS_SQL
from metrics.cache import per_load
from metrics.catalogue import summary_record
from metrics.context import Context, cached_base, cached_mart, frame_from, query_arrow, snapshot

__all__ = ["MOVE_COLUMNS", "deadline_moves", "history_summary", "recorded_syncs"]

MOVE_COLUMNS: tuple[str, ...] = (
    "tab", "deliverable_id", "deliverable_key", "project_id", "client_id", "slip_cause", "moved_at",
    "old_due_date", "new_due_date", "days_moved", "client_name", "account_manager", "tier", "project_manager",
    "department", "period_date", "in_period",
)

# Counting states only, so lag() reaches back over the syncs in which a deliverable did not count.
_MOVES_SQL = f"""
WITH h AS (
    SELECT d.*, s.recorded_at,
           lag(d.due_date) OVER (PARTITION BY d.tab, d.deliverable_id ORDER BY s.recorded_at, d.sync_id)
               AS old_due_date
    FROM history_deliverables d JOIN history_syncs s USING (sync_id)
    WHERE d.counted
)
SELECT h.tab, h.deliverable_id, h.tab || '/' || h.deliverable_id AS deliverable_key,
       h.project_id, h.client_id, h.slip_cause, h.recorded_at AS moved_at,
       h.old_due_date::TIMESTAMP AS old_due_date, h.due_date::TIMESTAMP AS new_due_date,
       c.client_name, c.account_manager, c.tier, p.project_manager, p.department
FROM h
LEFT JOIN ({CLIENTS_SQL}) c ON c.client_id = h.client_id
LEFT JOIN ({PROJECTS_SQL}) p ON p.project_id = h.project_id
WHERE h.old_due_date IS NOT NULL AND h.old_due_date <> h.due_date
ORDER BY moved_at, tab, deliverable_id
"""


def _has_history(con: duckdb.DuckDBPyConnection) -> bool:
    """A file written before the history existed (opened read-only) has no history tables:
    a query on them would fail and end the reader's snapshot, so ask the catalogue first."""
    found = query_arrow(con, "SELECT count(*) AS n FROM duckdb_tables() WHERE schema_name = 'main' "
                             f"AND table_name IN {TABLES!r}")
    return int(found["n"].iloc[0]) == len(TABLES)


@cached_base
def _moves_base(con: duckdb.DuckDBPyConnection, ctx: Context) -> pd.DataFrame:
    """Every recorded move, whatever as_of, with its days_moved and agency-local date."""
    if not _has_history(con):
        df = pd.DataFrame({c: pd.Series(dtype=object) for c in MOVE_COLUMNS})
        df["moved_at"] = pd.Series(dtype="datetime64[us, UTC]")
        for c in ("old_due_date", "new_due_date", "period_date"):
            df[c] = pd.Series(dtype="datetime64[us]")
        df["days_moved"] = pd.Series(dtype="float64")
        df["in_period"] = pd.Series(dtype=bool)
        return df
    df = query_arrow(con, _MOVES_SQL)
    df["moved_at"] = pd.to_datetime(df["moved_at"], utc=True).astype("datetime64[us, UTC]")
    for c in ("old_due_date", "new_due_date"):
        df[c] = pd.to_datetime(df[c]).astype("datetime64[us]")
    df["days_moved"] = np.asarray(ctx.calendar.working_days(df["old_due_date"], df["new_due_date"]),
                                  dtype="float64") if len(df) else np.zeros(0)
    df["period_date"] = ctx.local_dates(df["moved_at"]).astype("datetime64[us]")
    return df


@cached_mart
def deadline_moves(con: duckdb.DuckDBPyConnection, ctx: Context) -> pd.DataFrame:
    """The moves mart at ctx.as_of: one row per deadline move recorded at or before as_of."""
    df = _moves_base(con, ctx)
    as_of = pd.Timestamp(ctx.as_of_utc)
    rows = int((df["moved_at"] <= as_of).sum()) if len(df) else 0  # sorted by moved_at: a prefix
    return frame_from(df, rows, MOVE_COLUMNS, in_period=np.zeros(rows, dtype=bool))


@per_load
def recorded_syncs(con: duckdb.DuckDBPyConnection, ctx: Context) -> int:
    """`syncs`: the syncs recorded at or before as_of (0 before the first, or in a file without history)."""
    with snapshot(con) as snap:
        if not _has_history(snap):
            return 0
        n = query_arrow(snap, "SELECT count(*) AS n FROM history_syncs WHERE recorded_at <= ?", [ctx.as_of_utc])
        return int(n["n"].iloc[0])


def history_summary(con: duckdb.DuckDBPyConnection, ctx: Context) -> dict[str, Any]:
    """Every `history` catalogue expression over the moves mart: {name: value}, 0 without moves
    (as each family's summary; `syncs` is not a metric of the moves: see recorded_syncs)."""
    return summary_record(con, deadline_moves(con, ctx), "history")
