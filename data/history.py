"""The history the sheet cannot keep: every successful sync appends its deadlines here.

A sheet holds only today's plan; once someone changes a due date the old one is gone. So
each load, inside its own transaction (store.write_load), appends:

- `history_syncs`: one row per recorded sync (sync_id, recorded_at);
- `history_deliverables`: one row per deliverable whose state changed at that sync, where
  the state is (counted, due_date, project_id, client_id, slip_cause). A deliverable is a
  tab and an id (a milestone by milestone_id, a project without milestones by project_id);
  it *counts* when the load kept it in `mart_deliverables` (loaded, not cancelled: the
  mart's own rule, not restated here). A row with counted = false marks the sync at which
  it stopped counting. A deliverable's state at any recorded sync is therefore its latest
  row with a sync_id at or before that sync (none, or counted = false: it did not count).

Both tables are append-only: no load, schema change or rebuild ever drops or rewrites
them (store._drop_all leaves them alone), because nothing could rebuild them. A failed or
refused sync adds nothing: the transaction that would have appended is rolled back.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd

__all__ = ["DDL", "TABLES", "HistoryRefused", "latest_recorded_at", "parse_recorded_at", "record", "refusal"]

TABLES = ("history_syncs", "history_deliverables")

DDL = """
CREATE TABLE IF NOT EXISTS history_syncs (
    sync_id INTEGER PRIMARY KEY,              -- sync_log's id of the load
    recorded_at TIMESTAMPTZ NOT NULL          -- when the sheet looked like this (--recorded-at, else now)
);
CREATE TABLE IF NOT EXISTS history_deliverables (
    sync_id INTEGER NOT NULL,                 -- the sync from which this state holds
    tab VARCHAR NOT NULL,                     -- milestones | projects
    deliverable_id VARCHAR NOT NULL,          -- milestone_id, or project_id of a project without milestones
    counted BOOLEAN NOT NULL,                 -- false: stopped counting (missing, rejected, cancelled)
    due_date DATE,                            -- after the blank -> baseline_due rule; NULL when not counted
    project_id VARCHAR,
    client_id VARCHAR,
    slip_cause VARCHAR,
    PRIMARY KEY (sync_id, tab, deliverable_id)
);
"""

# A deliverable is its tab and its id: the deliverables mart's kind → the tab it comes from.
TAB_OF_KIND: dict[str, str] = {"milestone": "milestones", "project": "projects"}

# The state of every deliverable the load counts, from the mart the same transaction built.
_CURRENT = f"""
SELECT CASE kind {" ".join(f"WHEN '{k}' THEN '{t}'" for k, t in TAB_OF_KIND.items())} END AS tab, deliverable_id,
       true AS counted, CAST(due_date AS DATE) AS due_date, project_id, client_id, slip_cause
FROM mart_deliverables
"""

_APPEND = f"""
INSERT INTO history_deliverables
WITH cur AS ({_CURRENT}),
last AS (
    SELECT tab, deliverable_id, counted, due_date, project_id, client_id, slip_cause
    FROM history_deliverables
    QUALIFY row_number() OVER (PARTITION BY tab, deliverable_id ORDER BY sync_id DESC) = 1
)
SELECT $sync_id, cur.* FROM cur
WHERE NOT EXISTS (
    SELECT 1 FROM last l
    WHERE l.tab = cur.tab AND l.deliverable_id = cur.deliverable_id AND l.counted
      AND l.due_date IS NOT DISTINCT FROM cur.due_date AND l.project_id IS NOT DISTINCT FROM cur.project_id
      AND l.client_id IS NOT DISTINCT FROM cur.client_id AND l.slip_cause IS NOT DISTINCT FROM cur.slip_cause)
UNION ALL
SELECT $sync_id, l.tab, l.deliverable_id, false, NULL, NULL, NULL, NULL FROM last l
WHERE l.counted AND NOT EXISTS (
    SELECT 1 FROM cur WHERE cur.tab = l.tab AND cur.deliverable_id = l.deliverable_id)
"""


class HistoryRefused(ValueError):
    """A sync recorded at or before the latest recorded one: history only grows forwards."""


def parse_recorded_at(value: str | dt.datetime | None, timezone: str) -> dt.datetime | None:
    """An ISO date or datetime; without an offset it is agency time. None stays None (= now)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        try:
            ts = pd.Timestamp(value.strip())
        except ValueError:
            raise ValueError(f"--recorded-at {value!r} is not an ISO date or datetime") from None
        if ts is pd.NaT:
            raise ValueError(f"--recorded-at {value!r} is not an ISO date or datetime")
        parsed = ts.to_pydatetime()
    else:
        parsed = value
    if parsed.tzinfo is None:
        local = pd.Timestamp(parsed).tz_localize(timezone, ambiguous=True, nonexistent="shift_forward")
        parsed = local.to_pydatetime()
    return parsed.astimezone(ZoneInfo(timezone))


def latest_recorded_at(con: duckdb.DuckDBPyConnection) -> dt.datetime | None:
    """The recorded_at of the latest recorded sync, None before the first."""
    cur = con.cursor()
    try:
        return _latest(cur)
    finally:
        cur.close()


def _latest(cur: Any) -> dt.datetime | None:
    have = cur.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' "
                       "AND table_name = 'history_syncs'").fetchone()[0]
    return cur.execute("SELECT max(recorded_at) FROM history_syncs").fetchone()[0] if have else None


def refusal(con: duckdb.DuckDBPyConnection, recorded_at: dt.datetime) -> str | None:
    """The one-line reason a sync recorded at recorded_at must be refused, or None."""
    return _refusal(latest_recorded_at(con), recorded_at)


def _refusal(latest: dt.datetime | None, recorded_at: dt.datetime) -> str | None:
    if latest is not None and recorded_at <= latest:
        shown = latest.astimezone(recorded_at.tzinfo) if recorded_at.tzinfo else latest
        return (f"recorded_at {recorded_at.isoformat()} is not later than the latest recorded sync "
                f"({shown.isoformat()}); load older versions oldest first")
    return None


def record(cur: Any, sync_id: int, recorded_at: dt.datetime) -> None:
    """Append this load to the history; run inside the load's transaction, after its marts.

    Raises HistoryRefused (the caller rolls the whole load back) when recorded_at is not
    later than the latest recorded sync, so two racing syncs cannot both append out of order.
    """
    reason = _refusal(_latest(cur), recorded_at)
    if reason:
        raise HistoryRefused(reason)
    cur.execute("INSERT INTO history_syncs VALUES (?, ?)", [sync_id, recorded_at])
    cur.execute(_APPEND, {"sync_id": sync_id})
