"""What changed since last week: the Weekly review's diff of now against as_of − 7 days.

Pure functions over the other metrics modules, by time travel: each list is the same
question asked at as_of and at the same wall-clock moment seven days earlier, and the
difference (or, for history and feedback, the events of the 7 days ending on as_of's date,
whatever period the dashboard shows). Every row names the client and the responsible
person: the project manager for deadlines, the account manager for everything else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import duckdb
import numpy as np
import pandas as pd

from metrics import approvals, deadlines, feedback, formats, health, history, replies
from metrics.cache import per_load
from metrics.context import Context
from metrics.formats import DateFormat

__all__ = ["LISTS", "WEEK_DAYS", "ChangeList", "approvals_became_overdue", "counts", "deadlines_moved",
           "health_drops", "last_week", "new_detractors", "newly_overdue", "sla_crossed", "this_week"]

WEEK_DAYS = 7


def this_week(ctx: Context) -> Context:
    """ctx with a period of the 7 days ending on as_of's date."""
    return ctx.shifted(period_days=WEEK_DAYS)


def last_week(ctx: Context) -> Context:
    """The same moment seven days earlier on the agency's wall clock (a 7-day period)."""
    return this_week(ctx).previous()


def _new(now: pd.DataFrame, before: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Rows of now whose keys are not in before."""
    if now.empty or before.empty:
        return now.reset_index(drop=True)
    seen = pd.MultiIndex.from_frame(before[keys].astype(str))
    keep = ~pd.MultiIndex.from_frame(now[keys].astype(str)).isin(seen)
    return now[keep].reset_index(drop=True)


@per_load
def newly_overdue(con: duckdb.DuckDBPyConnection, ctx: Context) -> pd.DataFrame:
    """Deliverables overdue at as_of that were not overdue at as_of − 7 days (longest overdue first)."""
    now = deadlines.overdue_list(con, this_week(ctx))
    before = deadlines.overdue_list(con, last_week(ctx))
    return _new(now, before, ["kind", "deliverable_id"])


@per_load
def deadlines_moved(con: duckdb.DuckDBPyConnection, ctx: Context) -> pd.DataFrame:
    """The deadline moves recorded in the 7 days ending on as_of's date, newest first."""
    return history.move_list(con, this_week(ctx))


@per_load
def sla_crossed(con: duckdb.DuckDBPyConnection, ctx: Context) -> pd.DataFrame:
    """Agency reply episodes (client waiting on us) past their SLA at as_of that were not at
    as_of − 7 days (opened since, or crossed it during the week); longest wait first."""
    def breached(c: Context) -> pd.DataFrame:
        ep = replies.episodes(con, c)
        return ep[(ep["side"] == "agency") & ep["breached"].fillna(False).astype(bool)]

    out = _new(breached(this_week(ctx)), breached(last_week(ctx)), ["episode_id"])
    out["hours"] = out["response_hours"].where(~out["is_open"].astype(bool), out["wait_hours"])
    return out.sort_values(["is_open", "hours"], ascending=[False, False], kind="stable").reset_index(drop=True)


@per_load
def approvals_became_overdue(con: duckdb.DuckDBPyConnection, ctx: Context) -> pd.DataFrame:
    """Approval rounds overdue at as_of that were not overdue at as_of − 7 days; oldest first."""
    def overdue(c: Context) -> pd.DataFrame:
        r = approvals.rounds(con, c)
        return r[r["is_overdue"].fillna(False).astype(bool)]

    out = _new(overdue(this_week(ctx)), overdue(last_week(ctx)), ["approval_id"])
    return out.sort_values(["lag_days", "approval_id"], ascending=[False, True], kind="stable").reset_index(drop=True)


@per_load
def new_detractors(con: duckdb.DuckDBPyConnection, ctx: Context) -> pd.DataFrame:
    """Feedback responses received in the 7 days ending on as_of's date that are detractors
    (NPS <= 6, CSAT <= 2), lowest score first."""
    fb = feedback.responses(con, this_week(ctx))
    out = fb[fb["in_period"] & fb["detractor"].fillna(False).astype(bool)]
    return out.sort_values(["normalized", "response_id"], kind="stable").reset_index(drop=True)


@per_load
def health_drops(con: duckdb.DuckDBPyConnection, ctx: Context) -> pd.DataFrame:
    """Clients whose health score fell against as_of − 7 days, the largest fall first, with the
    signal whose score fell most (`signal`, its label, scores before and now, and its reason now).

    Columns: client_id, client_name, account_manager, health_before, health_now, change (negative),
    signal, signal_label, signal_before, signal_now, reason. Clients scored at both moments only.
    """
    cols = ["client_id", "client_name", "account_manager", "health_before", "health_now", "change", "signal",
            "signal_label", "signal_before", "signal_now", "reason"]
    now = health.client_health(con, this_week(ctx))
    before = health.client_health(con, last_week(ctx))
    both = now.merge(before, on="client_id", suffixes=("", "_before"))
    both = both[both["health_score"].notna() & both["health_score_before"].notna()]
    both = both[both["health_score"] < both["health_score_before"] - 1e-9]
    if both.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    drops = np.column_stack([(both[f"{s}_score_before"] - both[f"{s}_score"]).to_numpy(dtype="float64")
                             for s in health.SIGNALS])
    drops = np.where(np.isnan(drops), -np.inf, drops)
    pick = drops.argmax(axis=1)
    signals = np.array(health.SIGNALS, dtype=object)[pick]
    rows = np.arange(len(both))
    fell = drops[rows, pick] > 0
    out = pd.DataFrame({
        "client_id": both["client_id"].to_numpy(),
        "client_name": both["client_name"].to_numpy(),
        "account_manager": both["account_manager"].to_numpy(),
        "health_before": both["health_score_before"].to_numpy(dtype="float64"),
        "health_now": both["health_score"].to_numpy(dtype="float64"),
    })
    out["change"] = out["health_now"] - out["health_before"]
    out["signal"] = np.where(fell, signals, None)
    out["signal_label"] = [health.SIGNAL_LABELS.get(s) if s else None for s in out["signal"]]
    out["signal_before"] = [both[f"{s}_score_before"].iloc[i] if s else np.nan for i, s in enumerate(out["signal"])]
    out["signal_now"] = [both[f"{s}_score"].iloc[i] if s else np.nan for i, s in enumerate(out["signal"])]
    out["reason"] = [both[f"{s}_reason"].iloc[i] if s else None for i, s in enumerate(out["signal"])]
    return out.sort_values(["change", "client_id"], kind="stable").reset_index(drop=True)[cols]


# --- the lists as the Weekly review and the digest show them ------------------------------------

Escape = Callable[[str], str]  # how sheet text is made safe where the line is shown (markdown, HTML)


def _fell(before: Any, now: Any) -> str:
    """A health change as points: whole ones, or one decimal when it rounds to nothing (never "-0")."""
    whole = formats.change(now, before, "score")
    return formats.change(now, before, "float") if whole in ("+0", None) else whole


def _who(name: Any, person: Any, role: str, esc: Escape) -> str:
    person = esc(person) if isinstance(person, str) and person else f"no {role}"
    return f"{esc(name) if isinstance(name, str) else '?'} · {person}"


def _health_drop(r: Any, esc: Escape, d: DateFormat) -> str:
    signal = esc(r.signal_label) if isinstance(r.signal_label, str) else "no single signal"
    moved = "" if pd.isna(r.signal_before) else \
        f" {formats.show(r.signal_before, 'score')} → {formats.show(r.signal_now, 'score')}"
    return (f"{formats.show(r.health_before, 'score')} → {formats.show(r.health_now, 'score')} "
            f"({_fell(r.health_before, r.health_now)}), {signal}{moved} — "
            f"{_who(r.client_name, r.account_manager, 'account manager', esc)}")


class ChangeList(NamedTuple):
    key: str
    title: str
    rows: Callable[[duckdb.DuckDBPyConnection, Context], pd.DataFrame]
    line: Callable[[Any, Escape, DateFormat], str]  # one row as a line: sheet text escaped, dates in the format
    empty: str


# In the order they are shown; one wording for the page and the digest.
LISTS: tuple[ChangeList, ...] = (
    ChangeList("newly_overdue", "Newly overdue", newly_overdue, lambda r, esc, d: (
        f"{esc(r.deliverable_name)}: due {d.day(r.due_date)}, {formats.show(r.days_overdue, 'days')} over — "
        f"{_who(r.client_name, r.project_manager, 'PM', esc)}"), "Nothing newly overdue."),
    ChangeList("deadlines_moved", "Deadlines moved", deadlines_moved, lambda r, esc, d: (
        f"{esc(r.deliverable_name)}: {d.day(r.old_due_date)} → {d.day(r.new_due_date)} "
        f"({formats.show(r.days_moved, 'shift')}{', ' + esc(r.slip_cause) if isinstance(r.slip_cause, str) else ''})"
        f" — {_who(r.client_name, r.project_manager, 'PM', esc)}"), "No deadline moved this week."),
    ChangeList("sla_crossed", "Crossed the reply SLA", sla_crossed, lambda r, esc, d: (
        f"{'waiting' if r.is_open else 'answered after'} {formats.show(r.hours, 'hours')} in business "
        f"hours ({esc(r.channel)}) — "
        f"{_who(r.client_name, r.account_manager, 'account manager', esc)}"), "No thread crossed its SLA."),
    ChangeList("approvals_became_overdue", "Approvals now overdue", approvals_became_overdue, lambda r, esc, d: (
        f"{esc(r.deliverable)} round {r.round:.0f}: {formats.show(r.lag_days, 'days')} — "
        f"{_who(r.client_name, r.account_manager, 'account manager', esc)}"), "No approval became overdue."),
    ChangeList("new_detractors", "New detractors", new_detractors, lambda r, esc, d: (
        f"{esc(str(r.scale).upper())} {r.score:g} on {d.day(r.received_on)} — "
        f"{_who(r.client_name, r.account_manager, 'account manager', esc)}"), "No detractor this week."),
    ChangeList("health_drops", "Health fell most", health_drops, _health_drop, "No client's health fell."),
)


def counts(con: duckdb.DuckDBPyConnection, ctx: Context) -> dict[str, int]:
    """How many rows each list has: {list key: n}."""
    return {c.key: len(c.rows(con, ctx)) for c in LISTS}
