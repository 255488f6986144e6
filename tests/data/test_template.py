"""The blank workbook template (data/template.py): generated from the contract, loads clean."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from data.files import read_xlsx
from data.headers import load_column_map
from data.schema import TABS
from data.template import TEMPLATE_PATH, build_template, column_notes
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
