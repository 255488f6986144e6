"""Client health (SPEC §8): one 0–100 score per client from five signals.

Every signal is scored 0–100 over the *health window*, the HEALTH_WINDOW_DAYS (90)
days ending on as_of's date, whatever period the dashboard shows. The signals:

- **delivery** = 100 × on_time / (delivered + open_overdue), where `delivered` are the
  client's deliverables delivered in the window (SPEC §4), `on_time` those of them
  with slip_days <= 0, and `open_overdue` its deliverables overdue at as_of (they count
  as not on time). No data when delivered + open_overdue = 0.
- **responsiveness** = 100 × (1 − sla_breach_rate), sla_breach_rate being SPEC §5's
  rate over the client's agency episodes opened in the window: breached / (answered +
  open ones that already breached). No data when that denominator is 0 (no such
  episode, or only open ones still within the SLA).
- **approvals** = 100 × within_deadline / (answered + pending), over the client's
  approval rounds answered in the window plus those pending at as_of (SPEC §6). An
  answered round is within its deadline when responded by its due_by (responded date
  <= due_by) or, when it has no due_by, when lag_days <= approval_sla_days; a pending
  round when it is not overdue. No data without such rounds.
- **feedback** = the average normalised score (NPS × 10, (CSAT − 1) × 25; SPEC §7) of
  the client's responses received in the window. No data without a response.
- **voices** = from agency_voices, the distinct agency senders of the client's
  out-messages in the window (SPEC §5): 100 when <= 2, minus 20 per voice beyond 2,
  never below 0 (3 → 80, 4 → 60, 5 → 40, 6 → 20, 7 or more → 0). No data when the
  agency sent the client no message in the window.

health_score = Σ weight × score / Σ weight over the signals that have data, with the
weights of `[health.weights]` in pulse.toml (defaults: delivery 0.25, responsiveness
0.25, approvals 0.15, feedback 0.25, voices 0.10); a client with no signal at all (or
only signals of weight 0) has a null score. Each signal's *effective weight* is its
weight divided by that sum (0 without data) and its `points_lost` = effective weight ×
(100 − score): the points it pulled the client below 100, so health_score + the sum of
points_lost = 100. The signal that lost the most points is the client's `main_issue`.

Health is a property of the client: only the client-level filters (client, account
manager, tier) choose which clients are scored; project-manager, department and
channel filters do not change a client's score.
"""

from __future__ import annotations

import math
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from metrics.catalogue import summarize
from metrics.context import CLIENTS_SQL, Context, Filters, client_filter_sql, query_df

__all__ = [
    "HEALTH_WINDOW_DAYS",
    "SIGNALS",
    "SIGNAL_LABELS",
    "client_health",
    "health_breakdown",
    "health_context",
    "main_issue",
    "score_clients",
    "signal_scores",
    "voices_score",
]

HEALTH_WINDOW_DAYS = 90
SIGNALS: tuple[str, ...] = ("delivery", "responsiveness", "approvals", "feedback", "voices")
SIGNAL_LABELS: dict[str, str] = {
    "delivery": "Delivery",
    "responsiveness": "Responsiveness",
    "approvals": "Approvals",
    "feedback": "Feedback",
    "voices": "Single point of contact",
}
IDEAL_VOICES = 2  # up to this many agency voices per client costs nothing
VOICE_PENALTY = 20.0  # points per agency voice beyond IDEAL_VOICES
_EPS = 1e-9


# ------------------------------------------------------------------------ pure scoring


def voices_score(agency_voices: float | None) -> float:
    """100 for <= 2 agency voices, minus 20 per extra voice, floor 0; NaN without data (0 or None)."""
    if agency_voices is None or (isinstance(agency_voices, float) and math.isnan(agency_voices)) \
            or agency_voices <= 0:
        return float("nan")
    return float(max(0.0, 100.0 - VOICE_PENALTY * max(0.0, float(agency_voices) - IDEAL_VOICES)))


def score_clients(signals: pd.DataFrame, weights: dict[str, float]) -> pd.DataFrame:
    """Health scores from per-client signal scores (pure: no data access).

    `signals` has a column per signal of SIGNALS holding its 0–100 score (NaN = no
    data; a missing column counts as no data); other columns are carried through.
    Returns a copy with `health_score` and, per signal, `<signal>_weight` (its
    effective weight: weight / Σ weights of the signals with data, 0 without data) and
    `<signal>_points_lost` (effective weight × (100 − score), 0 without data). When a
    client has no signal with data and weight > 0, health_score and every weight and
    points_lost are NaN.
    """
    out = signals.copy()
    n = len(out)
    scores = np.column_stack(
        [pd.to_numeric(out[s], errors="coerce").to_numpy(dtype="float64") if s in out
         else np.full(n, np.nan) for s in SIGNALS]
    ) if n else np.empty((0, len(SIGNALS)))
    w = np.array([float(weights.get(s, 0.0) or 0.0) for s in SIGNALS])
    has = ~np.isnan(scores)
    raw_w = np.where(has, w, 0.0)
    total = raw_w.sum(axis=1)
    scored = total > 0
    safe_total = np.where(scored, total, 1.0)
    eff = raw_w / safe_total[:, None]
    filled = np.where(has, scores, 0.0)
    lost = eff * (100.0 - filled)
    health = np.where(scored, (eff * filled).sum(axis=1), np.nan)
    eff[~scored] = np.nan
    lost[~scored] = np.nan
    out["health_score"] = health
    for i, s in enumerate(SIGNALS):
        out[f"{s}_weight"] = eff[:, i]
        out[f"{s}_points_lost"] = lost[:, i]
    return out


def main_issue(row: pd.Series) -> str | None:
    """The signal that lost the most points (the first of SIGNALS on a tie); None when none lost any."""
    best, best_lost = None, _EPS
    for s in SIGNALS:
        v = row.get(f"{s}_points_lost")
        if v is not None and not pd.isna(v) and v > best_lost:
            best, best_lost = s, float(v)
    return best


# ------------------------------------------------------------------------ the signals


def health_context(ctx: Context) -> Context:
    """ctx over the health window, keeping only the client-level filters."""
    f = ctx.filters
    return ctx.shifted(period_days=HEALTH_WINDOW_DAYS,
                       filters=Filters(clients=f.clients, account_managers=f.account_managers, tiers=f.tiers))


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def _counts(df: pd.DataFrame, conds: dict[str, pd.Series]) -> pd.DataFrame:
    """Per client_id, how many rows meet each condition (a Series of bools over df)."""
    frame = pd.DataFrame({k: np.asarray(v, dtype=bool).astype("int64") for k, v in conds.items()})
    frame["client_id"] = df["client_id"].to_numpy()
    if frame.empty:
        return pd.DataFrame(columns=["client_id", *conds]).astype({k: "int64" for k in conds})
    return frame.groupby("client_id", as_index=False).sum()


def _delivery(con: duckdb.DuckDBPyConnection, hctx: Context, mart: pd.DataFrame) -> pd.DataFrame:
    s = summarize(con, mart, "deadlines", ["client_id"],
                  ["delivered", "late_delivered", "open_overdue"])
    rows = []
    for r in s.itertuples(index=False):
        delivered, late, overdue = int(r.delivered), int(r.late_delivered), int(r.open_overdue)
        base = delivered + overdue
        if base == 0:
            continue
        rows.append({
            "client_id": r.client_id,
            "delivery": 100.0 * (delivered - late) / base,
            "delivery_reason": f"{late + overdue} of {_plural(base, 'deliverable')} late or overdue "
                               f"({late} delivered late in the last {HEALTH_WINDOW_DAYS} days, "
                               f"{overdue} overdue now)",
        })
    return pd.DataFrame(rows, columns=["client_id", "delivery", "delivery_reason"])


def _responsiveness(con: duckdb.DuckDBPyConnection, hctx: Context, ep: pd.DataFrame) -> pd.DataFrame:
    rate = summarize(con, ep, "replies", ["client_id"], ["sla_breach_rate", "episodes_opened"])
    agency = (ep["side"] == "agency").to_numpy(dtype=bool) & ep["in_period"].to_numpy(dtype=bool)
    is_open = ep["is_open"].to_numpy(dtype=bool)
    breached = ep["breached"].fillna(False).to_numpy(dtype=bool)
    counts = _counts(ep, {"n_breached": agency & breached, "n_counted": agency & (~is_open | breached)})
    merged = rate.merge(counts, on="client_id", how="left")
    rows = []
    for r in merged.itertuples(index=False):
        if pd.isna(r.sla_breach_rate):
            continue
        rows.append({
            "client_id": r.client_id,
            "responsiveness": 100.0 * (1.0 - float(r.sla_breach_rate)),
            "responsiveness_reason": f"{int(r.n_breached)} of {_plural(int(r.n_counted), 'client request')} "
                                     f"answered past the reply SLA or still waiting past it",
        })
    return pd.DataFrame(rows, columns=["client_id", "responsiveness", "responsiveness_reason"])


def _approvals(con: duckdb.DuckDBPyConnection, hctx: Context, r: pd.DataFrame) -> pd.DataFrame:
    s = summarize(con, r, "approvals", ["client_id"], ["answered", "pending", "overdue"])
    answered = r["in_period"].to_numpy(dtype=bool) & r["is_answered"].to_numpy(dtype=bool)
    due_by = pd.to_datetime(r["due_by"])
    responded = pd.to_datetime(r["responded_date"])
    has_due = due_by.notna().to_numpy(dtype=bool)
    after_due = (responded > due_by).fillna(False).to_numpy(dtype=bool)
    past_sla = (r["lag_days"] > float(hctx.settings.approval_sla_days)).fillna(False).to_numpy(dtype=bool)
    late = answered & np.where(has_due, after_due, past_sla)
    merged = s.merge(_counts(r, {"late_answered": late}), on="client_id", how="left")
    rows = []
    for x in merged.itertuples(index=False):
        n_answered, n_pending, n_overdue = int(x.answered), int(x.pending), int(x.overdue)
        n_late = 0 if pd.isna(x.late_answered) else int(x.late_answered)
        base = n_answered + n_pending
        if base == 0:
            continue
        rows.append({
            "client_id": x.client_id,
            "approvals": 100.0 * (base - n_late - n_overdue) / base,
            "approvals_reason": f"{n_late + n_overdue} of {_plural(base, 'approval round')} past the client's "
                                f"deadline ({n_late} answered late, {n_overdue} pending overdue)",
        })
    return pd.DataFrame(rows, columns=["client_id", "approvals", "approvals_reason"])


def _feedback(con: duckdb.DuckDBPyConnection, hctx: Context, mart: pd.DataFrame) -> pd.DataFrame:
    s = summarize(con, mart, "feedback", ["client_id"],
                  ["responses", "avg_normalized_score", "detractors"])
    rows = []
    for r in s.itertuples(index=False):
        if int(r.responses) == 0 or pd.isna(r.avg_normalized_score):
            continue
        rows.append({
            "client_id": r.client_id,
            "feedback": float(r.avg_normalized_score),
            "feedback_reason": f"average score {float(r.avg_normalized_score):.0f}/100 over "
                               f"{_plural(int(r.responses), 'response')} "
                               f"({_plural(int(r.detractors), 'detractor')})",
        })
    return pd.DataFrame(rows, columns=["client_id", "feedback", "feedback_reason"])


def _voices(con: duckdb.DuckDBPyConnection, hctx: Context, _mart: None) -> pd.DataFrame:
    from metrics.replies import voices

    v = voices(con, hctx)
    rows = []
    for r in v.itertuples(index=False):
        n = 0 if pd.isna(r.agency_voices) else int(r.agency_voices)
        if n <= 0:
            continue
        who = getattr(r, "agency_senders", "") or ""
        rows.append({
            "client_id": r.client_id,
            "voices": voices_score(n),
            "voices_reason": f"{_plural(n, 'agency person', 'agency people')} wrote to the client"
                             f"{': ' + who if who else ''} (up to {IDEAL_VOICES} is ideal)",
        })
    return pd.DataFrame(rows, columns=["client_id", "voices", "voices_reason"])


_NO_DATA = {
    "delivery": f"no deliverable delivered in the last {HEALTH_WINDOW_DAYS} days and none overdue",
    "responsiveness": f"no client request in the last {HEALTH_WINDOW_DAYS} days answered or past the reply SLA",
    "approvals": f"no approval round answered in the last {HEALTH_WINDOW_DAYS} days or pending",
    "feedback": f"no feedback response in the last {HEALTH_WINDOW_DAYS} days",
    "voices": f"no agency message to the client in the last {HEALTH_WINDOW_DAYS} days",
}
_SIGNAL_FUNCS = {"delivery": _delivery, "responsiveness": _responsiveness, "approvals": _approvals,
                 "feedback": _feedback, "voices": _voices}


def _clients(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    where, params = client_filter_sql(f, "c")
    return query_df(con, f"SELECT client_id, client_name, account_manager, tier FROM ({CLIENTS_SQL}) c "
                         f"WHERE {where} ORDER BY client_id", params)


# The mart each signal reads (voices reads messages directly).
_SIGNAL_MARTS = {"delivery": "deadlines", "responsiveness": "replies", "approvals": "approvals",
                 "feedback": "feedback", "voices": None}


def build_marts(con: duckdb.DuckDBPyConnection, ctx: Context) -> dict[str, pd.DataFrame]:
    """The four family marts at ctx: deadlines, replies, approvals, feedback."""
    from metrics.approvals import rounds
    from metrics.deadlines import deliverables
    from metrics.feedback import responses
    from metrics.replies import episodes

    return {"deadlines": deliverables(con, ctx), "replies": episodes(con, ctx), "approvals": rounds(con, ctx),
            "feedback": responses(con, ctx)}


def _in_window(mart: pd.DataFrame, hctx: Context) -> pd.DataFrame:
    """A mart with in_period re-flagged for the health window.

    Marts depend on as_of and the filters only; the period just sets in_period from
    period_date, so one mart serves both the page's period and the health window.
    """
    flag = hctx.in_period(mart["period_date"]).fillna(False).to_numpy(dtype=bool) if len(mart) else []
    return mart.assign(in_period=flag)


def signal_scores(con: duckdb.DuckDBPyConnection, ctx: Context,
                  marts: dict[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """Per client (matching the client-level filters): each signal's score (NaN = no data) and reason.

    `marts` may hand over marts already built at the same as_of with exactly the client-level
    filters (the report does); otherwise they are built here.
    """
    hctx = health_context(ctx)
    if marts is None:
        marts = build_marts(con, hctx)
    out = _clients(con, hctx.filters)
    for s in SIGNALS:
        family = _SIGNAL_MARTS[s]
        mart = _in_window(marts[family], hctx) if family else None
        out = out.merge(_SIGNAL_FUNCS[s](con, hctx, mart), on="client_id", how="left")
        out[s] = out[s].astype("float64")
        out[f"{s}_reason"] = out[f"{s}_reason"].astype(object).where(out[f"{s}_reason"].notna(), _NO_DATA[s])
    return out


# ------------------------------------------------------------------------ public views


def client_health(con: duckdb.DuckDBPyConnection, ctx: Context,
                  marts: dict[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """One row per loaded client matching the client-level filters, ordered by client_id.

    Columns: client_id, client_name, account_manager, tier, health_score, main_issue,
    then per signal `<signal>_score`, `<signal>_weight` (effective), `<signal>_points_lost`
    and `<signal>_reason`. Computed over the health window ending on as_of's date.
    """
    sig = signal_scores(con, ctx, marts)
    scored = score_clients(sig, ctx.settings.health_weights)
    scored["main_issue"] = pd.Series([main_issue(r) for _, r in scored.iterrows()], index=scored.index,
                                     dtype=object)
    cols = ["client_id", "client_name", "account_manager", "tier", "health_score", "main_issue"]
    for s in SIGNALS:
        scored[f"{s}_score"] = scored[s]
        cols += [f"{s}_score", f"{s}_weight", f"{s}_points_lost", f"{s}_reason"]
    return scored[cols].sort_values("client_id").reset_index(drop=True)


def health_breakdown(con: duckdb.DuckDBPyConnection, ctx: Context, client_id: str) -> pd.DataFrame:
    """One row per signal for one client: signal, label, weight (as configured),
    effective_weight, score, points_lost, reason. Empty when the client is unknown."""
    cols = ["signal", "label", "weight", "effective_weight", "score", "points_lost", "reason"]
    one = client_health(con, ctx.shifted(filters=Filters(clients=(client_id,))))
    if one.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    row: dict[str, Any] = one.iloc[0].to_dict()
    weights = ctx.settings.health_weights
    return pd.DataFrame(
        [{
            "signal": s,
            "label": SIGNAL_LABELS[s],
            "weight": float(weights.get(s, 0.0)),
            "effective_weight": row[f"{s}_weight"],
            "score": row[f"{s}_score"],
            "points_lost": row[f"{s}_points_lost"],
            "reason": row[f"{s}_reason"],
        } for s in SIGNALS],
        columns=cols,
    )
