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

Beside the score, never inside it, every client carries whether it has *gone quiet*
(metrics.quiet: an active client with no message either way for `quiet_after_days`
working days): `quiet_days`, `is_quiet` and `quiet_reason`. A silent client has no
signal data to lose points on, so the score alone would call it healthy; the quiet facts
say otherwise without changing SPEC §8's score.

**Bands: one colour rule.** Every health score and every signal score falls in one band
by the two thresholds of `[health]` in pulse.toml (defaults 60 and 80): `at_risk` below
`at_risk_below`, `healthy` from `healthy_from` up, `watch` in between; no score (no data)
has no band. `band()` decides it and BAND_COLORS colours it, for the dashboard
(views/common.HEALTH_COLORS is this map) and the digest alike.

**Words.** SIGNAL_LABELS, SIGNAL_DEFINITIONS, BAND_LABELS and NO_MAIN_ISSUE are English
msgids (the docs read them as they are); what this module produces for a screen is in the
run's language: `main_issue_label`, the reasons, `band_label()`, `band_legend()`,
`signal_label()` and `signal_definition()`. The boards are cached per language.
"""

from __future__ import annotations

import math
from typing import Any, Protocol

import duckdb
import numpy as np
import pandas as pd

import lang
from data.marts import CLIENTS_SQL
from lang import N_, _, ngettext
from metrics.cache import per_load
from metrics.catalogue import family, run_over
from metrics.context import Context, Filters, apply_filters, client_filter_sql, memo, snapshot
from metrics.families import family_marts
from metrics.formats import rounded
from metrics.quiet import quiet_facts
from metrics.replies import voices_sql

__all__ = [
    "BANDS",
    "BAND_COLORS",
    "BAND_LABELS",
    "HEALTH_WINDOW_DAYS",
    "SIGNALS",
    "SIGNAL_DEFINITIONS",
    "SIGNAL_LABELS",
    "Thresholds",
    "band",
    "band_label",
    "band_legend",
    "client_health",
    "health_breakdown",
    "health_context",
    "lowest",
    "score_clients",
    "signal_definition",
    "signal_label",
    "signal_scores",
    "voices_score",
]

HEALTH_WINDOW_DAYS = 90
SIGNALS: tuple[str, ...] = ("delivery", "responsiveness", "approvals", "feedback", "voices")
SIGNAL_LABELS: dict[str, str] = {  # English msgids: signal_label() translates
    "delivery": N_("Delivery"),
    "responsiveness": N_("Responsiveness"),
    "approvals": N_("Approvals"),
    "feedback": N_("Feedback"),
    "voices": N_("Single point of contact"),
}
# What each signal measures, in a director's words (tooltips, the docs).
SIGNAL_DEFINITIONS: dict[str, str] = {  # English msgids: signal_definition() translates
    "delivery": N_("On-time share of the deliverables delivered in the health window plus those overdue now."),
    "responsiveness": N_("100 × (1 − SLA breach rate) over the client requests opened in the health window."),
    "approvals": N_("Share of approval rounds (answered in the window or pending) within the client's deadline."),
    "feedback": N_("Average feedback score on a 0–100 axis over the health window."),
    "voices": N_("100 with up to 2 agency people writing to the client, 20 points less per extra person."),
}
NO_MAIN_ISSUE = N_("No points lost")

# The score bands, worst first, and their one colour each (None: no score, no data). Contrast on
# white: red 5.5:1, amber 3.0:1, green 4.4:1, grey 3.3:1; the legends name the bands too.
BANDS: tuple[str, ...] = ("at_risk", "watch", "healthy")
BAND_LABELS: dict[str | None, str] = {"at_risk": N_("At risk"), "watch": N_("Watch"), "healthy": N_("Healthy"),
                                      None: N_("No data")}  # English msgids: band_label() translates
BAND_COLORS: dict[str | None, str] = {"at_risk": "#c92a2a", "watch": "#e67700", "healthy": "#2b8a3e",
                                      None: "#868e96"}
IDEAL_VOICES = 2  # up to this many agency voices per client costs nothing
VOICE_PENALTY = 20.0  # points per agency voice beyond IDEAL_VOICES
_EPS = 1e-9


# ------------------------------------------------------------------------ pure scoring


class _Thresholds(Protocol):
    at_risk_below: float
    healthy_from: float


Thresholds = _Thresholds | tuple[float, float]  # Settings, or (at_risk_below, healthy_from)


def _limits(thresholds: Thresholds) -> tuple[float, float]:
    if isinstance(thresholds, tuple):
        return float(thresholds[0]), float(thresholds[1])
    return float(thresholds.at_risk_below), float(thresholds.healthy_from)


def band(score: float | None, thresholds: Thresholds) -> str | None:
    """The band of a 0–100 health or signal score: "at_risk" below at_risk_below, "healthy"
    from healthy_from up, "watch" in between; None without a score (None or NaN). The score is
    banded as it is shown, in whole points (59.99 reads "60" and is "watch"), so a number and its
    colour never disagree on screen.

    `thresholds` is the Settings (its `[health]` at_risk_below and healthy_from) or the pair.
    """
    if score is None or pd.isna(score):
        return None
    below, healthy = _limits(thresholds)
    value = rounded(score, "score")  # the score as it is written: a "60" is never red beside "< 60"
    if value < below:
        return "at_risk"
    return "healthy" if value >= healthy else "watch"


def band_label(name: str | None) -> str:
    """"At risk", "Watch", "Healthy", or "No data" for None, in this run's language."""
    return _(BAND_LABELS[name])


def band_legend(thresholds: Thresholds) -> dict[str, str]:
    """Each band's label with its range, worst first, for a chart's legend ("At risk (< 60)")."""
    below, healthy = _limits(thresholds)
    return {"at_risk": _("{band} (< {below})").format(band=band_label("at_risk"), below=f"{below:g}"),
            "watch": _("{band} ({below}–{healthy})").format(band=band_label("watch"), below=f"{below:g}",
                                                           healthy=f"{healthy:g}"),
            "healthy": _("{band} (≥ {healthy})").format(band=band_label("healthy"), healthy=f"{healthy:g}")}


def signal_label(signal: str) -> str:
    """A signal's label in this run's language ("Delivery", "Single point of contact")."""
    return _(SIGNAL_LABELS[signal])


def signal_definition(signal: str) -> str:
    """What a signal measures, in this run's language (a tooltip)."""
    return _(SIGNAL_DEFINITIONS[signal])


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
    # The main issue: the signal that lost the most points (the first of SIGNALS on a tie);
    # none when no signal lost any.
    most_lost = np.where(np.isnan(lost), -np.inf, lost)
    first_max = most_lost.argmax(axis=1) if n else np.zeros(0, dtype=int)
    most = most_lost[np.arange(n), first_max]
    out["main_issue"] = pd.Series(np.where(most > _EPS, np.array(SIGNALS, dtype=object)[first_max], None),
                                  index=out.index, dtype=object)
    out["main_issue_label"] = out["main_issue"].map({s: signal_label(s) for s in SIGNALS}).fillna(
        _(NO_MAIN_ISSUE)).astype(object)
    return out


# ------------------------------------------------------------------------ the signals


def health_context(ctx: Context) -> Context:
    """ctx over the health window, keeping only the client-level filters."""
    f = ctx.filters
    return ctx.shifted(period_days=HEALTH_WINDOW_DAYS,
                       filters=Filters(clients=f.clients, account_managers=f.account_managers, tiers=f.tiers))


def _window() -> str:
    """The health window as the reasons name it: "the last 90 days"."""
    return ngettext("the last {n} day", "the last {n} days", HEALTH_WINDOW_DAYS).format(n=HEALTH_WINDOW_DAYS)


# Per signal: the family mart it reads, the catalogue metrics it needs and any extra
# per-client counts for its reason (SQL over the same mart). Voices reads the messages.
_SIGNAL_MARTS = {"delivery": "deadlines", "responsiveness": "replies", "approvals": "approvals",
                 "feedback": "feedback"}
_SIGNAL_METRICS = {
    "delivery": ["delivered", "late_delivered", "open_overdue"],
    "responsiveness": ["sla_breach_rate"],
    "approvals": ["answered", "pending", "overdue"],
    "feedback": ["responses", "avg_normalized_score", "detractors"],
}
_SIGNAL_EXTRAS = {
    # sla_breach_rate's numerator and denominator, to say "n of m".
    "responsiveness": {
        "n_breached": "count(*) FILTER (WHERE side = 'agency' AND in_period AND breached)",
        "n_counted": "count(*) FILTER (WHERE side = 'agency' AND in_period AND (NOT is_open OR breached))",
    },
    # Answered in the window after the round's due_by, or without one, past the approval SLA.
    "approvals": {
        "late_answered": "count(*) FILTER (WHERE in_period AND is_answered AND CASE WHEN due_by IS NOT NULL "
                         "THEN responded_date > due_by ELSE lag_days > $approval_sla_days END)",
    },
}


def _signals_sql(hctx: Context) -> tuple[str, list[Any]]:
    """One query for every client's five signals: the catalogue's numbers per client over
    the four marts (registered as _deadlines, _replies, _approvals, _feedback), and voices."""
    where, params = client_filter_sql(hctx.filters, "c")
    ctes = [f"c AS (SELECT client_id, client_name, account_manager, tier FROM ({CLIENTS_SQL}) c WHERE {where})"]
    for signal, family_name in _SIGNAL_MARTS.items():
        wanted = set(_SIGNAL_METRICS[signal])
        cols = [f'{m.expression} AS "{m.name}"' for m in family(family_name) if m.name in wanted]
        extras = _SIGNAL_EXTRAS.get(signal, {}).items()
        cols += [f'{expr.replace("$approval_sla_days", str(float(hctx.settings.approval_sla_days)))} AS "{name}"'
                 for name, expr in extras]
        ctes.append(f"{signal} AS (SELECT client_id, {', '.join(cols)} FROM _{family_name} GROUP BY client_id)")
    v_sql, v_params = voices_sql(hctx)
    ctes.append(f"voices AS ({v_sql})")
    params += v_params
    picks = [f'{s}."{n}"' for s in _SIGNAL_MARTS for n in
             [*_SIGNAL_METRICS[s], *_SIGNAL_EXTRAS.get(s, {})]]
    sql = (f"WITH {', '.join(ctes)} SELECT c.*, {', '.join(picks)}, voices.agency_voices, voices.agency_senders "
           f"FROM c " + " ".join(f"LEFT JOIN {s} USING (client_id)" for s in [*_SIGNAL_MARTS, "voices"])
           + " ORDER BY c.client_id")
    return sql, params


def _count(value: Any) -> int:
    return 0 if value is None or pd.isna(value) else int(value)


def _delivery(r: dict[str, Any]) -> tuple[float, str] | None:
    delivered, late, overdue = _count(r["delivered"]), _count(r["late_delivered"]), _count(r["open_overdue"])
    base = delivered + overdue
    if base == 0:
        return None
    return (100.0 * (delivered - late) / base,
            ngettext("{bad} of {n} deliverable late or overdue ({late} delivered late in {window}, {overdue} "
                     "overdue now)",
                     "{bad} of {n} deliverables late or overdue ({late} delivered late in {window}, {overdue} "
                     "overdue now)", base).format(bad=late + overdue, n=base, late=late, window=_window(),
                                                  overdue=overdue))


def _responsiveness(r: dict[str, Any]) -> tuple[float, str] | None:
    rate = r["sla_breach_rate"]
    if rate is None or pd.isna(rate):
        return None
    counted = _count(r["n_counted"])
    return (100.0 * (1.0 - float(rate)),
            ngettext("{bad} of {n} client request answered past the reply SLA or still waiting past it",
                     "{bad} of {n} client requests answered past the reply SLA or still waiting past it",
                     counted).format(bad=_count(r["n_breached"]), n=counted))


def _approvals(r: dict[str, Any]) -> tuple[float, str] | None:
    answered, pending, overdue = _count(r["answered"]), _count(r["pending"]), _count(r["overdue"])
    late = _count(r["late_answered"])
    base = answered + pending
    if base == 0:
        return None
    return (100.0 * (base - late - overdue) / base,
            ngettext("{bad} of {n} approval round past the client's deadline ({late} answered late, {overdue} "
                     "pending overdue)",
                     "{bad} of {n} approval rounds past the client's deadline ({late} answered late, {overdue} "
                     "pending overdue)", base).format(bad=late + overdue, n=base, late=late, overdue=overdue))


def _feedback(r: dict[str, Any]) -> tuple[float, str] | None:
    score = r["avg_normalized_score"]
    if _count(r["responses"]) == 0 or score is None or pd.isna(score):
        return None
    n, bad = _count(r["responses"]), _count(r["detractors"])
    detractors = ngettext("{n} detractor", "{n} detractors", bad).format(n=bad)
    return (float(score),
            ngettext("average score {score}/100 over {n} response ({detractors})",
                     "average score {score}/100 over {n} responses ({detractors})", n).format(
                score=f"{float(score):.0f}", n=n, detractors=detractors))


def _voices(r: dict[str, Any]) -> tuple[float, str] | None:
    n = _count(r["agency_voices"])
    if n <= 0:
        return None
    who = r["agency_senders"] or ""
    if who:
        text = ngettext("{n} agency person wrote to the client: {who} (up to {ideal} is ideal)",
                        "{n} agency people wrote to the client: {who} (up to {ideal} is ideal)", n)
    else:
        text = ngettext("{n} agency person wrote to the client (up to {ideal} is ideal)",
                        "{n} agency people wrote to the client (up to {ideal} is ideal)", n)
    return voices_score(n), text.format(n=n, who=who, ideal=IDEAL_VOICES)


# A signal's reason without data; {window} is "the last 90 days" (_window()).
_NO_DATA = {
    "delivery": N_("no deliverable delivered in {window} and none overdue"),
    "responsiveness": N_("no client request in {window} answered or past the reply SLA"),
    "approvals": N_("no approval round answered in {window} or pending"),
    "feedback": N_("no feedback response in {window}"),
    "voices": N_("no agency message to the client in {window}"),
}
_SIGNAL_FUNCS = {"delivery": _delivery, "responsiveness": _responsiveness, "approvals": _approvals,
                 "feedback": _feedback, "voices": _voices}


def signal_scores(con: duckdb.DuckDBPyConnection, ctx: Context) -> pd.DataFrame:
    """Per client (matching the client-level filters): each signal's score (NaN = no data) and reason."""
    hctx = health_context(ctx)
    # The marts at as_of (cached per load and as_of), flagged in_period for the health window.
    frames = {f"_{fam}": mart for fam, mart in family_marts(con, hctx).items()}
    sql, params = _signals_sql(hctx)
    rows = run_over(con, sql, frames, params).to_dict("records")
    out = pd.DataFrame({k: pd.array([r[k] for r in rows], dtype="str")
                        for k in ("client_id", "client_name", "account_manager", "tier")})
    for s in SIGNALS:
        found = [_SIGNAL_FUNCS[s](r) for r in rows]
        none = _(_NO_DATA[s]).format(window=_window())
        out[s] = np.array([np.nan if x is None else x[0] for x in found], dtype="float64")
        out[f"{s}_reason"] = pd.Series([none if x is None else x[1] for x in found], dtype=object)
    return out


# ------------------------------------------------------------------------ public views


@per_load
def client_health(con: duckdb.DuckDBPyConnection, ctx: Context) -> pd.DataFrame:
    """One row per loaded client matching the client-level filters, ordered by client_id.

    Columns: client_id, client_name, account_manager, tier, health_score, main_issue,
    main_issue_label, main_reason; beside the score, not part of it, whether the client has
    gone quiet (metrics.quiet): quiet_days (NaN for a paused or ended client, or with nothing
    to count from), is_quiet (False for a paused or ended client) and quiet_reason (a sentence
    when quiet, else None); then per signal `<signal>_score`, `<signal>_weight` (effective),
    `<signal>_points_lost` and `<signal>_reason`. Computed over the health window ending on
    as_of's date (gone quiet: at as_of, with its own setting quiet_after_days).

    A client's score depends on its own rows only, so every client is scored once per
    as_of (and load) and the client-level filters then pick rows: filtering the dashboard
    down to one client or one account manager costs no new computation.
    """
    f = ctx.filters
    with snapshot(con) as snap:  # the key and the scores read one load
        # The labels and reasons are written in the run's language: one board per language.
        key = (__name__, "client_health", snap.version, repr(ctx.settings), ctx.as_of.value, lang.current())
        board = memo(key, lambda: _score_all(snap, ctx.shifted(filters=Filters())))
    if not f.active:
        return board.copy(deep=False)  # the cached board stays as built whatever the caller does
    keep = apply_filters(board, Filters(clients=f.clients, account_managers=f.account_managers, tiers=f.tiers))
    return keep.reset_index(drop=True)


def _score_all(con: duckdb.DuckDBPyConnection, ctx: Context) -> pd.DataFrame:
    sig = signal_scores(con, ctx)
    scored = score_clients(sig, ctx.settings.health_weights)
    main = scored["main_issue"].to_numpy(dtype=object)
    reason = np.full(len(scored), _("no signal lost any points"), dtype=object)
    for s in SIGNALS:
        pick = main == s
        reason[pick] = scored[f"{s}_reason"].to_numpy(dtype=object)[pick]
    scored["main_reason"] = pd.Series(reason, index=scored.index, dtype=object)
    # Gone quiet (metrics.quiet) beside the score, never in it: SPEC §8's five signals make the score.
    facts = quiet_facts(con, ctx).set_index("client_id")
    ids = scored["client_id"]
    scored["quiet_days"] = ids.map(facts["quiet_days"]).to_numpy(dtype="float64", na_value=np.nan)
    scored["is_quiet"] = ids.map(facts["is_quiet"]).fillna(False).to_numpy(dtype=bool)
    scored["quiet_reason"] = pd.Series([r if isinstance(r, str) else None for r in ids.map(facts["quiet_reason"])],
                                       index=scored.index, dtype=object)
    cols = ["client_id", "client_name", "account_manager", "tier", "health_score", "main_issue", "main_issue_label",
            "main_reason", "quiet_days", "is_quiet", "quiet_reason"]
    for s in SIGNALS:
        scored[f"{s}_score"] = scored[s]
        cols += [f"{s}_score", f"{s}_weight", f"{s}_points_lost", f"{s}_reason"]
    return scored[cols].sort_values("client_id").reset_index(drop=True)


def lowest(con: duckdb.DuckDBPyConnection, ctx: Context, n: int) -> pd.DataFrame:
    """The n clients with the lowest health score (ties by client_id): the clients at risk."""
    board = client_health(con, ctx)
    scored = board[board["health_score"].notna()].sort_values(["health_score", "client_id"], kind="stable")
    return scored.head(n).reset_index(drop=True)


@per_load
def health_breakdown(con: duckdb.DuckDBPyConnection, ctx: Context, client_id: str) -> pd.DataFrame:
    """One row per signal for one client: signal, label (in the run's language), weight (as
    configured), effective_weight, score, points_lost, reason. Empty when the client is unknown."""
    cols = ["signal", "label", "weight", "effective_weight", "score", "points_lost", "reason"]
    one = client_health(con, ctx.shifted(filters=Filters(clients=(client_id,))))
    if one.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    row: dict[str, Any] = one.iloc[0].to_dict()
    weights = ctx.settings.health_weights
    return pd.DataFrame(
        [{
            "signal": s,
            "label": signal_label(s),
            "weight": float(weights.get(s, 0.0)),
            "effective_weight": row[f"{s}_weight"],
            "score": row[f"{s}_score"],
            "points_lost": row[f"{s}_points_lost"],
            "reason": row[f"{s}_reason"],
        } for s in SIGNALS],
        columns=cols,
    )
