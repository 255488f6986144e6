"""One formatter per quantity: how a count, a rate, hours, days or a score is written.

A catalogue metric names its quantity (`Metric.format`); tiles, their change against the
previous period, table columns, the text report and the JSON all ask this module, so one
number reads the same everywhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd

__all__ = ["NO_CHANGE", "QUANTITIES", "Quantity", "change", "is_missing", "plain", "show", "tile_change"]

MISSING = "—"


@dataclass(frozen=True)
class Quantity:
    name: str
    decimals: int  # shown on a tile, in a table, in the text report
    unit: str = ""  # written after the number ("h", "d"); "%" for rates
    scale: float = 1.0  # a rate is stored 0–1 and shown 0–100
    change_unit: str = ""  # the unit of a change (a rate changes in points)
    signed: bool = False  # negative values keep their sign in front (a slip ahead of time)


QUANTITIES: dict[str, Quantity] = {q.name: q for q in (
    Quantity("int", 0),
    Quantity("pct", 0, "%", 100.0, change_unit="pts"),
    Quantity("hours", 1, "h", change_unit="h"),
    Quantity("days", 1, "d", change_unit="d", signed=True),
    Quantity("score", 0),
    Quantity("float", 2),
)}


def is_missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def show(value: Any, fmt: str) -> str:
    """A value as a tile, a table or the text report shows it; undefined is an em dash."""
    if is_missing(value):
        return MISSING
    q = QUANTITIES[fmt]
    v = _half_up(float(value) * q.scale, q.decimals)
    if q.signed and v < 0:
        text = f"{v:+.{q.decimals}f}"
    else:
        text = f"{v:,.{q.decimals}f}"
    if q.unit == "%":
        return text + "%"
    return f"{text} {q.unit}" if q.unit else text


def change(now: Any, prev: Any, fmt: str) -> str | None:
    """now − prev as a tile's change ("+3", "-5 pts", "+1.5 h"); None when either is undefined."""
    if is_missing(now) or is_missing(prev):
        return None
    q = QUANTITIES[fmt]
    d = _half_up((float(now) - float(prev)) * q.scale, q.decimals)
    text = f"{d:+,.{q.decimals}f}"
    return f"{text} {q.change_unit}" if q.change_unit else text


NO_CHANGE = "no change"


def tile_change(now: Any, prev: Any, fmt: str) -> str | None:
    """A tile's change as the Weekly review and the digest write it: change(), or "no change"
    when it rounds to zero; None when either value is undefined."""
    delta = change(now, prev, fmt)
    if delta is not None:
        q = QUANTITIES[fmt]
        if _half_up((float(now) - float(prev)) * q.scale, q.decimals) == 0:
            return NO_CHANGE
    return delta


def plain(value: Any, fmt: str) -> Any:
    """A value for JSON: counts as ints, the rest rounded to 2 decimals half up (as a
    spreadsheet's ROUND: 3.125 → 3.13, so hand checks agree), undefined as None."""
    if is_missing(value):
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return value
    if math.isnan(f):
        return None
    if fmt == "int":
        return round(f)
    return _half_up(f, 2)


def _half_up(value: float, decimals: int) -> float:
    """Rounded half away from zero, as a spreadsheet's ROUND does (3.125 → 3.13, 0.5 → 1),
    so a number on screen, in the text report and in the JSON agree with a hand check."""
    if math.isnan(value) or math.isinf(value):
        return value
    return float(Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))
