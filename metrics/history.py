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

from data.history import TAB_OF_KIND, TABLES
from data.marts import CLIENTS_SQL, PROJECTS_SQL
from lang import N_
from metrics.cache import per_load
from metrics.catalogue import summarize, summary_record
from metrics.context import Context, cached_base, cached_mart, frame_from, query_arrow, snapshot
from metrics.deadlines import deliverables

__all__ = ["MOVE_COLUMNS", "MOVE_DIMENSIONS", "deadline_moves", "deliverable_timeline", "history_summary",
           "most_replanned", "move_list", "moves_by", "recorded_syncs"]

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


# ------------------------------------------------------------------------------ the slip ledger

# What moves_by may group by; a client is grouped by id and name (two clients may share a name).
MOVE_DIMENSIONS: dict[str, list[str]] = {
    "client_name": ["client_id", "client_name"],
    "project_manager": ["project_manager"],
    "slip_cause": ["slip_cause"],
}


@per_load
def moves_by(con: duckdb.DuckDBPyConnection, ctx: Context, dimension: str) -> pd.DataFrame:
    """The `history` metrics of the period's moves per value of one dimension, most moves first
    (then most net days, then the key), with each group's `share` of the period's moves and the
    running `cumulative_share` (a Pareto of them). Only groups with a move in the period; a blank
    value (no PM, no slip cause) is one group with a null key."""
    if dimension not in MOVE_DIMENSIONS:
        raise ValueError(f"moves_by: {dimension!r} is not one of {', '.join(MOVE_DIMENSIONS)}")
    keys = MOVE_DIMENSIONS[dimension]
    mart = deadline_moves(con, ctx)
    period = mart[mart["in_period"]].reset_index(drop=True)
    out = summarize(con, period, "history", group_by=keys)
    if out.empty:
        return out.assign(share=pd.Series(dtype="float64"), cumulative_share=pd.Series(dtype="float64"))
    out = out.sort_values(["deadline_moves", "net_days_moved", keys[-1]], ascending=[False, False, True],
                          na_position="last", kind="stable").reset_index(drop=True)
    total = float(out["deadline_moves"].sum())
    out["share"] = out["deadline_moves"] / total
    out["cumulative_share"] = out["deadline_moves"].cumsum() / total
    return out


_NAME_COLUMNS = ["deliverable_key", "deliverable_name", "project_name", "delivered_date", "baseline_due", "due_date"]


def _names(con: duckdb.DuckDBPyConnection, ctx: Context) -> pd.DataFrame:
    """deliverable_key → its name, project, dates in the latest load (the deliverables mart at as_of)."""
    d = deliverables(con, ctx.shifted(filters=type(ctx.filters)()))
    delivered = d["delivered_date"].where(d["is_delivered"])
    return pd.DataFrame({
        "deliverable_key": (d["kind"].map(TAB_OF_KIND) + "/" + d["deliverable_id"].astype(str)).to_numpy(),
        "deliverable_name": d["deliverable_name"].to_numpy(), "project_name": d["project_name"].to_numpy(),
        "delivered_date": delivered.to_numpy(), "baseline_due": d["baseline_due"].to_numpy(),
        "due_date": d["due_date"].to_numpy(),
    })


@per_load
def move_list(con: duckdb.DuckDBPyConnection, ctx: Context, period_only: bool = True) -> pd.DataFrame:
    """The moves (the period's, or every one recorded at or before as_of), newest first, each
    with its deliverable's name and project: old → new due date, days_moved, slip_cause, who."""
    mart = deadline_moves(con, ctx)
    rows = mart[mart["in_period"]] if period_only else mart
    out = rows.merge(_names(con, ctx)[["deliverable_key", "deliverable_name", "project_name"]],
                     on="deliverable_key", how="left")
    out["deliverable_name"] = out["deliverable_name"].fillna(out["deliverable_id"])
    return out.sort_values(["moved_at", "deliverable_key"], ascending=[False, True], kind="stable"
                           ).reset_index(drop=True)


@per_load
def most_replanned(con: duckdb.DuckDBPyConnection, ctx: Context, limit: int | None = 10) -> pd.DataFrame:
    """The deliverables re-planned most often over the whole recorded history up to as_of (a
    week rarely moves one twice): one row per moved deliverable with `moves`, `moves_in_period`,
    `net_days_moved`, its first recorded and current due date, the last move's date and cause.
    Most moves first, then most net days, then the key."""
    mart = deadline_moves(con, ctx)
    cols = ["deliverable_key", "tab", "deliverable_id", "deliverable_name", "project_name", "client_id",
            "client_name", "account_manager", "project_manager", "moves", "moves_in_period", "net_days_moved",
            "first_due", "current_due", "last_moved_at", "last_cause"]
    if mart.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    g = mart.groupby("deliverable_key", sort=False)
    out = pd.DataFrame({
        "moves": g.size(),
        "moves_in_period": g["in_period"].sum().astype("int64"),
        "net_days_moved": g["days_moved"].sum(),
        "first_due": g["old_due_date"].first(),
        "current_due": g["new_due_date"].last(),
        "last_moved_at": g["moved_at"].last(),
        "last_cause": g["slip_cause"].last(),
    }).reset_index()
    last = mart.drop_duplicates("deliverable_key", keep="last")[
        ["deliverable_key", "tab", "deliverable_id", "client_id", "client_name", "account_manager",
         "project_manager"]]
    out = out.merge(last, on="deliverable_key").merge(
        _names(con, ctx)[["deliverable_key", "deliverable_name", "project_name"]], on="deliverable_key", how="left")
    out["deliverable_name"] = out["deliverable_name"].fillna(out["deliverable_id"])
    out = out.sort_values(["moves", "net_days_moved", "deliverable_key"], ascending=[False, False, True],
                          kind="stable").reset_index(drop=True)[cols]
    return out if limit is None else out.head(limit)


TIMELINE_COLUMNS = ["event", "on", "due_date", "days_moved", "slip_cause"]


@per_load
def deliverable_timeline(con: duckdb.DuckDBPyConnection, ctx: Context, deliverable_key: str) -> pd.DataFrame:
    """One deliverable's story at as_of, oldest first: `first agreed` (its baseline_due), a
    `changed before the history` row when the first recorded due date already differs from it,
    every recorded `moved` (on the move's agency-local date, to its new due date, days_moved in
    working days, slip cause), then `delivered` (on its delivered_date) or `open` (due now).
    Columns: event, on (date or NaT), due_date (the due date from then on), days_moved, slip_cause.
    The events stay English (marked N_): a page shows them through _()."""
    moves = deadline_moves(con, ctx.shifted(filters=type(ctx.filters)()))
    moves = moves[moves["deliverable_key"] == deliverable_key]
    names = _names(con, ctx)
    info = names[names["deliverable_key"] == deliverable_key]
    rows: list[dict[str, Any]] = []
    baseline = info["baseline_due"].iloc[0] if len(info) else pd.NaT
    first_due = moves["old_due_date"].iloc[0] if len(moves) else (info["due_date"].iloc[0] if len(info) else pd.NaT)
    if pd.notna(baseline):
        rows.append({"event": N_("first agreed"), "on": pd.NaT, "due_date": baseline, "days_moved": np.nan,
                     "slip_cause": None})
    if pd.notna(first_due) and (pd.isna(baseline) or first_due != baseline):
        before = (float(ctx.calendar.working_days(pd.Series([baseline]), pd.Series([first_due]))[0])
                  if pd.notna(baseline) else np.nan)
        rows.append({"event": N_("changed before the history") if len(moves) else N_("changed (not recorded)"),
                     "on": pd.NaT, "due_date": first_due, "days_moved": before,
                     "slip_cause": None})
    for r in moves.itertuples(index=False):
        rows.append({"event": N_("moved"), "on": r.period_date, "due_date": r.new_due_date, "days_moved": r.days_moved,
                     "slip_cause": None if pd.isna(r.slip_cause) else r.slip_cause})
    if len(info):
        done = info["delivered_date"].iloc[0]
        rows.append({"event": N_("delivered") if pd.notna(done) else N_("open"),
                     "on": done if pd.notna(done) else pd.NaT,
                     "due_date": info["due_date"].iloc[0], "days_moved": np.nan, "slip_cause": None})
    out = pd.DataFrame(rows, columns=TIMELINE_COLUMNS)
    for c in ("on", "due_date"):
        out[c] = pd.to_datetime(out[c]).astype("datetime64[us]")
    out["days_moved"] = out["days_moved"].astype("float64")
    return out

