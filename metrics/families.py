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

from lang import N_, _
from metrics.approvals import rounds
from metrics.context import Context
from metrics.deadlines import deliverables
from metrics.feedback import responses
from metrics.history import deadline_moves
from metrics.replies import episodes

__all__ = ["FAMILIES", "NAMES", "Family", "family_marts", "family_title"]


@dataclass(frozen=True)
class Family:
    name: str  # the catalogue's Metric.family
    title: str  # how pages and the report head it: an English msgid, shown through _()
    grain: str  # what one row of its mart is
    mart: Callable[[duckdb.DuckDBPyConnection, Context], pd.DataFrame]


FAMILIES: dict[str, Family] = {f.name: f for f in (
    Family("deadlines", N_("Deadlines"), "deliverable", deliverables),
    Family("replies", N_("Replies"), "reply episode", episodes),
    Family("approvals", N_("Approvals"), "approval round", rounds),
    Family("feedback", N_("Feedback"), "feedback response", responses),
    Family("history", N_("History"), "deadline move", deadline_moves),
)}
NAMES: tuple[str, ...] = tuple(FAMILIES)


def family_title(name: str) -> str:
    """A family's heading in this run's language ("Deadlines")."""
    return _(FAMILIES[name].title)


def family_marts(con: duckdb.DuckDBPyConnection, ctx: Context,
                 families: tuple[str, ...] = NAMES) -> dict[str, pd.DataFrame]:
    """Each family's mart at ctx (one row per deliverable, reply episode, approval round, response)."""
    return {f: FAMILIES[f].mart(con, ctx) for f in families}
