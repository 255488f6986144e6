"""Writes docs/metrics.md, the metric dictionary, from the catalogue: `python -m metrics.docs`.

Generated, never hand-edited, so the docs, the tooltips and the report cannot disagree.
"""

from __future__ import annotations

import sys
from pathlib import Path

from metrics.catalogue import METRICS

DOCS_PATH = Path(__file__).resolve().parent.parent / "docs" / "metrics.md"
FAMILY_TITLES = {
    "deadlines": "Deadline slippage — one row per deliverable",
    "replies": "Unanswered queues and response times — one row per reply episode",
    "approvals": "Approval lags — one row per approval round",
    "feedback": "Feedback scores — one row per feedback response",
    "history": "Deadline history — one row per deadline move between recorded syncs",
    "health": "Client health",
}


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
    return "\n".join(lines).rstrip() + "\n"


def main() -> int:
    DOCS_PATH.parent.mkdir(exist_ok=True)
    DOCS_PATH.write_text(render(), encoding="utf-8")
    print(f"wrote {DOCS_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
