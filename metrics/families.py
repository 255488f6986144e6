"""The metric families: one registry that the tiles, health, the report and the docs read.

A family is one business grain (a mart with one row per deliverable, reply episode,
approval round, feedback response or deadline move) and the catalogue metrics evaluated over it.
Adding a family: its module (mart builder + thin wrappers), its catalogue entries, a line
here, its tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import pandas as pd

from metrics.approvals import rounds
from metrics.context import Context
from metrics.deadlines import deliverables
from metrics.feedback import responses
from metrics.history import deadline_moves
from metrics.replies import episodes

__all__ = ["FAMILIES", "NAMES", "Family", "family_marts"]


@dataclass(frozen=True)
class Family:
    name: str  # the catalogue's Metric.family
    title: str  # how pages, the report and the docs head it
    grain: str  # what one row of its mart is
    mart: Callable[[duckdb.DuckDBPyConnection, Context], pd.DataFrame]


FAMILIES: dict[str, Family] = {f.name: f for f in (
    Family("deadlines", "Deadlines", "deliverable", deliverables),
    Family("replies", "Replies", "reply episode", episodes),
    Family("approvals", "Approvals", "approval round", rounds),
    Family("feedback", "Feedback", "feedback response", responses),
    Family("history", "History", "deadline move", deadline_moves),
)}
NAMES: tuple[str, ...] = tuple(FAMILIES)


def family_marts(con: duckdb.DuckDBPyConnection, ctx: Context,
                 families: tuple[str, ...] = NAMES) -> dict[str, pd.DataFrame]:
    """Each family's mart at ctx (one row per deliverable, reply episode, approval round, response)."""
    return {f: FAMILIES[f].mart(con, ctx) for f in families}
