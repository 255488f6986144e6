"""Approval lags (SPEC §6): the approval-round mart and thin wrappers on the catalogue.

Each approvals row is one round of one deliverable (project_id + deliverable). Only a
round sent at or before as_of exists; a response after as_of has not happened yet, so
that round is pending. sent_at and responded_at are UTC instants in the store (a bare
date in the sheet was read as 00:00 agency time); they are turned into agency-local
dates here, in pandas, because DuckDB has no time-zone support in this build.

The numbers (pending, overdue, median_lag_days, first_round_approval_rate, …) are the
`approvals` family's catalogue expressions evaluated over the mart.
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
    utc_instants,
)

__all__ = [
    "ROUND_COLUMNS",
    "approval_trend",
    "approvals_summary",
    "lag_by_client",
    "pending_list",
    "rounds",
    "rounds_per_deliverable",
]

ROUND_COLUMNS: tuple[str, ...] = (
    "approval_id", "project_id", "project_name", "project_manager", "department", "client_id", "client_name",
    "account_manager", "tier", "deliverable", "deliverable_key", "round", "approver", "sent_at", "sent_date",
    "due_by", "responded_at", "responded_date", "decision", "is_answered", "lag_days", "is_overdue",
    "period_date", "in_period",
)

@cached_base
def _round_base(con: duckdb.DuckDBPyConnection, ctx: Context) -> pd.DataFrame:
    """Every round of the load as if all answers were in, sorted by sent_at; as_of cuts it."""
    df = materialized.read(con, "mart_approval_rounds")
    df["round"] = df["round"].astype("int64")
    df["sent_at"] = utc_instants(df["sent_at"])
    df["responded_at"] = utc_instants(df["responded_at"])
    if not df["sent_at"].is_monotonic_increasing:  # NULL sent_at sorts last; keep it out of the cut
        df = df[df["sent_at"].notna().to_numpy()].sort_values("sent_at", kind="stable").reset_index(drop=True)
    df["sent_date"] = ctx.local_dates(df["sent_at"]).astype("datetime64[us]")
    df["responded_date"] = ctx.local_dates(df["responded_at"]).astype("datetime64[us]")
    return df


@cached_mart
def rounds(con: duckdb.DuckDBPyConnection, ctx: Context) -> pd.DataFrame:
    """The approval-round mart at ctx.as_of: one row per round sent by then, filtered.

    sent_at/responded_at are aware UTC instants; sent_date, responded_date, due_by and
    period_date naive datetime64 agency-local dates; lag_days float64 working days.
    """
    base = _round_base(con, ctx)
    as_of = pd.Timestamp(ctx.as_of_utc)
    n = int(base["sent_at"].searchsorted(as_of, side="right"))  # sent later: not yet
    df = base.iloc[:n]
    answered = (df["responded_at"] <= as_of).fillna(False).to_numpy(dtype=bool)  # answered later: pending
    as_of_date = pd.Timestamp(ctx.as_of_date)
    responded_date = df["responded_date"].where(answered)
    lag_days = np.asarray(ctx.calendar.working_days(df["sent_date"], responded_date.where(answered, as_of_date)),
                          dtype="float64")
    pending = ~answered
    has_due = df["due_by"].notna().to_numpy(dtype=bool)
    past_due = has_due & (df["due_by"] < as_of_date).fillna(False).to_numpy(dtype=bool)
    past_sla = ~has_due & (lag_days > float(ctx.settings.approval_sla_days))
    df = frame_from(
        base, n, ROUND_COLUMNS,
        responded_at=df["responded_at"].where(answered).array,
        responded_date=responded_date.array,
        decision=df["decision"].where(answered).array,
        is_answered=answered,
        lag_days=lag_days,
        is_overdue=pending & (past_due | past_sla),
        period_date=responded_date.array,
        in_period=np.zeros(n, dtype=bool),  # flagged per period by cached_mart
    )
    return df  # cached_mart filters it and flags in_period per call


# ----------------------------------------------------------------------- catalogue wrappers


def approvals_summary(con: duckdb.DuckDBPyConnection, ctx: Context) -> dict[str, Any]:
    """Every `approvals` catalogue metric over the mart: {name: value or None}."""
    return summary_record(con, rounds(con, ctx), "approvals")


@per_load
def lag_by_client(con: duckdb.DuckDBPyConnection, ctx: Context) -> pd.DataFrame:
    """The `approvals` metrics per client (client_id, client_name), ordered by client_id."""
    return summarize(con, rounds(con, ctx), "approvals", group_by=["client_id", "client_name"])


@per_load
def approval_trend(con: duckdb.DuckDBPyConnection, ctx: Context, weeks: int = 12) -> pd.DataFrame:
    """The `approvals` flow metrics per 7-day week ending on as_of_date, oldest first."""
    return weekly(con, rounds(con, ctx), "approvals", ctx.as_of_date, weeks)


@per_load
def pending_list(con: duckdb.DuckDBPyConnection, ctx: Context) -> pd.DataFrame:
    """Rounds without a response at as_of, oldest first, with their age in working days."""
    mart = rounds(con, ctx)
    out = mart.loc[~mart["is_answered"], ["approval_id", "client_id", "client_name", "account_manager",
                                          "project_id", "project_name", "project_manager", "deliverable",
                                          "deliverable_key", "round", "approver", "sent_at", "sent_date", "due_by",
                                          "lag_days", "is_overdue"]]
    out = out.rename(columns={"lag_days": "age_days"})
    return out.sort_values(["sent_at", "approval_id"], kind="stable").reset_index(drop=True)


@per_load
def rounds_per_deliverable(con: duckdb.DuckDBPyConnection, ctx: Context) -> pd.DataFrame:
    """One row per deliverable_key: its rounds so far and how its approval went.

    - rounds: approval rows sent at or before as_of; last_round: the highest round number.
    - approved: a round answered `approved` by as_of; approved_round: the first such round.
    - final_decision: the decision of the latest round (null while that round is pending).
    - days_to_approval: working days from the first round's sent date to the first
      approval's responded date (null until approved).
    """
    mart = rounds(con, ctx)
    cols = ["deliverable_key", "project_id", "project_name", "client_id", "client_name", "deliverable", "rounds",
            "last_round", "first_sent_date", "approved", "approved_round", "approved_date", "final_decision",
            "days_to_approval"]
    if mart.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    ordered = mart.sort_values(["deliverable_key", "round", "sent_at", "approval_id"], kind="stable")
    g = ordered.groupby("deliverable_key", sort=True)
    out = g.agg(project_id=("project_id", "first"), project_name=("project_name", "first"),
                client_id=("client_id", "first"), client_name=("client_name", "first"),
                deliverable=("deliverable", "first"), rounds=("approval_id", "size"),
                last_round=("round", "max"), first_sent_date=("sent_date", "min"))
    last = ordered.groupby("deliverable_key", sort=True).tail(1).set_index("deliverable_key")["decision"]
    out["final_decision"] = last.astype(object).where(last.notna(), None)
    approvals = ordered[ordered["decision"] == "approved"].sort_values(["responded_at", "round"], kind="stable")
    first_ok = approvals.groupby("deliverable_key").agg(approved_round=("round", "first"),
                                                         approved_date=("responded_date", "first"))
    out = out.join(first_ok)
    out["approved"] = out["approved_round"].notna()
    out["approved_round"] = out["approved_round"].astype("Int64")
    out["approved_date"] = out["approved_date"].astype("datetime64[us]")
    out["days_to_approval"] = np.asarray(ctx.calendar.working_days(out["first_sent_date"], out["approved_date"]),
                                         dtype="float64")
    out = out.reset_index()[cols]
    out["final_decision"] = out["final_decision"].astype(object).where(out["final_decision"].notna(), None)
    return out
