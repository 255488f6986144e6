"""The weekly numbers without the dashboard: `python -m metrics.report --db PATH --as-of ISO
--period-days N --json [--settings PATH]`.

The JSON is exactly SPEC §9's shape (numbers rounded to 2 decimals, rates as fractions
0–1, null where undefined); without --json the same numbers come as text that pastes
into a weekly email.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from data import store
from data.settings import SettingsError, load_settings
from metrics.catalogue import metric, summarize, summary_records
from metrics.context import Context, parse_as_of, query_df, snapshot
from metrics.families import FAMILIES, family_marts
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
    out["history"] = {k: plain(hist.get(k), metric(k).format) for k in HISTORY_KEYS}

    clients = query_df(con, "SELECT client_id, client_name FROM clients ORDER BY client_id")
    per_client = clients.copy()
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
        for key, (_, name) in CLIENT_KEYS.items():
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
    """The same numbers as the JSON, laid out for a weekly email."""
    lines = [f"Agency Pulse — week {rep['period']['start']} to {rep['period']['end']} (as of {rep['as_of']})", ""]
    for fam, keys in SUMMARY_KEYS.items():
        lines.append(FAMILIES[fam].title)
        for k in keys:
            m = metric(k)
            lines.append(f"  {m.label:<28} {m.fmt(rep[fam][k]):>10}")
        lines.append("")
    lines.append(FAMILIES["history"].title)
    for k in HISTORY_KEYS:
        lines.append(f"  {metric(k).label:<28} {metric(k).fmt(rep['history'][k]):>10}")
    lines.append("")
    lines.append("Clients (lowest health first)")
    ranked = sorted(rep["clients"], key=lambda c: (c["health_score"] is None, c["health_score"] or 0))
    lines.append(f"  {'client':<28} {'health':>6} {'waiting':>8} {'overdue':>8} {'pending':>8} {'NPS':>6}")
    for c in ranked:
        lines.append(
            f"  {c['client_name'][:28]:<28} {metric('health_score').fmt(c['health_score']):>6} "
            f"{c['awaiting_agency']:>8} {c['open_overdue']:>8} {c['pending_approvals']:>8} "
            f"{metric('nps').fmt(c['nps']):>6}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m metrics.report", description=__doc__.splitlines()[0])
    ap.add_argument("--db", help="DuckDB file (default: the settings' db)")
    ap.add_argument("--as-of", dest="as_of", help="ISO datetime; without an offset it is agency time "
                                                  "(default: the sample's reference time, else now)")
    ap.add_argument("--period-days", dest="period_days", type=int, default=7, help="period length in days (7)")
    ap.add_argument("--json", action="store_true", help="print SPEC §9's JSON object")
    ap.add_argument("--settings", help="settings file (default: pulse.toml)")
    args = ap.parse_args(argv)
    try:
        settings = load_settings(args.settings)
    except SettingsError as exc:
        print(f"report failed: {exc}", file=sys.stderr)
        return 2
    db = Path(args.db) if args.db else settings.db_path()
    if not db.exists():
        print(f"report failed: {db} does not exist (run python -m data.sync first)", file=sys.stderr)
        return 1
    if args.period_days < 1:
        print("report failed: --period-days must be 1 or more", file=sys.stderr)
        return 2
    try:
        con = store.connect(db, read_only=True)
    except (store.StoreLocked, duckdb.Error) as exc:
        print(f"report failed: cannot open {db}: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    try:
        if not store.has_data(con):
            print(f"report failed: {db} holds no loaded workbook (run python -m data.sync)", file=sys.stderr)
            return 1
        try:
            as_of = parse_as_of(args.as_of or default_as_of(con), settings.timezone)
        except ValueError:
            print(f"report failed: --as-of {args.as_of!r} is not an ISO date or datetime", file=sys.stderr)
            return 2
        rep = build_report(con, Context(settings, as_of, args.period_days))
    finally:
        con.close()
    print(json.dumps(rep, ensure_ascii=False, indent=2) if args.json else text_report(rep))
    return 0


if __name__ == "__main__":
    sys.exit(main())
