"""Writes docs/metrics.md, the metric dictionary, from the catalogue: `python -m metrics.docs`.

Generated, never hand-edited, so the docs, the tooltips and the report cannot disagree.
"""

from __future__ import annotations

import sys
from pathlib import Path

from data.settings import DEFAULT_AT_RISK_BELOW, DEFAULT_HEALTHY_FROM
from metrics.catalogue import METRICS, metric
from metrics.formats import DATE_FORMATS, MIN_BASE, QUANTITIES, show
from metrics.health import BAND_COLORS, BAND_LABELS, SIGNALS
from metrics.vocabulary import TERMS

DOCS_PATH = Path(__file__).resolve().parent.parent / "docs" / "metrics.md"
FAMILY_TITLES = {
    "deadlines": "Deadline slippage — one row per deliverable",
    "replies": "Unanswered queues and response times — one row per reply episode",
    "approvals": "Approval lags — one row per approval round",
    "feedback": "Feedback scores — one row per feedback response",
    "history": "Deadline history — one row per deadline move between recorded syncs",
    "health": "Client health",
}


def _bands() -> list[str]:
    """The one colour rule of health and signal scores (metrics/health.band)."""
    below, healthy = f"{DEFAULT_AT_RISK_BELOW:g}", f"{DEFAULT_HEALTHY_FROM:g}"
    colour = {b: f"{BAND_LABELS[b]} ({BAND_COLORS[b]})" for b in BAND_COLORS}
    return [
        "### Score bands — one colour rule",
        "",
        "Every health score and every signal score "
        f"({', '.join(f'`{s}`' for s in SIGNALS)}; each 0–100 over the health window) falls in "
        "one band by the two thresholds of `[health]` in `pulse.toml`: below `at_risk_below` "
        f"(default {below}) it is **{colour['at_risk']}**, from `healthy_from` (default {healthy}) up "
        f"**{colour['healthy']}**, in between **{colour['watch']}**; a signal without data has no score and "
        f"no band: **{colour[None]}**, marked \"no data\", never drawn as 0. The band is decided on the "
        "score as it is written, in whole points (59.99 reads 60 and is in the watch band), so a number and "
        "its colour never disagree. Every chart of a health or signal score (the "
        "Weekly review's lowest health scores, the meeting screen, the Clients page's *Where the points "
        "went*, the weekly digest) colours it this way and no other, and a score of 0 keeps a visible mark.",
        "",
    ]


def render() -> str:
    lines = [
        "# Metric dictionary",
        "",
        "Generated from `metrics/catalogue.py` by `python -m metrics.docs`; do not edit by hand.",
        "Every number the dashboard and `python -m metrics.report` show is defined here. Flow metrics count",
        "events whose date falls in the period (the N days ending on as_of's date, agency time zone);",
        "state metrics describe the moment as_of. Expressions are DuckDB SQL over the family's mart.",
        "Working days, business hours, as_of and periods are counted as in [the calendar](calendar.md);",
        "the columns named here are those of [the workbook](workbook.md).",
        "",
    ]
    lines += _how_written()
    for fam, title in FAMILY_TITLES.items():
        lines += [f"## {title}", ""]
        for m in (m for m in METRICS if m.family == fam):
            kind = "flow (per period)" if m.flow else "state (at as_of)"
            lines.append(f"### {m.label} — `{m.name}`")
            lines.append("")
            lines.append(m.description)
            lines.append("")
            lines.append(f"- format: {m.format}" + (f", unit: {m.unit}" if m.unit else "") + f"; {kind}"
                         + (f"; better when {m.better}" if m.better else ""))
            if m.base:
                lines.append(f"- shown with its base: {metric(m.base).label} (`{m.base}`)")
            if m.expression:
                lines.append(f"- expression: `{m.expression}`")
            lines.append("")
        if fam == "health":
            lines += _bands()
    lines += _vocabulary()
    return "\n".join(lines).rstrip() + "\n"


QUANTITY_WORDS = {
    "int": ("a count", 1234),
    "pct": ("a rate, stored 0–1, shown as a whole percent; its change in points (pts)", 0.825),
    "hours": ("business hours, one decimal; headers and tiles say *business h*", 96.66),
    "days": ("working days (wd), a whole number: how long something waited or is overdue", 14),
    "shift": ("working days a date moved, always with its sign (+ later, − earlier)", -2),
    "score": ("a score in whole points (NPS −100…100, CSAT and health 0–100)", 71.5),
    "float": ("a plain number with one decimal (rounds to approval)", 1.25),
}


def _how_written() -> list[str]:
    """The one format of each quantity, the date format and the small-sample rule."""
    lines = ["## How numbers are written", "",
             "Every tile, table, CSV file, the text report and the digest write a quantity the same way",
             "(`metrics/formats.py`), rounding half up as a spreadsheet does. The JSON report keeps",
             "plain numbers (rates 0–1, two decimals).", "",
             "| format | what it is | example |", "|---|---|---|"]
    for name in QUANTITIES:
        words, example = QUANTITY_WORDS[name]
        lines.append(f"| {name} | {words} | {show(example, name)} |")
    lines += ["",
              f"Dates follow the `date_format` setting ({', '.join(f'`{f}`' for f in DATE_FORMATS)}; default "
              "`DD.MM.YYYY`); a moment adds the time (`20.11.2026 18:00`), always in the agency's time zone. A",
              "week is the 7 days ending on as_of's weekday, labelled by its first day, on every page.", "",
              "**Small samples.** A rate or a score is shown with its base (the number of cases it is over,",
              f"e.g. *NPS · 3 responses*). When the base is below {MIN_BASE}, the tile keeps its value but is",
              "neither coloured good or bad nor given a change arrow: its change line says *too few",
              "responses* (or deliverables, requests, approvals).", "",
              "**Threads and clients.** A queue counts conversation threads; one client can have several.",
              "Tiles show the distinct clients beside the threads (*Threads waiting on us · 5 clients*).", ""]
    return lines


def _vocabulary() -> list[str]:
    """Every column header a table or CSV file shows, with its code name and meaning."""
    lines = ["## Column vocabulary", "",
             "The header every table and CSV file shows for a column (`metrics/vocabulary.py`); a column",
             "named after a metric above takes that metric's label.", "",
             "| header | column | format | meaning |", "|---|---|---|---|"]
    for t in TERMS.values():
        lines.append(f"| {t.label} | `{t.name}` | {t.kind} | {t.help.replace('|', '/')} |")
    return [*lines, ""]


def main() -> int:
    DOCS_PATH.parent.mkdir(exist_ok=True)
    DOCS_PATH.write_text(render(), encoding="utf-8")
    print(f"wrote {DOCS_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
