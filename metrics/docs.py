"""Writes docs/metrics.md, the metric dictionary, from the catalogue: `python -m metrics.docs`.

Generated, never hand-edited, so the docs, the tooltips and the report cannot disagree.
"""

from __future__ import annotations

import sys
from pathlib import Path

from data.settings import DEFAULT_AT_RISK_BELOW, DEFAULT_HEALTHY_FROM
from metrics.catalogue import METRICS
from metrics.health import BAND_COLORS, BAND_LABELS, SIGNALS

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
        f"score itself (59.99 is at risk with the defaults), and a score written beside its colour keeps "
        f"the decimals that show it (\"59.99\", not \"60\"). Every chart of a health or signal score (the "
        "Weekly review's lowest health scores, the meeting screen, the Clients page's *Where the points "
        "went*, the weekly digest) colours it this way and no other, and a score of 0 keeps a visible mark; "
        "tables draw their score bars in one neutral grey.",
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
            if m.expression:
                lines.append(f"- expression: `{m.expression}`")
            lines.append("")
        if fam == "health":
            lines += _bands()
    return "\n".join(lines).rstrip() + "\n"


def main() -> int:
    DOCS_PATH.parent.mkdir(exist_ok=True)
    DOCS_PATH.write_text(render(), encoding="utf-8")
    print(f"wrote {DOCS_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
