"""The raw workbook every reader produces: cells as the source gave them, before any parsing.

Readers (Sheets, xlsx, csv) only fetch; everything after this shape is shared, so the
three forms of SPEC §1 can never drift apart in how they parse or reject.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class SourceError(Exception):
    """The source could not be read at all: nothing is loaded, the previous data stays."""


class SyncRefused(SourceError):
    """The source was read but loading it would lose data silently (two tabs for one table,
    a tab that held rows now unloadable): like an unreadable source, nothing changes."""


@dataclass
class RawTab:
    """One tab: its title as the source spells it, the header row and the data rows.

    `rows[i]` is sheet row i + 2 (the header is row 1); a reader may hand over a
    DataFrame with integer column labels instead of lists (the CSV reader does, for
    speed). Cells are str, int, float, bool,
    datetime.date/datetime or None, exactly as the source gave them; rows may be ragged
    (the Sheets API drops trailing empty cells) and are padded by the parser, not here.
    """

    title: str
    header: list[Any]
    rows: list[list[Any]]


@dataclass
class RawWorkbook:
    """All tabs of one source plus what the source says about how to read its values."""

    source: str
    kind: str  # "sheets", "xlsx" or "csv"
    tabs: list[RawTab]
    title: str = ""
    # The time zone that date serial numbers are in: the spreadsheet's own for Google
    # Sheets (metadata timeZone); None means the agency's time zone (xlsx, csv).
    serial_timezone: str | None = None
    # The spreadsheet's locale (e.g. "en_US", "ru_RU") when the source knows it: it
    # decides how slash dates are read; None falls back to the `date_order` setting.
    locale: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
