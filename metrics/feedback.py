"""Feedback scores (SPEC §7): the responses mart and the views built on it.

The mart (`responses`) has one row per feedback response received on or before
as_of's date (a response dated later has not happened yet, SPEC §3):

- `response_id`, `client_id`, `project_id` (may be null), `received_on` (a date),
  `scale` (nps or csat), `score`, `respondent`, `comment`, plus the dimension columns
  of every mart (`client_name`, `account_manager`, `tier`, `project_name`,
  `project_manager`, `department`);
- `normalized`: the score on a 0–100 axis, NPS × 10 or (CSAT − 1) × 25;
- `detractor`: an NPS score <= 6 or a CSAT score <= 2;
- `promoter`: an NPS score >= 9 (False for CSAT rows);
- `satisfied`: a CSAT score >= 4 (False for NPS rows);
- `period_date`: received_on as datetime64, and `in_period`: it falls in the period.

NPS, CSAT, response counts and the average normalised score are the catalogue's
`feedback` expressions (metrics.catalogue) evaluated over this mart, never re-derived
here. Global filters apply: the client-level ones to every row, the project manager
and department ones only match responses that name a project.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from data.marts import CLIENTS_SQL
from metrics import materialized
from metrics.cache import per_load
from metrics.catalogue import metric, summarize, summary_record, weekly
from metrics.context import (
    Context,
    Filters,
    cached_base,
    cached_mart,
    client_filter_sql,
    project_filter_sql,
    query_df,
)

FAMILY = "feedback"
TREND_DAYS = 90  # feedback_by_client's trend: last 90 days vs the 90 days before

MART_COLUMNS = [
    "response_id", "client_id", "client_name", "account_manager", "tier", "project_id", "project_name",
    "project_manager", "department", "received_on", "scale", "score", "normalized", "detractor", "promoter",
    "satisfied", "respondent", "comment", "period_date", "in_period",
]

@cached_base
def _response_base(con: duckdb.DuckDBPyConnection, ctx: Context) -> pd.DataFrame:
    """Every response of the load, scored, ordered by received_on; as_of cuts it."""
    df = _enrich(materialized.read(con, "mart_feedback_responses"), ctx)
    if not df["period_date"].is_monotonic_increasing:  # a scan keeps the table's order; make sure
        df = df.sort_values(["period_date", "response_id"], kind="stable").reset_index(drop=True)
    return df


@cached_mart
def responses(con: duckdb.DuckDBPyConnection, ctx: Context) -> pd.DataFrame:
    """The feedback mart: one row per response received on or before as_of's date, filtered."""
    base = _response_base(con, ctx)
    return base.iloc[: int(base["period_date"].searchsorted(pd.Timestamp(ctx.as_of_date), side="right"))]


def _enrich(raw: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    df = raw.copy()
    score = pd.to_numeric(df["score"], errors="coerce").astype("float64")
    is_nps = (df["scale"] == "nps").to_numpy(dtype=bool)
    is_csat = (df["scale"] == "csat").to_numpy(dtype=bool)
    s = score.to_numpy()
    df["score"] = score
    df["normalized"] = np.where(is_nps, s * 10.0, np.where(is_csat, (s - 1.0) * 25.0, np.nan))
    df["detractor"] = (is_nps & (s <= 6)) | (is_csat & (s <= 2))
    df["promoter"] = is_nps & (s >= 9)
    df["satisfied"] = is_csat & (s >= 4)
    period_date = pd.to_datetime(df["received_on"]).astype("datetime64[ns]")
    df["received_on"] = period_date.dt.date
    df["period_date"] = period_date
    df["in_period"] = ctx.in_period(period_date).to_numpy(dtype=bool)
    for col in ("detractor", "promoter", "satisfied", "in_period"):
        df[col] = df[col].astype(bool)
    return df[MART_COLUMNS]


# ------------------------------------------------------------------------------ views


def feedback_summary(con: duckdb.DuckDBPyConnection, ctx: Context) -> dict[str, Any]:
    """The period's responses, nps, csat, avg_normalized_score and detractors (None when undefined)."""
    rec = summary_record(con, responses(con, ctx), FAMILY)
    return {k: int(v) if v is not None and metric(k).format == "int" else v for k, v in rec.items()}


def feedback_trend(con: duckdb.DuckDBPyConnection, ctx: Context, weeks: int = 12) -> pd.DataFrame:
    """The feedback flow metrics per 7-day week ending on as_of's date, oldest first."""
    return weekly(con, responses(con, ctx), FAMILY, ctx.as_of_date, weeks)


def _client_rows(con: duckdb.DuckDBPyConnection, f: Filters, active_only: bool = False) -> pd.DataFrame:
    """Clients matching the client-level filters; with a project manager or department
    filter, only clients that have at least one project matching it."""
    where, params = client_filter_sql(f, "c")
    if f.project_managers or f.departments:
        pwhere, pparams = project_filter_sql(f, "p")
        where += f" AND EXISTS (SELECT 1 FROM projects p WHERE p.client_id = c.client_id AND {pwhere})"
        params += pparams
    if active_only:
        where += " AND coalesce(c.client_status, 'active') = 'active'"
    return query_df(con, f"SELECT * FROM ({CLIENTS_SQL}) c WHERE {where} ORDER BY c.client_id", params)


def _with_window(mart: pd.DataFrame, start: dt.date, end: dt.date) -> pd.DataFrame:
    m = mart.copy()
    d = pd.to_datetime(m["period_date"])
    m["in_period"] = ((d >= pd.Timestamp(start)) & (d <= pd.Timestamp(end))).to_numpy(dtype=bool)
    return m


@per_load
def feedback_by_client(con: duckdb.DuckDBPyConnection, ctx: Context) -> pd.DataFrame:
    """One row per client (matching the filters), ordered by client_id.

    Period metrics: responses, nps, csat, avg_normalized_score, detractors. Trend:
    `score_last_90d` and `score_prev_90d` are the average normalised scores of the 90
    days ending on as_of's date and of the 90 days before them; `score_change` is the
    first minus the second (null unless both have responses). `last_score`,
    `last_scale`, `last_normalized` and `last_received_on` describe the client's most
    recent response on or before as_of's date (None when it has none).
    """
    mart = responses(con, ctx)
    clients = _client_rows(con, ctx.filters)[["client_id", "client_name", "account_manager", "tier"]]
    period = summarize(con, mart, FAMILY, ["client_id"])
    end = ctx.as_of_date
    last = summarize(con, _with_window(mart, end - dt.timedelta(days=TREND_DAYS - 1), end), FAMILY,
                     ["client_id"], ["avg_normalized_score"]).rename(
        columns={"avg_normalized_score": "score_last_90d"})
    prev_end = end - dt.timedelta(days=TREND_DAYS)
    prev = summarize(con, _with_window(mart, prev_end - dt.timedelta(days=TREND_DAYS - 1), prev_end), FAMILY,
                     ["client_id"], ["avg_normalized_score"]).rename(
        columns={"avg_normalized_score": "score_prev_90d"})
    latest = (
        mart.sort_values(["period_date", "response_id"])
        .groupby("client_id", as_index=False)
        .tail(1)[["client_id", "score", "scale", "normalized", "received_on"]]
        .rename(columns={"score": "last_score", "scale": "last_scale", "normalized": "last_normalized",
                         "received_on": "last_received_on"})
    )
    out = clients
    for part in (period, last, prev, latest):
        out = out.merge(part, on="client_id", how="left")
    out["score_change"] = out["score_last_90d"] - out["score_prev_90d"]
    for col in ("responses", "detractors"):
        out[col] = out[col].fillna(0).astype("int64")
    out["last_received_on"] = out["last_received_on"].astype(object).where(out["last_received_on"].notna(), None)
    return out.sort_values("client_id").reset_index(drop=True)


@per_load
def monthly_scores(con: duckdb.DuckDBPyConnection, ctx: Context, months: int = 12) -> pd.DataFrame:
    """NPS, CSAT, responses and average normalised score per calendar month, oldest first.

    The last `months` calendar months up to and including as_of's month (which counts
    only up to as_of's date); `month` is the month's first day. Months without a
    response have 0 responses and null scores.
    """
    mart = responses(con, ctx)
    first = pd.Timestamp(ctx.as_of_date).to_period("M")
    all_months = pd.DataFrame({"month": [(first - k).to_timestamp() for k in range(months - 1, -1, -1)]})
    m = mart.copy()
    m["month"] = pd.to_datetime(m["period_date"]).dt.to_period("M").dt.to_timestamp()
    m = m[m["month"] >= all_months["month"].iloc[0]].copy()
    m["in_period"] = True
    names = ["responses", "nps", "csat", "avg_normalized_score"]
    got = summarize(con, m, FAMILY, ["month"], names)
    got["month"] = pd.to_datetime(got["month"]).astype("datetime64[ns]")
    all_months["month"] = all_months["month"].astype("datetime64[ns]")
    out = all_months.merge(got, on="month", how="left")
    out["responses"] = out["responses"].fillna(0).astype("int64")
    return out[["month", *names]]


_LIST_COLUMNS = ["received_on", "response_id", "client_id", "client_name", "account_manager", "project_id",
                 "project_name", "scale", "score", "normalized", "detractor", "respondent", "comment"]


def _newest_first(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(["period_date", "response_id"], ascending=[False, False])[_LIST_COLUMNS].reset_index(
        drop=True)


@per_load
def detractor_list(con: duckdb.DuckDBPyConnection, ctx: Context) -> pd.DataFrame:
    """The period's detractor responses (NPS <= 6, CSAT <= 2) with their comments, newest first."""
    mart = responses(con, ctx)
    return _newest_first(mart[(mart["in_period"] & mart["detractor"]).to_numpy(dtype=bool)])


@per_load
def comments(con: duckdb.DuckDBPyConnection, ctx: Context) -> pd.DataFrame:
    """The period's responses with a non-empty comment, newest first."""
    mart = responses(con, ctx)
    text = mart["comment"].astype("string").str.strip().fillna("")
    return _newest_first(mart[(mart["in_period"] & (text != "")).to_numpy(dtype=bool)])


@per_load
def silent_clients(con: duckdb.DuckDBPyConnection, ctx: Context, days: int = 90) -> pd.DataFrame:
    """Active clients with no feedback response in the `days` days ending on as_of's date.

    Silence is about the client, so any of its responses counts, whatever its project;
    the filters choose which clients are listed (with a project manager or department
    filter: clients having a project that matches it). `last_response` is the date of
    its latest response on or before as_of's date (None if it never answered) and
    `days_silent` the calendar days since then. Never-answered clients come first, then
    the longest silent.
    """
    clients = _client_rows(con, ctx.filters, active_only=True)
    start = ctx.as_of_date - dt.timedelta(days=days - 1)
    last = query_df(
        con,
        "SELECT client_id, max(received_on) AS last_response FROM feedback WHERE received_on <= ? GROUP BY client_id",
        [ctx.as_of_date],
    )
    out = clients.merge(last, on="client_id", how="left")
    last_dates = pd.to_datetime(out["last_response"])
    silent = (last_dates.isna() | (last_dates < pd.Timestamp(start))).to_numpy(dtype=bool)
    out = out[silent].copy()
    last_dates = last_dates[silent]
    out["days_silent"] = (pd.Timestamp(ctx.as_of_date) - last_dates).dt.days.astype("Int64")
    out["last_response"] = [None if pd.isna(d) else d.date() for d in last_dates]
    out["_order"] = last_dates.to_numpy()
    out = out.sort_values(["client_id"]).sort_values("_order", na_position="first", kind="stable")
    return out[["client_id", "client_name", "account_manager", "tier", "last_response", "days_silent"]].reset_index(
        drop=True)
