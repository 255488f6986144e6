"""Deadline slippage (SPEC §4): the deliverable mart and thin wrappers on the catalogue.

A deliverable is a milestone row, or a project that has no milestone row at all (the
project itself, with its own dates). Cancelled deliverables, and every deliverable of a
cancelled project, are left out of every deadline metric.

The mart is built here (joins in DuckDB, working-day arithmetic in pandas through the
agency's Calendar); the numbers (delivered, on_time_rate, median_slip_days, …) are the
`deadlines` family's catalogue expressions evaluated over it, never recomputed here.
Every date in this family is a DATE as loaded, so no time-zone conversion is involved:
only as_of is turned into the agency-local `as_of_date`.
"""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np
import pandas as pd

from metrics.catalogue import summarize, summary_record, weekly
from metrics.context import CLIENTS_SQL, PROJECTS_SQL, Context, apply_filters, cached_mart, query_df

__all__ = [
    "DELIVERABLE_COLUMNS",
    "SLIP_DIMENSIONS",
    "deadline_trend",
    "deadlines_summary",
    "deliverables",
    "overdue_list",
    "rescheduled_list",
    "slip_by",
    "slip_distribution",
]

DELIVERABLE_COLUMNS: tuple[str, ...] = (
    "deliverable_id", "kind", "deliverable_name", "owner", "project_id", "project_name", "project_manager",
    "department", "client_id", "client_name", "account_manager", "tier", "status", "baseline_due", "due_date",
    "delivered_date", "is_delivered", "slip_days", "on_time", "overdue", "days_overdue", "rescheduled",
    "slip_cause", "period_date", "in_period",
)

# What slip_by may group by; a client is grouped by id and name (two clients may share a name).
SLIP_DIMENSIONS: dict[str, list[str]] = {
    "client_name": ["client_id", "client_name"],
    "project_manager": ["project_manager"],
    "department": ["department"],
    "slip_cause": ["slip_cause"],
}

_TEXT = ("deliverable_id", "kind", "deliverable_name", "owner", "project_id", "project_name", "project_manager",
         "department", "client_id", "client_name", "account_manager", "tier", "status", "slip_cause")
_DATES = ("baseline_due", "due_date", "delivered_date")

# Milestones of live projects, plus every live project without a single milestone row.
_DELIVERABLES_SQL = f"""
WITH p AS ({PROJECTS_SQL}), c AS ({CLIENTS_SQL})
SELECT m.milestone_id AS deliverable_id, 'milestone' AS kind, m.milestone_name AS deliverable_name,
       m.owner AS owner, p.project_id, p.project_name, p.project_manager, p.department,
       c.client_id, c.client_name, c.account_manager, c.tier, m.status,
       m.baseline_due, m.due_date, m.delivered_date, m.slip_cause
FROM milestones m
JOIN p ON p.project_id = m.project_id
LEFT JOIN c ON c.client_id = p.project_client_id
WHERE coalesce(m.status, '') <> 'cancelled' AND coalesce(p.project_status, '') <> 'cancelled'
UNION ALL
SELECT pr.project_id, 'project', pr.project_name, pr.project_manager, pr.project_id, pr.project_name,
       pr.project_manager, pr.department, c.client_id, c.client_name, c.account_manager, c.tier, pr.status,
       pr.baseline_due, pr.due_date, pr.delivered_date, pr.slip_cause
FROM projects pr
LEFT JOIN c ON c.client_id = pr.client_id
WHERE coalesce(pr.status, '') <> 'cancelled'
  AND NOT EXISTS (SELECT 1 FROM milestones m WHERE m.project_id = pr.project_id)
ORDER BY project_id, kind DESC, deliverable_id
"""


def _as_dates(s: pd.Series) -> pd.Series:
    """DATE values as naive datetime64 (NaT where blank)."""
    return pd.to_datetime(s).astype("datetime64[us]")


@cached_mart
def deliverables(con: duckdb.DuckDBPyConnection, ctx: Context) -> pd.DataFrame:
    """The deliverable mart at ctx.as_of: one row per (non-cancelled) deliverable, filtered.

    Columns are DELIVERABLE_COLUMNS; dates are naive datetime64 (local dates), slip_days
    and days_overdue are float64 working days (days_overdue NaN unless overdue).
    """
    raw = query_df(con, _DELIVERABLES_SQL)
    df = pd.DataFrame(index=raw.index)
    for col in _TEXT:
        df[col] = raw[col].astype(object).where(raw[col].notna(), None)
    for col in _DATES:
        df[col] = _as_dates(raw[col])

    cal = ctx.calendar
    as_of_date = pd.Timestamp(ctx.as_of_date)
    delivered = df["delivered_date"].notna() & (df["delivered_date"] <= as_of_date)
    # An open deliverable has slipped at least to its current due date, and keeps
    # slipping day by day once that date has passed.
    open_end = df["due_date"].where(df["due_date"] > as_of_date, as_of_date)
    slip_end = df["delivered_date"].where(delivered, open_end)
    overdue = ~delivered & (df["due_date"] < as_of_date)

    df["is_delivered"] = delivered.astype(bool)
    df["slip_days"] = np.asarray(cal.working_days(df["baseline_due"], slip_end), dtype="float64")
    df["on_time"] = (df["slip_days"] <= 0).astype(bool)
    df["overdue"] = overdue.astype(bool)
    days_overdue = np.asarray(cal.working_days(df["due_date"], pd.Series(as_of_date, index=df.index)),
                              dtype="float64")
    df["days_overdue"] = np.where(overdue.to_numpy(), days_overdue, np.nan)
    df["rescheduled"] = (df["due_date"] != df["baseline_due"]).fillna(False).astype(bool)
    df["period_date"] = df["delivered_date"].where(delivered).astype("datetime64[us]")
    df["in_period"] = ctx.in_period(df["period_date"]).fillna(False).astype(bool)
    df = df[list(DELIVERABLE_COLUMNS)]
    return apply_filters(df, ctx.filters).reset_index(drop=True)


# ----------------------------------------------------------------------- catalogue wrappers


def deadlines_summary(con: duckdb.DuckDBPyConnection, ctx: Context) -> dict[str, Any]:
    """Every `deadlines` catalogue metric over the mart: {name: value or None}."""
    return summary_record(con, deliverables(con, ctx), "deadlines")


def slip_by(con: duckdb.DuckDBPyConnection, ctx: Context, dimension: str) -> pd.DataFrame:
    """The `deadlines` metrics per value of one dimension (client_name adds client_id).

    Rows whose dimension is blank (no PM, no department, no slip cause) form one group
    with a null key, listed last.
    """
    if dimension not in SLIP_DIMENSIONS:
        raise ValueError(f"slip_by: {dimension!r} is not one of {', '.join(SLIP_DIMENSIONS)}")
    return summarize(con, deliverables(con, ctx), "deadlines", group_by=SLIP_DIMENSIONS[dimension])


def deadline_trend(con: duckdb.DuckDBPyConnection, ctx: Context, weeks: int = 12) -> pd.DataFrame:
    """The `deadlines` flow metrics per 7-day week ending on as_of_date, oldest first."""
    return weekly(con, deliverables(con, ctx), "deadlines", ctx.as_of_date, weeks)


_LIST_COLUMNS = ["deliverable_id", "kind", "deliverable_name", "owner", "project_id", "project_name",
                 "project_manager", "client_id", "client_name", "account_manager"]


def slip_distribution(con: duckdb.DuckDBPyConnection, ctx: Context) -> pd.DataFrame:
    """The period's delivered deliverables with their slip_days, for a histogram."""
    mart = deliverables(con, ctx)
    out = mart.loc[mart["in_period"], [*_LIST_COLUMNS, "baseline_due", "delivered_date", "slip_days", "on_time",
                                        "slip_cause"]]
    return out.sort_values(["slip_days", "deliverable_id"], kind="stable").reset_index(drop=True)


def overdue_list(con: duckdb.DuckDBPyConnection, ctx: Context) -> pd.DataFrame:
    """Open deliverables past their current due date at as_of, most days_overdue first."""
    mart = deliverables(con, ctx)
    out = mart.loc[mart["overdue"], [*_LIST_COLUMNS, "baseline_due", "due_date", "days_overdue", "slip_days",
                                      "rescheduled", "slip_cause"]]
    return out.sort_values(["days_overdue", "due_date", "deliverable_id"], ascending=[False, True, True],
                           kind="stable").reset_index(drop=True)


def rescheduled_list(con: duckdb.DuckDBPyConnection, ctx: Context, open_only: bool = False) -> pd.DataFrame:
    """Deliverables whose deadline moved: baseline_due → due_date and `moved_days`.

    moved_days = working_days(baseline_due, due_date): positive when the deadline was
    pushed back. Open ones first, then the largest move.
    """
    mart = deliverables(con, ctx)
    keep = mart["rescheduled"] & (~mart["is_delivered"] if open_only else True)
    out = mart.loc[keep, [*_LIST_COLUMNS, "baseline_due", "due_date", "delivered_date", "is_delivered",
                          "overdue", "slip_days", "slip_cause"]].copy()
    out.insert(out.columns.get_loc("due_date") + 1, "moved_days",
               np.asarray(ctx.calendar.working_days(out["baseline_due"], out["due_date"]), dtype="float64"))
    return out.sort_values(["is_delivered", "moved_days", "deliverable_id"], ascending=[True, False, True],
                           kind="stable").reset_index(drop=True)
