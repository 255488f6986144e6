"""The blank workbook an agency starts its own sheet from: `python -m data.template`.

Generated from the contract (data/schema.py), so it can never disagree with what the
loader expects; a `how to fill` tab explains every column and is ignored on load.
"""

from __future__ import annotations

import datetime as dt
import io
import sys
from pathlib import Path

from data.schema import SCALES, TABS

TEMPLATE_PATH = Path(__file__).resolve().parent / "template" / "agency-pulse-template.xlsx"
KIND_TEXT = {
    "text": "text",
    "date": "date (a date cell, 2026-11-20 or 20.11.2026)",
    "datetime": "date and time (a date cell, 2026-11-20 14:30 or 20.11.2026 14:30)",
    "date_or_datetime": "date, or date and time",
    "number": "number (7 or 7,5)",
    "integer": "whole number",
    "boolean": "yes/no (true/false, yes/no, 1/0, да/нет)",
    "enum": "one of",
}


def column_notes() -> list[tuple[str, str, str, str, str]]:
    """(tab, column, type, required, notes) for every contract column."""
    rows = []
    for tab in TABS:
        for c in tab.columns:
            kind = KIND_TEXT[c.kind] + (f" {', '.join(c.values)}" if c.values else "")
            notes = []
            if c.default is not None:
                notes.append(f"blank means {c.default}")
            if c.unique:
                notes.append("unique")
            if c.ref:
                notes.append(f"must exist in {c.ref}")
            if c.lenient:
                notes.append("an unknown value is read as " + (c.fallback or "blank") + " with a warning")
            if tab.name == "feedback" and c.name == "score":
                notes.append("; ".join(f"{k}: whole number {lo}-{hi}" for k, (lo, hi) in SCALES.items()))
            if tab.name == "messages" and c.name == "needs_reply":
                notes.append("blank means true for in, false for out")
            if tab.name == "approvals" and c.name == "decision":
                notes.append("required when responded_at is given")
            for group in tab.one_of:
                if c.name in group:
                    notes.append(f"give {' or '.join(group)}; a blank one takes the other's value")
            rows.append((tab.name + ("" if tab.required else " (optional tab)"), c.name, kind,
                         "required" if c.required else "", "; ".join(notes)))
    return rows


def build_template() -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.properties.created = dt.datetime(2026, 1, 1)
    wb.properties.creator = "Agency Pulse"
    first = True
    for tab in TABS:
        ws = wb.active if first else wb.create_sheet()
        first = False
        ws.title = tab.name
        ws.append([c.name for c in tab.columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
        for i, c in enumerate(tab.columns, start=1):
            ws.column_dimensions[ws.cell(1, i).column_letter].width = max(14, len(c.name) + 4)
    ws = wb.create_sheet("how to fill")
    ws.append(["tab", "column", "type", "required", "notes"])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in column_notes():
        ws.append(list(row))
    for letter, width in zip("ABCDE", (24, 18, 48, 10, 70), strict=True):
        ws.column_dimensions[letter].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def main() -> int:
    TEMPLATE_PATH.parent.mkdir(parents=True, exist_ok=True)
    TEMPLATE_PATH.write_bytes(build_template())
    print(f"wrote {TEMPLATE_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
