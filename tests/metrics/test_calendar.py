"""The working calendar (SPEC section 2): business hours and working days."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from metrics.calendar import Calendar

FRI = dt.date(2026, 11, 20)  # a Friday with no public holiday nearby in RU/US/DE
SAT, SUN, MON, TUE = (FRI + dt.timedelta(days=n) for n in (1, 2, 3, 4))
THU = FRI - dt.timedelta(days=1)


def at(day: dt.date, clock: str, tz: str | None = None) -> pd.Timestamp:
    """A wall-clock time on a date, naive (agency time) or aware in ``tz``."""
    ts = pd.Timestamp(f"{day.isoformat()} {clock}")
    return ts if tz is None else ts.tz_localize(tz)


# ------------------------------------------------------------------ SPEC worked examples


def test_friday_1800_to_monday_1130_is_two_and_a_half_business_hours() -> None:
    assert Calendar().business_hours(at(FRI, "18:00"), at(MON, "11:30")) == 2.5


@pytest.mark.parametrize(
    ("delivered", "expected"),
    [(MON, 1), (SAT, 0), (THU, -1), (FRI, 0), (TUE, 2), (SUN, 0)],
    ids=["monday", "saturday", "thursday-before", "same-day", "tuesday", "sunday"],
)
def test_working_days_from_friday_due_date_matches_spec(delivered: dt.date, expected: int) -> None:
    assert Calendar().working_days(FRI, delivered) == expected


# ------------------------------------------------------------------------ business hours


@pytest.mark.parametrize("end", ["18:00", "17:59", "10:00"])
def test_business_hours_are_zero_when_end_is_not_after_start(end: str) -> None:
    assert Calendar().business_hours(at(FRI, "18:00"), at(FRI, end)) == 0.0
    assert Calendar().business_hours(at(MON, "12:00"), at(FRI, "12:00")) == 0.0


@pytest.mark.parametrize(
    ("start", "end", "hours"),
    [
        ("11:00", "15:30", 4.5),
        ("07:00", "23:00", 9.0),  # opening to closing
        ("07:00", "10:30", 0.5),
        ("18:30", "23:59", 0.5),
        ("06:00", "09:59", 0.0),  # before opening
        ("19:00", "23:00", 0.0),  # after closing
    ],
)
def test_business_hours_within_one_day_count_only_the_working_window(start: str, end: str, hours: float) -> None:
    assert Calendar().business_hours(at(FRI, start), at(FRI, end)) == pytest.approx(hours)


def test_business_hours_skip_the_weekend() -> None:
    cal = Calendar()
    assert cal.business_hours(at(FRI, "10:00"), at(MON, "10:00")) == 9.0
    assert cal.business_hours(at(SAT, "00:00"), at(MON, "00:00")) == 0.0
    assert cal.business_hours(at(THU, "12:00"), at(TUE, "12:00")) == 7 + 9 + 9 + 2


def test_a_bare_date_means_midnight_in_agency_time() -> None:
    assert Calendar().business_hours(FRI, SAT) == 9.0
    assert Calendar().business_hours(FRI, MON) == 9.0


def test_explicit_holiday_is_not_working_time() -> None:
    cal = Calendar(holidays=(MON,))
    assert cal.business_hours(at(FRI, "18:00"), at(TUE, "11:30")) == 2.5
    assert cal.working_days(FRI, TUE) == 1
    assert cal.working_days(FRI, MON) == 0
    assert not cal.is_working_date(MON)


def test_russian_new_year_holidays_come_from_holidays_country() -> None:
    cal = Calendar(timezone="Europe/Moscow", holidays_country="RU")
    for day in range(1, 9):
        assert not cal.is_working_date(dt.date(2026, 1, day)), day
    assert cal.is_working_date(dt.date(2026, 1, 12))
    # 31 Dec 2025 is a day off too (moved from a Saturday by the Russian government).
    assert not cal.is_working_date(dt.date(2025, 12, 31))
    tuesday = dt.date(2025, 12, 30)
    assert cal.business_hours(at(tuesday, "18:00"), at(dt.date(2026, 1, 8), "23:00")) == 1.0
    assert cal.working_days(tuesday, dt.date(2026, 1, 8)) == 0
    # Without the country the same dates are ordinary weekdays.
    assert Calendar().working_days(tuesday, dt.date(2026, 1, 8)) == 7


def test_us_observed_independence_day_is_a_holiday() -> None:
    cal = Calendar(timezone="America/New_York", holidays_country="us")
    assert cal.holidays_country == "US"
    assert not cal.is_working_date(dt.date(2026, 7, 3))  # Friday, observed for Sat 4 July
    assert cal.working_days(dt.date(2026, 7, 2), dt.date(2026, 7, 6)) == 1
    assert cal.business_hours(at(dt.date(2026, 7, 2), "18:00"), at(dt.date(2026, 7, 6), "11:00")) == 2.0


def test_holidays_settings_combine_country_and_explicit_dates() -> None:
    cal = Calendar.from_settings({"holidays_country": "RU", "holidays": ["2026-12-31"]})
    assert not cal.is_working_date(dt.date(2026, 12, 31))
    assert not cal.is_working_date(dt.date(2026, 1, 2))
    assert cal.is_working_date(dt.date(2026, 12, 30))


def test_sunday_to_thursday_week_makes_friday_a_day_off() -> None:
    cal = Calendar(workdays=("Sun", "Mon", "Tue", "Wed", "Thu"))
    assert cal.business_hours(at(THU, "18:00"), at(SUN, "11:30")) == 2.5
    assert cal.working_days(THU, SAT) == 0
    assert cal.working_days(THU, SUN) == 1
    assert not cal.is_working_date(FRI)
    assert cal.is_working_date(SUN)


def test_custom_working_hours_set_the_daily_window() -> None:
    cal = Calendar(workday_start="09:30", workday_end="18:00")
    assert cal.business_hours(at(FRI, "00:00"), at(SAT, "00:00")) == 8.5
    assert cal.business_hours(at(FRI, "17:00"), at(MON, "10:00")) == 1.5
    assert cal.daily_hours == 8.5


def test_a_window_may_run_to_midnight() -> None:
    cal = Calendar(workday_start="00:00", workday_end="24:00")
    assert cal.business_hours(at(FRI, "12:00"), at(MON, "01:00")) == 13.0


# ---------------------------------------------------------------------------- time zones


def test_aware_utc_input_is_counted_in_agency_time_zone() -> None:
    a = at(FRI, "15:00", "UTC")  # 18:00 in Moscow
    b = at(MON, "08:30", "UTC")  # 11:30 in Moscow
    assert Calendar(timezone="Europe/Moscow").business_hours(a, b) == 2.5
    assert Calendar(timezone="UTC").business_hours(a, b) == 4.0


def test_naive_input_is_agency_wall_clock_time() -> None:
    cal = Calendar(timezone="Europe/Moscow")
    naive = cal.business_hours(at(FRI, "18:00"), at(MON, "11:30"))
    aware = cal.business_hours(at(FRI, "18:00", "Europe/Moscow"), at(MON, "11:30", "Europe/Moscow"))
    as_text = cal.business_hours("2026-11-20T18:00:00+03:00", "2026-11-23T08:30:00Z")
    assert naive == aware == as_text == 2.5


def test_working_days_take_dates_in_agency_time_zone() -> None:
    delivered = at(SUN, "22:30", "UTC")  # Monday 01:30 in Moscow
    assert Calendar(timezone="Europe/Moscow").working_days(FRI, delivered) == 1
    assert Calendar(timezone="UTC").working_days(FRI, delivered) == 0
    assert Calendar(timezone="Europe/Moscow").local_date(delivered) == MON


def test_berlin_summer_and_winter_windows_are_nine_real_hours() -> None:
    cal = Calendar(timezone="Europe/Berlin")
    summer = dt.date(2026, 7, 1)
    winter = dt.date(2026, 1, 7)
    assert cal.business_hours(at(summer, "08:00", "UTC"), at(summer, "17:00", "UTC")) == 9.0
    assert cal.business_hours(at(winter, "09:00", "UTC"), at(winter, "18:00", "UTC")) == 9.0
    assert cal.business_hours(at(summer, "06:00", "UTC"), at(summer, "09:00", "UTC")) == 1.0


def test_dst_change_outside_the_window_leaves_the_day_at_nine_hours() -> None:
    cal = Calendar(timezone="Europe/Berlin", workdays=("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"))
    for change_day in (dt.date(2026, 3, 29), dt.date(2026, 10, 25)):
        start = at(change_day, "00:00", "Europe/Berlin")
        end = at(change_day + dt.timedelta(days=1), "00:00", "Europe/Berlin")
        assert cal.business_hours(start, end) == 9.0


def test_dst_change_inside_the_window_counts_real_elapsed_hours() -> None:
    every_day = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    night = Calendar(timezone="Europe/Berlin", workdays=every_day, workday_start="01:00", workday_end="05:00")
    spring, autumn = dt.date(2026, 3, 29), dt.date(2026, 10, 25)
    assert night.business_hours(spring, spring + dt.timedelta(days=1)) == 3.0
    assert night.business_hours(autumn, autumn + dt.timedelta(days=1)) == 5.0
    # 01:30 CET -> 03:30 CEST is one real hour although the wall clock moved two.
    assert night.business_hours(at(spring, "01:30"), at(spring, "03:30")) == 1.0
    assert night.business_hours(at(spring, "00:30", "UTC"), at(spring, "01:30", "UTC")) == 1.0
    whole_day = Calendar(timezone="Europe/Berlin", workdays=every_day, workday_start="00:00", workday_end="24:00")
    assert whole_day.business_hours(spring, spring + dt.timedelta(days=1)) == 23.0
    assert whole_day.business_hours(autumn, autumn + dt.timedelta(days=1)) == 25.0


# --------------------------------------------------------------------- vectors and NaT


def test_vectorised_results_equal_elementwise_scalar_results() -> None:
    cal = Calendar(timezone="Europe/Berlin", holidays_country="DE", holidays=(dt.date(2026, 12, 24),))
    rng = np.random.default_rng(7)
    start = pd.Timestamp("2025-12-01", tz="UTC").value // 1000
    a_us = start + rng.integers(0, 500 * 86_400_000_000, 300)
    b_us = a_us + rng.integers(-5 * 86_400_000_000, 40 * 86_400_000_000, 300)
    a = pd.Series(pd.to_datetime(a_us, unit="us", utc=True).tz_convert("Asia/Tokyo"))
    b = pd.Series(pd.to_datetime(b_us, unit="us", utc=True))
    a.iloc[[3, 50]] = pd.NaT
    b.iloc[[50, 99]] = pd.NaT

    hours = cal.business_hours(a, b)
    days = cal.working_days(a, b)
    assert isinstance(hours, np.ndarray) and hours.dtype == np.float64
    assert isinstance(days, np.ndarray) and days.dtype == np.float64
    for i in range(len(a)):
        expected_hours = cal.business_hours(a.iloc[i], b.iloc[i])
        expected_days = cal.working_days(a.iloc[i], b.iloc[i])
        if i in (3, 50, 99):
            assert math.isnan(hours[i]) and math.isnan(expected_hours)
            assert math.isnan(days[i]) and math.isnan(expected_days)
        else:
            assert hours[i] == expected_hours
            assert days[i] == expected_days


def test_every_input_kind_gives_the_same_answer() -> None:
    cal = Calendar(timezone="Europe/Moscow")
    naive = ["2026-11-20 18:00", "2026-11-23 11:30"]
    kinds = [
        pd.Series(pd.to_datetime(naive)),
        pd.DatetimeIndex(naive).tz_localize("Europe/Moscow"),
        pd.DatetimeIndex(naive).tz_localize("Europe/Moscow").tz_convert("UTC"),
        np.array(naive, dtype="M8[ns]"),
        naive,
        [dt.datetime(2026, 11, 20, 18), dt.datetime(2026, 11, 23, 11, 30)],
    ]
    for values in kinds:
        starts = values[:1] if not isinstance(values, pd.Series) else values.iloc[:1]
        assert cal.business_hours(starts, values).tolist() == [0.0, 2.5], type(values)
        assert cal.working_days(starts, values).tolist() == [0.0, 1.0], type(values)


def test_scalar_and_array_arguments_broadcast() -> None:
    cal = Calendar()
    delivered = np.array([THU, FRI, SAT, MON], dtype="M8[D]")
    assert cal.working_days(FRI, delivered).tolist() == [-1, 0, 0, 1]
    assert cal.working_days(delivered, FRI).tolist() == [1, 0, 0, -1]
    replies = pd.Series([at(FRI, "19:00"), at(MON, "11:30")])
    assert cal.business_hours(at(FRI, "18:00"), replies).tolist() == [1.0, 2.5]


def test_scalars_in_give_plain_scalars_out() -> None:
    cal = Calendar()
    days = cal.working_days(FRI, MON)
    hours = cal.business_hours(at(FRI, "18:00"), at(MON, "11:30"))
    assert type(days) is int and type(hours) is float
    assert type(cal.is_working_date(FRI)) is bool
    assert cal.local_date(at(FRI, "23:30", "UTC")) == FRI


@pytest.mark.parametrize("missing", [None, pd.NaT, np.datetime64("NaT"), float("nan")])
def test_missing_values_give_nan(missing: object) -> None:
    cal = Calendar()
    assert math.isnan(cal.business_hours(missing, at(MON, "11:30")))
    assert math.isnan(cal.business_hours(at(FRI, "18:00"), missing))
    assert math.isnan(cal.working_days(FRI, missing))
    assert math.isnan(cal.working_days(missing, missing))
    assert cal.is_working_date(missing) is False
    assert cal.local_date(missing) is None


def test_missing_values_in_arrays_give_nan_only_where_missing() -> None:
    cal = Calendar()
    a = pd.Series([at(FRI, "18:00"), pd.NaT, at(FRI, "18:00")])
    b = pd.Series([at(MON, "11:30"), at(MON, "11:30"), pd.NaT])
    hours = cal.business_hours(a, b)
    days = cal.working_days(a, b)
    assert hours[0] == 2.5 and np.isnan(hours[1:]).all()
    assert days[0] == 1 and np.isnan(days[1:]).all()
    assert cal.is_working_date(a).tolist() == [True, False, True]
    assert np.isnat(cal.local_date(a)[1])
    assert np.isnan(cal.business_hours([None, None], [None, None])).all()


# ------------------------------------------------------------------------------ settings


def test_from_settings_uses_spec_defaults_for_missing_keys() -> None:
    assert Calendar.from_settings({}) == Calendar()
    assert Calendar.from_settings({"source": "sheet", "timezone": None}) == Calendar()
    cal = Calendar()
    assert (cal.timezone, cal.workdays, cal.workday_start, cal.workday_end) == (
        "UTC",
        ("Mon", "Tue", "Wed", "Thu", "Fri"),
        "10:00",
        "19:00",
    )


def test_from_settings_reads_day_names_in_any_case_and_iso_holidays() -> None:
    cal = Calendar.from_settings(
        {
            "timezone": "Europe/Moscow",
            "workdays": ["monday", "TUE", "Wednesday", "thurs", "sun"],
            "workday_start": "9:00",
            "workday_end": dt.time(18, 0),
            "holidays_country": "ru",
            "holidays": ["2026-12-31", dt.date(2026, 12, 30)],
        }
    )
    assert cal.workdays == ("Mon", "Tue", "Wed", "Thu", "Sun")
    assert (cal.workday_start, cal.workday_end) == ("09:00", "18:00")
    assert cal.holidays_country == "RU"
    assert cal.holidays == (dt.date(2026, 12, 30), dt.date(2026, 12, 31))
    assert cal.weekmask == "1111001"


@pytest.mark.parametrize(
    ("settings_", "message"),
    [
        ({"holidays_country": "XX"}, "holidays_country"),
        ({"workday_start": "19:00", "workday_end": "10:00"}, "after workday_start"),
        ({"workday_start": "10:00", "workday_end": "10:00"}, "after workday_start"),
        ({"workday_start": "24:00", "workday_end": "24:00"}, "workday_start"),
        ({"workday_start": "10h"}, "HH:MM"),
        ({"workday_end": "19:75"}, "workday_end"),
        ({"workdays": ["Mon", "Funday"]}, "Funday"),
        ({"workdays": []}, "at least one day"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"holidays": ["31.12.2026"]}, "YYYY-MM-DD"),
    ],
)
def test_invalid_settings_raise_a_clear_value_error(settings_: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Calendar.from_settings(settings_)


# ---------------------------------------------------------------------------- properties

ZONES = {"UTC": False, "Europe/Moscow": False, "Asia/Kolkata": False, "Europe/Berlin": True, "America/New_York": True}
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
LO_US = pd.Timestamp("2024-01-01", tz="UTC").value // 1000
HI_US = pd.Timestamp("2027-12-31", tz="UTC").value // 1000


@st.composite
def calendars(draw: st.DrawFn, *, zones: tuple[str, ...] = tuple(ZONES)) -> Calendar:
    start = draw(st.integers(0, 23 * 4)) * 15
    end = draw(st.integers(start // 15 + 1, 24 * 4)) * 15
    return Calendar(
        timezone=draw(st.sampled_from(zones)),
        workdays=tuple(draw(st.sets(st.sampled_from(DAY_NAMES), min_size=1))),
        workday_start=f"{start // 60:02d}:{start % 60:02d}",
        workday_end=f"{end // 60:02d}:{end % 60:02d}",
        holidays_country=draw(st.sampled_from([None, "RU", "US", "DE"])),
        holidays=tuple(draw(st.lists(st.dates(dt.date(2024, 1, 1), dt.date(2027, 12, 31)), max_size=10))),
    )


instants = st.integers(LO_US, HI_US).map(lambda us: pd.Timestamp(us, unit="us", tz="UTC"))
dates = st.dates(dt.date(2023, 1, 1), dt.date(2028, 12, 31))


@settings(deadline=None)
@given(calendars(), instants, instants, instants)
def test_business_hours_are_additive_over_a_split_point(
    cal: Calendar, x: pd.Timestamp, y: pd.Timestamp, z: pd.Timestamp
) -> None:
    a, b, c = sorted((x, y, z))
    assert cal.business_hours(a, c) == pytest.approx(cal.business_hours(a, b) + cal.business_hours(b, c), abs=1e-9)


@settings(deadline=None)
@given(calendars(), instants, instants)
def test_business_hours_never_exceed_elapsed_or_daily_windows(cal: Calendar, x: pd.Timestamp, y: pd.Timestamp) -> None:
    a, b = sorted((x, y))
    hours = cal.business_hours(a, b)
    elapsed = (b - a) / pd.Timedelta(hours=1)
    days_touched = (cal.local_date(b) - cal.local_date(a)).days + 1
    longest_window = cal.daily_hours + (1 if ZONES[cal.timezone] else 0)  # a DST day can be 1 h longer
    assert 0 <= hours <= elapsed + 1e-9
    assert hours <= days_touched * longest_window + 1e-9


@settings(deadline=None)
@given(calendars(), dates, st.integers(0, 86_400_000_000 - 1), st.integers(0, 86_400_000_000 - 1))
def test_business_hours_are_zero_within_a_holiday(cal: Calendar, day: dt.date, t1: int, t2: int) -> None:
    cal = Calendar(
        timezone=cal.timezone,
        workdays=cal.workdays,
        workday_start=cal.workday_start,
        workday_end=cal.workday_end,
        holidays_country=cal.holidays_country,
        holidays=(*cal.holidays, day),
    )
    midnight = pd.Timestamp(day)
    a, b = sorted((midnight + pd.Timedelta(microseconds=t1), midnight + pd.Timedelta(microseconds=t2)))
    assert cal.business_hours(a, b) == 0.0
    assert cal.business_hours(a.tz_localize(cal.timezone, ambiguous=True, nonexistent="shift_forward"), b) == 0.0


@settings(deadline=None)
@given(calendars(), dates, st.integers(0, 86_400_000_000 - 1), st.integers(0, 86_400_000_000 - 1))
def test_business_hours_are_zero_within_a_day_off(cal: Calendar, day: dt.date, t1: int, t2: int) -> None:
    assume(DAY_NAMES[day.weekday()] not in cal.workdays)
    midnight = pd.Timestamp(day)
    a, b = sorted((midnight + pd.Timedelta(microseconds=t1), midnight + pd.Timedelta(microseconds=t2)))
    assert cal.business_hours(a, b) == 0.0


@settings(deadline=None)
@given(calendars(zones=("UTC", "Europe/Moscow", "Asia/Kolkata")), dates, dates)
def test_whole_days_of_business_hours_match_working_days(cal: Calendar, d1: dt.date, d2: dt.date) -> None:
    d1, d2 = sorted((d1, d2))
    one = dt.timedelta(days=1)
    assert cal.business_hours(d1 + one, d2 + one) == pytest.approx(cal.working_days(d1, d2) * cal.daily_hours, abs=1e-9)


@settings(deadline=None)
@given(calendars(), dates, dates)
def test_working_days_are_antisymmetric(cal: Calendar, d1: dt.date, d2: dt.date) -> None:
    assert cal.working_days(d1, d2) == -cal.working_days(d2, d1)


@settings(deadline=None)
@given(calendars(), dates, dates, dates)
def test_working_days_are_additive(cal: Calendar, a: dt.date, b: dt.date, c: dt.date) -> None:
    assert cal.working_days(a, b) + cal.working_days(b, c) == cal.working_days(a, c)


@settings(deadline=None)
@given(calendars(), st.lists(st.one_of(st.none(), instants), min_size=1, max_size=20), instants)
def test_vectorised_calls_match_scalar_calls_for_random_inputs(
    cal: Calendar, starts: list[pd.Timestamp | None], end: pd.Timestamp
) -> None:
    hours = cal.business_hours(starts, end)
    days = cal.working_days(starts, end)
    for i, start in enumerate(starts):
        np.testing.assert_equal(hours[i], cal.business_hours(start, end))
        np.testing.assert_equal(days[i], cal.working_days(start, end))
