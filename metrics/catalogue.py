"""Every metric as data: name, label, expression over its mart, format, description.

The one source for the pages' tooltips, the report command and the docs. Expressions
are DuckDB SQL over a family's mart (one row per deliverable, reply episode, approval
round or feedback response; see each module) and every division is guarded with
nullif, so an empty period gives null, never an error or a misleading zero.

Flow metrics use the mart's `in_period` flag (the row's `period_date` falls in the
period); state metrics (queues, overdue) describe the moment as_of and ignore it.

Labels, descriptions and units are English msgids (marked N_): the report's JSON keys and
docs/metrics.md read them as they are, and a page shows `label(name)` / `description(name)`,
which translate them into the run's language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from lang import N_, _
from metrics.context import Filters, mart_filter_sql
from metrics.formats import show


@dataclass(frozen=True)
class Metric:
    name: str
    label: str  # an English msgid: shown through label(name) or _()
    family: str  # deadlines, replies, approvals, feedback, history, health
    description: str  # an English msgid: shown through description(name) or _()
    format: str  # a formats.QUANTITIES name: int, pct, hours, days, shift, score, float
    expression: str | None = None  # SQL over the family's mart; None: computed in Python
    unit: str = ""  # what a count counts, plural ("threads", "responses"): the base's words on a tile
    better: str | None = None  # "higher", "lower" or None: colours the change vs previous period
    flow: bool = False  # counts events in the period (can be trended by week)
    base: str | None = None  # the metric counting what this one is over (its n), shown beside it

    def fmt(self, value: Any) -> str:
        return show(value, self.format)


def _count(cond: str) -> str:
    return f"count(*) FILTER (WHERE {cond})"


def _share(part: str, whole: str) -> str:
    return f"{_count(f'({whole}) AND ({part})')}::DOUBLE / nullif({_count(whole)}, 0)"


_AGENCY_IN_PERIOD = "side = 'agency' AND in_period"
NPS = "in_period AND scale = 'nps'"
CSAT = "in_period AND scale = 'csat'"
# Rounds answered in the period with decision approved (in_period is per period or per week).
APPROVED = "in_period AND decision = 'approved'"

METRICS: tuple[Metric, ...] = (
    # --- deadline slippage (SPEC §4): mart = deliverables -----------------------------------
    Metric("delivered", N_("Delivered"), "deadlines",
           N_("Deliverables delivered in the period (cancelled ones are left out)."),
           "int", _count("in_period"), N_("deliverables"), flow=True),
    Metric("on_time_rate", N_("On-time rate"), "deadlines",
           N_("Of the deliverables delivered in the period, the share delivered on time: no later than the first "
              "agreed due date, counted in working days."),
           "pct", _share("on_time", "in_period"), better="higher", flow=True, base="delivered"),
    Metric("median_slip_days", N_("Median slip"), "deadlines",
           N_("Median slip of the deliverables delivered in the period: working days from the first agreed due date "
              "to delivery (negative = early)."),
           "shift", "median(slip_days) FILTER (WHERE in_period)", N_("working days"), better="lower", flow=True),
    Metric("open_overdue", N_("Open overdue"), "deadlines",
           N_("Deliverables not delivered by the as-of moment whose current due date has passed."),
           "int", _count("overdue"), N_("deliverables"), better="lower"),
    Metric("max_days_overdue", N_("Longest overdue"), "deadlines",
           N_("The most working days any open deliverable is past its current due date."),
           "days", "max(days_overdue) FILTER (WHERE overdue)", N_("working days"), better="lower"),
    Metric("rescheduled_open", N_("Rescheduled, open"), "deadlines",
           N_("Open deliverables whose current due date differs from the first agreed one (the deadline moved)."),
           "int", _count("rescheduled AND NOT is_delivered"), N_("deliverables"), better="lower"),
    Metric("late_delivered", N_("Delivered late"), "deadlines",
           N_("Deliverables delivered in the period after their first agreed due date."),
           "int", _count("in_period AND NOT on_time"), N_("deliverables"), better="lower", flow=True),
    # --- replies (SPEC §5): mart = reply episodes ------------------------------------------
    Metric("awaiting_agency", N_("Threads waiting on us"), "replies",
           N_("Conversation threads where the client's last message needs a reply and no agency message has "
              "followed yet, at the as-of moment. One client can have several."),
           "int", _count("side = 'agency' AND is_open"), N_("threads"), better="lower", base="clients_awaiting_agency"),
    Metric("clients_awaiting_agency", N_("Clients waiting on us"), "replies",
           N_("Distinct clients with at least one thread waiting on us."),
           "int", "count(DISTINCT client_id) FILTER (WHERE side = 'agency' AND is_open)", N_("clients"),
           better="lower"),
    Metric("oldest_wait_hours", N_("Longest wait"), "replies",
           N_("The longest a thread waiting on us has waited, in business hours (working days, within the "
              "working window) from the client's message to the as-of moment."),
           "hours", "max(wait_hours) FILTER (WHERE side = 'agency' AND is_open)", N_("business hours"),
           better="lower"),
    Metric("breached_open", N_("Waiting past SLA"), "replies",
           N_("Threads waiting on us that have already waited longer than the reply SLA of their channel."),
           "int", _count("side = 'agency' AND is_open AND breached"), N_("threads"), better="lower"),
    Metric("median_response_hours", N_("Median response"), "replies",
           N_("Median business hours from a client's message to our first reply, over the client requests opened in "
              "the period and answered."),
           "hours", f"median(response_hours) FILTER (WHERE {_AGENCY_IN_PERIOD} AND NOT is_open)",
           N_("business hours"), better="lower", flow=True),
    Metric("p90_response_hours", N_("Slow-tail response (90th percentile)"), "replies",
           N_("The response time (business hours) that 9 in 10 of the period's answered client requests beat: the slow "
              "tail."),
           "hours", f"quantile_cont(response_hours, 0.9) FILTER (WHERE {_AGENCY_IN_PERIOD} AND NOT is_open)",
           N_("business hours"), better="lower", flow=True),
    Metric("sla_breach_rate", N_("SLA breach rate"), "replies",
           N_("Of the client requests opened in the period that were answered or have already waited past the SLA, "
              "the share that took (or are taking) longer than the reply SLA."),
           "pct",
           f"{_count(f'{_AGENCY_IN_PERIOD} AND breached')}::DOUBLE / "
           f"nullif({_count(f'{_AGENCY_IN_PERIOD} AND (NOT is_open OR breached)')}, 0)",
           better="lower", flow=True, base="sla_requests"),
    Metric("sla_requests", N_("Requests judged against the SLA"), "replies",
           N_("Client requests opened in the period that were answered or have already waited past the SLA: the "
              "base of the SLA breach rate."),
           "int", _count(f"{_AGENCY_IN_PERIOD} AND (NOT is_open OR breached)"), N_("requests"), flow=True),
    Metric("episodes_opened", N_("Client requests"), "replies",
           N_("Client messages in the period that needed a reply and started a wait."),
           "int", _count(_AGENCY_IN_PERIOD), N_("requests"), flow=True),
    Metric("awaiting_client", N_("Threads we wait on"), "replies",
           N_("Conversation threads where our last message asked the client something and the client has not "
              "answered yet, at the as-of moment."),
           "int", _count("side = 'client' AND is_open"), N_("threads"), better="lower", base="clients_awaiting_client"),
    Metric("clients_awaiting_client", N_("Clients we wait on"), "replies",
           N_("Distinct clients with at least one thread where we wait on them."),
           "int", "count(DISTINCT client_id) FILTER (WHERE side = 'client' AND is_open)", N_("clients")),
    Metric("oldest_client_wait_hours", N_("Longest wait on a client"), "replies",
           N_("The longest we have waited on a client's answer, in business hours since our message."),
           "hours", "max(wait_hours) FILTER (WHERE side = 'client' AND is_open)", N_("business hours")),
    Metric("agency_voices", N_("Agency voices"), "replies",
           N_("For a client and period: how many different agency people wrote to the client. Many voices on one "
              "client is a warning sign: the client has no single point of contact."),
           "int", None, N_("people"), better="lower"),
    Metric("client_voices", N_("Client voices"), "replies",
           N_("For a client and period: how many different people wrote to us from the client's side."),
           "int", None, N_("people")),
    Metric("quiet_clients", N_("Clients gone quiet"), "replies",
           N_("Active clients (not paused or ended) with no message in either direction, from the client or from "
              "us, for at least the number of working days set as \"quiet after days\" in the settings (10 unless "
              "changed), counted from the date of the last message up to the as-of date. A client with no message "
              "yet counts from its start date (one starting after the as-of date has not gone quiet); one with "
              "neither a message nor a start date counts as gone quiet. "
              "Only the client, account manager and tier filters apply."),
           "int", None, N_("clients"), better="lower"),
    # --- approvals (SPEC §6): mart = approval rounds -----------------------------------------
    Metric("pending", N_("Pending approvals"), "approvals",
           N_("Approval rounds sent to the client by the as-of moment and not answered yet."),
           "int", _count("NOT is_answered"), N_("rounds"), better="lower"),
    Metric("overdue", N_("Overdue approvals"), "approvals",
           N_("Pending rounds past the date the client promised to answer by or, without such a date, waiting more "
              "than the approval SLA (working days)."),
           "int", _count("is_overdue"), N_("rounds"), better="lower"),
    Metric("oldest_pending_days", N_("Oldest pending"), "approvals",
           N_("The most working days a pending round has waited since it was sent."),
           "days", "max(lag_days) FILTER (WHERE NOT is_answered)", N_("working days"), better="lower"),
    Metric("median_lag_days", N_("Median approval lag"), "approvals",
           N_("Median working days from sending a round to the client's answer, over the rounds answered in the "
              "period."),
           "days", "median(lag_days) FILTER (WHERE in_period)", N_("working days"), better="lower", flow=True),
    Metric("first_round_approval_rate", N_("First-round approval"), "approvals",
           N_("Of the deliverables approved in the period, the share approved in round 1."),
           "pct",
           f"count(DISTINCT deliverable_key) FILTER (WHERE {APPROVED} AND round = 1)::DOUBLE / "
           f"nullif(count(DISTINCT deliverable_key) FILTER (WHERE {APPROVED}), 0)",
           better="higher", flow=True, base="approved_deliverables"),
    Metric("approved_deliverables", N_("Deliverables approved"), "approvals",
           N_("Distinct deliverables with a round approved in the period: the base of the first-round approval rate."),
           "int", f"count(DISTINCT deliverable_key) FILTER (WHERE {APPROVED})", N_("approved"), flow=True),
    Metric("rounds_to_approval", N_("Rounds to approval"), "approvals",
           N_("Average round number of the rounds approved in the period (1 = approved first time)."),
           "float", f"avg(round) FILTER (WHERE {APPROVED})", N_("rounds"), better="lower", flow=True),
    Metric("answered", N_("Rounds answered"), "approvals",
           N_("Approval rounds the client answered in the period."),
           "int", _count("in_period"), N_("rounds"), flow=True),
    # --- feedback (SPEC §7): mart = feedback responses ----------------------------------------
    Metric("responses", N_("Responses"), "feedback",
           N_("Feedback responses received in the period."),
           "int", _count("in_period"), N_("responses"), flow=True),
    Metric("nps", N_("NPS"), "feedback",
           N_("Net Promoter Score over the period's NPS responses: the percentage of scores 9–10 minus the "
              "percentage of scores 0–6, from −100 to 100. Empty without an NPS response."),
           "score",
           f"100 * ({_count(NPS + ' AND score >= 9')} - {_count(NPS + ' AND score <= 6')})::DOUBLE / "
           f"nullif({_count(NPS)}, 0)",
           better="higher", flow=True, base="nps_responses"),
    Metric("nps_responses", N_("NPS responses"), "feedback",
           N_("NPS responses received in the period: the base of the NPS."),
           "int", _count(NPS), N_("responses"), flow=True),
    Metric("csat", N_("CSAT"), "feedback",
           N_("The percentage of the period's CSAT responses scoring 4 or 5 (of 5). Empty without a CSAT response."),
           "score",
           f"100 * {_count(CSAT + ' AND score >= 4')}::DOUBLE / nullif({_count(CSAT)}, 0)",
           better="higher", flow=True, base="csat_responses"),
    Metric("csat_responses", N_("CSAT responses"), "feedback",
           N_("CSAT responses received in the period: the base of the CSAT."),
           "int", _count(CSAT), N_("responses"), flow=True),
    Metric("avg_normalized_score", N_("Average score (0–100)"), "feedback",
           N_("Average of the period's responses on one 0–100 axis (NPS × 10, (CSAT − 1) × 25), so both scales "
              "can be compared."),
           "score", "avg(normalized) FILTER (WHERE in_period)", N_("points"), better="higher", flow=True,
           base="responses"),
    Metric("detractors", N_("Detractors"), "feedback",
           N_("Responses in the period with an NPS score of 6 or less or a CSAT score of 2 or less."),
           "int", _count("in_period AND detractor"), N_("responses"), better="lower", flow=True),
    # --- deadline history (SPEC §10): mart = deadline moves -------------------------------------
    Metric("syncs", N_("Recorded syncs"), "history",
           N_("Syncs recorded by the as-of moment. Each successful sync keeps every deliverable's due date, so the "
              "history starts with the first one (or with older copies of the sheet loaded with their dates)."),
           "int", None, N_("syncs")),
    Metric("deadline_moves", N_("Deadline moves"), "history",
           N_("Changes of a deliverable's due date between two consecutive recorded syncs, recorded in the period "
              "(by the date of the later sync)."),
           "int", _count("in_period"), N_("moves"), better="lower", flow=True),
    Metric("moved_deliverables", N_("Deliverables moved"), "history",
           N_("Distinct deliverables among the period's deadline moves."),
           "int", "count(DISTINCT deliverable_key) FILTER (WHERE in_period)", N_("deliverables"), better="lower",
           flow=True),
    Metric("net_days_moved", N_("Net days moved"), "history",
           N_("Working days the period's deadline moves added up to, from each old due date to the new one "
              "(a deadline brought forward counts negative)."),
           "shift", "coalesce(sum(days_moved) FILTER (WHERE in_period), 0)", N_("working days"), better="lower",
           flow=True),
    # --- client health (SPEC §8) -------------------------------------------------------------
    Metric("health_score", N_("Health score"), "health",
           N_("0–100: the weighted average of the client's signal scores (delivery, responsiveness, approvals, "
              "feedback, single point of contact) over the last 90 days; a signal with no data is left out and the "
              "other weights scaled up."),
           "score", None, N_("points"), better="higher"),
)

BY_NAME: dict[str, Metric] = {m.name: m for m in METRICS}


def metric(name: str) -> Metric:
    return BY_NAME[name]


def label(name: str) -> str:
    """The metric's label in this run's language (English: as the catalogue writes it)."""
    return _(BY_NAME[name].label)


def description(name: str) -> str:
    """The metric's definition in this run's language (English: as the catalogue writes it)."""
    return _(BY_NAME[name].description)


def family(name: str) -> list[Metric]:
    return [m for m in METRICS if m.family == name]


def summarize(
    con: duckdb.DuckDBPyConnection,
    mart: pd.DataFrame,
    family_name: str,
    group_by: list[str] | None = None,
    names: list[str] | None = None,
) -> pd.DataFrame:
    """Evaluate a family's catalogue expressions over its mart, overall or per group.

    Without group_by the result is one row (an empty mart gives counts of 0 and nulls).
    """
    metrics = [m for m in family(family_name) if m.expression and (names is None or m.name in names)]
    cols = ", ".join(f"{m.expression} AS \"{m.name}\"" for m in metrics)
    groups = ", ".join(f'"{g}"' for g in group_by or [])
    sql = f"SELECT {groups + ', ' if groups else ''}{cols} FROM _mart"
    if groups:
        sql += f" GROUP BY {groups} ORDER BY {groups}"
    return run_over(con, sql, {"_mart": mart})


def run_over(con: duckdb.DuckDBPyConnection, sql: str, frames: dict[str, pd.DataFrame | pa.Table],
             params: list[Any] | None = None, records: bool = False) -> Any:
    """Run SQL over DataFrames registered under the given names, on its own cursor.

    Only the columns the SQL names are handed over, as Arrow: DuckDB's scan of a pandas
    frame costs per column, and a mart has twenty-odd while a metric reads three. The
    result is small (one row per group), so it comes back through a plain execute, which
    plans the query once where a relation plans it twice; `records` returns its rows as tuples.
    """
    words = set(re.findall(r"\w+", sql))
    cur = con.cursor()
    try:
        for name, df in frames.items():
            table = df if isinstance(df, pa.Table) else arrow_table(df, [c for c in df.columns if c in words])
            cur.register(name, table)
        result = cur.execute(sql, params or [])
        return result.fetchall() if records else result.to_arrow_table().to_pandas(date_as_object=False)
    finally:
        cur.close()


def arrow_table(df: pd.DataFrame, columns: list[str]) -> pa.Table:
    """Columns of a DataFrame as an Arrow table, without pandas' per-frame conversion (NaN/NaT = null)."""
    arrays = {}
    for c in columns:
        values = df[c].array
        arrays[c] = pa.array(values if hasattr(values, "__arrow_array__") else df[c].to_numpy(), from_pandas=True)
    return pa.table(arrays) if arrays else pa.table({"_": pa.nulls(len(df))})


def summary_record(con: duckdb.DuckDBPyConnection, mart: pd.DataFrame, family_name: str) -> dict[str, Any]:
    """One family's metrics as a plain dict (None for undefined)."""
    return summary_records(con, {"_": (family_name, mart)})["_"]


def summary_records(con: duckdb.DuckDBPyConnection, marts: dict[str, tuple[str, pd.DataFrame]],
                    filters: Filters | None = None) -> dict[str, dict[str, Any]]:
    """Several summaries at once: {key: (family, mart)} → {key: {metric: value or None}}.

    A page's tiles come from several families, now and for the previous period. The marts
    of one family go to DuckDB as one table with a part number and come back grouped by
    it: one query per family, whatever the number of periods. Every catalogue expression
    aggregates with a FILTER, so a part without rows reads as counts of 0 and nulls
    elsewhere, as over an empty mart. Counts come back as ints. With `filters`, the marts
    are unfiltered ones and DuckDB keeps the rows apply_filters would (cheaper than
    filtering every column of every mart in pandas first).
    """
    by_family: dict[str, list[tuple[str, pd.DataFrame]]] = {}
    for key, (family_name, mart) in marts.items():
        by_family.setdefault(family_name, []).append((key, mart))
    out: dict[str, dict[str, Any]] = {}
    for family_name, items in by_family.items():
        metrics = [m for m in family(family_name) if m.expression]
        cols = ", ".join(f'{m.expression} AS "{m.name}"' for m in metrics)
        where, params = mart_filter_sql(filters or Filters(), set(items[0][1].columns))
        sql = f"SELECT _part, {cols} FROM _parts WHERE {where} GROUP BY _part"
        words = set(re.findall(r"\w+", sql))
        parts = [arrow_table(mart, [c for c in mart.columns if c in words])
                 .append_column("_part", pa.array(np.full(len(mart), i, dtype=np.int64)))
                 for i, (_key, mart) in enumerate(items)]
        table = pa.concat_tables(parts, promote_options="default") if len(parts) > 1 else parts[0]
        rows = {row[0]: row[1:] for row in run_over(con, sql, {"_parts": table}, params, records=True)}
        for i, (key, _mart) in enumerate(items):
            # A part without rows has no group: what the metrics are over nothing (counts are 0).
            values = rows.get(i) or [0 if m.format == "int" or m.expression.startswith("coalesce(") else None
                                     for m in metrics]
            out[key] = {m.name: _clean(v, m.format) for m, v in zip(metrics, values, strict=True)}
    return {key: out[key] for key in marts}


def _clean(value: Any, fmt: str) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return int(value) if fmt == "int" else value


def weekly(
    con: duckdb.DuckDBPyConnection,
    mart: pd.DataFrame,
    family_name: str,
    as_of_date: Any,
    weeks: int = 12,
    group_by: list[str] | None = None,
) -> pd.DataFrame:
    """A family's flow metrics per 7-day week ending on as_of's date, oldest first.

    Weeks are aligned to as_of (the weekly review's period is the 7 days ending on
    as_of's date), each labelled by its first day in `week`. A row counts in the week of
    its `period_date`; every week of the window appears, empty ones with nulls.
    """
    end = pd.Timestamp(as_of_date)
    names = [x.name for x in family(family_name) if x.flow and x.expression]
    # Days back from as_of's date, in numpy (NaT → a huge negative number, never kept).
    dates = pd.to_datetime(mart["period_date"]).to_numpy(dtype="datetime64[D]") if len(mart) else \
        np.zeros(0, dtype="datetime64[D]")
    back = (np.datetime64(end.date(), "D") - dates).astype("int64")
    keep = ~np.isnat(dates) & (back >= 0) & (back <= weeks * 7 - 1)
    # Only the columns the expressions read go on: a mart has twenty-odd.
    words = set(re.findall(r"\w+", " ".join(x.expression or "" for x in family(family_name) if x.name in names)))
    cols = [c for c in mart.columns if c in words and c not in ("in_period", "week")] + list(group_by or [])
    m = pd.DataFrame({c: mart[c].array[keep] for c in dict.fromkeys(cols)})
    m["in_period"] = True
    m["week"] = (np.datetime64(end.date(), "D") - (back[keep] // 7 * 7 + 6).astype("timedelta64[D]")
                 ).astype("datetime64[us]")
    out = summarize(con, m, family_name, ["week", *(group_by or [])], names)
    all_weeks = pd.DataFrame({"week": [end - pd.Timedelta(days=7 * k + 6) for k in range(weeks - 1, -1, -1)]})
    if group_by:
        return out
    out["week"] = pd.to_datetime(out["week"])
    merged = all_weeks.merge(out, on="week", how="left")
    for n in names:
        if metric(n).format == "int":
            merged[n] = merged[n].fillna(0).astype("int64")
    return merged
