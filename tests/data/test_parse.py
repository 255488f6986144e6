"""Cell values to typed values (SPEC §1, Parsing): dates, numbers, booleans, enumerations, text."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data.headers import enum_lookup, load_column_map
from data.parse import (
    ParseContext,
    as_text,
    parse_boolean,
    parse_enum,
    parse_integer,
    parse_number,
    parse_temporal,
    to_date,
    to_utc,
)
from tests.conftest import MINIMAL_TABS, stage_tabs, with_rows

CLIENTS_AND_MESSAGES = {"clients": MINIMAL_TABS["clients"], "messages": [MINIMAL_TABS["messages"][0]]}
MOSCOW = "Europe/Moscow"  # UTC+3 all year: easy to check by hand
NEW_YORK = "America/New_York"  # UTC-5 in December


def series(*values: object) -> pd.Series:
    return pd.Series(list(values), dtype=object)


def instants(*values: object, tz: str = "UTC", serial_tz: str | None = None, order: str = "DMY") -> list:
    """Parse values as a datetime column; returns UTC timestamps (NaT for a bad value)."""
    ctx = ParseContext(timezone=tz, serial_timezone=serial_tz, date_order=order)
    return list(to_utc(parse_temporal(series(*values), ctx), ctx))


def dates(*values: object, tz: str = "UTC", order: str = "DMY") -> list:
    """Parse values as a date column; returns calendar dates (None for a bad value)."""
    ctx = ParseContext(timezone=tz, date_order=order)
    out = to_date(parse_temporal(series(*values), ctx), ctx)
    return [None if pd.isna(v) else v.date() for v in out]


def bad(*values: object, order: str = "DMY") -> list[bool]:
    return list(parse_temporal(series(*values), ParseContext(date_order=order)).bad)


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


# ----------------------------------------------------------------------------- date forms


def test_iso_date_in_a_date_column() -> None:
    assert dates("2026-11-20") == [dt.date(2026, 11, 20)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-20T14:30:00Z", "2026-11-20 14:30"),
        ("2026-11-20T14:30:00+03:00", "2026-11-20 11:30"),
        ("2026-11-20T14:30:00-05:00", "2026-11-20 19:30"),
        ("2026-11-20T14:30:00+0300", "2026-11-20 11:30"),
    ],
    ids=["zulu", "plus-three", "minus-five", "offset-without-colon"],
)
def test_iso_datetime_with_an_offset_keeps_its_offset_whatever_the_agency_zone(text: str, expected: str) -> None:
    assert instants(text, tz=NEW_YORK) == [utc(expected)]


@pytest.mark.parametrize(
    "text", ["2026-11-20T14:30:00", "2026-11-20T14:30", "2026-11-20 14:30", "2026-11-20 14:30:00"]
)
def test_datetime_without_an_offset_is_agency_local(text: str) -> None:
    assert instants(text, tz=MOSCOW) == [utc("2026-11-20 11:30")]


def test_iso_datetime_with_seconds_keeps_the_seconds() -> None:
    assert instants("2026-11-20 14:30:15", tz=MOSCOW) == [utc("2026-11-20 11:30:15")]


def test_dotted_date_is_day_month_year() -> None:
    assert dates("03.04.2026", "20.11.2026") == [dt.date(2026, 4, 3), dt.date(2026, 11, 20)]


def test_dotted_datetime_with_one_digit_hour_is_agency_local() -> None:
    # Sheets in ru_RU writes 20.11.2026 9:05 (no leading zero on the hour).
    assert instants("20.11.2026 9:05", tz=MOSCOW) == [utc("2026-11-20 06:05")]


def test_dotted_datetime_with_seconds_is_agency_local() -> None:
    assert instants("20.11.2026 09:05:07", tz=MOSCOW) == [utc("2026-11-20 06:05:07")]


def test_bare_date_in_a_datetime_column_is_midnight_agency_time() -> None:
    assert instants("2026-11-20", "20.11.2026", tz=MOSCOW) == [utc("2026-11-19 21:00")] * 2


def test_datetime_with_an_offset_in_a_date_column_takes_its_agency_date() -> None:
    # 23:30 UTC on the 20th is already the 21st in Moscow.
    assert dates("2026-11-20T23:30:00Z", tz=MOSCOW) == [dt.date(2026, 11, 21)]


# ---------------------------------------------------------------------- serial numbers


def test_serial_46000_is_2025_12_09() -> None:
    assert dates(46000, "46000") == [dt.date(2025, 12, 9)] * 2


def test_serial_fraction_is_time_of_day_rounded_to_the_second() -> None:
    # 0.6 of a day is 14:24:00; 0.4 s later rounds down to it, 0.6 s later rounds up.
    assert instants(46000.6, 46000.6 + 0.4 / 86400) == [utc("2025-12-09 14:24:00")] * 2
    assert instants(46000.6 + 0.6 / 86400) == [utc("2025-12-09 14:24:01")]


def test_sheets_serial_is_read_in_the_spreadsheet_time_zone() -> None:
    # Agency in Moscow, spreadsheet in New York: 12:00 on the sheet is 17:00 UTC.
    assert instants(46000.5, tz=MOSCOW, serial_tz=NEW_YORK) == [utc("2025-12-09 17:00")]


def test_whole_serial_in_a_datetime_column_is_midnight_in_the_spreadsheet_zone() -> None:
    # A date cell of a Google Sheet arrives as a whole serial: the serial rule applies, not
    # the bare-date rule (which is for typed dates such as 2025-12-09).
    assert instants(46000, tz=MOSCOW, serial_tz=NEW_YORK) == [utc("2025-12-09 05:00")]


def test_serial_without_a_spreadsheet_zone_is_read_in_the_agency_zone() -> None:
    # csv/xlsx: RawWorkbook.serial_timezone is None, so 12:00 is Moscow noon.
    assert instants(46000.5, tz=MOSCOW, serial_tz=None) == [utc("2025-12-09 09:00")]


def test_sheets_serial_zone_reaches_staged_messages() -> None:
    tabs = with_rows("messages", ["M2", "T2", "C01", "", "chat", "in", "c", 46000.5, ""], base=CLIENTS_AND_MESSAGES)
    sheets = stage_tabs(tabs, timezone=MOSCOW, kind="sheets", serial_timezone=NEW_YORK)
    csv = stage_tabs(tabs, timezone=MOSCOW)

    def sent(result) -> pd.Timestamp:
        m = result.tables["messages"]
        return m.loc[m["message_id"] == "M2", "sent_at"].iloc[0]

    assert sent(sheets) == utc("2025-12-09 17:00")
    assert sent(csv) == utc("2025-12-09 09:00")


# ------------------------------------------------------------------------- slash dates


def test_slash_date_follows_the_date_order_setting() -> None:
    assert dates("03/04/2026", order="DMY") == [dt.date(2026, 4, 3)]
    assert dates("03/04/2026", order="MDY") == [dt.date(2026, 3, 4)]


def clients_started(*start_dates: str) -> dict[str, list[list[object]]]:
    """A clients tab (C01, then C1, C2, … on sheet rows 3, 4, …) started on the given dates.

    Only the clients tab: the other tabs are reported missing, which is quick and beside the point.
    """
    rows = ([f"C{i}", f"Client {i}", "", "", "", d] for i, d in enumerate(start_dates, start=1))
    return with_rows("clients", *rows, base={"clients": MINIMAL_TABS["clients"]})


def start_dates(result) -> dict[str, dt.date]:
    c = result.tables["clients"]
    return dict(zip(c["client_id"], c["start_date"].dt.date, strict=True))


@pytest.mark.parametrize(
    ("locale", "setting", "expected"),
    [
        ("en_US", "DMY", dt.date(2026, 3, 4)),
        ("ru_RU", "MDY", dt.date(2026, 4, 3)),
        (None, "DMY", dt.date(2026, 4, 3)),
        (None, "MDY", dt.date(2026, 3, 4)),
    ],
    ids=["en_US-beats-setting", "ru_RU-beats-setting", "no-locale-DMY", "no-locale-MDY"],
)
def test_slash_date_follows_the_workbook_locale_else_the_setting(locale, setting, expected) -> None:
    result = stage_tabs(clients_started("03/04/2026"), date_order=setting, locale=locale)
    assert start_dates(result)["C1"] == expected


def test_slash_dates_are_never_guessed_row_by_row() -> None:
    # Under MDY 13/04/2026 has no month 13: it is rejected, not flipped to 13 April,
    # and its neighbour 03/04/2026 stays March 4.
    result = stage_tabs(clients_started("13/04/2026", "03/04/2026"), date_order="MDY")

    assert start_dates(result) == {"C01": dt.date(2026, 1, 5), "C2": dt.date(2026, 3, 4)}
    assert result.rejects[["tab", "sheet_row", "column", "value"]].values.tolist() == [
        ["clients", 3, "start_date", "13/04/2026"]
    ]


# ------------------------------------------------------------------------ bad dates


@pytest.mark.parametrize(
    "text",
    ["31.02.2026", "2026-02-30", "29.02.2025", "20.13.2026", "20.11.2026 25:00", "soon", "next Friday", "TBD"],
)
def test_impossible_dates_and_words_are_bad_not_coerced(text: str) -> None:
    assert bad(text) == [True]


def test_real_date_beside_a_bad_one_still_parses() -> None:
    assert dates("31.02.2026", "28.02.2026") == [None, dt.date(2026, 2, 28)]


def test_blank_date_is_missing_not_bad() -> None:
    assert bad("", "   ", None) == [False, False, False]


def test_surrounding_spaces_are_trimmed_before_a_date_is_read() -> None:
    assert dates("  20.11.2026 ", "\t2026-11-20\n") == [dt.date(2026, 11, 20)] * 2


# ---------------------------------------------------------------- xlsx-style date cells


def test_naive_datetime_cell_is_agency_local() -> None:
    assert instants(dt.datetime(2026, 11, 20, 14, 30), tz=MOSCOW) == [utc("2026-11-20 11:30")]


def test_date_cell_in_a_datetime_column_is_midnight_agency_time() -> None:
    assert instants(dt.date(2026, 11, 20), tz=MOSCOW) == [utc("2026-11-19 21:00")]


def test_aware_datetime_cell_keeps_its_instant() -> None:
    cell = dt.datetime(2026, 11, 20, 14, 30, tzinfo=dt.timezone(dt.timedelta(hours=3)))
    assert instants(cell, tz=NEW_YORK) == [utc("2026-11-20 11:30")]


def test_datetime_cell_in_a_date_column_is_its_date() -> None:
    assert dates(dt.datetime(2026, 11, 20, 0, 0), dt.date(2026, 11, 21)) == [
        dt.date(2026, 11, 20),
        dt.date(2026, 11, 21),
    ]


@settings(max_examples=15, deadline=None)
@given(st.lists(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2099, 12, 31)), min_size=1, max_size=40))
def test_every_date_form_of_one_day_reads_the_same_date(days: list[dt.date]) -> None:
    # One column mixing every form, as a hand-kept sheet does.
    forms, expected = [], []
    for day in days:
        serial = (day - dt.date(1899, 12, 30)).days
        same = [day.isoformat(), day.strftime("%d.%m.%Y"), f"{day.day}.{day.month}.{day.year}", serial,
                str(serial), day.strftime("%d/%m/%Y"), day]
        forms += same
        expected += [day] * len(same)
    assert dates(*forms) == expected


# ---------------------------------------------------------------------------- numbers


def test_numbers_accept_a_decimal_comma_and_surrounding_spaces() -> None:
    values, bad_mask = parse_number(series("7,5", " 8 ", "7.25", 9, 4.5))
    assert values.tolist() == [7.5, 8.0, 7.25, 9.0, 4.5]
    assert not bad_mask.any()


@pytest.mark.parametrize("text", ["seven", "7,5,1", "7.5.1", "n/a", "7 points"])
def test_unreadable_number_is_bad(text: str) -> None:
    values, bad_mask = parse_number(series(text))
    assert bad_mask.tolist() == [True]
    assert values.isna().all()


def test_blank_number_is_missing_not_bad() -> None:
    values, bad_mask = parse_number(series("", None, "  "))
    assert values.isna().all()
    assert not bad_mask.any()


def test_integer_tells_fractional_from_unreadable() -> None:
    values, unreadable, fractional = parse_integer(series("2", 3.0, "1,5", "two"))
    assert values.tolist()[:2] == [2, 3]
    assert unreadable.tolist() == [False, False, False, True]
    assert fractional.tolist() == [False, False, True, False]


@pytest.mark.parametrize("text", ["1e30", "1e400", "3000000000"])
def test_integer_too_big_to_store_is_unreadable_not_a_crash(text: str) -> None:
    values, unreadable, fractional = parse_integer(series(text, "2"))
    assert unreadable.tolist() == [True, False]
    assert not fractional.any()
    assert values.tolist() == [pd.NA, 2]


# --------------------------------------------------------------------------- booleans


@pytest.mark.parametrize(
    "word", ["true", "TRUE", "Yes", "y", "Y", "1", "да", "ДА", "так", "Так", " yes "]
)
def test_true_words_in_any_case(word: str) -> None:
    values, bad_mask = parse_boolean(series(word))
    assert values.tolist() == [True]
    assert not bad_mask.any()


@pytest.mark.parametrize("word", ["false", "FALSE", "No", "n", "N", "0", "нет", "НЕТ", "ні", "НІ"])
def test_false_words_in_any_case(word: str) -> None:
    values, bad_mask = parse_boolean(series(word))
    assert values.tolist() == [False]
    assert not bad_mask.any()


def test_checkbox_cells_and_number_cells_are_booleans() -> None:
    values, bad_mask = parse_boolean(series(True, False, 1, 0, 1.0))
    assert values.tolist() == [True, False, True, False, True]
    assert not bad_mask.any()


@pytest.mark.parametrize("value", ["maybe", "2", 2, "yess", "+"])
def test_other_values_are_not_booleans(value: object) -> None:
    _, bad_mask = parse_boolean(series(value))
    assert bad_mask.tolist() == [True]


# ------------------------------------------------------------------------ enumerations


def direction(*values: object) -> tuple[list, list]:
    lookup = enum_lookup("direction", ("in", "out"), load_column_map())
    out, unknown = parse_enum(series(*values), lookup)
    return out.tolist(), unknown.tolist()


def test_direction_aliases_read_as_in() -> None:
    values, unknown = direction("in", "IN", "inbound", "Incoming", "client", "ВХОД", " вход ")
    assert values == ["in"] * 7
    assert not any(unknown)


def test_direction_aliases_read_as_out() -> None:
    values, unknown = direction("out", "Out", "OUTBOUND", "outgoing", "Agency", "исх", "ИСХ")
    assert values == ["out"] * 7
    assert not any(unknown)


def test_unknown_direction_is_flagged_and_blank_is_not() -> None:
    values, unknown = direction("sideways", "", None)
    assert values == [None, None, None]
    assert unknown == [True, False, False]


def test_enum_value_matches_regardless_of_separator() -> None:
    lookup = enum_lookup("decision", ("approved", "changes_requested", "rejected"), load_column_map())
    out, unknown = parse_enum(series("Changes requested", "changes-requested", "CHANGES_REQUESTED"), lookup)
    assert out.tolist() == ["changes_requested"] * 3
    assert not unknown.any()


# -------------------------------------------------------------------------------- text


def test_text_with_leading_zeros_stays_text() -> None:
    assert as_text(series("007", " 007 ")).tolist() == ["007", "007"]


def test_whole_number_cell_in_a_text_column_reads_without_decimals() -> None:
    assert as_text(series(7.0, 7, 7.25, "x")).tolist() == ["7", "7", "7.25", "x"]


def test_blank_text_is_missing() -> None:
    assert as_text(series("", "   ", None)).tolist() == [None, None, None]
