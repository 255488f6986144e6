"""One formatter per quantity: how a count, a rate, hours, days, a score or a date is written.

A catalogue metric or a table column (metrics/vocabulary.py) names its quantity; tiles,
their change against the previous period, table cells, CSV files, the text report, the
digest and the JSON all ask this module, so one number reads the same everywhere: counts
and working days as integers ("14 wd"), business hours with one decimal ("96.7 h"), rates
as whole percents, scores as whole points, and every date in the agency's `date_format`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd
from babel.dates import format_date, get_day_names
from babel.numbers import format_decimal

from lang import N_, _, locale, ngettext

__all__ = [
    "DATE_FORMATS",
    "MIN_BASE",
    "NO_CHANGE",
    "QUANTITIES",
    "DateFormat",
    "Quantity",
    "change",
    "count_of",
    "date_format",
    "is_missing",
    "plain",
    "rounded",
    "show",
    "small_sample",
    "table_format",
    "tile_change",
    "too_few",
    "too_few_text",
]

MISSING = "—"


@dataclass(frozen=True)
class Quantity:
    name: str
    decimals: int  # shown on a tile, in a table, in the text report
    unit: str = ""  # written after the number ("h", "d"); "%" for rates
    scale: float = 1.0  # a rate is stored 0–1 and shown 0–100
    change_unit: str = ""  # the unit of a change (a rate changes in points)
    signed: bool = False  # a shift: always written with its sign ("+0 wd" too, as the grid writes it)


QUANTITIES: dict[str, Quantity] = {q.name: q for q in (
    Quantity("int", 0),
    Quantity("pct", 0, "%", 100.0, change_unit=N_("pts")),
    Quantity("hours", 1, N_("h"), change_unit=N_("h")),  # business hours: headers and tooltips say so
    Quantity("days", 0, N_("wd"), change_unit=N_("wd")),  # working days: a duration (overdue, waiting)
    Quantity("shift", 0, N_("wd"), change_unit=N_("wd"), signed=True),  # a date moved: "+2 wd", "-1 wd"
    Quantity("score", 0),
    Quantity("float", 1),
)}

# The small-sample rule: a rate or a score over fewer cases than this is shown with its
# base but neither coloured good/bad nor given a change arrow ("too few responses").
MIN_BASE = 5


def too_few(base: Any) -> bool:
    """True when a rate's or a score's base (its n) is below MIN_BASE (an undefined base is 0)."""
    return is_missing(base) or float(base) < MIN_BASE


def small_sample(metric: Any, values: dict[str, Any]) -> bool:
    """True when `metric` (a catalogue Metric) is a rate or a score whose base in `values` is below MIN_BASE."""
    return bool(metric.base) and metric.format in ("pct", "score") and too_few(values.get(metric.base))


# A base as a tile writes it, with the plural form of each language ("3 responses", "3 ответа").
_COUNTS = {
    "deliverables": lambda n: ngettext("{n} deliverable", "{n} deliverables", n),
    "threads": lambda n: ngettext("{n} thread", "{n} threads", n),
    "clients": lambda n: ngettext("{n} client", "{n} clients", n),
    "responses": lambda n: ngettext("{n} response", "{n} responses", n),
    "requests": lambda n: ngettext("{n} request", "{n} requests", n),
    "rounds": lambda n: ngettext("{n} round", "{n} rounds", n),
    "approved": lambda n: ngettext("{n} approved", "{n} approved", n),
    "people": lambda n: ngettext("{n} person", "{n} people", n),
    "moves": lambda n: ngettext("{n} move", "{n} moves", n),
    "syncs": lambda n: ngettext("{n} sync", "{n} syncs", n),
}
_TOO_FEW = {
    "deliverables": N_("too few deliverables"),
    "responses": N_("too few responses"),
    "requests": N_("too few requests"),
    "approved": N_("too few approvals"),
}


def count_of(n: Any, noun: str) -> str:
    """A base as a tile writes it: "3 responses", "1 client" (and "3 ответа", "1 клиент")."""
    k = 0 if is_missing(n) else int(n)
    shown = _number(k, 0)
    text = _COUNTS[noun](k).format(n=shown) if noun in _COUNTS else f"{shown} {noun}"
    return text.replace(f"{shown} ", f"{shown}\u00a0", 1)  # a count never wraps away from its noun


def too_few_text(noun: str) -> str:
    """The change line of a tile whose base is below MIN_BASE."""
    return _(_TOO_FEW.get(noun, N_("too few to compare")))


def is_missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def show(value: Any, fmt: str) -> str:
    """A value as a tile, a table or the text report shows it; undefined is an em dash."""
    if is_missing(value):
        return MISSING
    q = QUANTITIES[fmt]
    v = _half_up(float(value) * q.scale, q.decimals) + 0.0  # never "-0"
    text = _number(v, q.decimals, signed=q.signed, grouped=not q.signed)
    if q.unit == "%":
        return text + "%"
    return f"{text} {_(q.unit)}" if q.unit else text


def _number(v: float, decimals: int, signed: bool = False, grouped: bool = True) -> str:
    """A number as this run's language writes it (Babel): 1,234.5 in English, 1 234,5 in Russian."""
    body = ("#,##0" if grouped else "0") + ("." + "0" * decimals if decimals else "")
    pattern = f"+{body};-{body}" if signed else body
    return format_decimal(v, format=pattern, locale=locale())


def rounded(value: Any, fmt: str) -> float | None:
    """A value as the quantity shows it, as a number: scaled (a rate to percent) and rounded half up.

    Table cells hold this number (so a column still sorts) with `table_format` as their
    printf pattern, which then writes exactly what `show` writes.
    """
    if is_missing(value):
        return None
    q = QUANTITIES[fmt]
    return _half_up(float(value) * q.scale, q.decimals) + 0.0


def table_format(fmt: str) -> str:
    """The printf pattern of a table column holding `rounded` values: the same text as `show`
    (without the thousands separator, which a grid cannot add)."""
    q = QUANTITIES[fmt]
    number = f"%{'+' if q.signed else ''}.{q.decimals}f"
    if q.unit == "%":
        return number + "%%"
    return f"{number} {_(q.unit)}" if q.unit else number


def change(now: Any, prev: Any, fmt: str) -> str | None:
    """now − prev as a tile's change ("+3", "-5 pts", "+1.5 h"); None when either is undefined."""
    if is_missing(now) or is_missing(prev):
        return None
    q = QUANTITIES[fmt]
    d = _half_up((float(now) - float(prev)) * q.scale, q.decimals) + 0.0
    text = _number(d, q.decimals, signed=True)
    return f"{text} {_(q.change_unit)}" if q.change_unit else text


NO_CHANGE = N_("no change")  # compared untranslated; shown through _()


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


@dataclass(frozen=True)
class DateFormat:
    """One way of writing dates (the `date_format` setting), in the notations each drawer needs."""

    name: str  # as written in pulse.toml
    strftime: str  # Python: tiles, captions, the report, the digest, CSV files
    moment: str  # the grid's date columns (moment.js tokens)
    short: str  # a chart's date axis: day and month (strftime / d3 tokens)

    def day(self, value: Any) -> str:
        """A date (or the date of a datetime) in this format; undefined is an em dash."""
        if is_missing(value) or value is pd.NaT:
            return MISSING
        return pd.Timestamp(value).strftime(self.strftime)

    def moment_time(self) -> str:
        return self.moment + " HH:mm"

    def when(self, value: Any) -> str:
        """A moment to the minute (in whatever zone `value` is in: pass agency time)."""
        if is_missing(value) or value is pd.NaT:
            return MISSING
        return pd.Timestamp(value).strftime(self.strftime + " %H:%M")

    def span(self, start: Any, end: Any) -> str:
        """A period: "26.11.2026 – 02.12.2026"."""
        return f"{self.day(start)} – {self.day(end)}"


DATE_FORMATS: dict[str, DateFormat] = {f.name: f for f in (
    DateFormat("DD.MM.YYYY", "%d.%m.%Y", "DD.MM.YYYY", "%d.%m"),
    DateFormat("YYYY-MM-DD", "%Y-%m-%d", "YYYY-MM-DD", "%m-%d"),
    DateFormat("DD/MM/YYYY", "%d/%m/%Y", "DD/MM/YYYY", "%d/%m"),
    DateFormat("MM/DD/YYYY", "%m/%d/%Y", "MM/DD/YYYY", "%m/%d"),
)}


def date_format(name: str) -> DateFormat:
    """The DateFormat of a `date_format` setting (the default, DD.MM.YYYY, for an unknown one)."""
    return DATE_FORMATS.get(name, DATE_FORMATS["DD.MM.YYYY"])


_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def weekdays(days: Any) -> str:
    """The working weekdays of the settings ("Mon", "Tue" …) in this run's language ("пн, вт …")."""
    names = get_day_names("abbreviated", locale=locale())
    return ", ".join(names[_WEEKDAYS.index(d)] if d in _WEEKDAYS else str(d) for d in days)


def month(value: Any) -> str:
    """A month as a chart's axis and hover write it, in this run's language ("Nov 2026", "нояб. 2026")."""
    return format_date(pd.Timestamp(value).date(), "LLL yyyy", locale=locale())
