"""What changed since last week: the Weekly review's diff of now against as_of − 7 days.

Pure functions over the other metrics modules, by time travel: each list is the same
question asked at as_of and at the same wall-clock moment seven days earlier, and the
difference (or, for history and feedback, the events of the 7 days ending on as_of's date,
whatever period the dashboard shows). Every row names the client and the responsible
person: the project manager for deadlines, the account manager for everything else.

A list's title and empty line are English msgids (marked N_; shown through _()); its `line`
writes a row in the run's language.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import duckdb
import numpy as np
import pandas as pd

from lang import N_, _
from metrics import approvals, deadlines, feedback, formats, health, history, replies
from metrics.cache import per_load
from metrics.context import Context
from metrics.formats import DateFormat
from metrics.vocabulary import word

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
    signal, signal_label, signal_before, signal_now, reason (the label and the reason in the run's
    language). Clients scored at both moments only.
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
    out["signal_label"] = [health.signal_label(s) if s else None for s in out["signal"]]
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


# Who is responsible, when the sheet names nobody.
NO_PM = N_("no PM")
NO_AM = N_("no account manager")


def _who(name: Any, person: Any, nobody: str, esc: Escape) -> str:
    person = esc(person) if isinstance(person, str) and person else _(nobody)
    return f"{esc(name) if isinstance(name, str) else '?'} · {person}"


def _health_drop(r: Any, esc: Escape, d: DateFormat) -> str:
    signal = esc(r.signal_label) if isinstance(r.signal_label, str) else _("no single signal")
    moved = "" if pd.isna(r.signal_before) else \
        f" {formats.show(r.signal_before, 'score')} → {formats.show(r.signal_now, 'score')}"
    return (f"{formats.show(r.health_before, 'score')} → {formats.show(r.health_now, 'score')} "
            f"({_fell(r.health_before, r.health_now)}), {signal}{moved} — "
            f"{_who(r.client_name, r.account_manager, NO_AM, esc)}")


def _newly_overdue(r: Any, esc: Escape, d: DateFormat) -> str:
    return _("{deliverable}: due {date}, {days} over — {who}").format(
        deliverable=esc(r.deliverable_name), date=d.day(r.due_date), days=formats.show(r.days_overdue, "days"),
        who=_who(r.client_name, r.project_manager, NO_PM, esc))


def _deadline_moved(r: Any, esc: Escape, d: DateFormat) -> str:
    cause = ", " + esc(word(r.slip_cause)) if isinstance(r.slip_cause, str) else ""
    return (f"{esc(r.deliverable_name)}: {d.day(r.old_due_date)} → {d.day(r.new_due_date)} "
            f"({formats.show(r.days_moved, 'shift')}{cause}) — {_who(r.client_name, r.project_manager, NO_PM, esc)}")


def _sla_crossed(r: Any, esc: Escape, d: DateFormat) -> str:
    text = (_("waiting {hours} in business hours ({channel}) — {who}") if r.is_open
            else _("answered after {hours} in business hours ({channel}) — {who}"))
    return text.format(hours=formats.show(r.hours, "hours"), channel=esc(word(r.channel)),
                       who=_who(r.client_name, r.account_manager, NO_AM, esc))


def _approval_overdue(r: Any, esc: Escape, d: DateFormat) -> str:
    return _("{deliverable} round {round}: {days} — {who}").format(
        deliverable=esc(r.deliverable), round=f"{r.round:.0f}", days=formats.show(r.lag_days, "days"),
        who=_who(r.client_name, r.account_manager, NO_AM, esc))


def _new_detractor(r: Any, esc: Escape, d: DateFormat) -> str:
    return _("{scale} {score} on {date} — {who}").format(
        scale=esc(str(r.scale).upper()), score=f"{r.score:g}", date=d.day(r.received_on),
        who=_who(r.client_name, r.account_manager, NO_AM, esc))


class ChangeList(NamedTuple):
    key: str
    title: str  # an English msgid: shown through _()
    rows: Callable[[duckdb.DuckDBPyConnection, Context], pd.DataFrame]
    line: Callable[[Any, Escape, DateFormat], str]  # one row as a line: sheet text escaped, dates in the format
    empty: str  # an English msgid: shown through _()


# In the order they are shown; one wording for the page and the digest.
LISTS: tuple[ChangeList, ...] = (
    ChangeList("newly_overdue", N_("Newly overdue"), newly_overdue, _newly_overdue, N_("Nothing newly overdue.")),
    ChangeList("deadlines_moved", N_("Deadlines moved"), deadlines_moved, _deadline_moved,
               N_("No deadline moved this week.")),
    ChangeList("sla_crossed", N_("Crossed the reply SLA"), sla_crossed, _sla_crossed,
               N_("No thread crossed its SLA.")),
    ChangeList("approvals_became_overdue", N_("Approvals now overdue"), approvals_became_overdue, _approval_overdue,
               N_("No approval became overdue.")),
    ChangeList("new_detractors", N_("New detractors"), new_detractors, _new_detractor, N_("No detractor this week.")),
    ChangeList("health_drops", N_("Health fell most"), health_drops, _health_drop, N_("No client's health fell.")),
)


def counts(con: duckdb.DuckDBPyConnection, ctx: Context) -> dict[str, int]:
    """How many rows each list has: {list key: n}."""
    return {c.key: len(c.rows(con, ctx)) for c in LISTS}
