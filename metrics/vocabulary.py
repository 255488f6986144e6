"""One word per concept: every column a table, a CSV file or the digest shows, in a director's words.

A column is named in the code (`wait_hours`) and shown by its *term*: the label a
director reads in a header and a CSV file ("Waited, business h"), its quantity (how its
values are written, metrics/formats.py) and what it means in plain words (the header's
tooltip). Catalogue metrics are terms too: a table column named after a metric takes the
metric's label, format and description. A page can only show a column that is here
(views/common.table refuses any other), and a test fails when a label or a definition
shows a code name, so the code's vocabulary never reaches the screen.

TERMS holds the English words (msgids, marked N_; the docs read them as they are);
`term()` and `header()` give them in the run's language, and so do the frames below.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from lang import N_, _
from metrics.catalogue import BY_NAME
from metrics.formats import MISSING, QUANTITIES, DateFormat, is_missing, rounded, show
from metrics.health import SIGNAL_DEFINITIONS, SIGNAL_LABELS, SIGNALS

__all__ = ["KINDS", "TERMS", "Term", "display_frame", "export_frame", "header", "term", "text_frame"]

# How a column's values are written: a formats.py quantity, or one of these.
KINDS = ("text", "long", "word", "date", "datetime", "flag")

# The workbook's enumerations and the app's own English words that a "word" column holds: shown
# in the run's language (a stored value stays English; an unknown one is shown as written).
WORDS: dict[str, str] = {
    "email": N_("email"), "chat": N_("chat"), "phone": N_("phone"), "meeting": N_("meeting"), "other": N_("other"),
    "approved": N_("approved"), "changes_requested": N_("changes requested"), "rejected": N_("rejected"),
    "nps": N_("NPS"), "csat": N_("CSAT"),
    "agency": N_("agency"), "client": N_("client"), "scope": N_("scope"), "external": N_("external"),
    "sheets": N_("Google Sheet"), "xlsx": N_(".xlsx file"), "csv": N_("folder of .csv files"),
}


def word(value: Any) -> str:
    """An enumeration value or an app word (an age bucket, an event) in the run's language."""
    text = str(value)
    return _(WORDS.get(text, text))


@dataclass(frozen=True)
class Term:
    name: str  # the column in the code
    label: str  # header and CSV header (in TERMS: the English msgid; term() translates it)
    kind: str  # a formats.QUANTITIES name or one of KINDS ("long" = text that may wrap)
    help: str = ""  # the header's tooltip: what it is, in plain words (likewise)


def _t(name: str, label: str, kind: str = "text", help: str = "") -> Term:
    return Term(name, label, kind, help)


# A signal score's tooltip: the signal's definition and the scale (health.SIGNAL_DEFINITIONS).
_SIGNAL_HELP = N_("{definition} 0–100; empty: no data.")
_SIGNAL_COLUMNS = {f"{s}_score": s for s in SIGNALS}
# A metric column's header names the unit its values are written in (the cell says only "h" or "wd").
_UNIT_LABELS = {"hours": N_("{label}, business h"), "days": N_("{label}, wd"), "shift": N_("{label}, wd")}


_TERMS: tuple[Term, ...] = (
    # --- who and what --------------------------------------------------------------------------
    _t("client_id", N_("Client ID")),
    _t("client_name", N_("Client")),
    _t("account_manager", N_("Account manager"), help=N_("The client's single point of contact at the agency.")),
    _t("tier", N_("Tier")),
    _t("project_id", N_("Project ID")),
    _t("project_name", N_("Project")),
    _t("project_manager", N_("Project manager")),
    _t("department", N_("Department")),
    _t("deliverable_name", N_("Deliverable"), help=N_("A milestone, or a project that has no milestones.")),
    _t("deliverable", N_("Deliverable")),
    _t("deliverable_id", N_("Deliverable ID")),
    _t("approval_id", N_("Approval ID")),
    _t("kind", N_("Kind"), help=N_("Milestone or project.")),
    _t("thread_id", N_("Thread")),
    _t("channel", N_("Channel"), "word"),
    _t("owner", N_("Account manager"), help=N_("The client's account manager: they own the client's threads.")),
    _t("sender", N_("Sent by"), help=N_("Who sent the message that opened the wait.")),
    _t("agency_senders", N_("Agency people who wrote"), "long"),
    _t("approver", N_("Approver")),
    _t("respondent", N_("Respondent")),
    _t("response_id", N_("Response")),
    _t("comment", N_("Comment"), "long"),
    _t("scale", N_("Scale"), "word", help=N_("NPS (0–10) or CSAT (1–5).")),
    _t("last_scale", N_("Last scale"), "word", help=N_("NPS (0–10) or CSAT (1–5).")),
    _t("slip_cause", N_("Slip cause"), "word", help=N_("Agency, client, scope or external, as the sheet says.")),
    _t("last_cause", N_("Last slip cause"), "word", help=N_("The slip cause written at the latest move.")),
    _t("final_decision", N_("Latest decision"), "word",
       help=N_("The latest round's decision; blank while it is pending.")),
    _t("decision", N_("Decision"), "word"),
    _t("age_bucket", N_("Waiting for"), "word", help=N_("How long the thread has waited, in business time.")),
    # --- deadlines -------------------------------------------------------------------------------
    _t("baseline_due", N_("First agreed due"), "date", N_("The deadline first agreed with the client.")),
    _t("due_date", N_("Current due"), "date", N_("The deadline in the sheet today.")),
    _t("delivered_date", N_("Delivered"), "date"),
    _t("days_overdue", N_("Overdue, wd"), "days", N_("Working days from the current due date to the as-of date.")),
    _t("slip_days", N_("Slip, wd"), "shift",
       N_("Working days from the first agreed due date to delivery (or, while open, to the later of the current "
          "due date and the as-of date); negative = early.")),
    _t("on_time", N_("On time"), "flag", N_("Delivered no later than the first agreed due date.")),
    _t("rescheduled", N_("Rescheduled"), "flag", N_("The current due date differs from the first agreed one.")),
    _t("is_overdue", N_("Overdue"), "flag", N_("Past its due-by date or, without one, past the approval SLA.")),
    _t("overdue_flag", N_("Overdue"), "flag", N_("Not delivered and past its current due date.")),
    _t("is_delivered", N_("Delivered"), "flag"),
    _t("moved_days", N_("Moved by, wd"), "shift",
       N_("Working days from the first agreed due date to the current one (positive = pushed back).")),
    # --- deadline history ------------------------------------------------------------------------
    _t("period_date", N_("Moved on"), "date", N_("The date of the sync that saw the new due date.")),
    _t("moved_on", N_("Moved on"), "date", N_("The date of the sync that saw the new due date.")),
    _t("old_due_date", N_("From"), "date", N_("The due date before the move.")),
    _t("new_due_date", N_("To"), "date", N_("The due date after the move.")),
    _t("days_moved", N_("Moved by, wd"), "shift",
       N_("Working days from the old due date to the new one (negative = brought forward).")),
    _t("moves", N_("Moves"), "int", N_("Deadline moves recorded for this deliverable so far.")),
    _t("moves_in_period", N_("Moves in period"), "int"),
    _t("first_due", N_("First recorded due"), "date", N_("The due date at the first sync that recorded it.")),
    _t("current_due", N_("Due now"), "date"),
    _t("seen_on", N_("Seen on"), "date", N_("The date of the sync.")),
    _t("due_then", N_("Due date from then"), "date"),
    # --- replies ----------------------------------------------------------------------------------
    _t("opened_local", N_("Waiting since"), "datetime",
       N_("When the message that opened the wait was sent, agency time.")),
    _t("wait_hours", N_("Waited, business h"), "hours",
       N_("Business hours (working days, within the working window) from the opening message to the as-of moment.")),
    _t("sla_hours", N_("SLA, business h"), "hours", N_("The reply SLA of the thread's channel, in business hours.")),
    _t("breached", N_("Past SLA"), "flag", N_("Already waiting longer than the channel's reply SLA.")),
    _t("last_message_local", N_("Last message"), "datetime",
       N_("The last message either way by the as-of moment, agency time.")),
    _t("wrote_last", N_("Wrote last"), help=N_("Who sent that message: the client or us.")),
    _t("quiet_days", N_("Silent for, wd"), "days",
       N_("Working days from the last message either way (or, with none yet, the client's start date) to the as-of "
          "date; active clients only.")),
    _t("is_quiet", N_("Gone quiet"), "flag",
       N_("An active client with no message either way for at least the quiet-after days of the settings.")),
    # --- approvals --------------------------------------------------------------------------------
    _t("round", N_("Round"), "int"),
    _t("rounds", N_("Rounds so far"), "int"),
    _t("approved_round", N_("Approved in round"), "int", N_("The first round the client answered with an approval.")),
    _t("sent_at", N_("Sent"), "datetime", N_("When the round went to the client, agency time.")),
    _t("sent_date", N_("Sent"), "date"),
    _t("due_by", N_("Due by"), "date", N_("The date the client promised to answer by.")),
    _t("age_days", N_("Waiting, wd"), "days", N_("Working days from the date the round was sent to the as-of date.")),
    _t("first_sent_date", N_("First sent"), "date"),
    _t("approved_date", N_("Approved on"), "date"),
    _t("days_to_approval", N_("To approval, wd"), "days",
       N_("Working days from the first round sent to the approval.")),
    _t("approved", N_("Approved"), "flag"),
    # --- feedback ---------------------------------------------------------------------------------
    _t("received_on", N_("Received"), "date"),
    _t("score", N_("Score"), "score", N_("The score as given: NPS 0–10 or CSAT 1–5.")),
    _t("normalized", N_("Score, 0–100"), "score", N_("The score on one 0–100 axis: NPS × 10, (CSAT − 1) × 25.")),
    _t("detractor", N_("Detractor"), "flag", N_("An NPS score of 6 or less, or a CSAT score of 2 or less.")),
    _t("last_score", N_("Last score"), "score"),
    _t("last_received_on", N_("Last response"), "date"),
    _t("last_response", N_("Last response"), "date", N_("Empty: the client has never answered.")),
    _t("days_silent", N_("Days without feedback"), "int",
       N_("Calendar days from the last feedback response to the as-of date; empty when the client never answered.")),
    _t("score_change", N_("Change"), "score",
       N_("Average score of the last 90 days minus that of the 90 days before.")),
    _t("score_last_90d", N_("Score, last 90 days"), "score",
       N_("Average score on the 0–100 axis of the 90 days ending on the as-of date.")),
    _t("score_prev_90d", N_("Score, previous 90 days"), "score", N_("The same for the 90 days before.")),
    # --- health -----------------------------------------------------------------------------------
    _t("main_issue", N_("Main issue"), help=N_("The signal that lost the most points.")),
    _t("main_reason", N_("Why"), "long", N_("What the main issue's score is made of.")),
    _t("signal_label", N_("Signal")),
    _t("signal_score", N_("Score, 0–100"), "score", N_("The signal's own score, 0–100.")),
    _t("effective_weight", N_("Weight"), "pct",
       N_("The signal's share of the score: its weight over the weights of the signals with data.")),
    _t("points_lost", N_("Points lost"), "float", N_("Weight × (100 − score): what the signal cost the health score.")),
    _t("signal_reason", N_("What it is made of"), "long"),
    *(_t(f"{s}_score", SIGNAL_LABELS[s], "score", _SIGNAL_HELP.format(definition=SIGNAL_DEFINITIONS[s]))
      for s in SIGNALS),
    # --- data quality -----------------------------------------------------------------------------
    _t("tab", N_("Tab")),
    _t("sheet_row", N_("Sheet row"), "int", N_("The row number as you see it in the sheet (the header is row 1).")),
    _t("column", N_("Column")),
    _t("value", N_("Value")),
    _t("reason", N_("Reason"), "long"),
    _t("rows_read", N_("Rows read"), "int"),
    _t("loaded", N_("Loaded"), "int"),
    _t("rejected", N_("Rejected"), "int"),
    _t("warnings", N_("Warnings"), "int"),
    _t("event", N_("What"), "word"),
    _t("error", N_("Error"), "long"),
    _t("started_at", N_("Started"), "datetime", N_("Agency time.")),
    _t("finished_at", N_("Finished"), "datetime", N_("Agency time.")),
    _t("recorded_at", N_("Recorded at"), "datetime", N_("The moment the sync stands for, agency time.")),
    _t("source", N_("Source")),
    _t("source_title", N_("Source tab"), help=N_("The tab (or file) of the workbook this table was read from.")),
    _t("tab_status", N_("Status")),
    _t("missing_columns", N_("Missing columns"), "long"),
    _t("ignored_columns", N_("Ignored columns"), "long", N_("Columns the contract does not know: kept out, harmless.")),
    _t("message", N_("Note"), "long"),
    _t("severity_text", N_("Kind"),
       help=N_("Rejected: the row is left out of every number. Warning: the row is kept.")),
    _t("sync_id", N_("Sync"), "int"),
    _t("source_kind", N_("Source kind"), help=N_("Google Sheet, .xlsx file or .csv folder.")),
    _t("sync_result", N_("Result")),
    _t("rows_loaded", N_("Rows loaded"), "int"),
    _t("rows_rejected", N_("Rows rejected"), "int"),
)

TERMS: dict[str, Term] = {t.name: t for t in _TERMS}


def term(name: str) -> Term:
    """A column's term in this run's language (label and help; `name` stays the code): its own
    entry, else the catalogue metric of that name; KeyError otherwise."""
    if name in TERMS:
        t = TERMS[name]
        if name in _SIGNAL_COLUMNS:
            signal = _SIGNAL_COLUMNS[name]
            return Term(t.name, _(t.label), t.kind, _(_SIGNAL_HELP).format(definition=_(SIGNAL_DEFINITIONS[signal])))
        return Term(t.name, _(t.label), t.kind, _(t.help))
    m = BY_NAME[name]
    unit = _UNIT_LABELS.get(m.format)
    if unit and not m.label.endswith(unit.format(label="")):
        label = _(unit).format(label=_(m.label))
    else:
        label = _(m.label)
    return Term(m.name, label, m.format, _(m.description))


def header(name: str, labels: dict[str, str] | None = None) -> str:
    """A column's header: the page's own wording when it gives one (already in the run's language),
    else the term's label."""
    return (labels or {}).get(name) or term(name).label


def _yes_no(value: Any) -> str:
    """A flag as a CSV file and a text table write it: "yes" or "no", in the run's language."""
    return _("yes") if bool(value) else _("no")


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
        elif t.kind == "word":
            out[header(name, labels)] = [None if is_missing(v) or v == "" else word(v) for v in values]
        else:
            out[header(name, labels)] = [None if is_missing(v) or v == "" else str(v) for v in values]
    return pd.DataFrame(out, index=range(len(df)))


def export_frame(df: pd.DataFrame, columns: Sequence[str], dates: DateFormat, labels: dict[str, str] | None = None,
                 tz: str | None = None) -> pd.DataFrame:
    """The columns as a CSV file holds them: the same headers as on screen, numbers rounded as shown
    (without their unit, which the header names), yes/no (in the run's language), dates in the agency's
    date format, blanks where there is no value."""
    return _as_text(df, columns, dates, labels, tz, _plain_number, blank="")


def text_frame(df: pd.DataFrame, columns: Sequence[str], dates: DateFormat, labels: dict[str, str] | None = None,
               tz: str | None = None) -> pd.DataFrame:
    """The columns as text, each value as a tile writes it ("14 wd", "96.7 h", "yes", a date in the
    agency's format, "—" for none): the meeting screen's and the digest's tables."""
    return _as_text(df, columns, dates, labels, tz, show, blank=MISSING)


def _plain_number(value: Any, kind: str) -> str:
    """A number as shown, without its unit (a CSV cell)."""
    v = rounded(value, kind)
    return MISSING if v is None else f"{v:.{QUANTITIES[kind].decimals}f}"


def _as_text(df: pd.DataFrame, columns: Sequence[str], dates: DateFormat, labels: dict[str, str] | None,
             tz: str | None, number: Any, blank: str) -> pd.DataFrame:
    """Every cell as text, each kind written one way; `number` writes a quantity, `blank` stands for none."""
    out: dict[str, Any] = {}
    for name in columns:
        t, values = term(name), df[name]
        if t.kind in QUANTITIES:
            cells = [number(v, t.kind) for v in values]
        elif t.kind == "datetime":
            cells = [dates.when(v) for v in _local(values, tz)]
        elif t.kind == "date":
            cells = [dates.day(v) for v in values]
        elif t.kind == "flag":
            cells = [MISSING if is_missing(v) else _yes_no(v) for v in values]
        else:
            write = word if t.kind == "word" else str
            cells = [MISSING if is_missing(v) or v == "" else write(v) for v in values]
        out[header(name, labels)] = [blank if c == MISSING else c for c in cells]
    return pd.DataFrame(out, index=range(len(df)))
