"""docs/workbook.md: generated from the contract, current, and complete."""

from __future__ import annotations

from data.docs import DOCS_PATH, MEANING, render
from data.schema import TAB_BY_NAME, TABS


def test_the_workbook_docs_are_up_to_date() -> None:
    assert DOCS_PATH.read_text(encoding="utf-8") == render(), "run: python -m data.docs"


def test_every_tab_and_column_of_the_schema_is_documented() -> None:
    text = DOCS_PATH.read_text(encoding="utf-8")
    for tab in TABS:
        assert f"### {tab.name} (" in text, tab.name
        section = text.split(f"### {tab.name} (", 1)[1].split("\n### ", 1)[0]
        for col in tab.columns:
            assert f"| `{col.name}` |" in section, f"{tab.name}.{col.name}"


def test_every_note_names_a_schema_column() -> None:
    for tab, column in MEANING:
        assert column in {c.name for c in TAB_BY_NAME[tab].columns}, (tab, column)


def test_the_examples_show_a_reject_and_a_warning_from_the_real_loader() -> None:
    text = DOCS_PATH.read_text(encoding="utf-8")
    assert "| rejected |" in text and "| warning |" in text
    assert "duplicate client_id C01: row 2 has it already" in text
