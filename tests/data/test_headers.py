"""Header, tab and value matching (SPEC §1): forgiving about spelling, never guessing."""

from __future__ import annotations

import pytest

from data.headers import enum_lookup, load_column_map, match_headers, match_tabs, normalize, parse_column_map
from data.schema import TAB_BY_NAME, TABS

CMAP = load_column_map()


@pytest.mark.parametrize(
    "spelling", ["client_id", "Client ID", " CLIENT-ID ", "client__id", "Client - Id", "client\tid"]
)
def test_case_spaces_dashes_and_underscores_do_not_matter(spelling: str) -> None:
    assert normalize(spelling) == "client id"


def test_yo_and_ye_are_one_letter() -> None:
    assert normalize("Отменён") == normalize("отменен")


def test_tab_specific_alias_beats_a_common_one() -> None:
    # "Клиент" is client_id in most tabs but client_name in clients.
    clients = match_headers(["Код клиента", "Клиент"], TAB_BY_NAME["clients"], CMAP)
    projects = match_headers(["Клиент"], TAB_BY_NAME["projects"], CMAP)

    assert clients.index == {"client_id": 0, "client_name": 1}
    assert projects.index == {"client_id": 0}


def test_russian_deadline_headers_map_to_due_date_and_baseline_due() -> None:
    m = match_headers(["Дедлайн", "Исходный дедлайн", "Сдано"], TAB_BY_NAME["projects"], CMAP)
    assert m.index == {"due_date": 0, "baseline_due": 1, "delivered_date": 2}


def test_missing_lists_required_columns_without_a_header() -> None:
    m = match_headers(["project_id", "Notes", None, ""], TAB_BY_NAME["projects"], CMAP)

    assert m.missing(TAB_BY_NAME["projects"]) == ["client_id", "project_name"]
    assert m.ignored == ["Notes"]


def test_second_header_for_a_column_is_a_duplicate_not_merged() -> None:
    m = match_headers(["client_name", "Name", "Company"], TAB_BY_NAME["clients"], CMAP)
    assert m.index == {"client_name": 0}
    assert m.duplicates == ["Name", "Company"]


def test_tabs_match_by_name_alias_and_russian_name() -> None:
    matched, ignored = match_tabs(["Clients", "Проекты", "Comms", "Notes", "PROJECTS"], CMAP)

    assert matched == {"clients": "Clients", "projects": "PROJECTS", "messages": "Comms"}
    assert ignored == ["Notes", "Проекты"]


def test_enum_lookup_has_canonical_values_and_aliases_only_for_allowed_values() -> None:
    lookup = enum_lookup("status", ("active", "paused", "ended"), CMAP)

    assert lookup["active"] == "active"
    assert lookup["в_работе"] == "active"
    assert lookup["on_hold"] == "paused"
    # "delivered" is a project status alias table entry, not a client status.
    assert "delivered" not in lookup


def test_agency_map_adds_to_the_defaults() -> None:
    extra = parse_column_map({"tabs": {"messages": ["Inbox log"]}, "columns": {"messages": {"sender": ["Who"]}}})
    merged = CMAP.merged(extra)

    assert match_tabs(["Inbox log"], merged)[0] == {"messages": "Inbox log"}
    assert match_headers(["Who", "от кого"], TAB_BY_NAME["messages"], merged).index == {"sender": 0}
    assert match_tabs(["Inbox log"], CMAP)[0] == {}


def test_malformed_column_map_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"columns\.clients"):
        parse_column_map({"columns": {"clients": {"client_name": [1, 2]}}})


def test_missing_column_map_file_is_an_error(tmp_path) -> None:
    with pytest.raises(ValueError, match="not found"):
        load_column_map(str(tmp_path / "absent.toml"))


def test_columns_toml_names_only_contract_tabs_columns_and_values() -> None:
    tab_names = {t.name for t in TABS}
    all_columns = {c.name for t in TABS for c in t.columns}
    enum_values: dict[str, set[str]] = {}
    for t in TABS:
        for c in t.columns:
            enum_values.setdefault(c.name, set()).update(c.values)
    assert set(CMAP.tabs) <= tab_names
    for section, aliases in CMAP.columns.items():
        assert section == "common" or section in tab_names
        known = all_columns if section == "common" else {c.name for c in TAB_BY_NAME[section].columns}
        assert set(aliases) <= known, section
    for column, aliases in CMAP.values.items():
        assert set(aliases) <= enum_values[column], column


def test_no_alias_names_two_columns_of_one_tab() -> None:
    # Within one section an alias must pick one column; otherwise a header would be guessed.
    clashes = []
    for tab in TABS:
        names = {c.name for c in tab.columns}
        for scope in (tab.name, "common"):
            owners: dict[str, set[str]] = {}
            for col, aliases in CMAP.columns.get(scope, {}).items():
                for a in aliases if col in names else ():
                    owners.setdefault(normalize(a), set()).add(col)
            clashes += [(tab.name, scope, a, sorted(cols)) for a, cols in owners.items() if len(cols) > 1]
    assert clashes == []


def test_no_alias_names_two_values_of_one_enumeration() -> None:
    clashes = []
    for tab in TABS:
        for c in tab.columns:
            owners: dict[str, set[str]] = {}
            for canonical, aliases in CMAP.values.get(c.name, {}).items():
                for a in aliases if canonical in c.values else ():
                    owners.setdefault(normalize(a), set()).add(canonical)
            clashes += [(tab.name, c.name, a, sorted(v)) for a, v in owners.items() if len(v) > 1]
    assert clashes == []


def test_milestone_header_is_the_milestone_name_like_project_in_projects() -> None:
    milestones = match_headers(["Milestone ID", "Milestone"], TAB_BY_NAME["milestones"], CMAP)
    projects = match_headers(["Project ID", "Project"], TAB_BY_NAME["projects"], CMAP)

    assert milestones.index == {"milestone_id": 0, "milestone_name": 1}
    assert projects.index == {"project_id": 0, "project_name": 1}
