"""The reasons a load gives (data/reasons.py): written in English from one registry, read back
in the user's language by matching the stored text against the same templates."""

from __future__ import annotations

import pytest

import lang
from data import reasons
from data.files import read_csv_folder
from data.headers import load_column_map
from data.reasons import NESTED, TEMPLATES, fields, reason, translate
from data.settings import SAMPLE_DIR
from data.validate import lost_tabs, stage
from data.workbook import SyncRefused
from tests.conftest import MINIMAL_TABS, stage_tabs
from tests.data.test_validate import BAD_TABS

# A value for every placeholder of every template. A nested placeholder names the template
# its value is written from (a list of them: a "; "-separated list of reasons).
SAMPLES: dict[str, dict[str, object]] = {
    "required": {"column": "client_name"},
    "not_kind": {"column": "due_by", "kind": "kind_date"},
    "out_of_range": {"column": "due_date", "range": "range"},
    "not_number": {"column": "score"},
    "not_whole_number": {"column": "round"},
    "must_be_whole_number": {"column": "round"},
    "not_boolean": {"column": "needs_reply"},
    "unknown_value": {"column": "status", "allowed": "active, paused, ended"},
    "kind_date": {},
    "kind_datetime": {},
    "kind_date_or_datetime": {},
    "range": {"low": 1678, "high": 2261},
    "needs_one_of": {"column": "baseline_due", "other": "due_date"},
    "at_least_one": {"column": "round"},
    "required_when_given": {"column": "decision", "other": "responded_at"},
    "score_not_whole": {"column": "score", "scale": "NPS", "low": 0, "high": 10},
    "score_outside_scale": {"column": "score", "scale": "CSAT", "low": 1, "high": 5},
    "reference_not_loaded": {"column": "client_id", "tab": "clients"},
    "reference_rejected": {"column": "project_id", "value": "P02: old (draft)", "tab": "projects", "row": 3},
    "reference_unknown": {"column": "client_id", "value": "C 99; is not in x", "tab": "clients"},
    "duplicate": {"column": "message_id", "value": "MSG010835", "row": 10836},
    "unknown_value_read_as": {"column": "channel", "allowed": "email, chat, phone, meeting, other",
                              "fallback": "other"},
    "unknown_value_left_blank": {"column": "slip_cause", "allowed": "agency, client, scope, external"},
    "given_without": {"column": "decision", "other": "responded_at"},
    "required_tab_missing": {"tab": "messages"},
    "optional_tab_absent": {"tab": "team"},
    "tab_lacks_columns": {"title": "Мои клиенты (2026)", "columns": "client_id, client_name"},
    "tabs_clash": {"first": "clients.csv", "second": "Клиенты.csv", "tab": "clients"},
    "lost_columns": {"title": "Проекты", "tab": "projects", "count": 12, "columns": "project_id, project_name",
                     "looked": ["looked_for", "looked_for"]},
    "looked_for": {"column": "project_id", "names": "project_id, project, код проекта"},
    "lost_tab": {"tab": "milestones", "count": 1, "names": "milestones, milestone, этапы",
                 "columns": "milestone_id, project_id, milestone_name"},
    "lost_tabs_refused": {"lost": ["lost_columns", "lost_tab"]},
    "refused": {"refusal": ["tabs_clash", "lost_tabs_refused"]},
}


def write(key: str, render) -> str:
    """The reason `key` from SAMPLES, each template rendered by render(key, values)."""
    values = {}
    for name, value in SAMPLES[key].items():
        if name in NESTED:
            keys = value if isinstance(value, list) else [value]
            sep = NESTED[name][1] or ""
            values[name] = sep.join(write(k, render) for k in keys)
        else:
            values[name] = value
    return render(key, values)


def english(key: str) -> str:
    return write(key, lambda k, values: reason(k, **values))


# A fake language: each template becomes its key and its placeholders in reverse order, so
# a translation built from the wrong template, or with a value in the wrong place, shows.
FOREIGN = {TEMPLATES[k]: f"«{k}: " + " | ".join(f"{{{n}}}" for n in reversed(fields(k))) + "»" for k in TEMPLATES}


def foreign_gettext(message: str) -> str:
    return FOREIGN.get(message, message)


def foreign(key: str) -> str:
    return write(key, lambda k, values: foreign_gettext(TEMPLATES[k]).format(**values))


def test_every_template_has_a_sample_with_exactly_its_placeholders() -> None:
    assert set(SAMPLES) == set(TEMPLATES)
    for key, values in SAMPLES.items():
        assert set(values) == set(fields(key)), key
    used = {name for key in TEMPLATES for name in fields(key)}
    assert set(NESTED) <= used
    assert all(k in TEMPLATES for keys, _ in NESTED.values() for k in keys)


def test_reason_fills_a_template_and_refuses_a_missing_or_unknown_value() -> None:
    assert reason("duplicate", column="message_id", value="MSG010835", row=10836) == (
        "duplicate message_id MSG010835: row 10836 has it already")
    assert english("not_kind") == "due_by: not a date such as 2026-11-20, 20.11.2026 or a date cell"
    assert english("score_outside_scale") == "score: outside the CSAT scale 1-5"
    with pytest.raises(TypeError):
        reason("duplicate", column="message_id", value="MSG010835")
    with pytest.raises(TypeError):
        reason("required", column="client_id", row=3)


@pytest.mark.parametrize("key", sorted(TEMPLATES))
def test_in_english_a_stored_reason_reads_back_unchanged(key: str) -> None:
    text = english(key)
    with lang.language("en"):
        assert translate(text) == text


@pytest.mark.parametrize("key", sorted(TEMPLATES))
def test_a_translation_gets_every_value_in_its_place_nested_reasons_translated_too(key: str) -> None:
    assert translate(english(key), foreign_gettext) == foreign(key)


def test_nested_reasons_are_translated_each_by_its_own_template() -> None:
    assert translate(english("not_kind"), foreign_gettext) == "«not_kind: «kind_date: » | due_by»"
    refused = translate(english("refused"), foreign_gettext)
    assert refused.startswith("«refused: «tabs_clash: clients | Клиенты.csv | clients.csv»; «lost_tabs_refused: ")
    assert "«looked_for: project_id, project, код проекта | project_id»; «looked_for: " in refused


def test_translate_uses_the_catalogue_of_the_current_language(monkeypatch) -> None:
    seen: list[str] = []

    def catalogue(message: str) -> str:
        seen.append(lang.current())
        return foreign_gettext(message)

    monkeypatch.setattr(reasons, "_", catalogue)
    reasons._translated.cache_clear()
    try:
        with lang.language("uk"):
            assert translate(english("duplicate")) == foreign("duplicate")
    finally:
        reasons._translated.cache_clear()
    assert seen == ["uk"]


def test_without_a_catalogue_a_reason_comes_back_as_written() -> None:
    text = english("required")
    with lang.language("ru"):
        assert isinstance(translate(text), str)
    assert translate(text, lambda message: message) == text


@pytest.mark.parametrize("text", ["", "cannot write the DuckDB file: IO Error", "client_id: ",
                                  "refused: something else",
                                  "tab clients held many row(s) in the previous load but is missing"])
def test_text_no_template_wrote_is_returned_unchanged(text: str) -> None:
    assert translate(text, foreign_gettext) == text


def recognised(text: str) -> bool:
    return translate(text, foreign_gettext) != text


def test_every_reason_the_loader_writes_comes_from_the_registry() -> None:
    cmap = load_column_map()
    bad = stage_tabs(BAD_TABS)
    sample = stage(read_csv_folder(SAMPLE_DIR), cmap)
    written = [*bad.rejects["reason"], *sample.rejects["reason"], *(t.message for t in bad.tabs if t.message)]
    partial = stage_tabs({"clients": [["client_id"], ["C01"]], "projects": MINIMAL_TABS["projects"]})
    written += [t.message for t in partial.tabs if t.message]
    lost = lost_tabs(partial, {t.tab: 4 for t in partial.tabs}, cmap)
    written += [*lost, reason("refused", refusal=reason("lost_tabs_refused", lost="; ".join(lost)))]
    with pytest.raises(SyncRefused) as clash:
        stage_tabs({**MINIMAL_TABS, "Клиенты": MINIMAL_TABS["clients"], "customers": MINIMAL_TABS["clients"]})
    written += [str(clash.value), reason("refused", refusal=str(clash.value))]

    assert len(written) > 40
    assert [t for t in written if not recognised(t)] == []
    assert any("lacks required column(s) client_name" in t for t in lost)
    assert any("held 4 row(s) in the previous load but is missing" in t for t in lost)
