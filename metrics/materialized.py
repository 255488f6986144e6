"""Mart tables built once per load by the sync, right after it (dbt's materialized marts).

Every mart has a part that does not depend on as_of: the deliverables with their
projects and clients, the approval rounds, the feedback responses, and which message
opens a reply episode and which one answers it (fixed by the thread: cutting at as_of
only drops what was opened later and reopens what was answered later). Working that out
means joins and, for episodes, a sort of every message by thread (most of a report at 1M
messages), so the sync does it once per load and each mart's builder cuts the table at
as_of. The tables are built right after the load, in a transaction of their own, and
recorded in `meta` under ``mart:<name>`` with a fingerprint of their SQL: until then, or
when that failed, or in a file written by an older version of the SQL, the same SQL is run
on the spot instead (the same rows, slower).
"""

from __future__ import annotations

import hashlib

import duckdb
import pandas as pd

from metrics.context import clear_mart_cache, query_arrow, snapshot

__all__ = ["META_PREFIX", "fingerprint", "read", "rebuild", "tables"]

META_PREFIX = "mart:"


def tables() -> dict[str, str]:
    """Every materialized mart table: name → the SQL (over the loaded tables) that builds it."""
    from metrics.approvals import ROUNDS_SQL
    from metrics.deadlines import DELIVERABLES_SQL
    from metrics.feedback import RESPONSES_SQL
    from metrics.replies import EPISODE_LINKS_SQL

    return {
        "mart_deliverables": DELIVERABLES_SQL,
        "mart_reply_episodes": EPISODE_LINKS_SQL,
        "mart_approval_rounds": ROUNDS_SQL,
        "mart_feedback_responses": RESPONSES_SQL,
    }


def fingerprint(sql: str) -> str:
    return hashlib.sha256(" ".join(sql.split()).encode()).hexdigest()[:16]


def _built(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The mart tables this load holds, with their SQL fingerprints (read with the snapshot's meta:
    the sync builds them just after the load, in a transaction of their own)."""
    with snapshot(con) as snap:
        return {k.removeprefix(META_PREFIX): v for k, v in snap.meta.items() if k.startswith(META_PREFIX)}


def read(con: duckdb.DuckDBPyConnection, name: str) -> pd.DataFrame:
    """The table the sync built for this load, or the same rows computed now when it is missing or stale."""
    sql = tables()[name]
    with snapshot(con) as snap:
        if _built(snap).get(name) == fingerprint(sql):
            return query_arrow(snap, f'SELECT * FROM "{name}"')
        return query_arrow(snap, sql)


def rebuild(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild every table from the loaded tables now, and forget every cached mart (after a
    write that bypassed the sync)."""
    cur = con.cursor()
    try:
        for name, sql in tables().items():
            cur.execute(f'CREATE OR REPLACE TABLE "{name}" AS {sql}')
            cur.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [META_PREFIX + name, fingerprint(sql)])
    finally:
        cur.close()
    clear_mart_cache()
