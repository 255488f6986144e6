"""An independent, from-scratch reference for SPEC §9's report on a CSV-folder workbook.

Standard library only (csv, datetime, zoneinfo, statistics, fractions): nothing here is
imported from `data` or `metrics`, so it is a second implementation of the contract, not a
re-run of the product's code. Clarity beats speed: the calendar walks day by day and the
reply episodes are found by literally reading each thread's messages in order.

Numbers are kept exact (fractions.Fraction) until the very end, so rounding to 2 decimals
happens once, on the exact value (see `round2`, `is_tie`).

Scope: what the bundled sample needs of SPEC §1 (canonical headers, the date/datetime
spellings it uses plus ISO 8601 and serial numbers, the rejection rules), §2 (calendar),
§3 (as_of, periods), §4–§7 (the metrics the report lists). health_score is not computed
(its weights are product-defined).
"""

from __future__ import annotations

import csv
import math
import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class Calendar:
    """SPEC §2's settings (pulse.toml's defaults unless told otherwise)."""

    timezone: str = "UTC"
    workdays: tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri")
    workday_start: time = time(10, 0)
    workday_end: time = time(19, 0)
    holidays: frozenset[date] = frozenset()
    # A number, or {channel: hours} with a "default" key.
    reply_sla_hours: Fraction | dict[str, Fraction] = Fraction(8)
    approval_sla_days: int = 3

    def sla_for(self, channel: str) -> Fraction:
        sla = self.reply_sla_hours
        if isinstance(sla, dict):
            return Fraction(sla.get(channel, sla["default"]))
        return Fraction(sla)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_working_date(self, d: date) -> bool:
        """A date whose weekday is a workday and which is not a holiday."""
        return d.strftime("%a") in self.workdays and d not in self.holidays

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.tz).date()


# --------------------------------------------------------------------------- SPEC §2


def business_hours(a: datetime, b: datetime, cal: Calendar) -> Fraction:
    """The hours of [a, b) inside working time (each working date, workday_start to
    workday_end, agency time zone); zero when b <= a. Exact, as a Fraction."""
    a_utc, b_utc = a.astimezone(UTC), b.astimezone(UTC)
    if b_utc <= a_utc:
        return Fraction(0)
    tz = cal.tz
    micro = 0
    d = cal.local_date(a)
    last = cal.local_date(b)
    while d <= last:
        if cal.is_working_date(d):
            start = datetime.combine(d, cal.workday_start, tzinfo=tz).astimezone(UTC)
            end = datetime.combine(d, cal.workday_end, tzinfo=tz).astimezone(UTC)
            lo, hi = max(a_utc, start), min(b_utc, end)
            if hi > lo:
                micro += (hi - lo) // timedelta(microseconds=1)
        d += timedelta(days=1)
    return Fraction(micro, 3600 * 10**6)


def working_days(d1: date, d2: date, cal: Calendar) -> int:
    """d2 >= d1: the working dates d with d1 < d <= d2; else minus those with d2 < d <= d1."""
    if d2 >= d1:
        lo, hi, sign = d1, d2, 1
    else:
        lo, hi, sign = d2, d1, -1
    n = 0
    d = lo + timedelta(days=1)
    while d <= hi:
        n += cal.is_working_date(d)
        d += timedelta(days=1)
    return sign * n


# --------------------------------------------------------------------------- SPEC §1 parsing


class Bad(ValueError):
    """A value that rejects its row."""


_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_SLASHED = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_SERIAL = re.compile(r"^\d+(?:[.,]\d+)?$")
_SHEETS_EPOCH = datetime(1899, 12, 30)


def parse_moment(value: str, cal: Calendar, date_order: str = "DMY") -> tuple[datetime, bool]:
    """A date or datetime cell → (aware datetime, had_time). A bare date is 00:00 agency time;
    no offset means agency time."""
    v = value.strip()
    m = _DOTTED.match(v) or _SLASHED.match(v)
    if m:
        a, b, y = int(m[1]), int(m[2]), int(m[3])
        day, month = (b, a) if (m.re is _SLASHED and date_order == "MDY") else (a, b)
        try:
            naive = datetime(y, month, day, int(m[4] or 0), int(m[5] or 0), int(m[6] or 0))
        except ValueError as exc:
            raise Bad(f"not a date: {value!r}") from exc
        return naive.replace(tzinfo=cal.tz), m[4] is not None
    if _SERIAL.match(v):
        days = Fraction(v.replace(",", "."))
        seconds = round(days * 86400)
        naive = _SHEETS_EPOCH + timedelta(seconds=seconds)
        return naive.replace(tzinfo=cal.tz), seconds % 86400 != 0
    if re.match(r"^\d{4}-\d{2}-\d{2}", v):
        try:
            parsed = datetime.fromisoformat(v)
        except ValueError as exc:
            raise Bad(f"not a date: {value!r}") from exc
        had_time = len(v) > 10
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=cal.tz)
        return parsed, had_time
    raise Bad(f"not a date: {value!r}")


def parse_date(value: str, cal: Calendar) -> date:
    moment, had_time = parse_moment(value, cal)
    return cal.local_date(moment) if had_time else moment.date()


def parse_datetime(value: str, cal: Calendar) -> datetime:
    return parse_moment(value, cal)[0]


def parse_number(value: str) -> Fraction:
    v = value.strip().replace(",", ".")
    try:
        return Fraction(v)
    except ValueError as exc:
        raise Bad(f"not a number: {value!r}") from exc


BOOLEANS = {"true": True, "yes": True, "y": True, "1": True, "да": True, "так": True,
            "false": False, "no": False, "n": False, "0": False, "нет": False, "ні": False}
DIRECTIONS = {"in": "in", "inbound": "in", "incoming": "in", "client": "in", "вход": "in",
              "out": "out", "outbound": "out", "outgoing": "out", "agency": "out", "исх": "out"}
CHANNELS = {"email", "chat", "phone", "meeting", "other"}
CLIENT_STATUSES = {"active", "paused", "ended"}
WORK_STATUSES = {"planned", "active", "on_hold", "delivered", "cancelled"}
SLIP_CAUSES = {"agency", "client", "scope", "external"}
DECISIONS = {"approved", "changes_requested", "rejected"}
SCALES = {"nps": (0, 10), "csat": (1, 5)}


# --------------------------------------------------------------------------- loaded rows


@dataclass
class Deliverable:
    key: str
    project_id: str
    client_id: str
    status: str
    baseline_due: date
    due_date: date
    delivered_date: date | None


@dataclass
class Message:
    message_id: str
    thread_id: str
    client_id: str
    project_id: str | None
    channel: str
    direction: str
    sender: str
    sent_at: datetime
    needs_reply: bool


@dataclass
class Approval:
    approval_id: str
    project_id: str
    client_id: str
    deliverable: str
    round: int
    sent_at: datetime
    due_by: date | None
    responded_at: datetime | None
    decision: str | None


@dataclass
class Feedback:
    response_id: str
    client_id: str
    received_on: date
    score: Fraction
    scale: str


@dataclass
class Workbook:
    clients: dict[str, dict[str, str]] = field(default_factory=dict)
    projects: dict[str, dict[str, Any]] = field(default_factory=dict)
    milestones: dict[str, dict[str, Any]] = field(default_factory=dict)
    messages: list[Message] = field(default_factory=list)
    approvals: list[Approval] = field(default_factory=list)
    feedback: list[Feedback] = field(default_factory=list)
    # (tab, sheet row, id, reason) of every rejected row; warnings likewise.
    rejects: list[tuple[str, int, str, str]] = field(default_factory=list)
    warnings: list[tuple[str, int, str, str]] = field(default_factory=list)


def _rows(folder: Path, tab: str) -> list[tuple[int, dict[str, str]]]:
    """(sheet row, {column: trimmed value}) per non-blank row; header = row 1."""
    path = folder / f"{tab}.csv"
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header = [h.strip().lower().replace(" ", "_").replace("-", "_") for h in rows[0]]
    out = []
    for i, raw in enumerate(rows[1:], start=2):
        values = [c.strip() for c in raw]
        if not any(values):
            continue  # blank rows are skipped, not errors, but still count in row numbers
        values += [""] * (len(header) - len(values))
        out.append((i, dict(zip(header, values, strict=False))))
    return out


def _required(row: dict[str, str], *cols: str) -> None:
    for c in cols:
        if not row.get(c, ""):
            raise Bad(f"{c} is required")


def _enum(value: str, allowed: set[str], default: str | None) -> str | None:
    v = value.strip().lower()
    if not v:
        return default
    if v not in allowed:
        raise Bad(f"unknown value {value!r}")
    return v


def _dates(row: dict[str, str], cal: Calendar) -> tuple[date, date, date | None]:
    """baseline_due, due_date (a blank one takes the other's value), delivered_date."""
    if not row.get("baseline_due") and not row.get("due_date"):
        raise Bad("baseline_due or due_date is required")
    baseline = parse_date(row["baseline_due"], cal) if row.get("baseline_due") else None
    due = parse_date(row["due_date"], cal) if row.get("due_date") else None
    delivered = parse_date(row["delivered_date"], cal) if row.get("delivered_date") else None
    return baseline or due, due or baseline, delivered  # type: ignore[return-value]


def load_workbook(folder: Path | str, cal: Calendar | None = None) -> Workbook:
    """Read the CSV folder and apply SPEC §1's rejection rules (as far as a CSV folder with
    canonical headers needs them). A later duplicate of a valid row's id is rejected; an
    invalid row does not claim its id."""
    cal = cal or Calendar()
    folder = Path(folder)
    wb = Workbook()

    def reject(tab: str, rownum: int, rid: str, why: str) -> None:
        wb.rejects.append((tab, rownum, rid, why))

    for rownum, row in _rows(folder, "clients"):
        try:
            _required(row, "client_id", "client_name")
            _enum(row.get("status", ""), CLIENT_STATUSES, "active")
            if row.get("start_date"):
                parse_date(row["start_date"], cal)
        except Bad as exc:
            reject("clients", rownum, row.get("client_id", ""), str(exc))
            continue
        if row["client_id"] in wb.clients:
            reject("clients", rownum, row["client_id"], "duplicate client_id")
            continue
        wb.clients[row["client_id"]] = row

    def work_items(tab: str, id_col: str, name_col: str, parent_col: str, parent_tab: str, parents: dict,
                   into: dict, extra: Callable[[dict[str, str]], None] = lambda row: None) -> None:
        """Projects and milestones: the same dates, status, slip cause and duplicate rules."""
        for rownum, row in _rows(folder, tab):
            try:
                _required(row, id_col, parent_col, name_col)
                status = _enum(row.get("status", ""), WORK_STATUSES, "active")
                baseline, due, delivered = _dates(row, cal)
                extra(row)
                if row[parent_col] not in parents:
                    raise Bad(f"{parent_col} {row[parent_col]} is not in {parent_tab}")
            except Bad as exc:
                reject(tab, rownum, row.get(id_col, ""), str(exc))
                continue
            try:
                _enum(row.get("slip_cause", ""), SLIP_CAUSES, None)
            except Bad:
                wb.warnings.append((tab, rownum, row[id_col], "unknown slip_cause"))
            if row[id_col] in into:
                reject(tab, rownum, row[id_col], f"duplicate {id_col}")
                continue
            into[row[id_col]] = {parent_col: row[parent_col], "status": status, "baseline_due": baseline,
                                 "due_date": due, "delivered_date": delivered}

    def start_date(row: dict[str, str]) -> None:
        if row.get("start_date"):
            parse_date(row["start_date"], cal)

    work_items("projects", "project_id", "project_name", "client_id", "clients", wb.clients, wb.projects, start_date)
    work_items("milestones", "milestone_id", "milestone_name", "project_id", "projects", wb.projects, wb.milestones)

    seen: set[str] = set()
    for rownum, row in _rows(folder, "messages"):
        try:
            _required(row, "message_id", "thread_id", "client_id", "direction", "sent_at")
            direction = DIRECTIONS.get(row["direction"].lower())
            if direction is None:
                raise Bad(f"direction {row['direction']!r} is not in/out")
            sent_at = parse_datetime(row["sent_at"], cal)
            needs = row.get("needs_reply", "")
            if needs:
                if needs.lower() not in BOOLEANS:
                    raise Bad(f"needs_reply {needs!r} is not a boolean")
                needs_reply = BOOLEANS[needs.lower()]
            else:
                needs_reply = direction == "in"
            if row["client_id"] not in wb.clients:
                raise Bad(f"client_id {row['client_id']} is not in clients")
            project_id = row.get("project_id") or None
            if project_id is not None and project_id not in wb.projects:
                raise Bad(f"project_id {project_id} is not in projects")
        except Bad as exc:
            reject("messages", rownum, row.get("message_id", ""), str(exc))
            continue
        channel = row.get("channel", "").lower() or "other"
        if channel not in CHANNELS:
            wb.warnings.append(("messages", rownum, row["message_id"], f"unknown channel {row['channel']!r}"))
            channel = "other"
        if row["message_id"] in seen:
            reject("messages", rownum, row["message_id"], "duplicate message_id")
            continue
        seen.add(row["message_id"])
        wb.messages.append(Message(row["message_id"], row["thread_id"], row["client_id"], project_id, channel,
                                   direction, row.get("sender", ""), sent_at, needs_reply))

    seen = set()
    for rownum, row in _rows(folder, "approvals"):
        try:
            _required(row, "approval_id", "project_id", "deliverable", "sent_at")
            rnd = parse_number(row["round"]) if row.get("round") else Fraction(1)
            if rnd.denominator != 1 or rnd < 1:
                raise Bad(f"round {row['round']!r} is not an integer >= 1")
            sent_at = parse_datetime(row["sent_at"], cal)
            due_by = parse_date(row["due_by"], cal) if row.get("due_by") else None
            responded = parse_datetime(row["responded_at"], cal) if row.get("responded_at") else None
            decision = _enum(row.get("decision", ""), DECISIONS, None)
            if responded is not None and decision is None:
                raise Bad("decision is required when responded_at is given")
            if row["project_id"] not in wb.projects:
                raise Bad(f"project_id {row['project_id']} is not in projects")
        except Bad as exc:
            reject("approvals", rownum, row.get("approval_id", ""), str(exc))
            continue
        if row["approval_id"] in seen:
            reject("approvals", rownum, row["approval_id"], "duplicate approval_id")
            continue
        seen.add(row["approval_id"])
        wb.approvals.append(Approval(row["approval_id"], row["project_id"],
                                    wb.projects[row["project_id"]]["client_id"], row["deliverable"], int(rnd),
                                    sent_at, due_by, responded, decision))

    seen = set()
    for rownum, row in _rows(folder, "feedback"):
        try:
            _required(row, "response_id", "client_id", "received_on", "score")
            received = parse_date(row["received_on"], cal)
            score = parse_number(row["score"])
            scale = _enum(row.get("scale", ""), set(SCALES), "nps")
            lo, hi = SCALES[scale]  # type: ignore[index]
            if score.denominator != 1 or not lo <= score <= hi:
                raise Bad(f"score {row['score']} is outside the {scale} scale {lo}-{hi}")
            if row["client_id"] not in wb.clients:
                raise Bad(f"client_id {row['client_id']} is not in clients")
            if row.get("project_id") and row["project_id"] not in wb.projects:
                raise Bad(f"project_id {row['project_id']} is not in projects")
        except Bad as exc:
            reject("feedback", rownum, row.get("response_id", ""), str(exc))
            continue
        if row["response_id"] in seen:
            reject("feedback", rownum, row["response_id"], "duplicate response_id")
            continue
        seen.add(row["response_id"])
        wb.feedback.append(Feedback(row["response_id"], row["client_id"], received, score, scale))  # type: ignore[arg-type]
    return wb


# --------------------------------------------------------------------------- SPEC §4 deliverables


def deliverables(wb: Workbook) -> list[Deliverable]:
    """Milestone rows plus every project without a (loaded) milestone row; cancelled ones
    (own status or project's) left out."""
    with_milestones = {m["project_id"] for m in wb.milestones.values()}
    out: list[Deliverable] = []
    for mid, m in wb.milestones.items():
        p = wb.projects[m["project_id"]]
        if m["status"] == "cancelled" or p["status"] == "cancelled":
            continue
        out.append(Deliverable(mid, m["project_id"], p["client_id"], m["status"], m["baseline_due"], m["due_date"],
                               m["delivered_date"]))
    for pid, p in wb.projects.items():
        if pid in with_milestones or p["status"] == "cancelled":
            continue
        out.append(Deliverable(pid, pid, p["client_id"], p["status"], p["baseline_due"], p["due_date"],
                               p["delivered_date"]))
    return out


# --------------------------------------------------------------------------- SPEC §5 episodes


@dataclass
class Episode:
    kind: str  # "agency" (client waits for us) or "client" (we wait for the client)
    client_id: str
    channel: str
    opened: datetime
    answered: datetime | None


def episodes(wb: Workbook, as_of: datetime) -> list[Episode]:
    """Walk each thread's messages at or before as_of in (sent_at, message_id) order."""
    threads: dict[str, list[Message]] = {}
    for m in wb.messages:
        if m.sent_at <= as_of:
            threads.setdefault(m.thread_id, []).append(m)
    out: list[Episode] = []
    for msgs in threads.values():
        msgs.sort(key=lambda m: (m.sent_at.astimezone(UTC), m.message_id))
        agency: Message | None = None  # the message that opened the open agency episode
        client: Message | None = None
        for m in msgs:
            if m.direction == "out":
                if agency is not None:
                    out.append(Episode("agency", agency.client_id, agency.channel, agency.sent_at, m.sent_at))
                    agency = None
                if m.needs_reply and client is None:
                    client = m
            else:
                if client is not None:
                    out.append(Episode("client", client.client_id, client.channel, client.sent_at, m.sent_at))
                    client = None
                if m.needs_reply and agency is None:
                    agency = m
        if agency is not None:
            out.append(Episode("agency", agency.client_id, agency.channel, agency.sent_at, None))
        if client is not None:
            out.append(Episode("client", client.client_id, client.channel, client.sent_at, None))
    return out


# --------------------------------------------------------------------------- the report


def _median(values: list[Any]) -> Fraction | None:
    return Fraction(statistics.median(values)) if values else None


def _share(hits: int, total: int) -> Fraction | None:
    return Fraction(hits, total) if total else None


def period_of(as_of: datetime, period_days: int, cal: Calendar) -> tuple[date, date]:
    end = cal.local_date(as_of)
    return end - timedelta(days=period_days - 1), end


def compute(wb: Workbook, as_of: datetime, period_days: int, cal: Calendar | None = None,
            recorded_at: datetime | None = None) -> dict[str, Any]:
    """SPEC §9's report with exact values (Fraction / int / None); health_score left out."""
    cal = cal or Calendar()
    if as_of.tzinfo is None:
        as_of = as_of.replace(tzinfo=cal.tz)
    as_of_date = cal.local_date(as_of)
    start, end = period_of(as_of, period_days, cal)

    def in_period(d: date | None) -> bool:
        return d is not None and start <= d <= end

    # §4 deadlines
    dl_rows = []
    for d in deliverables(wb):
        delivered = d.delivered_date is not None and d.delivered_date <= as_of_date
        if delivered:
            slip = working_days(d.baseline_due, d.delivered_date, cal)  # type: ignore[arg-type]
        else:
            slip = working_days(d.baseline_due, max(d.due_date, as_of_date), cal)
        dl_rows.append({
            "client_id": d.client_id,
            "delivered_in_period": delivered and in_period(d.delivered_date),
            "slip": slip,
            "overdue": (not delivered) and d.due_date < as_of_date,
        })

    def deadlines(rows: list[dict[str, Any]]) -> dict[str, Any]:
        done = [r for r in rows if r["delivered_in_period"]]
        return {
            "delivered": len(done),
            "on_time_rate": _share(sum(r["slip"] <= 0 for r in done), len(done)),
            "median_slip_days": _median([r["slip"] for r in done]),
            "open_overdue": sum(r["overdue"] for r in rows),
        }

    # §5 replies
    ep_rows = []
    for e in episodes(wb, as_of):
        hours = business_hours(e.opened, e.answered if e.answered is not None else as_of, cal)
        ep_rows.append({
            "kind": e.kind, "client_id": e.client_id, "open": e.answered is None, "hours": hours,
            "breached": hours > cal.sla_for(e.channel), "in_period": in_period(cal.local_date(e.opened)),
        })
    msgs_in_period = [m for m in wb.messages if m.sent_at <= as_of and in_period(cal.local_date(m.sent_at))]

    def replies(rows: list[dict[str, Any]], msgs: list[Message]) -> dict[str, Any]:
        agency = [r for r in rows if r["kind"] == "agency"]
        open_agency = [r for r in agency if r["open"]]
        period = [r for r in agency if r["in_period"]]
        answered = [r for r in period if not r["open"]]
        open_breached = [r for r in period if r["open"] and r["breached"]]
        return {
            "awaiting_agency": len(open_agency),
            "oldest_wait_hours": max((r["hours"] for r in open_agency), default=None),
            "median_response_hours": _median([r["hours"] for r in answered]),
            "sla_breach_rate": _share(sum(r["breached"] for r in answered) + len(open_breached),
                                      len(answered) + len(open_breached)),
            "awaiting_client": sum(1 for r in rows if r["kind"] == "client" and r["open"]),
            "agency_voices": len({m.sender for m in msgs if m.direction == "out" and m.sender}),
        }

    # §6 approvals
    ap_rows = []
    for a in wb.approvals:
        if a.sent_at > as_of:
            continue  # a round sent after as_of does not exist yet
        answered = a.responded_at is not None and a.responded_at <= as_of
        sent_date = cal.local_date(a.sent_at)
        if answered:
            resp_date = cal.local_date(a.responded_at)  # type: ignore[arg-type]
            lag = working_days(sent_date, resp_date, cal)
        else:
            resp_date = None
            lag = working_days(sent_date, as_of_date, cal)
        overdue = (not answered) and (a.due_by < as_of_date if a.due_by is not None
                                      else lag > cal.approval_sla_days)
        ap_rows.append({
            "client_id": a.client_id, "deliverable": (a.project_id, a.deliverable), "round": a.round,
            "answered": answered, "lag": lag, "overdue": overdue,
            "answered_in_period": answered and in_period(resp_date),
            "approved_in_period": answered and in_period(resp_date) and a.decision == "approved",
        })

    def approvals(rows: list[dict[str, Any]]) -> dict[str, Any]:
        approved_round: dict[tuple[str, str], int] = {}
        for r in rows:
            if r["approved_in_period"]:
                k = r["deliverable"]
                approved_round[k] = min(approved_round.get(k, r["round"]), r["round"])
        return {
            "pending": sum(not r["answered"] for r in rows),
            "overdue": sum(r["overdue"] for r in rows),
            "median_lag_days": _median([r["lag"] for r in rows if r["answered_in_period"]]),
            "first_round_approval_rate": _share(sum(v == 1 for v in approved_round.values()), len(approved_round)),
        }

    # §7 feedback
    fb_rows = [f for f in wb.feedback if in_period(f.received_on)]

    def feedback(rows: list[Feedback]) -> dict[str, Any]:
        nps = [f.score for f in rows if f.scale == "nps"]
        csat = [f.score for f in rows if f.scale == "csat"]
        return {
            "responses": len(rows),
            "nps": (100 * (Fraction(sum(s >= 9 for s in nps), len(nps)) - Fraction(sum(s <= 6 for s in nps), len(nps)))
                    if nps else None),
            "csat": 100 * Fraction(sum(s >= 4 for s in csat), len(csat)) if csat else None,
        }

    rep_replies = replies(ep_rows, msgs_in_period)
    rep_replies.pop("agency_voices")
    report: dict[str, Any] = {
        "as_of": as_of,
        "period": {"start": start, "end": end},
        "deadlines": deadlines(dl_rows),
        "replies": rep_replies,
        "approvals": approvals(ap_rows),
        "feedback": feedback(fb_rows),
        # One workbook synced once, at recorded_at: no two syncs, so no deadline move (SPEC §10).
        "history": {"syncs": int(recorded_at is not None and recorded_at <= as_of), "deadline_moves": 0,
                    "moved_deliverables": 0, "net_days_moved": 0},
        "clients": [],
    }
    for cid in sorted(wb.clients):
        d = deadlines([r for r in dl_rows if r["client_id"] == cid])
        r = replies([e for e in ep_rows if e["client_id"] == cid], [m for m in msgs_in_period if m.client_id == cid])
        a = approvals([x for x in ap_rows if x["client_id"] == cid])
        f = feedback([x for x in fb_rows if x.client_id == cid])
        report["clients"].append({
            "client_id": cid,
            "client_name": wb.clients[cid]["client_name"],
            "delivered": d["delivered"],
            "on_time_rate": d["on_time_rate"],
            "open_overdue": d["open_overdue"],
            "awaiting_agency": r["awaiting_agency"],
            "oldest_wait_hours": r["oldest_wait_hours"],
            "median_response_hours": r["median_response_hours"],
            "pending_approvals": a["pending"],
            "median_lag_days": a["median_lag_days"],
            "nps": f["nps"],
            "csat": f["csat"],
            "agency_voices": r["agency_voices"],
            "deadline_moves": 0,
        })
    return report


# --------------------------------------------------------------------------- rounding


def round2(value: Fraction | int | None) -> float | int | None:
    """The exact value rounded to 2 decimals, half away from zero (ties are rare; see acceptable)."""
    if value is None or isinstance(value, int):
        return value
    hundredths = Fraction(value) * 100
    magnitude = math.floor(abs(hundredths) + Fraction(1, 2))
    return float(Fraction(magnitude if hundredths >= 0 else -magnitude, 100))


def is_tie(value: Fraction | int | None) -> bool:
    """True when value lies exactly halfway between two 2-decimal numbers."""
    return isinstance(value, Fraction) and (value * 100).denominator == 2


def acceptable(value: Fraction | int | None) -> set[float | int | None]:
    """The 2-decimal renderings SPEC's 'rounded to 2 decimals' allows: one, or both
    neighbours for an exact tie (SPEC does not name a tie rule)."""
    if not is_tie(value):
        return {round2(value)}
    hundredths = Fraction(value) * 100  # type: ignore[arg-type]
    return {float(Fraction(math.floor(hundredths), 100)), float(Fraction(math.ceil(hundredths), 100))}
