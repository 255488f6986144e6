"""Reading the mart tables the sync built with the load (data/marts.py holds their SQL).

Each mart's builder in metrics/ reads its table once per load and cuts it at as_of. A file
opened read-only whose tables were built by other SQL (an older version; a writer rebuilds
them on open) gets the same rows computed on the spot instead.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from data import marts
from data.store import MARTS_KEY
from metrics.context import query_arrow, snapshot

__all__ = ["read"]


def read(con: duckdb.DuckDBPyConnection, name: str) -> pd.DataFrame:
    """The mart table of this snapshot's load, or the same rows computed now when it is stale."""
    with snapshot(con) as snap:
        if snap.meta.get(MARTS_KEY) == marts.fingerprint():
            return query_arrow(snap, f'SELECT * FROM "{name}"')
        return query_arrow(snap, marts.MARTS[name])
