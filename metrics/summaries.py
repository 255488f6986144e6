"""The tiles of several families at once, now and for the previous period, in one query.

Pages open with tiles from one family (Deadlines) or from all four (Weekly review,
Clients), each with its change against the previous period; asking the catalogue once
per family and period would cost a query each.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import duckdb

from metrics.cache import per_load
from metrics.catalogue import summary_records
from metrics.context import Context, Filters
from metrics.families import NAMES, family_marts
from metrics.quiet import quiet_count

__all__ = ["COMPUTED", "headline"]

# Tile metrics of the catalogue without an SQL expression over their family's mart: each one's
# family and the function that computes it at a Context (honouring its filters).
COMPUTED: dict[str, tuple[str, Callable[[duckdb.DuckDBPyConnection, Context], Any]]] = {
    "quiet_clients": ("replies", quiet_count),
}


@per_load
def headline(con: duckdb.DuckDBPyConnection, ctx: Context,
             families: tuple[str, ...] = NAMES) -> tuple[dict[str, Any], dict[str, Any]]:
    """(this period's, the previous period's) catalogue metrics of the families, one dict each.

    Metric names do not collide across families, so each period is one flat dict.
    """
    # Unfiltered marts (cached per as_of); the filters go into the query.
    now_ctx = ctx.shifted(filters=Filters())
    marts = {(f"now:{f}"): (f, m) for f, m in family_marts(con, now_ctx, families).items()}
    marts |= {(f"prev:{f}"): (f, m) for f, m in family_marts(con, now_ctx.previous(), families).items()}
    records = summary_records(con, marts, ctx.filters)
    now: dict[str, Any] = {}
    prev: dict[str, Any] = {}
    for key, rec in records.items():
        (now if key.startswith("now:") else prev).update(rec)
    for name, (family_name, compute) in COMPUTED.items():  # state metrics: now and one period earlier
        if family_name in families:
            now[name] = compute(con, ctx)
            prev[name] = compute(con, ctx.previous())
    return now, prev
