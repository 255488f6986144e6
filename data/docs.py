"""Writes docs/workbook.md, the workbook contract, from the code: `python -m data.docs`.

The tab and column tables come from data/schema.py and the accepted spellings from
data/columns.toml; the examples of how cells are read and of the reasons a director sees
on the Data page are produced by running the real parser and validator on small example
workbooks, so the page cannot promise what the loader does not do. The rules in between
are prose kept here. Generated, never hand-edited (tests/data/test_docs.py checks it).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from data import parse
from data.headers import ColumnMap, enum_lookup, load_column_map, match_headers, match_tabs, value_key
from data.schema import SCALES, TABS, Column, Tab
from data.validate import stage
from data.workbook import RawTab, RawWorkbook

DOCS_PATH = Path(__file__).resolve().parent.parent / "docs" / "workbook.md"

# The agency time zone the examples of how cells are read assume.
EXAMPLE_TZ = "Europe/Moscow"

KIND_WORDS = {
    "text": "text",
    "date": "date",
    "datetime": "date and time",
    "date_or_datetime": "date, or date and time",
    "number": "number",
    "integer": "whole number",
    "boolean": "yes/no",
    "enum": "one of the values",
}

# What a column means, where its name does not say it all. Keys must be schema columns
# (tests/data/test_docs.py checks), so a renamed column cannot leave a stale note here.
MEANING: dict[tuple[str, str], str] = {
    ("clients", "account_manager"): "the agency's single point of contact; owns the client's reply queue",
    ("clients", "tier"): "free text, e.g. A/B/C",
    ("team", "person"): "a person's name as it appears elsewhere in the sheet",
    ("projects", "baseline_due"): "the deadline first agreed with the client",
    ("projects", "due_date"): "the current deadline",
    ("projects", "delivered_date"): "blank while not delivered",
    ("projects", "slip_cause"): "why it slipped",
    ("milestones", "baseline_due"): "as in projects",
    ("milestones", "due_date"): "as in projects",
    ("milestones", "delivered_date"): "as in projects",
    ("milestones", "status"): "as in projects",
    ("messages", "thread_id"): "messages with the same thread_id form one conversation",
    ("messages", "direction"): "in = client to agency, out = agency to client",
    ("messages", "sender"): "a person's name or address",
    ("messages", "sent_at"): "a bare date means 00:00 of that date",
    ("messages", "needs_reply"): "blank: yes for an in-message, no for an out-message",
    ("approvals", "deliverable"): "project_id + deliverable identify what is being approved; one row per round",
    ("approvals", "sent_at"): "when it went to the client",
    ("approvals", "due_by"): "the date the client promised to answer by",
    ("approvals", "responded_at"): "blank while the round is pending",
    ("approvals", "decision"): "required when responded_at is given",
    ("feedback", "score"): "; ".join(f"{s}: a whole number {lo}-{hi}" for s, (lo, hi) in SCALES.items()),
}

INTRO = """\
# The workbook

Generated from `data/schema.py` and `data/columns.toml` by `python -m data.docs`; do not edit
by hand. The examples on this page were produced by running the loader itself.

Agency Pulse reads one workbook: a Google Sheet, an `.xlsx` file, or a folder of `.csv`
files (one file per tab, the file name without `.csv` being the tab name; UTF-8, comma- or
semicolon-separated). Each table is one tab; the first row holds the headers, every later
row is one record. Sheet rows are numbered as you see them in the sheet: the header is
row 1, the first record row 2.

The blank template (Data page, or `data/template/agency-pulse-template.xlsx`) has every tab
and column below with the canonical headers, and a *how to fill* tab that is ignored on
load. How the dates on these tabs become working days, business hours and periods is in
[the calendar](calendar.md); what is computed from them is in [the metric
dictionary](metrics.md).
"""

MATCHING = """\
## Tab and header names

A tab or a header is recognised by its canonical name (the names in the tables below) or by
one of its aliases. Matching ignores letter case, surrounding spaces, and the difference
between a space, `-` and `_` (runs of them count as one), and reads `ё` as `е`: `Client ID`,
`client-id` and `CLIENT_ID` are all `client_id`.

- **Header precedence.** The canonical name beats an alias of the tab, which beats a common
  alias (one that applies in every tab with that column). When two headers name the same
  column, the better match is used (between equals, the leftmost) and the other is ignored
  and listed as `(duplicate)`.
- **One tab per table.** Two tabs (or two `.csv` files) that both name one table — `Clients`
  and `Клиенты`, `clients.csv` and `Clients.csv` — refuse the whole sync, naming both: which
  one holds the truth is for the agency to say, not for sort order.
- **Unknown tabs and headers** are ignored and listed on the Data page (and by
  `python -m data.sync`) as information, so an agency can keep its own notes beside the data.
- **Your own spellings.** Put extra aliases in a TOML file shaped like `data/columns.toml`
  (sections `[tabs]`, `[columns.common]`, `[columns.<tab>]`, `[values.<column>]`) and name it
  in `column_map` in `pulse.toml`. They are added to the defaults listed here; the
  canonical names always match.
"""

READING = """\
## How cells are read

- **Trimming.** Every value is trimmed of surrounding spaces first; a cell that is then empty
  is blank. Text is kept as typed (`007` stays `007`; a number cell `7` reads as `7`, not
  `7.0`).
- **Blank rows** (every cell blank) are skipped: they are not errors and not counted, but
  they keep their place in the row numbering. A row with text only in columns the contract
  does not know is not blank: it is rejected as missing its required values.
- **Time zone.** A date and time without an offset is in the agency's time zone (`timezone`
  in `pulse.toml`). One with an offset (`+03:00`, `-0500`, `Z`) is that instant. A bare date
  in a date-and-time column is 00:00 of that date in the agency's time zone. A date column
  given a date and time keeps its date; when the value carries an offset it is first moved
  into the agency's time zone (so it may become the next or previous date).
- **Serial numbers** (date cells, as the Google Sheets API and Excel store them): days since
  1899-12-30, the fraction being the time of day, rounded to the second. For a Google Sheet
  they are read in the spreadsheet's own time zone (File → Settings); in an `.xlsx` file or a
  CSV, in the agency's time zone. A plain number typed into a date column is read the same
  way.
- **Accepted date forms**: `2026-11-20`, `2026-11-20 14:30[:05]` or with `T`, ISO 8601 with
  fractions of a second and an offset, `20.11.2026[ 9:05[:00]]` (the hour may have one
  digit, as Google Sheets writes it in Russian locales), and slash dates `03/04/2026[ 9:05]`.
  An impossible date (`31.02.2026`) or any other text rejects the row.
- **Slash dates** follow the spreadsheet's locale when the source says it (Google Sheets:
  `en_US` and a few other locales put the month first, every other locale the day), else the
  `date_order` setting: `DMY` (the default) or `MDY`. They are never guessed row by row.
- **Numbers** may use a decimal comma (`7,5`) and spaces between digit groups (`1 234,5`);
  a comma as a thousands separator (`1,234.5`) is not a number.
- **Yes/no** columns accept {booleans}, in any case, and checkbox cells.
- **Enumerations** (the columns with a list of values) accept each value in any case, with
  a space or `-` for `_` (`On hold`, `changes-requested`), plus the value aliases listed in
  the tab tables.

With the agency's time zone {tz} and `date_order = "DMY"`:

"""

PROBLEMS = """\
## What rejects a row, and what only warns

Nothing is lost silently. A row that cannot be used is **rejected**: it is left out of every
metric and listed on the Data page (and by `python -m data.sync`) with its tab, sheet row,
column, the value as typed and a reason. A row is rejected when

- a required value is blank (for projects and milestones: both baseline_due and due_date);
- a date, number, whole number or yes/no value cannot be read;
- a value of a strict enumeration is unknown (status, direction, decision, scale);
- a score lies outside its scale, or is not a whole number;
- approvals: round is below 1, or decision is blank while responded_at is given;
- its id repeats one already used by a valid row of the same tab: the first valid row is
  kept, later ones are rejected;
- it refers to a client or project that is not in its tab, that was rejected there, or whose
  tab did not load at all. A reference is checked against the rows that were accepted, so a
  rejected client takes its projects, messages and feedback with it; each is listed with the
  row that was rejected first.

A **warning** keeps the row and is listed beside the rejects: an unknown channel is read as
`other`, an unknown slip_cause as blank, and a decision without a responded_at leaves the
round pending.

These are the reasons as the Data page shows them, produced by loading an example workbook:

"""

TAB_PROBLEMS = """\
## Whole tabs

A tab that lacks a required column (no header matches it, even by alias) is not loaded at
all, and the Data page names the tab and the missing columns; a required tab that is not in
the workbook is named the same way. An optional tab that is absent is simply empty.

When such a tab **held rows in the previous load**, the sync is refused instead: nothing
changes, the previous data stays on screen, and the message names the tab and the headers
it looked for — a renamed `sent_at` header must not empty the messages of a dashboard that
had twenty thousand a minute ago. `python -m data.sync --allow-partial` loads anyway (the
tab is then empty until a later sync loads it). A tab that was already empty, or a first
sync, just loads without it. The messages shown:

"""

SYNC = """\
## When a sync fails

A sync reads the whole workbook, checks it, and only then replaces the data: every tab, the
rejects list and the derived tables are written in one transaction, so the dashboard shows
either the previous load or the new one, never a mix. The tabs a sync finds replace the
previous ones.

A sync that cannot finish changes no data, and the previous data stays in place and in use:

- the source cannot be read at all: no network, no permission (share the sheet with the
  service account as a Viewer), a quota still exhausted after the retries, a missing or
  corrupt file, a CSV that is not UTF-8;
- the `column_map` file named in `pulse.toml` is missing or malformed;
- a setting in `pulse.toml` cannot be used (a bad `timezone`, `date_order`, …): the message
  names the key;
- the sync is refused: two tabs for one table, or a tab that held rows cannot load now
  (see above);
- the DuckDB file is held by another writing process (the dashboard): sync from the
  dashboard's Data page instead.

A failed read is recorded in the sync history; the Data page shows its reason and the time
of the last good sync, and `python -m data.sync` prints `sync failed: <reason> (previous
data from <time> kept)` or `sync refused: …`. The command exits 0 when it loaded (rejected
rows included), 1 when the source or the column map could not be read or the sync was
refused, 2 for an unusable setting and 3 when the DuckDB file cannot be used (busy, or a
path it cannot write).
"""


def _code(items: list[str]) -> str:
    return ", ".join(f"`{_cell(i)}`" for i in items)


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return [*out, ""]


def column_aliases(tab: Tab, col: Column, cmap: ColumnMap) -> list[str]:
    """The alias headers that really land on a column in one tab, the tab's own first.

    Each alias is put through the header matcher alone, so one that another column of the
    tab claims first (`client` is client_name in clients, client_id elsewhere) is left out.
    """
    own = cmap.columns.get(tab.name, {}).get(col.name, [])
    common = cmap.columns.get("common", {}).get(col.name, [])
    return [a for a in dict.fromkeys([*own, *common]) if match_headers([a], tab, cmap).index == {col.name: 0}]


def tab_aliases(tab: Tab, cmap: ColumnMap) -> list[str]:
    return [a for a in cmap.tabs.get(tab.name, []) if match_tabs([a], cmap)[0] == {tab.name: a}]


def value_aliases(col: Column, value: str, cmap: ColumnMap) -> list[str]:
    """The spellings that really read as `value` (another value may claim a shared one)."""
    lookup = enum_lookup(col.name, col.values, cmap)
    return [a for a in cmap.values.get(col.name, {}).get(value, [])
            if lookup.get(value_key(a)) == value and value_key(a) != value]


def _allowed(tab: Tab, col: Column, cmap: ColumnMap) -> str:
    if not col.values:
        return ""
    parts = []
    for v in col.values:
        extra = value_aliases(col, v, cmap)
        parts.append(f"`{v}`" + (f" (also {_code(extra)})" if extra else ""))
    return "; ".join(parts)


def _rules(tab: Tab, col: Column) -> str:
    notes = []
    if col.unique:
        notes.append("unique in the tab")
    if col.ref:
        notes.append(f"must exist in {col.ref}" + ("" if col.required else " when given"))
    if col.default is not None:
        notes.append(f"blank means `{col.default}`")
    if col.lenient:
        notes.append("an unknown value warns and is read as " + (f"`{col.fallback}`" if col.fallback else "blank"))
    for group in tab.one_of:
        if col.name in group:
            other = [g for g in group if g != col.name]
            notes.append(f"give it or {' or '.join(other)}; a blank one takes the other's value")
    meaning = MEANING.get((tab.name, col.name))
    if meaning:
        notes.append(meaning)
    return "; ".join(notes)


def _required(tab: Tab, col: Column) -> str:
    if col.required:
        return "yes"
    if any(col.name in g for g in tab.one_of):
        return "one of " + " / ".join(next(g for g in tab.one_of if col.name in g))
    return ""


def tab_section(tab: Tab, cmap: ColumnMap) -> list[str]:
    kind = "required tab" if tab.required else "optional tab"
    aliases = tab_aliases(tab, cmap)
    lines = [f"### {tab.name} ({kind})", ""]
    lines.append(f"Tab names: `{tab.name}`" + (f", {_code(aliases)}" if aliases else "") + ".")
    lines.append("")
    rows = []
    for col in tab.columns:
        kind_text = KIND_WORDS[col.kind]
        if col.name == "score" and tab.name == "feedback":
            kind_text = "number"
        rows.append([
            f"`{col.name}`",
            kind_text,
            _required(tab, col),
            _allowed(tab, col, cmap),
            _cell(_rules(tab, col)),
            _code(column_aliases(tab, col, cmap)),
        ])
    lines += _table(["column", "type", "required", "values", "rules", "other accepted headers"], rows)
    return lines


# --------------------------------------------------------------------- examples, run for real

DATE_EXAMPLES = [
    "2026-11-20",
    "2026-11-20 14:30",
    "2026-11-20T14:30:05",
    "2026-11-20T14:30:00+01:00",
    "2026-11-20T23:30:00-05:00",
    "2026-11-20T11:30Z",
    "20.11.2026",
    "20.11.2026 9:05",
    "03/04/2026",
    "03/04/2026 9:05",
    "46346",
    "46346.75",
    "46346,5",
    "31.02.2026",
    "20/11/26",
    "yesterday",
]
NUMBER_EXAMPLES = ["7", "7,5", "7.5", " 1 234,5 ", "1e3", "1,234.5", "seven"]


def _show_date(v: object) -> str:
    return "rejected" if pd.isna(v) else pd.Timestamp(v).strftime("%Y-%m-%d")


def _show_instant(v: object) -> str:
    if pd.isna(v):
        return "rejected"
    ts = pd.Timestamp(v).tz_convert(EXAMPLE_TZ)
    return ts.strftime("%Y-%m-%d %H:%M:%S %z")


def date_examples() -> list[str]:
    values = pd.Series(DATE_EXAMPLES, dtype=object)
    ctx = parse.ParseContext(timezone=EXAMPLE_TZ, date_order="DMY")
    t = parse.parse_temporal(values, ctx)
    dates, instants = parse.to_date(t, ctx), parse.to_utc(t, ctx)
    mdy_ctx = parse.ParseContext(timezone=EXAMPLE_TZ, date_order="MDY")
    mdy = parse.to_date(parse.parse_temporal(values, mdy_ctx), mdy_ctx)
    rows = []
    for i, cell in enumerate(DATE_EXAMPLES):
        slash = "/" in cell
        rows.append([f"`{cell}`", _show_date(dates[i]), _show_instant(instants[i]),
                     _show_date(mdy[i]) if slash else "same"])
    return _table(["cell", "in a date column", "in a date-and-time column (agency time)",
                   "date column with `MDY`"], rows)


def number_examples() -> list[str]:
    nums, bad = parse.parse_number(pd.Series(NUMBER_EXAMPLES, dtype=object))
    rows = [[f"`{cell}`", "rejected" if bad[i] else f"{nums[i]:g}"] for i, cell in enumerate(NUMBER_EXAMPLES)]
    return _table(["cell", "number"], rows)


def _tab(title: str, header: list[str], *rows: list[object]) -> RawTab:
    return RawTab(title, header, [list(r) for r in rows])


# Each example row shows one problem; the first rows of a tab are valid ones they refer to.
PROBLEM_WORKBOOK = RawWorkbook("example", "csv", [
    _tab("clients", ["client_id", "client_name", "status"],
         ["C01", "Meridian Bank", "active"],
         ["C01", "Meridian Bank (copy)", "active"],
         ["", "Nameless", "active"],
         ["C02", "Northwind", "gone"],
         ["C03", "", "paused"]),
    _tab("projects", ["project_id", "client_id", "project_name", "baseline_due", "due_date", "slip_cause"],
         ["P01", "C01", "Website", "2026-11-20", "", "weather"],
         ["P02", "C99", "Rebrand", "2026-11-20", "", ""],
         ["P03", "C02", "Campaign", "2026-11-20", "", ""],
         ["P04", "C01", "App", "", "", ""],
         ["P05", "C01", "Report", "31.02.2026", "", ""]),
    _tab("messages", ["message_id", "thread_id", "client_id", "channel", "direction", "sent_at", "needs_reply"],
         ["M01", "T01", "C01", "pigeon", "in", "2026-11-20 10:00", ""],
         ["M02", "T01", "C01", "email", "sideways", "2026-11-20 10:05", ""],
         ["M03", "T01", "C01", "email", "out", "yesterday", ""],
         ["M04", "T01", "C01", "email", "in", "2026-11-20 10:15", "maybe"]),
    _tab("approvals", ["approval_id", "project_id", "deliverable", "round", "sent_at", "responded_at", "decision"],
         ["A01", "P01", "Logo", "0", "2026-11-10", "", ""],
         ["A02", "P01", "Logo", "1,5", "2026-11-10", "", ""],
         ["A03", "P01", "Logo", "two", "2026-11-10", "", ""],
         ["A04", "P01", "Logo", "1", "2026-11-10", "2026-11-12", ""],
         ["A05", "P01", "Logo", "1", "2026-11-10", "", "approved"]),
    _tab("feedback", ["response_id", "client_id", "received_on", "score", "scale"],
         ["F01", "C01", "2026-11-20", "11", "nps"],
         ["F02", "C01", "2026-11-20", "4,5", "csat"],
         ["F03", "C01", "2026-11-20", "great", "nps"],
         ["F04", "C01", "2026-11-20", "5", "stars"]),
])

# Tab-level problems: a tab lacking a required column, a required tab missing, references
# into a tab that did not load.
TAB_WORKBOOK = RawWorkbook("example", "csv", [
    _tab("Клиенты", ["Код клиента", "Название"], ["C01", "Meridian Bank"]),
    _tab("projects", ["project_id", "client", "due_date"], ["P01", "C01", "2026-11-20"]),
    _tab("feedback", ["response_id", "client_id", "project_id", "received_on", "score"],
         ["F01", "C01", "P01", "2026-11-20", "9"]),
])


def problem_examples() -> list[str]:
    result = stage(PROBLEM_WORKBOOK, load_column_map(), timezone="UTC")
    rows = [[r.tab, str(r.sheet_row), f"`{r.column}`", f"`{_cell(r.value)}`" if r.value else "(blank)",
             _cell(r.reason), "warning" if r.severity == "warning" else "rejected"]
            for r in result.rejects.itertuples(index=False)]
    return _table(["tab", "row", "column", "value", "reason", "outcome"], rows)


def tab_examples() -> list[str]:
    result = stage(TAB_WORKBOOK, load_column_map(), timezone="UTC")
    lines = ["The example workbook has tabs `Клиенты` (headers `Код клиента`, `Название`), `projects`",
             "(headers `project_id`, `client`, `due_date`) and `feedback` (a row naming project P01):", ""]
    rows = [[t.tab, f"`{t.source_title}`" if t.source_title else "—", str(t.loaded), _cell(t.message) or "loaded"]
            for t in result.tabs]
    lines += _table(["tab", "found as", "rows loaded", "message"], rows)
    lines.append("and the feedback row is rejected:")
    lines.append("")
    lines += [f"- {r.tab} row {r.sheet_row}, `{r.column}` = `{r.value}`: {r.reason}"
              for r in result.rejects.itertuples(index=False)]
    return [*lines, ""]


def render() -> str:
    cmap = load_column_map()
    lines = [INTRO.rstrip("\n"), ""]
    summary = [[f"[{t.name}](#{t.name}-{'required' if t.required else 'optional'}-tab)",
                "yes" if t.required else "no",
                ", ".join(t.required_columns) + "".join(f", {' or '.join(g)}" for g in t.one_of)]
               for t in TABS]
    lines += ["## Tabs", ""]
    lines += _table(["tab", "required", "required columns"], summary)
    lines += [MATCHING.rstrip("\n"), ""]
    lines += ["## Columns", ""]
    lines += ["Every column of every tab: its type, whether it is required, the values it allows,",
              "its default and checks, and the headers it is also recognised by (besides its own name).",
              ""]
    for tab in TABS:
        lines += tab_section(tab, cmap)
    booleans = (", ".join(f"`{w}`" for w in sorted(parse.TRUE_WORDS)) + " for yes and "
                + ", ".join(f"`{w}`" for w in sorted(parse.FALSE_WORDS)) + " for no")
    lines += [READING.format(booleans=booleans, tz=f"`{EXAMPLE_TZ}` (UTC+3)").rstrip("\n"), ""]
    lines += date_examples()
    lines += number_examples()
    lines += [PROBLEMS.rstrip("\n"), ""]
    lines += problem_examples()
    lines += [TAB_PROBLEMS.rstrip("\n"), ""]
    lines += tab_examples()
    lines.append(SYNC)
    return "\n".join(lines).rstrip() + "\n"


def main() -> int:
    DOCS_PATH.parent.mkdir(exist_ok=True)
    DOCS_PATH.write_text(render(), encoding="utf-8")
    print(f"wrote {DOCS_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
