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

from metrics import materialized
from metrics.cache import per_load
from metrics.catalogue import summarize, summary_record, weekly
from metrics.context import (
    Context,
    cached_base,
    cached_mart,
    frame_from,
)

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


@cached_base
def _deliverable_base(con: duckdb.DuckDBPyConnection, ctx: Context) -> pd.DataFrame:
    """Every live deliverable of the load with its dates; what as_of changes comes after."""
    df = materialized.read(con, "mart_deliverables")  # dates come as TIMESTAMP: naive datetime64[us]
    df["rescheduled"] = (df["due_date"] != df["baseline_due"]).fillna(False).astype(bool)
    return df


@cached_mart
def deliverables(con: duckdb.DuckDBPyConnection, ctx: Context) -> pd.DataFrame:
    """The deliverable mart at ctx.as_of: one row per (non-cancelled) deliverable, filtered.

    Columns are DELIVERABLE_COLUMNS; dates are naive datetime64 (local dates), slip_days
    and days_overdue are float64 working days (days_overdue NaN unless overdue).
    """
    df = _deliverable_base(con, ctx)
    cal = ctx.calendar
    as_of_date = pd.Timestamp(ctx.as_of_date)
    delivered = (df["delivered_date"] <= as_of_date).fillna(False).to_numpy(dtype=bool)
    # An open deliverable has slipped at least to its current due date, and keeps
    # slipping day by day once that date has passed.
    open_end = df["due_date"].where(df["due_date"] > as_of_date, as_of_date)
    slip_end = df["delivered_date"].where(delivered, open_end)
    overdue = ~delivered & (df["due_date"] < as_of_date).fillna(False).to_numpy(dtype=bool)
    slip_days = np.asarray(cal.working_days(df["baseline_due"], slip_end), dtype="float64")
    days_overdue = np.full(len(df), np.nan)
    if overdue.any():
        days_overdue[overdue] = cal.working_days(df["due_date"][overdue],
                                                 pd.Series(as_of_date, index=df.index[overdue]))
    period_date = df["delivered_date"].where(delivered).astype("datetime64[us]")
    df = frame_from(
        df, len(df), DELIVERABLE_COLUMNS,
        is_delivered=delivered,
        slip_days=slip_days,
        on_time=slip_days <= 0,
        overdue=overdue,
        days_overdue=days_overdue,
        period_date=period_date.array,
        in_period=np.zeros(len(df), dtype=bool),  # flagged per period by cached_mart
    )
    return df  # cached_mart filters it and flags in_period per call


# ----------------------------------------------------------------------- catalogue wrappers


def deadlines_summary(con: duckdb.DuckDBPyConnection, ctx: Context) -> dict[str, Any]:
    """Every `deadlines` catalogue metric over the mart: {name: value or None}."""
    return summary_record(con, deliverables(con, ctx), "deadlines")


@per_load
def slip_by(con: duckdb.DuckDBPyConnection, ctx: Context, dimension: str) -> pd.DataFrame:
    """The `deadlines` metrics per value of one dimension (client_name adds client_id).

    Rows whose dimension is blank (no PM, no department, no slip cause) form one group
    with a null key, listed last.
    """
    if dimension not in SLIP_DIMENSIONS:
        raise ValueError(f"slip_by: {dimension!r} is not one of {', '.join(SLIP_DIMENSIONS)}")
    return summarize(con, deliverables(con, ctx), "deadlines", group_by=SLIP_DIMENSIONS[dimension])


@per_load
def deadline_trend(con: duckdb.DuckDBPyConnection, ctx: Context, weeks: int = 12) -> pd.DataFrame:
    """The `deadlines` flow metrics per 7-day week ending on as_of_date, oldest first."""
    return weekly(con, deliverables(con, ctx), "deadlines", ctx.as_of_date, weeks)


_LIST_COLUMNS = ["deliverable_id", "kind", "deliverable_name", "owner", "project_id", "project_name",
                 "project_manager", "client_id", "client_name", "account_manager"]


@per_load
def slip_distribution(con: duckdb.DuckDBPyConnection, ctx: Context) -> pd.DataFrame:
    """The period's delivered deliverables with their slip_days, for a histogram."""
    mart = deliverables(con, ctx)
    out = mart.loc[mart["in_period"], [*_LIST_COLUMNS, "baseline_due", "delivered_date", "slip_days", "on_time",
                                        "slip_cause"]]
    return out.sort_values(["slip_days", "deliverable_id"], kind="stable").reset_index(drop=True)


@per_load
def overdue_list(con: duckdb.DuckDBPyConnection, ctx: Context) -> pd.DataFrame:
    """Open deliverables past their current due date at as_of, most days_overdue first."""
    mart = deliverables(con, ctx)
    out = mart.loc[mart["overdue"], [*_LIST_COLUMNS, "baseline_due", "due_date", "days_overdue", "slip_days",
                                      "rescheduled", "slip_cause"]]
    return out.sort_values(["days_overdue", "due_date", "deliverable_id"], ascending=[False, True, True],
                           kind="stable").reset_index(drop=True)


@per_load
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
