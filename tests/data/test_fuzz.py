"""Random workbooks through the whole sync: it never crashes and never loses a row (SPEC §1).

Hypothesis builds workbooks with random tabs (contract names, aliases, strangers,
duplicates), headers (missing, duplicated, unknown) and cells (unicode, formulas,
dates in and out of range, huge and empty values, typed cells). Each goes through
`run_sync`, either as a folder of CSV files or as an in-memory workbook handed to the
same staging path the Sheets and xlsx readers feed. The sync may refuse, but only with
a clean SourceError outcome; when it loads, every non-blank row of every loaded tab is
either in its table or in the rejects.

The normal run tries a few hundred workbooks. A longer run:

    PULSE_FUZZ_EXAMPLES=5000 .venv/bin/python -m pytest tests/data/test_fuzz.py -p no:cacheprovider
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from data import store
from data.headers import load_column_map, match_tabs
from data.schema import TAB_BY_NAME, TABS
from data.settings import Settings
from data.sync import run_sync
from data.workbook import RawTab, RawWorkbook

EXAMPLES = int(os.environ.get("PULSE_FUZZ_EXAMPLES", "150"))
settings.register_profile("pulse-fuzz", max_examples=EXAMPLES, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FUZZ = settings.get_profile("pulse-fuzz")

CMAP = load_column_map()
TAB_TITLES = [t.name for t in TABS] + ["Clients", "Клиенты", "comms", "Проекты", "Notes", "scores", "", "x"]
COLUMNS = [*sorted({c.name for t in TABS for c in t.columns}), "Notes", "Клиент", "Дедлайн", "", "client id"]

_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
_cell_text = st.one_of(
    _text,
    st.sampled_from(["", " ", "C01", "P01", "T1", "in", "out", "nps", "csat", "yes", "нет", "approved", "email",
                     "2026-11-20", "20.11.2026 9:05", "03/04/2026", "9999-12-31", "0001-01-01", "46346.75",
                     "2958465", "7,5", "11", "-1", "1e400", "NaN", '=HYPERLINK("http://x.test","C01")',
                     "=1/0", "#REF!", "\u00a0", "line\nbreak", 'a "quote"', ";", ","]),
    st.integers(0, 3).map(lambda n: "x" * (10 ** (n + 2))),  # up to 100k characters
)
_typed = st.one_of(
    st.none(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
    st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31)),
)


@st.composite
def workbooks(draw: st.DrawFn, typed: bool) -> dict[str, list[list[Any]]]:
    """{title: [header, *rows]}; titles may clash (two tabs for one table) on purpose."""
    cell = st.one_of(_cell_text, _typed) if typed else _cell_text
    titles = draw(st.lists(st.sampled_from(TAB_TITLES), min_size=1, max_size=6, unique=not typed))
    if not typed:  # file names: no empty or clashing-on-disk names
        titles = [t for t in titles if t] or ["clients"]
    tabs: dict[str, list[list[Any]]] = {}
    for title in titles:
        header = draw(st.lists(st.sampled_from(COLUMNS), max_size=12))
        matched = match_tabs([title], CMAP)[0]
        if matched and draw(st.integers(0, 3)):  # mostly a loadable header, so rows get checked
            tab = TAB_BY_NAME[next(iter(matched))]
            own = draw(st.permutations([c.name for c in tab.columns]))
            header = [*own, *header[: draw(st.integers(0, 3))]]  # extras: unknown or duplicate columns
        width = max(len(header), 1)
        n_rows = draw(st.sampled_from([0, 1, 2, 5, 20, 300]))
        rows = draw(st.lists(st.lists(cell, max_size=width + 2), min_size=min(n_rows, 5), max_size=n_rows))
        tabs[title] = [header, *rows] if header or rows else []
    return tabs


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and v.strip() == "")


def _check(outcome, tabs: dict[str, list[list[Any]]]) -> None:
    """A clean refusal, or every non-blank row of every loaded tab loaded or rejected."""
    if not outcome.ok:
        # These workbooks are always readable: the only clean failure is a refusal (a
        # ValueError from staging would otherwise pass as "the source could not be read").
        assert outcome.refused, outcome.error
        assert outcome.error and "\n" not in outcome.error
        event("refused")
        return
    result = outcome.result
    event("loaded")
    by_title = {t: rows for t, rows in tabs.items()}
    for report in result.tabs:
        if report.status != "loaded":
            continue
        rows = by_title[report.source_title][1:]
        want = {i + 2 for i, r in enumerate(rows) if not all(_blank(v) for v in r)}
        loaded = set(result.tables[report.tab]["sheet_row"].tolist())
        rej = result.rejects
        rejected = set(rej[(rej["tab"] == report.tab) & (rej["severity"] == "error")]["sheet_row"].tolist())
        assert not loaded & rejected, report.tab
        assert loaded | rejected == want, (report.tab, sorted(want - loaded - rejected))
        event(f"tab loaded with {'rejected ' if rejected else ''}rows" if want else "tab loaded empty")


def _write_csv(folder: Path, tabs: dict[str, list[list[Any]]]) -> dict[str, list[list[Any]]]:
    """One file per tab (clients.csv beside Clients.csv on purpose: a clash to refuse)."""
    folder.mkdir()
    for title, rows in tabs.items():
        with (folder / f"{title}.csv").open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows(rows)
    return tabs


@pytest.fixture(scope="module")
def fuzz_store():
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "fuzz.duckdb"
        con = store.connect(db)
        try:
            yield con, Settings(db=str(db)), Path(tmp)
        finally:
            con.close()


_counter = iter(range(10**9))


@FUZZ
@given(tabs=workbooks(typed=False), allow_partial=st.booleans())
def test_random_csv_workbooks_never_crash_the_sync_and_lose_no_row(fuzz_store, tabs, allow_partial) -> None:
    con, s, tmp = fuzz_store
    folder = tmp / f"wb{next(_counter)}"
    written = _write_csv(folder, tabs)
    outcome = run_sync(con, s, str(folder), allow_partial=allow_partial)
    _check(outcome, written)


@FUZZ
@given(tabs=workbooks(typed=True), allow_partial=st.booleans())
def test_random_typed_workbooks_never_crash_the_sync_and_lose_no_row(
    fuzz_store, tabs, allow_partial, monkeypatch_module
) -> None:
    con, s, _ = fuzz_store
    wb = RawWorkbook(source="fuzz", kind="sheets", serial_timezone="Europe/Moscow",
                     tabs=[RawTab(t, list(r[0]) if r else [], [list(x) for x in r[1:]]) for t, r in tabs.items()])
    monkeypatch_module.setattr("data.sync.read_source", lambda src, settings: wb)
    monkeypatch_module.setattr("data.sync.source_kind", lambda src: "sheets")
    outcome = run_sync(con, s, "fuzz", allow_partial=allow_partial)
    _check(outcome, tabs)


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()
