"""The blank workbook template (data/template.py): generated from the contract, loads clean."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

import lang
from data import store, template
from data.files import read_xlsx
from data.headers import load_column_map, match_headers, match_tabs
from data.schema import TABS
from data.settings import SAMPLE_DIR, parse_settings
from data.sync import run_sync
from data.template import (
    COLUMN_WORDS,
    TAB_WORDS,
    TEMPLATE_PATH,
    build_template,
    column_notes,
    header,
    tab_title,
)
from data.validate import stage

CONTRACT = {t.name: [c.name for c in t.columns] for t in TABS}


def headers_by_tab(source) -> dict[str, list[object]]:
    wb = load_workbook(source, read_only=True)
    try:
        return {ws.title: list(next(ws.iter_rows(max_row=1, values_only=True), ())) for ws in wb.worksheets}
    finally:
        wb.close()


def test_committed_template_has_one_tab_per_contract_tab_with_the_canonical_headers() -> None:
    tabs = headers_by_tab(TEMPLATE_PATH)

    assert list(tabs) == [*CONTRACT, "how to fill"]
    assert {name: tabs[name] for name in CONTRACT} == CONTRACT


def test_committed_template_matches_a_freshly_built_one() -> None:
    assert headers_by_tab(TEMPLATE_PATH) == headers_by_tab(io.BytesIO(build_template()))


def test_built_template_loads_every_tab_with_no_rows_and_no_rejects(tmp_path) -> None:
    path = tmp_path / "template.xlsx"
    path.write_bytes(build_template())

    result = stage(read_xlsx(path), load_column_map())

    assert {r.tab: (r.status, r.loaded, r.rejected, r.ignored_columns) for r in result.tabs} == {
        t.name: ("loaded", 0, 0, []) for t in TABS
    }
    assert result.rejects.empty
    assert result.ignored_tabs == ["how to fill"]
    assert {name: list(df.columns) for name, df in result.tables.items()} == {
        name: ["sheet_row", *cols] for name, cols in CONTRACT.items()
    }


def test_how_to_fill_describes_every_contract_column() -> None:
    notes = column_notes()

    assert [(tab.split(" ")[0], col) for tab, col, *_ in notes] == [
        (name, col) for name, cols in CONTRACT.items() for col in cols
    ]
    described = {(tab.split(" ")[0], col): (req, note) for tab, col, _, req, note in notes}
    assert described["clients", "client_id"] == ("required", "unique")
    assert "true for in, false for out" in described["messages", "needs_reply"][1]
    assert "read as other" in described["messages", "channel"][1]


# ------------------------------------------------------------------ the template in ru and uk

LANGUAGES = ["en", "ru", "uk"]


def test_english_is_the_default_and_uses_the_contract_names() -> None:
    assert headers_by_tab(io.BytesIO(build_template("en"))) == headers_by_tab(io.BytesIO(build_template()))
    assert column_notes("en") == column_notes()
    assert all(tab_title(t.name) == t.name and [header(c.name) for c in t.columns] == CONTRACT[t.name]
               for t in TABS)


@pytest.mark.parametrize("code", ["ru", "uk"])
def test_every_translated_tab_name_and_header_is_an_alias_of_its_own_tab_and_column(code: str) -> None:
    cmap = load_column_map()
    assert set(TAB_WORDS[code]) == set(CONTRACT)
    assert set(COLUMN_WORDS[code]) == {c for cols in CONTRACT.values() for c in cols}
    # Real words of the language, not the contract's names again.
    assert all(re.search("[а-яіїєґ]", w, re.IGNORECASE) for w in [*TAB_WORDS[code].values(),
                                                                   *COLUMN_WORDS[code].values()])
    matched, ignored = match_tabs(list(TAB_WORDS[code].values()), cmap)
    assert (matched, ignored) == (TAB_WORDS[code], [])
    for tab in TABS:
        headers = [header(c.name, code) for c in tab.columns]
        match = match_headers(headers, tab, cmap)
        assert (match.index, match.ignored, match.duplicates) == ({c: i for i, c in enumerate(CONTRACT[tab.name])},
                                                                  [], []), tab.name


@pytest.mark.parametrize("code", LANGUAGES)
def test_a_template_in_each_language_has_its_words_and_loads_every_tab_empty(code: str, tmp_path) -> None:
    path = tmp_path / "template.xlsx"
    path.write_bytes(build_template(code))

    tabs = headers_by_tab(path)
    titles = [tab_title(t.name, code) for t in TABS]
    assert list(tabs)[:-1] == titles
    assert [tabs[tab_title(t.name, code)] for t in TABS] == [[header(c.name, code) for c in t.columns] for t in TABS]
    result = stage(read_xlsx(path), load_column_map())
    assert {r.tab: (r.status, r.source_title, r.loaded, r.ignored_columns) for r in result.tabs} == {
        t.name: ("loaded", tab_title(t.name, code), 0, []) for t in TABS
    }
    assert result.rejects.empty
    assert result.ignored_tabs == [list(tabs)[-1]]


@pytest.mark.parametrize("code", ["ru", "uk"])
def test_how_to_fill_speaks_the_language_through_the_catalogue(code: str, monkeypatch) -> None:
    seen: list[str] = []

    def catalogue(message: str) -> str:
        seen.append(lang.current())
        return f"‹{message}›"

    monkeypatch.setattr(template, "_", catalogue)
    wb = load_workbook(io.BytesIO(build_template(code)), read_only=True)
    try:
        how = wb.worksheets[-1]
        rows = [list(r) for r in how.iter_rows(values_only=True)]
        title = how.title
    finally:
        wb.close()

    assert set(seen) == {code}
    assert title == "‹how to fill›"
    assert rows[0] == ["‹tab›", "‹column›", "‹type›", "‹required›", "‹notes›"]
    body = rows[1:]
    assert [(r[0], r[1]) for r in body] == [
        (tab_title(t.name, code) if t.required else f"‹{tab_title(t.name, code)} (optional tab)›", header(c.name, code))
        for t in TABS for c in t.columns
    ]
    # Every type, "required" and note is a translated text; the values in it are the template's own words.
    assert all(r[2].startswith("‹") and r[2].endswith("›") for r in body)
    assert {r[3] for r in body} == {"‹required›", None}
    notes = {(r[0], r[1]): r[4] for r in body}
    projects, responded_at = tab_title("projects", code), header("responded_at", code)
    assert notes[projects, header("project_id", code)] == "‹unique›"
    assert notes[projects, header("client_id", code)] == f"‹must exist in {tab_title('clients', code)}›"
    assert f"‹required when {responded_at} is given›" in notes[tab_title("approvals", code), header("decision", code)]


def sample_in(code: str, folder: Path) -> Path:
    """The bundled sample as a CSV folder with the tab names and headers of the `code` template."""
    folder.mkdir()
    for tab in TABS:
        with (SAMPLE_DIR / f"{tab.name}.csv").open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        rows[0] = [header(h, code) for h in rows[0]]
        with (folder / f"{tab_title(tab.name, code)}.csv").open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows(rows)
    return folder


def test_the_sample_under_russian_and_ukrainian_headers_syncs_the_same_rows(tmp_path) -> None:
    synced = {}
    for code in LANGUAGES:
        settings = parse_settings({"db": str(tmp_path / f"{code}.duckdb")})
        con = store.connect(settings.db_path())
        try:
            outcome = run_sync(con, settings, str(sample_in(code, tmp_path / code)))
            assert outcome.ok, outcome.error
            cur = con.cursor()
            rows = {t: cur.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in store.DATA_TABLES}
            rejects = cur.execute('SELECT tab, sheet_row, "column", value, reason, severity FROM rejects '
                                  "ORDER BY ALL").fetchall()
            synced[code] = (rows, rejects)
        finally:
            con.close()

    assert synced["en"][0]["messages"] > 1000 and len(synced["en"][1]) == 11
    assert synced["ru"] == synced["en"]
    assert synced["uk"] == synced["en"]
