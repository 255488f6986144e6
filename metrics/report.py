"""The weekly numbers without the dashboard: `python -m metrics.report --db PATH --as-of ISO
--period-days N --json [--settings PATH]`.

The JSON is exactly SPEC §9's shape (numbers rounded to 2 decimals, rates as fractions
0–1, null where undefined); without --json the same numbers come as text that pastes
into a weekly email, written in the run's language (the JSON's keys stay English).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

import lang
from data import store
from data.settings import Settings, SettingsError, load_settings
from lang import LANGUAGES, _
from metrics.catalogue import label, metric, summarize, summary_records
from metrics.context import Context, client_names, parse_as_of, snapshot
from metrics.families import family_marts, family_title
from metrics.formats import plain
from metrics.health import client_health
from metrics.history import recorded_syncs
from metrics.replies import voices

# The SPEC §9 JSON: family → the catalogue metrics it lists, in order.
SUMMARY_KEYS: dict[str, list[str]] = {
    "deadlines": ["delivered", "on_time_rate", "median_slip_days", "open_overdue"],
    "replies": ["awaiting_agency", "oldest_wait_hours", "median_response_hours", "sla_breach_rate", "awaiting_client"],
    "approvals": ["pending", "overdue", "median_lag_days", "first_round_approval_rate"],
    "feedback": ["responses", "nps", "csat"],
}
# Per-client entries: report key → (family, catalogue metric).
CLIENT_KEYS: dict[str, tuple[str, str]] = {
    "delivered": ("deadlines", "delivered"),
    "on_time_rate": ("deadlines", "on_time_rate"),
    "open_overdue": ("deadlines", "open_overdue"),
    "awaiting_agency": ("replies", "awaiting_agency"),
    "oldest_wait_hours": ("replies", "oldest_wait_hours"),
    "median_response_hours": ("replies", "median_response_hours"),
    "pending_approvals": ("approvals", "pending"),
    "median_lag_days": ("approvals", "median_lag_days"),
    "nps": ("feedback", "nps"),
    "csat": ("feedback", "csat"),
    "agency_voices": ("replies", "agency_voices"),
    "health_score": ("health", "health_score"),
}
# SPEC §10's history: the top-level object's keys, and the one number every client entry adds.
HISTORY_KEYS: list[str] = ["syncs", "deadline_moves", "moved_deliverables", "net_days_moved"]
CLIENT_HISTORY_KEYS: list[str] = ["deadline_moves"]


def build_report(con: duckdb.DuckDBPyConnection, ctx: Context) -> dict[str, Any]:
    """SPEC §9's report object for ctx (its filters are ignored: the report is agency-wide)."""
    with snapshot(con) as snap:  # every number of the report from one load
        return _build_report(snap, ctx.shifted(filters=type(ctx.filters)()))


def _build_report(con: duckdb.DuckDBPyConnection, ctx: Context) -> dict[str, Any]:
    m = family_marts(con, ctx)
    out: dict[str, Any] = {
        "as_of": ctx.as_of.isoformat(),
        "period": {"start": ctx.period_start.isoformat(), "end": ctx.period_end.isoformat()},
    }
    records = summary_records(con, {fam: (fam, m[fam]) for fam in (*SUMMARY_KEYS, "history")})
    for fam, keys in SUMMARY_KEYS.items():
        out[fam] = {k: plain(records[fam].get(k), metric(k).format) for k in keys}
    hist = {**records["history"], "syncs": recorded_syncs(con, ctx)}
    # Every history number is a whole count or a sum of whole working days: JSON integers.
    out["history"] = {k: plain(hist.get(k), "int") for k in HISTORY_KEYS}

    names_by_id = client_names(con)  # cached per load; ordered by client_id
    per_client = pd.DataFrame({"client_id": list(names_by_id), "client_name": list(names_by_id.values())},
                              dtype=object)
    for fam in SUMMARY_KEYS:
        names = [name for (f, name) in CLIENT_KEYS.values() if f == fam and metric(name).expression]
        if not names:
            continue
        grouped = summarize(con, m[fam], fam, ["client_id"], names)
        per_client = per_client.merge(grouped, on="client_id", how="left")
    v = voices(con, ctx)[["client_id", "agency_voices"]]
    per_client = per_client.merge(v, on="client_id", how="left")
    h = client_health(con, ctx)[["client_id", "health_score"]]
    per_client = per_client.merge(h, on="client_id", how="left")
    moves = summarize(con, m["history"], "history", ["client_id"], CLIENT_HISTORY_KEYS)
    per_client = per_client.merge(moves, on="client_id", how="left")

    rows = []
    for rec in per_client.to_dict("records"):
        row: dict[str, Any] = {"client_id": rec["client_id"], "client_name": rec["client_name"]}
        for key, (_family, name) in CLIENT_KEYS.items():
            fmt = metric(name).format
            value = rec.get(name)
            if fmt == "int" and (value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))):
                value = 0  # a client with no rows in a mart has a count of 0, not null
            row[key] = plain(value, fmt)
        for key in CLIENT_HISTORY_KEYS:  # a client without moves in the period has 0
            value = rec.get(key)
            row[key] = 0 if value is None or value is pd.NA or value != value else plain(value, "int")
        rows.append(row)
    out["clients"] = rows
    return out


def default_as_of(con: duckdb.DuckDBPyConnection) -> str | None:
    """The bundled sample declares its reference time; anything else defaults to now."""
    return store.read_meta(con).get("sample_as_of") or None


def text_report(rep: dict[str, Any]) -> str:
    """The same numbers as the JSON, laid out for a weekly email, in the run's language."""
    lines = [_("Agency Pulse — week {start} to {end} (as of {as_of})").format(
        start=rep["period"]["start"], end=rep["period"]["end"], as_of=rep["as_of"]), ""]
    for fam, keys in SUMMARY_KEYS.items():
        lines.append(family_title(fam))
        for k in keys:
            lines.append(f"  {label(k):<28} {metric(k).fmt(rep[fam][k]):>10}")
        lines.append("")
    lines.append(family_title("history"))
    for k in HISTORY_KEYS:
        lines.append(f"  {label(k):<28} {metric(k).fmt(rep['history'][k]):>10}")
    lines.append("")
    lines.append(_("Clients (lowest health first)"))
    ranked = sorted(rep["clients"], key=lambda c: (c["health_score"] is None, c["health_score"] or 0))
    # The table's column heads, one word each (the email is read in a fixed-width font).
    heads = [_("client"), _("health"), _("waiting"), _("overdue"), _("pending"), _("NPS")]
    lines.append(f"  {heads[0]:<28} {heads[1]:>6} {heads[2]:>8} {heads[3]:>8} {heads[4]:>8} {heads[5]:>6}")
    for c in ranked:
        lines.append(
            f"  {c['client_name'][:28]:<28} {metric('health_score').fmt(c['health_score']):>6} "
            f"{c['awaiting_agency']:>8} {c['open_overdue']:>8} {c['pending_approvals']:>8} "
            f"{metric('nps').fmt(c['nps']):>6}"
        )
    return "\n".join(lines)


class CliError(Exception):
    """A command-line failure: its exit code and the one line to print."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def cli_settings(path: str | None) -> Settings:
    """The settings file of a command (exit 2 on a bad one)."""
    try:
        return load_settings(path)
    except SettingsError as exc:
        raise CliError(2, str(exc)) from None


def check_period(period_days: int) -> None:
    if period_days < 1:
        raise CliError(2, "--period-days must be 1 or more")


@contextlib.contextmanager
def pinned_db(db_arg: str | None, settings: Settings) -> Iterator[store.Snapshot]:
    """The DuckDB file opened read-only with one snapshot pinned for the whole command, so every
    number it prints comes from one load (exit 1 when the file is missing, locked or empty)."""
    db = Path(db_arg) if db_arg else settings.db_path()
    if not db.exists():
        raise CliError(1, f"{db} does not exist (run python -m data.sync first)")
    try:
        con = store.connect(db, read_only=True)
    except (store.StoreLocked, duckdb.Error) as exc:
        raise CliError(1, f"cannot open {db}: {str(exc).splitlines()[0]}") from None
    try:
        if not store.has_data(con):
            raise CliError(1, f"{db} holds no loaded workbook (run python -m data.sync)")
        with snapshot(con) as snap:
            yield snap
    finally:
        con.close()


def cli_as_of(value: str | None, con: duckdb.DuckDBPyConnection, settings: Settings) -> pd.Timestamp:
    """--as-of, or the sample's reference time, else now (exit 2 when it is not a date)."""
    try:
        return parse_as_of(value or default_as_of(con), settings.timezone)
    except ValueError:
        raise CliError(2, f"--as-of {value!r} is not an ISO date or datetime") from None


def question_arguments(ap: argparse.ArgumentParser) -> None:
    """The arguments every command that asks the numbers takes: which file, when, how long, which settings."""
    ap.add_argument("--db", help="DuckDB file (default: the settings' db)")
    ap.add_argument("--as-of", dest="as_of", help="ISO datetime; without an offset it is agency time "
                                                  "(default: the sample's reference time, else now)")
    ap.add_argument("--period-days", dest="period_days", type=int, default=7, help="period length in days (7)")
    ap.add_argument("--settings", help="settings file (default: pulse.toml)")
    ap.add_argument("--lang", choices=list(LANGUAGES), help="language of the text (default: the settings' "
                                                               "language, else en); JSON keys stay English")


def speak_for(args: argparse.Namespace, settings: Settings) -> None:
    """The language a command writes its text in: --lang, else the settings' `language`, else English."""
    lang.use(args.lang or settings.language or "en")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m metrics.report", description=__doc__.splitlines()[0])
    question_arguments(ap)
    ap.add_argument("--json", action="store_true", help="print SPEC §9's JSON object")
    args = ap.parse_args(argv)
    try:
        settings = cli_settings(args.settings)
        speak_for(args, settings)
        check_period(args.period_days)
        with pinned_db(args.db, settings) as snap:
            rep = build_report(snap, Context(settings, cli_as_of(args.as_of, snap, settings), args.period_days))
    except CliError as exc:
        print(f"report failed: {exc.message}", file=sys.stderr)
        return exc.code
    print(json.dumps(rep, ensure_ascii=False, indent=2) if args.json else text_report(rep))
    return 0

if __name__ == "__main__":
    sys.exit(main())
