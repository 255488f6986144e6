"""The workbook contract of SPEC §1 as data: tabs, columns, types, what is required.

Parsing, validation, the DuckDB tables and the blank template are all generated from
this one table, so a column added here appears everywhere at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Column kinds: text, date, datetime, date_or_datetime, number, integer, boolean, enum.
SQL_TYPES = {
    "text": "VARCHAR",
    "date": "DATE",
    "datetime": "TIMESTAMPTZ",
    "date_or_datetime": "TIMESTAMPTZ",
    "number": "DOUBLE",
    "integer": "INTEGER",
    "boolean": "BOOLEAN",
    "enum": "VARCHAR",
}

STATUS_PROJECT = ("planned", "active", "on_hold", "delivered", "cancelled")
SLIP_CAUSES = ("agency", "client", "scope", "external")


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "text"
    required: bool = False
    values: tuple[str, ...] = ()  # allowed values of an enum
    default: str | int | None = None
    # An optional enumeration: an unknown value is read as `fallback` with a warning
    # instead of rejecting the row (SPEC §1: channel → other, slip_cause → blank).
    lenient: bool = False
    fallback: str | None = None
    unique: bool = False
    ref: str | None = None  # "clients" / "projects": must exist there (when given)

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.kind]


@dataclass(frozen=True)
class Tab:
    name: str
    columns: tuple[Column, ...]
    required: bool = True
    # Groups where at least one column must be given (projects/milestones deadlines).
    one_of: tuple[tuple[str, ...], ...] = field(default_factory=tuple)

    @property
    def key(self) -> Column:
        return self.columns[0]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]


def _deadline_columns() -> tuple[Column, ...]:
    return (
        Column("baseline_due", "date"),
        Column("due_date", "date"),
        Column("delivered_date", "date"),
        Column("slip_cause", "enum", values=SLIP_CAUSES, lenient=True, fallback=None),
    )


TABS: tuple[Tab, ...] = (
    Tab(
        "clients",
        (
            Column("client_id", required=True, unique=True),
            Column("client_name", required=True),
            Column("account_manager"),
            Column("tier"),
            Column("status", "enum", values=("active", "paused", "ended"), default="active"),
            Column("start_date", "date"),
        ),
    ),
    Tab(
        "team",
        (
            Column("person", required=True, unique=True),
            Column("role"),
            Column("department"),
            Column("email"),
        ),
        required=False,
    ),
    Tab(
        "projects",
        (
            Column("project_id", required=True, unique=True),
            Column("client_id", required=True, ref="clients"),
            Column("project_name", required=True),
            Column("project_manager"),
            Column("department"),
            Column("status", "enum", values=STATUS_PROJECT, default="active"),
            Column("start_date", "date"),
            *_deadline_columns(),
        ),
        one_of=(("baseline_due", "due_date"),),
    ),
    Tab(
        "milestones",
        (
            Column("milestone_id", required=True, unique=True),
            Column("project_id", required=True, ref="projects"),
            Column("milestone_name", required=True),
            Column("owner"),
            *_deadline_columns(),
            Column("status", "enum", values=STATUS_PROJECT, default="active"),
        ),
        required=False,
        one_of=(("baseline_due", "due_date"),),
    ),
    Tab(
        "messages",
        (
            Column("message_id", required=True, unique=True),
            Column("thread_id", required=True),
            Column("client_id", required=True, ref="clients"),
            Column("project_id", ref="projects"),
            Column(
                "channel",
                "enum",
                values=("email", "chat", "phone", "meeting", "other"),
                default="other",
                lenient=True,
                fallback="other",
            ),
            Column("direction", "enum", required=True, values=("in", "out")),
            Column("sender"),
            Column("sent_at", "datetime", required=True),
            Column("needs_reply", "boolean"),
        ),
    ),
    Tab(
        "approvals",
        (
            Column("approval_id", required=True, unique=True),
            Column("project_id", required=True, ref="projects"),
            Column("deliverable", required=True),
            Column("round", "integer", default=1),
            Column("sent_at", "date_or_datetime", required=True),
            Column("due_by", "date"),
            Column("responded_at", "date_or_datetime"),
            Column("decision", "enum", values=("approved", "changes_requested", "rejected")),
            Column("approver"),
        ),
    ),
    Tab(
        "feedback",
        (
            Column("response_id", required=True, unique=True),
            Column("client_id", required=True, ref="clients"),
            Column("project_id", ref="projects"),
            Column("received_on", "date", required=True),
            Column("score", "number", required=True),
            Column("scale", "enum", values=("nps", "csat"), default="nps"),
            Column("respondent"),
            Column("comment"),
        ),
    ),
)

TAB_BY_NAME = {t.name: t for t in TABS}
# Scales of SPEC §7: inclusive integer bounds.
SCALES = {"nps": (0, 10), "csat": (1, 5)}
