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

from metrics.catalogue import summarize, summary_record, weekly
from metrics.context import (
    CLIENTS_SQL,
    PROJECTS_SQL,
    Context,
    apply_filters,
    cached_mart,
    client_filter_sql,
    project_filter_sql,
    query_arrow,
    query_df,
)

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
]

SIDES: tuple[str, ...] = ("agency", "client")
# Open episodes by business hours waited; "d" is one working window (calendar.daily_hours).
AGE_BUCKETS: tuple[str, ...] = ("< 4 h", "4–8 h", "8–24 h", "1–3 d", "> 3 d")

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

# A thread is a sequence of *runs*: maximal stretches of messages in one direction. A
# run of client messages holding a needs-reply message is exactly one agency episode:
# its first needs-reply message opens it (later ones find it open) and the message right
# after the run, necessarily an agency message, answers it; the mirror holds for runs of
# agency messages and client episodes. One window pass over each thread (ordered by
# sent_at, then message_id) numbers the messages, counts the client messages so far and
# looks one message ahead; a run is keyed by (thread, direction, number of messages of
# the other direction before it), i.e. the `outs_before` of a client message or the
# `ins_before` of an agency message. Only ids and times go through the window's sort; the
# opener's other columns are joined back afterwards, which halves the work on 1M rows.
# Messages after as_of are dropped first, so they neither open nor answer anything.
_EPISODES_SQL = f"""
WITH o AS (
    SELECT message_id, thread_id, sent_at,
           direction = 'in' AS is_in,
           coalesce(needs_reply, direction = 'in') AS needs_reply,
           row_number() OVER w AS pos,
           count(*) FILTER (WHERE direction = 'in') OVER w AS ins_upto,
           lead(message_id) OVER w AS next_id,
           lead(sent_at) OVER w AS next_at,
           coalesce(lead(direction) OVER w <> direction, true) AS run_end
    FROM messages
    WHERE sent_at <= ?
    WINDOW w AS (PARTITION BY thread_id ORDER BY sent_at, message_id
                 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
),
r AS (
    SELECT *, CASE WHEN is_in THEN pos - ins_upto ELSE ins_upto END AS run_key
    FROM o
    WHERE needs_reply OR run_end
),
openers AS (
    SELECT thread_id, is_in, run_key, arg_min(message_id, pos) AS opened_by
    FROM r
    WHERE needs_reply
    GROUP BY thread_id, is_in, run_key
),
ends AS (
    SELECT thread_id, is_in, run_key, next_id, next_at FROM r WHERE run_end
)
SELECT e.opened_by AS episode_id,
       CASE WHEN e.is_in THEN 'agency' ELSE 'client' END AS side,
       e.thread_id,
       e.opened_by,
       m.sent_at AS opened_at,
       n.next_at AS answered_at,
       n.next_id AS answered_by,
       m.channel, m.sender,
       m.client_id, c.client_name, c.account_manager, c.tier,
       m.project_id, p.project_name, p.project_manager, p.department
FROM openers e
JOIN messages m ON m.message_id = e.opened_by
LEFT JOIN ends n ON n.thread_id = e.thread_id AND n.is_in = e.is_in AND n.run_key = e.run_key
LEFT JOIN ({CLIENTS_SQL}) c ON c.client_id = m.client_id
LEFT JOIN ({PROJECTS_SQL}) p ON p.project_id = m.project_id
ORDER BY opened_at, episode_id, side
"""


def _utc(values: pd.Series) -> pd.Series:
    """DuckDB hands TIMESTAMPTZ back in its session zone; the mart keeps UTC instants."""
    s = pd.to_datetime(values, utc=True)
    return s.dt.tz_convert("UTC")


def _age_bucket(wait_hours: np.ndarray, is_open: np.ndarray, day_hours: float) -> pd.Series:
    """Label open episodes by business hours waited (missing for answered ones).

    Lower bounds are inclusive except "> 3 d" (strictly more than three working days).
    Checked from the top down, so a working day shorter than 8 h still reads sensibly.
    """
    w = np.nan_to_num(wait_hours, nan=0.0)
    code = np.select([w > 3 * day_hours, w >= day_hours, w >= 8, w >= 4], [4, 3, 2, 1], default=0)
    code = np.where(is_open, code, -1)
    return pd.Series(pd.Categorical.from_codes(code, categories=list(AGE_BUCKETS))).astype("str")


def _sla_hours(channels: pd.Series, ctx: Context) -> np.ndarray:
    """The reply SLA of each episode's opening channel (reply_sla_hours by channel, else default)."""
    sla = np.full(len(channels), ctx.settings.sla_hours(None), dtype=float)
    for channel in channels.dropna().unique():
        sla[(channels == channel).to_numpy(dtype=bool, na_value=False)] = ctx.settings.sla_hours(channel)
    return sla


@cached_mart
def episodes(con: duckdb.DuckDBPyConnection, ctx: Context) -> pd.DataFrame:
    """The reply-episode mart of SPEC §5, one row per episode opened at or before as_of.

    The catalogue's ``replies`` expressions run over exactly these columns, so every
    reply number comes from one place. Global filters apply to the opening message.
    """
    raw = query_arrow(con, _EPISODES_SQL, [ctx.as_of_utc])
    df = apply_filters(raw, ctx.filters, channel_column="channel").reset_index(drop=True)
    cal = ctx.calendar
    df["opened_at"] = _utc(df["opened_at"])
    df["answered_at"] = _utc(df["answered_at"])
    is_open = df["answered_by"].isna().to_numpy()
    df["is_open"] = is_open

    if len(df):
        response = np.where(is_open, np.nan, cal.business_hours(df["opened_at"], df["answered_at"]))
        wait = np.where(is_open, cal.business_hours(df["opened_at"], pd.Timestamp(ctx.as_of_utc)), np.nan)
    else:
        response = wait = np.zeros(0)
    sla = _sla_hours(df["channel"], ctx)
    df["response_hours"] = response.astype(float)
    df["wait_hours"] = wait.astype(float)
    df["sla_hours"] = sla
    df["breached"] = (response > sla) | (is_open & (wait > sla))
    df["opened_local"] = df["opened_at"].dt.tz_convert(ctx.tz).dt.tz_localize(None)
    df["period_date"] = df["opened_local"].dt.normalize()  # = ctx.local_dates(opened_at)
    df["in_period"] = ctx.in_period(df["period_date"]).to_numpy(dtype=bool)
    df["age_bucket"] = _age_bucket(wait, is_open, cal.daily_hours)
    return df.loc[:, list(EPISODE_COLUMNS)]


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


def queue_by_bucket(con: duckdb.DuckDBPyConnection, ctx: Context) -> pd.DataFrame:
    """Open episodes per side and age bucket (all 10 combinations, in order), for the queue chart."""
    m = episodes(con, ctx)
    open_ = m[m["is_open"].to_numpy(dtype=bool)]
    counts = open_.groupby(["side", "age_bucket"]).size()
    grid = pd.MultiIndex.from_product([SIDES, AGE_BUCKETS], names=["side", "age_bucket"])
    out = counts.reindex(grid, fill_value=0).rename("open_episodes").reset_index()
    out["open_episodes"] = out["open_episodes"].astype("int64")
    return out


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


def voices(con: duckdb.DuckDBPyConnection, ctx: Context) -> pd.DataFrame:
    """Per client: how many distinct people spoke for each side in the period (SPEC §5 voices).

    Many agency voices on one client means no single point of contact. Every client that
    matches the client filters is listed, with 0 when it had no message; with a project
    filter, only clients with a matching project, counting only messages of such projects.
    """
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
    sql = f"""
    WITH msg AS (
        SELECT msg.client_id, msg.direction, msg.sender
        FROM messages msg
        LEFT JOIN projects p ON p.project_id = msg.project_id
        WHERE {' AND '.join(m_where)}
    )
    SELECT c.client_id, c.client_name, c.account_manager,
           count(DISTINCT msg.sender) FILTER (WHERE msg.direction = 'out') AS agency_voices,
           count(DISTINCT msg.sender) FILTER (WHERE msg.direction = 'in') AS client_voices,
           coalesce(string_agg(DISTINCT msg.sender, ', ' ORDER BY lower(msg.sender), msg.sender)
                    FILTER (WHERE msg.direction = 'out'), '') AS agency_senders
    FROM ({CLIENTS_SQL}) c
    LEFT JOIN msg ON msg.client_id = c.client_id
    WHERE {c_where}{client_scope}
    GROUP BY c.client_id, c.client_name, c.account_manager
    ORDER BY c.client_id
    """
    out = query_df(con, sql, [*m_params, *c_params, *scope_params])
    return out.astype({"agency_voices": "int64", "client_voices": "int64"})


def response_by_channel(con: duckdb.DuckDBPyConnection, ctx: Context) -> pd.DataFrame:
    """The catalogue's reply metrics per channel, over agency episodes (is chat faster than email?)."""
    m = episodes(con, ctx)
    return summarize(con, m[(m["side"] == "agency").to_numpy()], "replies", group_by=["channel"])


def reply_trend(con: duckdb.DuckDBPyConnection, ctx: Context, weeks: int = 12) -> pd.DataFrame:
    """The replies family's flow metrics per week ending on as_of's date, oldest first."""
    m = episodes(con, ctx)
    return weekly(con, m, "replies", ctx.as_of_date, weeks=weeks)


def replies_summary(con: duckdb.DuckDBPyConnection, ctx: Context) -> dict[str, Any]:
    """The replies family's tiles for the report and the overview (None where undefined)."""
    m = episodes(con, ctx)
    return summary_record(con, m, "replies")
