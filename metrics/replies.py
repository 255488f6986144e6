"""Unanswered queues and response times (SPEC §5): the reply-episode mart and its views.

A *reply episode* is one stretch of waiting inside a thread: a client message that
needs a reply opens an *agency* episode (the client waits on us) that the first later
agency message closes, and symmetrically an agency message that needs a reply opens a
*client* episode (we wait on the client) that the first later client message closes.
Every reply metric of the catalogue (`metrics.catalogue`, family ``replies``) is an
expression over this mart, one row per episode, so the tiles, the report command and
the tests all count the same episodes.

The episodes are built in DuckDB with one window pass per thread (no per-message
Python loop, so a million messages stay interactive); business hours, local dates and
SLA flags are then added vectorised in numpy/pandas, because DuckDB has no time-zone
support here (no ICU extension).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from data.marts import CLIENTS_SQL
from lang import N_
from metrics import materialized
from metrics.cache import per_load
from metrics.catalogue import summarize, summary_record, weekly
from metrics.context import (
    Context,
    cached_base,
    cached_mart,
    client_filter_sql,
    frame_from,
    project_filter_sql,
    query_df,
    utc_instants,
)
from metrics.quiet import quiet_count

__all__ = [
    "AGE_BUCKETS",
    "EPISODE_COLUMNS",
    "SIDES",
    "episodes",
    "queue",
    "queue_by_bucket",
    "queue_by_owner",
    "replies_summary",
    "reply_trend",
    "response_by_channel",
    "voices",
    "voices_sql",
]

SIDES: tuple[str, ...] = ("agency", "client")
# Open episodes by business hours waited; "d" is one working window (calendar.daily_hours).
# How long an open thread has waited, in business time: a working day is the working window
# (9 business hours by default), so the buckets follow it rather than the clock's 24 hours.
# The mart stores these English labels (in this order); a page shows them through _().
AGE_BUCKETS: tuple[str, ...] = (N_("under 4 h"), N_("4 h to 1 working day"), N_("1–2 working days"),
                                N_("2–5 working days"), N_("5+ working days"))

EPISODE_COLUMNS: tuple[str, ...] = (
    "episode_id", "side", "thread_id", "opened_by", "opened_at", "answered_at", "answered_by", "is_open",
    "channel", "sender", "client_id", "client_name", "account_manager", "tier", "project_id", "project_name",
    "project_manager", "department", "response_hours", "wait_hours", "sla_hours", "breached", "period_date",
    "in_period", "age_bucket", "opened_local",
)

QUEUE_COLUMNS: tuple[str, ...] = (
    "episode_id", "thread_id", "client_id", "client_name", "project_id", "project_name", "channel", "owner",
    "sender", "opened_local", "wait_hours", "sla_hours", "breached", "age_bucket",
)

def _age_bucket(wait_hours: np.ndarray, is_open: np.ndarray, day_hours: float) -> pd.Series:
    """Label open episodes by business hours waited (missing for answered ones).

    Lower bounds are inclusive, in business hours: 4 h, one working day (day_hours), two and
    five working days. Checked from the top down, so a working day shorter than 4 h still reads sensibly.
    """
    w = np.nan_to_num(wait_hours, nan=0.0)
    code = np.select([w >= 5 * day_hours, w >= 2 * day_hours, w >= day_hours, w >= 4], [4, 3, 2, 1], default=0)
    # Taken in Arrow: building 300k Python strings for pandas costs ten times more.
    labels = pc.take(pa.array(AGE_BUCKETS, pa.large_string()), pa.array(code, mask=~np.asarray(is_open, bool)))
    return pd.Series(pd.array(labels, dtype="str"))


def _sla_hours(channels: pd.Series, ctx: Context) -> np.ndarray:
    """The reply SLA of each episode's opening channel (reply_sla_hours by channel, else default)."""
    codes, names = pd.factorize(channels)  # NaN → -1: the default SLA, taken from the end
    table = np.array([*(ctx.settings.sla_hours(c) for c in names), ctx.settings.sla_hours(None)], dtype=float)
    return table[codes]


@cached_base
def _episode_base(con: duckdb.DuckDBPyConnection, ctx: Context) -> pd.DataFrame:
    """Every episode of the load as if nothing came after it, with what as_of cannot change:
    the response time of answered ones, the SLA, the local opening time. Sorted by opened_at."""
    df = materialized.read(con, "mart_reply_episodes")
    df["opened_at"] = utc_instants(df["opened_at"])
    df["answered_at"] = utc_instants(df["answered_at"])
    if not df["opened_at"].is_monotonic_increasing:  # a scan keeps the table's order; make sure
        df = df.sort_values(["opened_at", "episode_id", "side"], kind="stable").reset_index(drop=True)
    answered = df["answered_at"].notna().to_numpy()
    response = np.full(len(df), np.nan)
    if answered.any():
        response[answered] = ctx.calendar.business_hours(df["opened_at"][answered], df["answered_at"][answered])
    df["response_hours"] = response
    df["sla_hours"] = _sla_hours(df["channel"], ctx)
    df["opened_local"] = df["opened_at"].dt.tz_convert(ctx.tz).dt.tz_localize(None)
    df["period_date"] = df["opened_local"].dt.normalize()  # = ctx.local_dates(opened_at)
    return df


@cached_mart
def episodes(con: duckdb.DuckDBPyConnection, ctx: Context) -> pd.DataFrame:
    """The reply-episode mart of SPEC §5, one row per episode opened at or before as_of.

    The catalogue's ``replies`` expressions run over exactly these columns, so every
    reply number comes from one place. Global filters apply to the opening message.
    """
    base = _episode_base(con, ctx)
    as_of = pd.Timestamp(ctx.as_of_utc)
    n = int(base["opened_at"].searchsorted(as_of, side="right"))  # opened later: not yet
    df = base.iloc[:n]
    later = (df["answered_at"] > as_of).to_numpy(dtype=bool, na_value=False)  # answered later: still open
    is_open = df["answered_at"].isna().to_numpy() | later
    response = np.where(is_open, np.nan, df["response_hours"].to_numpy(dtype=float))
    wait = np.full(len(df), np.nan)
    if is_open.any():
        wait[is_open] = ctx.calendar.business_hours(df["opened_at"][is_open], as_of)
    sla = df["sla_hours"].to_numpy(dtype=float)
    df = frame_from(
        base, n, EPISODE_COLUMNS,
        answered_at=df["answered_at"].where(~later).array if later.any() else df["answered_at"].array,
        answered_by=df["answered_by"].where(~later).array if later.any() else df["answered_by"].array,
        is_open=is_open,
        response_hours=response,
        wait_hours=wait,
        breached=(response > sla) | (is_open & (wait > sla)),
        in_period=np.zeros(n, dtype=bool),  # flagged per period by cached_mart
        age_bucket=_age_bucket(wait, is_open, ctx.calendar.daily_hours).array,
    )
    return df  # cached_mart filters it and flags in_period per call


@per_load
def queue(con: duckdb.DuckDBPyConnection, ctx: Context, side: str = "agency") -> pd.DataFrame:
    """Open episodes of one side at as_of, longest wait first: who to answer (or chase) now.

    Equal business-hour waits (common over a weekend) are ordered by the earlier opening.
    """
    if side not in SIDES:
        raise ValueError(f"side must be one of {SIDES}, not {side!r}")
    m = episodes(con, ctx)
    q = m[(m["side"] == side).to_numpy() & m["is_open"].to_numpy(dtype=bool)]
    q = q.sort_values(["wait_hours", "opened_at", "episode_id"], ascending=[False, True, True], kind="stable")
    q = q.rename(columns={"account_manager": "owner"})
    return q.loc[:, list(QUEUE_COLUMNS)].reset_index(drop=True)


@per_load
def queue_by_bucket(con: duckdb.DuckDBPyConnection, ctx: Context) -> pd.DataFrame:
    """Open episodes per side and age bucket (all 10 combinations, in order), for the queue chart."""
    m = episodes(con, ctx)
    open_ = m[m["is_open"].to_numpy(dtype=bool)]
    counts = open_.groupby(["side", "age_bucket"]).size()
    grid = pd.MultiIndex.from_product([SIDES, AGE_BUCKETS], names=["side", "age_bucket"])
    out = counts.reindex(grid, fill_value=0).rename("open_episodes").reset_index()
    out["open_episodes"] = out["open_episodes"].astype("int64")
    return out


@per_load
def queue_by_owner(con: duckdb.DuckDBPyConnection, ctx: Context) -> pd.DataFrame:
    """Per account manager (the episode's owner) and side: open episodes, past-SLA ones, longest wait.

    Only owners with at least one open episode appear; a client without an account
    manager is grouped under a missing owner rather than dropped.
    """
    m = episodes(con, ctx)
    open_ = m[m["is_open"].to_numpy(dtype=bool)]
    g = open_.groupby(["account_manager", "side"], dropna=False)
    out = g.agg(open_episodes=("episode_id", "size"), breached_open=("breached", "sum"),
                max_wait_hours=("wait_hours", "max")).reset_index()
    out = out.astype({"open_episodes": "int64", "breached_open": "int64"})
    return out.sort_values(["side", "max_wait_hours", "account_manager"], ascending=[True, False, True],
                           kind="stable").reset_index(drop=True)


def _period_bounds_utc(ctx: Context) -> tuple[Any, Any]:
    """The period's first instant and the instant after it, as UTC datetimes.

    Comparing sent_at with these is the same as comparing its agency-time date with the
    period's dates, without converting time zones in SQL.
    """
    def midnight(d: Any) -> pd.Timestamp:
        return pd.Timestamp(d).tz_localize(ctx.tz, ambiguous=True, nonexistent="shift_forward")

    start = midnight(ctx.period_start)
    stop = midnight(ctx.period_end + dt.timedelta(days=1))
    return start.tz_convert("UTC").to_pydatetime(), stop.tz_convert("UTC").to_pydatetime()


def voices_sql(ctx: Context) -> tuple[str, list[Any]]:
    """The SQL (and its parameters) behind `voices`, for queries that join it to more."""
    f = ctx.filters
    c_where, c_params = client_filter_sql(f, "c")
    p_where, p_params = project_filter_sql(f, "p")
    project_filter = bool(f.project_managers or f.departments)
    start, stop = _period_bounds_utc(ctx)
    m_where = ["msg.sent_at <= ?", "msg.sent_at >= ?", "msg.sent_at < ?", p_where]
    m_params: list[Any] = [ctx.as_of_utc, start, stop, *p_params]
    if f.channels:
        m_where.append(f"msg.channel IN ({', '.join('?' for _ in f.channels)})")
        m_params.extend(f.channels)
    client_scope = ""
    scope_params: list[Any] = []
    if project_filter:
        client_scope = f" AND c.client_id IN (SELECT p.client_id FROM projects p WHERE {p_where})"
        scope_params = list(p_params)
    # The projects join is only needed to filter by project manager or department.
    project_join = "LEFT JOIN projects p ON p.project_id = msg.project_id" if project_filter else ""
    sql = f"""
    WITH msg AS (  -- each voice once: half the work of counting and listing distinct senders later
        SELECT DISTINCT msg.client_id, msg.direction, msg.sender
        FROM messages msg
        {project_join}
        WHERE {' AND '.join(m_where)}
    )
    SELECT c.client_id, c.client_name, c.account_manager,
           count(msg.sender) FILTER (WHERE msg.direction = 'out') AS agency_voices,
           count(msg.sender) FILTER (WHERE msg.direction = 'in') AS client_voices,
           coalesce(string_agg(msg.sender, ', ' ORDER BY lower(msg.sender), msg.sender)
                    FILTER (WHERE msg.direction = 'out'), '') AS agency_senders
    FROM ({CLIENTS_SQL}) c
    LEFT JOIN msg ON msg.client_id = c.client_id
    WHERE {c_where}{client_scope}
    GROUP BY c.client_id, c.client_name, c.account_manager
    """
    return sql, [*m_params, *c_params, *scope_params]


@per_load
def voices(con: duckdb.DuckDBPyConnection, ctx: Context) -> pd.DataFrame:
    """Per client: how many distinct people spoke for each side in the period (SPEC §5 voices).

    Many agency voices on one client means no single point of contact. Every client that
    matches the client filters is listed, with 0 when it had no message; with a project
    filter, only clients with a matching project, counting only messages of such projects.
    """
    sql, params = voices_sql(ctx)
    out = query_df(con, sql + " ORDER BY c.client_id", params)
    return out.astype({"agency_voices": "int64", "client_voices": "int64"})


@per_load
def response_by_channel(con: duckdb.DuckDBPyConnection, ctx: Context) -> pd.DataFrame:
    """The catalogue's reply metrics per channel, over agency episodes (is chat faster than email?)."""
    m = episodes(con, ctx)
    return summarize(con, m[(m["side"] == "agency").to_numpy()], "replies", group_by=["channel"])


@per_load
def reply_trend(con: duckdb.DuckDBPyConnection, ctx: Context, weeks: int = 12) -> pd.DataFrame:
    """The replies family's flow metrics per week ending on as_of's date, oldest first."""
    m = episodes(con, ctx)
    return weekly(con, m, "replies", ctx.as_of_date, weeks=weeks)


def replies_summary(con: duckdb.DuckDBPyConnection, ctx: Context) -> dict[str, Any]:
    """The replies family's tiles for the report and the overview (None where undefined),
    with the clients gone quiet (a count of clients, not of episodes: see metrics.quiet)."""
    m = episodes(con, ctx)
    return {**summary_record(con, m, "replies"), "quiet_clients": quiet_count(con, ctx)}
