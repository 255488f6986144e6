"""Chart selection → filter: the step AppTest cannot click, tested as a plain function."""

from __future__ import annotations

import datetime as dt

import pytest

from views.selection import selection_to_filters


def test_clicking_a_client_bar_filters_by_its_id_from_customdata() -> None:
    points = [{"x": "Meridian Bank", "y": 7, "customdata": ["C03", "Meridian Bank"], "point_index": 2}]
    assert selection_to_filters(points, "client") == {"client": ["C03"]}


def test_several_points_become_one_sorted_filter_without_duplicates() -> None:
    points = [{"customdata": ["Tom"]}, {"customdata": ["Anna"]}, {"customdata": ["Tom"]}]
    assert selection_to_filters(points, "project_manager") == {"pm": ["Anna", "Tom"]}


def test_without_customdata_the_category_axis_is_used() -> None:
    assert selection_to_filters([{"x": "chat", "y": 3.5}], "channel") == {"channel": ["chat"]}
    assert selection_to_filters([{"y": "Digital", "x": 4, "orientation": "h"}], "department") == {"dept": ["Digital"]}


def test_clicking_a_week_sets_a_custom_period_covering_it() -> None:
    points = [{"x": "2026-11-07", "customdata": ["2026-11-07"]}]
    assert selection_to_filters(points, "week") == {
        "period": "Custom", "from": dt.date(2026, 11, 7), "as_of": dt.date(2026, 11, 13)}


def test_selecting_several_weeks_spans_from_the_first_to_the_end_of_the_last() -> None:
    points = [{"customdata": ["2026-11-14T00:00:00"]}, {"customdata": ["2026-10-31"]}]
    assert selection_to_filters(points, "week") == {
        "period": "Custom", "from": dt.date(2026, 10, 31), "as_of": dt.date(2026, 11, 20)}


def test_an_empty_selection_changes_nothing() -> None:
    assert selection_to_filters([], "client") == {}
    assert selection_to_filters([{"customdata": [None]}], "client") == {}
    assert selection_to_filters([{"customdata": ["not a date"]}], "week") == {}


def test_an_unknown_dimension_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="no filter"):
        selection_to_filters([{"x": "a"}], "colour")
