"""One word per concept: every column a table, a CSV file or the digest shows, in a director's words.

A column is named in the code (`wait_hours`) and shown by its *term*: the label a
director reads in a header and a CSV file ("Waited, business h"), its quantity (how its
values are written, metrics/formats.py) and what it means in plain words (the header's
tooltip). Catalogue metrics are terms too: a table column named after a metric takes the
metric's label, format and description. A page can only show a column that is here
(views/common.table refuses any other), and a test fails when a label or a definition
shows a code name, so the code's vocabulary never reaches the screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from metrics.catalogue import BY_NAME
from metrics.formats import MISSING, QUANTITIES, DateFormat, is_missing, rounded, show
from metrics.health import SIGNAL_DEFINITIONS, SIGNAL_LABELS, SIGNALS

__all__ = ["KINDS", "TERMS", "Term", "display_frame", "export_frame", "header", "term", "text_frame"]

# How a column's values are written: a formats.py quantity, or one of these.
KINDS = ("text", "long", "date", "datetime", "flag")


@dataclass(frozen=True)
class Term:
    name: str  # the column in the code
    label: str  # header and CSV header
    kind: str  # a formats.QUANTITIES name or one of KINDS ("long" = text that may wrap)
    help: str = ""  # the header's tooltip: what it is, in plain words


def _t(name: str, label: str, kind: str = "text", help: str = "") -> Term:
    return Term(name, label, kind, help)


_TERMS: tuple[Term, ...] = (
    # --- who and what --------------------------------------------------------------------------
    _t("client_id", "Client ID"),
    _t("client_name", "Client"),
    _t("account_manager", "Account manager", help="The client's single point of contact at the agency."),
    _t("tier", "Tier"),
    _t("project_id", "Project ID"),
    _t("project_name", "Project"),
    _t("project_manager", "Project manager"),
    _t("department", "Department"),
    _t("deliverable_name", "Deliverable", help="A milestone, or a project that has no milestones."),
    _t("deliverable", "Deliverable"),
    _t("deliverable_id", "Deliverable ID"),
    _t("approval_id", "Approval ID"),
    _t("kind", "Kind", help="Milestone or project."),
    _t("thread_id", "Thread"),
    _t("channel", "Channel"),
    _t("owner", "Account manager", help="The client's account manager: they own the client's threads."),
    _t("sender", "Sent by", help="Who sent the message that opened the wait."),
    _t("agency_senders", "Agency people who wrote", "long"),
    _t("approver", "Approver"),
    _t("respondent", "Respondent"),
    _t("response_id", "Response"),
    _t("comment", "Comment", "long"),
    _t("scale", "Scale", help="NPS (0–10) or CSAT (1–5)."),
    _t("last_scale", "Last scale", help="NPS (0–10) or CSAT (1–5)."),
    _t("slip_cause", "Slip cause", help="Agency, client, scope or external, as the sheet says."),
    _t("last_cause", "Last slip cause", help="The slip cause written at the latest move."),
    _t("final_decision", "Latest decision", help="The latest round's decision; blank while it is pending."),
    _t("decision", "Decision"),
    _t("age_bucket", "Waiting for", help="How long the thread has waited, in business time."),
    # --- deadlines -------------------------------------------------------------------------------
    _t("baseline_due", "First agreed due", "date", "The deadline first agreed with the client."),
    _t("due_date", "Current due", "date", "The deadline in the sheet today."),
    _t("delivered_date", "Delivered", "date"),
    _t("days_overdue", "Overdue, wd", "days", "Working days from the current due date to the as-of date."),
    _t("slip_days", "Slip, wd", "shift",
       "Working days from the first agreed due date to delivery (or, while open, to the later of the current "
       "due date and the as-of date); negative = early."),
    _t("on_time", "On time", "flag", "Delivered no later than the first agreed due date."),
    _t("rescheduled", "Rescheduled", "flag", "The current due date differs from the first agreed one."),
    _t("is_overdue", "Overdue", "flag", "Past its due-by date or, without one, past the approval SLA."),
    _t("overdue_flag", "Overdue", "flag", "Not delivered and past its current due date."),
    _t("is_delivered", "Delivered", "flag"),
    _t("moved_days", "Moved by, wd", "shift",
       "Working days from the first agreed due date to the current one (positive = pushed back)."),
    # --- deadline history ------------------------------------------------------------------------
    _t("period_date", "Moved on", "date", "The date of the sync that saw the new due date."),
    _t("moved_on", "Moved on", "date", "The date of the sync that saw the new due date."),
    _t("old_due_date", "From", "date", "The due date before the move."),
    _t("new_due_date", "To", "date", "The due date after the move."),
    _t("days_moved", "Moved by, wd", "shift",
       "Working days from the old due date to the new one (negative = brought forward)."),
    _t("moves", "Moves", "int", "Deadline moves recorded for this deliverable so far."),
    _t("moves_in_period", "Moves in period", "int"),
    _t("first_due", "First recorded due", "date", "The due date at the first sync that recorded it."),
    _t("current_due", "Due now", "date"),
    _t("seen_on", "Seen on", "date", "The date of the sync."),
    _t("due_then", "Due date from then", "date"),
    # --- replies ----------------------------------------------------------------------------------
    _t("opened_local", "Waiting since", "datetime", "When the message that opened the wait was sent, agency time."),
    _t("wait_hours", "Waited, business h", "hours",
       "Business hours (working days, within the working window) from the opening message to the as-of moment."),
    _t("sla_hours", "SLA, business h", "hours", "The reply SLA of the thread's channel, in business hours."),
    _t("breached", "Past SLA", "flag", "Already waiting longer than the channel's reply SLA."),
    _t("last_message_local", "Last message", "datetime",
       "The last message either way by the as-of moment, agency time."),
    _t("wrote_last", "Wrote last", help="Who sent that message: the client or us."),
    _t("quiet_days", "Silent for, wd", "days",
       "Working days from the last message either way (or, with none yet, the client's start date) to the as-of "
       "date; active clients only."),
    _t("is_quiet", "Gone quiet", "flag",
       "An active client with no message either way for at least the quiet-after days of the settings."),
    # --- approvals --------------------------------------------------------------------------------
    _t("round", "Round", "int"),
    _t("rounds", "Rounds so far", "int"),
    _t("approved_round", "Approved in round", "int", "The first round the client answered with an approval."),
    _t("sent_at", "Sent", "datetime", "When the round went to the client, agency time."),
    _t("sent_date", "Sent", "date"),
    _t("due_by", "Due by", "date", "The date the client promised to answer by."),
    _t("age_days", "Waiting, wd", "days", "Working days from the date the round was sent to the as-of date."),
    _t("first_sent_date", "First sent", "date"),
    _t("approved_date", "Approved on", "date"),
    _t("days_to_approval", "To approval, wd", "days",
       "Working days from the first round sent to the approval."),
    _t("approved", "Approved", "flag"),
    # --- feedback ---------------------------------------------------------------------------------
    _t("received_on", "Received", "date"),
    _t("score", "Score", "score", "The score as given: NPS 0–10 or CSAT 1–5."),
    _t("normalized", "Score, 0–100", "score", "The score on one 0–100 axis: NPS × 10, (CSAT − 1) × 25."),
    _t("detractor", "Detractor", "flag", "An NPS score of 6 or less, or a CSAT score of 2 or less."),
    _t("last_score", "Last score", "score"),
    _t("last_received_on", "Last response", "date"),
    _t("last_response", "Last response", "date", "Empty: the client has never answered."),
    _t("days_silent", "Days without feedback", "int",
       "Calendar days from the last feedback response to the as-of date; empty when the client never answered."),
    _t("score_change", "Change", "score", "Average score of the last 90 days minus that of the 90 days before."),
    _t("score_last_90d", "Score, last 90 days", "score",
       "Average score on the 0–100 axis of the 90 days ending on the as-of date."),
    _t("score_prev_90d", "Score, previous 90 days", "score", "The same for the 90 days before."),
    # --- health -----------------------------------------------------------------------------------
    _t("main_issue", "Main issue", help="The signal that lost the most points."),
    _t("main_reason", "Why", "long", "What the main issue's score is made of."),
    _t("signal_label", "Signal"),
    _t("signal_score", "Score, 0–100", "score", "The signal's own score, 0–100."),
    _t("effective_weight", "Weight", "pct",
       "The signal's share of the score: its weight over the weights of the signals with data."),
    _t("points_lost", "Points lost", "float", "Weight × (100 − score): what the signal cost the health score."),
    _t("signal_reason", "What it is made of", "long"),
    *(_t(f"{s}_score", SIGNAL_LABELS[s], "score", SIGNAL_DEFINITIONS[s] + " 0–100; empty: no data.") for s in SIGNALS),
    # --- data quality -----------------------------------------------------------------------------
    _t("tab", "Tab"),
    _t("sheet_row", "Sheet row", "int", "The row number as you see it in the sheet (the header is row 1)."),
    _t("column", "Column"),
    _t("value", "Value"),
    _t("reason", "Reason", "long"),
    _t("rows_read", "Rows read", "int"),
    _t("loaded", "Loaded", "int"),
    _t("rejected", "Rejected", "int"),
    _t("warnings", "Warnings", "int"),
    _t("event", "What"),
    _t("error", "Error", "long"),
    _t("started_at", "Started", "datetime", "Agency time."),
    _t("finished_at", "Finished", "datetime", "Agency time."),
    _t("recorded_at", "Recorded at", "datetime", "The moment the sync stands for, agency time."),
    _t("source", "Source"),
    _t("source_title", "Source tab", help="The tab (or file) of the workbook this table was read from."),
    _t("tab_status", "Status"),
    _t("missing_columns", "Missing columns", "long"),
    _t("ignored_columns", "Ignored columns", "long", "Columns the contract does not know: kept out, harmless."),
    _t("message", "Note", "long"),
    _t("severity_text", "Kind", help="Rejected: the row is left out of every number. Warning: the row is kept."),
    _t("sync_id", "Sync", "int"),
    _t("source_kind", "Source kind", help="Google Sheet, .xlsx file or .csv folder."),
    _t("sync_result", "Result"),
    _t("rows_loaded", "Rows loaded", "int"),
    _t("rows_rejected", "Rows rejected", "int"),
)

TERMS: dict[str, Term] = {t.name: t for t in _TERMS}


def term(name: str) -> Term:
    """A column's term: its own entry, else the catalogue metric of that name; KeyError otherwise."""
    if name in TERMS:
        return TERMS[name]
    m = BY_NAME[name]
    unit = {"hours": ", business h", "days": ", wd", "shift": ", wd"}.get(m.format, "")
    return Term(m.name, m.label + unit if unit and not m.label.endswith(unit) else m.label, m.format, m.description)


def header(name: str, labels: dict[str, str] | None = None) -> str:
    """A column's header: the page's own wording when it gives one, else the term's label."""
    return (labels or {}).get(name) or term(name).label


def _local(values: pd.Series, tz: str | None) -> pd.Series:
    """Datetimes as agency wall-clock time (naive), whatever zone they came in."""
    s = pd.to_datetime(values, errors="coerce")
    if getattr(s.dt, "tz", None) is not None:
        s = s.dt.tz_convert(tz or "UTC").dt.tz_localize(None)
    return s


def display_frame(df: pd.DataFrame, columns: Sequence[str], labels: dict[str, str] | None = None,
                  tz: str | None = None) -> pd.DataFrame:
    """The columns as a grid shows them: headed by their labels, numbers rounded as their quantity
    writes them (still numbers, so a column sorts), datetimes in agency time."""
    out: dict[str, Any] = {}
    for name in columns:
        t, values = term(name), df[name]
        if t.kind in QUANTITIES:
            out[header(name, labels)] = pd.array([rounded(v, t.kind) for v in values], dtype="Float64")
        elif t.kind == "datetime":
            out[header(name, labels)] = _local(values, tz).to_numpy()
        elif t.kind == "date":
            out[header(name, labels)] = pd.to_datetime(values, errors="coerce").dt.date.to_numpy()
        elif t.kind == "flag":
            out[header(name, labels)] = values.astype("boolean").to_numpy()
        else:
            out[header(name, labels)] = [None if is_missing(v) or v == "" else str(v) for v in values]
    return pd.DataFrame(out, index=range(len(df)))


def export_frame(df: pd.DataFrame, columns: Sequence[str], dates: DateFormat, labels: dict[str, str] | None = None,
                 tz: str | None = None) -> pd.DataFrame:
    """The columns as a CSV file holds them: the same headers as on screen, numbers rounded as shown
    (without their unit, which the header names), yes/no, dates in the agency's date format, blanks
    where there is no value."""
    out: dict[str, Any] = {}
    for name in columns:
        t, values = term(name), df[name]
        if t.kind in QUANTITIES:
            col = [rounded(v, t.kind) for v in values]
            digits = QUANTITIES[t.kind].decimals
            out[header(name, labels)] = ["" if v is None else (f"{v:.{digits}f}") for v in col]
        elif t.kind == "datetime":
            out[header(name, labels)] = [dates.when(v) if not is_missing(v) and v is not pd.NaT else ""
                                         for v in _local(values, tz)]
        elif t.kind == "date":
            out[header(name, labels)] = ["" if is_missing(v) or v is pd.NaT else dates.day(v) for v in values]
        elif t.kind == "flag":
            out[header(name, labels)] = ["" if is_missing(v) else ("yes" if bool(v) else "no") for v in values]
        else:
            out[header(name, labels)] = ["" if is_missing(v) else str(v) for v in values]
    return pd.DataFrame(out, index=range(len(df)))


def text_frame(df: pd.DataFrame, columns: Sequence[str], dates: DateFormat, labels: dict[str, str] | None = None,
               tz: str | None = None) -> pd.DataFrame:
    """The columns as text, each value as a tile writes it ("14 wd", "96.7 h", "yes", a date in the
    agency's format, "—" for none): the meeting screen's and the digest's tables."""
    out: dict[str, Any] = {}
    for name in columns:
        t, values = term(name), df[name]
        if t.kind in QUANTITIES:
            out[header(name, labels)] = [show(v, t.kind) for v in values]
        elif t.kind == "datetime":
            out[header(name, labels)] = [dates.when(v) for v in _local(values, tz)]
        elif t.kind == "date":
            out[header(name, labels)] = [dates.day(v) for v in values]
        elif t.kind == "flag":
            out[header(name, labels)] = [MISSING if is_missing(v) else ("yes" if bool(v) else "no") for v in values]
        else:
            out[header(name, labels)] = [MISSING if is_missing(v) or v == "" else str(v) for v in values]
    return pd.DataFrame(out, index=range(len(df)))
