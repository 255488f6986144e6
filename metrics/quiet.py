"""Gone quiet: active clients who have simply stopped writing (issue 12).

A client that stops writing, in either direction, is often the first sign of a client about
to leave, well before a late delivery or a bad score says so. For every **active** client
(clients.status = 'active'; paused and ended clients are never quiet):

- the last message either way at or before as_of (SPEC §3: later messages do not exist
  yet), its direction and sender; on a tie of sent_at the larger message_id is the last,
  as in a thread's order (SPEC §5);
- `quiet_since`: that message's date in the agency's time zone; without any message, the
  client's start_date when it is on or before as_of's date (a client signed yesterday has
  had no time to write); without either, none;
- `quiet_days` = working_days(quiet_since, as_of_date) (SPEC §2): working dates after the
  last message up to as_of's date, so a message today is 0 and one last Friday, read on a
  Friday, is 5;
- `is_quiet` = quiet_days >= `quiet_after_days` (a setting, default 10). A client with
  neither a message nor a start date is quiet with quiet_days null ("no message on record");
  one whose start_date is after as_of and that has no message has not started yet: not quiet.

Like health, this is a property of the client: only the client-level filters (client,
account manager, tier) choose the clients; project, department and channel filters do not
change whether a client has gone quiet. Every client is computed once per as_of (and load,
settings and language: `quiet_reason` is written in the run's language); the filters then pick rows.
"""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np
import pandas as pd

import lang
from lang import _, ngettext
from metrics.cache import per_load
from metrics.context import Context, Filters, apply_filters, memo, query_arrow, snapshot

__all__ = ["QUIET_COLUMNS", "quiet_clients", "quiet_count", "quiet_facts", "quiet_reason"]

QUIET_COLUMNS: tuple[str, ...] = (
    "client_id", "client_name", "account_manager", "tier", "start_date", "last_message_at", "last_message_local",
    "last_direction", "last_sender", "quiet_since", "quiet_days", "is_quiet", "quiet_reason",
)

# The active clients, each with a code (its row, by client_id), and their messages grouped by
# client, each client's in thread order (sent_at, then message_id: SPEC §5), read once per load:
# the last message at or before as_of is then a binary search per client, not a query over every message.
_ACTIVE_CLIENTS_SQL = """
SELECT client_id, client_name, account_manager, tier, start_date
FROM clients
WHERE coalesce(status, 'active') = 'active'
ORDER BY client_id
"""
_MESSAGES_SQL = """
WITH c AS (
    SELECT client_id, (row_number() OVER (ORDER BY client_id) - 1)::INTEGER AS code
    FROM clients
    WHERE coalesce(status, 'active') = 'active'
)
SELECT c.code, epoch_us(m.sent_at) AS t, m.direction = 'in' AS is_in, m.sender
FROM messages m
JOIN c USING (client_id)
WHERE m.sent_at IS NOT NULL
ORDER BY c.code, m.sent_at, m.message_id
"""


def quiet_reason(quiet_days: Any, is_quiet: Any, from_start: bool = False) -> str | None:
    """The one line a director reads for a quiet client (None when it is not quiet), in the run's language.

    "Gone quiet: no message either way for 14 working days", or "… in the 12 working days
    since its start date" when it never wrote, or "Gone quiet: no message on record".
    """
    if not bool(is_quiet):
        return None
    if quiet_days is None or pd.isna(quiet_days):
        return _("Gone quiet: no message on record")
    n = int(quiet_days)
    if from_start:
        return ngettext("Gone quiet: no message either way in the {n} working day since its start date",
                        "Gone quiet: no message either way in the {n} working days since its start date", n).format(n=n)
    return ngettext("Gone quiet: no message either way for {n} working day",
                    "Gone quiet: no message either way for {n} working days", n).format(n=n)


def _base(con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What as_of cannot change, once per load: (the active clients' messages, the active clients).

    The messages hold each client's code (its row in the clients), sent_at as `t` (UTC
    microseconds), `is_in` and sender, grouped by client and in thread order within it.
    """
    with snapshot(con) as snap:
        return memo((__name__, "base", snap.version),
                    lambda: (query_arrow(snap, _MESSAGES_SQL), query_arrow(snap, _ACTIVE_CLIENTS_SQL)))


def _board(con: duckdb.DuckDBPyConnection, ctx: Context) -> pd.DataFrame:
    """Every active client at as_of, unfiltered, quiet first (built once per load, settings, as_of and
    language: the reasons are sentences)."""
    with snapshot(con) as snap:  # the key and the rows read one load
        key = (__name__, "board", snap.version, repr(ctx.settings), ctx.as_of.value, lang.current())
        return memo(key, lambda: _build(snap, ctx))


def _last_messages(messages: pd.DataFrame, clients: int, as_of: pd.Timestamp) -> np.ndarray:
    """Per active client (by code), the row of its last message at or before as_of; -1 without one.

    A client's rows are in time order, so its messages that exist at as_of are the first of
    them: one binary search per client (a few microseconds each), never a pass over every message.
    """
    code = messages["code"].to_numpy()
    t = messages["t"].to_numpy()
    bounds = np.searchsorted(code, np.arange(clients + 1), side="left")
    cut = as_of.value // 1000  # microseconds, as t
    last = np.full(clients, -1, dtype=np.int64)
    for c in range(clients):
        lo, hi = int(bounds[c]), int(bounds[c + 1])
        n = int(np.searchsorted(t[lo:hi], cut, side="right"))  # later ones: not yet
        if n:
            last[c] = lo + n - 1
    return last


def _build(con: duckdb.DuckDBPyConnection, ctx: Context) -> pd.DataFrame:
    messages, df = _base(con)
    cal = ctx.calendar
    last = _last_messages(messages, len(df), ctx.as_of)
    has_msg = last >= 0
    taken = messages.take(np.where(has_msg, last, 0)) if len(messages) else messages.reindex(range(len(df)))
    sent = np.where(has_msg, taken["t"].to_numpy(dtype=np.int64, na_value=0), np.iinfo(np.int64).min)
    last_at = pd.Series(pd.DatetimeIndex(sent.astype("M8[us]")).tz_localize("UTC"))
    direction = pd.Series(np.where(taken["is_in"].to_numpy(dtype=bool, na_value=False), "in", "out"),
                          dtype="str").where(has_msg)
    sender = pd.Series(taken["sender"].array, dtype="str").where(has_msg)
    as_of_day = np.datetime64(ctx.as_of_date, "D")
    msg_day = cal.local_date(last_at) if len(df) else np.zeros(0, dtype="M8[D]")
    start = pd.to_datetime(df["start_date"]).to_numpy(dtype="datetime64[D]") if len(df) else \
        np.zeros(0, dtype="M8[D]")
    started = ~np.isnat(start) & (start <= as_of_day)
    not_started = ~has_msg & ~np.isnat(start) & (start > as_of_day)
    since = np.where(has_msg, msg_day, np.where(started, start, np.datetime64("NaT", "D")))
    days = np.asarray(cal.working_days(since, as_of_day), dtype="float64") if len(df) else np.zeros(0)
    threshold = ctx.settings.quiet_after_days
    with np.errstate(invalid="ignore"):
        is_quiet = np.where(np.isnan(days), ~not_started, days >= threshold)
    from_start = ~has_msg & started
    out = pd.DataFrame({
        "client_id": df["client_id"].array,
        "client_name": df["client_name"].array,
        "account_manager": df["account_manager"].array,
        "tier": df["tier"].array,
        "start_date": start.astype("datetime64[us]"),
        "last_message_at": last_at.array,
        "last_message_local": last_at.dt.tz_convert(ctx.tz).dt.tz_localize(None).array,
        "last_direction": direction.array,
        "last_sender": sender.array,
        "quiet_since": since.astype("datetime64[us]"),
        "quiet_days": days,
        "is_quiet": is_quiet.astype(bool),
    })
    out["quiet_reason"] = pd.Series(
        [quiet_reason(d, q, f) for d, q, f in zip(days, is_quiet, from_start, strict=True)],
        index=out.index, dtype=object)
    # Quiet first; among them the longest silence first, a client with no message on record
    # (silent as far as the data goes) before any count; then the rest, longest silence first,
    # the clients that have not started last.
    unknown = np.isnan(days)
    order = pd.DataFrame({"quiet": ~is_quiet, "unknown": np.where(is_quiet, ~unknown, unknown),
                          "days": -np.nan_to_num(days, nan=-1.0), "client_id": out["client_id"]})
    order = order.sort_values(["quiet", "unknown", "days", "client_id"], kind="stable")
    return out.loc[order.index, list(QUIET_COLUMNS)].reset_index(drop=True)


def _client_filters(f: Filters) -> Filters:
    return Filters(clients=f.clients, account_managers=f.account_managers, tiers=f.tiers)


@per_load
def quiet_clients(con: duckdb.DuckDBPyConnection, ctx: Context) -> pd.DataFrame:
    """One row per active client matching the client-level filters: its last message at or
    before as_of and how long it has been silent, the quiet ones first, longest silence first.

    Columns: client_id, client_name, account_manager, tier, start_date, last_message_at (aware,
    UTC; NaT without a message), last_message_local (agency wall time), last_direction ('in' =
    the client wrote last, 'out' = we did), last_sender, quiet_since (the date the silence is
    counted from), quiet_days (working days; NaN when nothing to count from), is_quiet, and
    quiet_reason (a sentence when quiet, else None).
    """
    board = _board(con, ctx)
    f = _client_filters(ctx.filters)
    if not f.active:
        return board.copy(deep=False)
    return apply_filters(board, f).reset_index(drop=True)


def quiet_count(con: duckdb.DuckDBPyConnection, ctx: Context) -> int:
    """`quiet_clients` (the catalogue metric): how many active clients of the filters have gone quiet."""
    return int(quiet_clients(con, ctx)["is_quiet"].sum())


def quiet_facts(con: duckdb.DuckDBPyConnection, ctx: Context) -> pd.DataFrame:
    """client_id, quiet_days, is_quiet and quiet_reason of every active client (unfiltered), for health."""
    return _board(con, ctx)[["client_id", "quiet_days", "is_quiet", "quiet_reason"]]

