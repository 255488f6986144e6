"""The agency's working calendar (SPEC section 2): business hours and working days.

Every response time and every slip in the dashboard goes through this module, so it
is written to be vectorised (a million pairs at a time, no per-row Python loop) and
exact: business hours are counted in integer microseconds of real elapsed time, with
each day's working window turned into UTC instants, so a DST change inside the
window counts the hours that really passed and splitting an interval never changes
its total.

Conventions used throughout:

* Inputs may be scalars (``datetime``, ``date``, ``pd.Timestamp``, ``np.datetime64``,
  ISO strings, ``None``/``NaT``) or array-likes (``pd.Series``, ``pd.DatetimeIndex``,
  numpy arrays, lists). Scalars in give a scalar out; otherwise the two arguments are
  broadcast against each other and a numpy array comes out (positional, no index).
* Aware datetimes are converted to the agency's time zone; naive ones are read as
  agency wall-clock time; a bare date is 00:00 of that date (SPEC section 1). A naive
  time that a DST change makes ambiguous is read as its first occurrence; one that
  does not exist (inside a spring-forward gap) as the first instant after the gap.
* Missing values (``None``, ``NaT``, NaN) give NaN. ``working_days`` returns float64
  arrays (NaN where an input is missing) so that one dtype serves every case; a
  scalar call returns an ``int`` (or ``nan``).
* Internal resolution is one microsecond (pandas' own default), which keeps every
  representable date, including placeholder dates such as 9999-12-31, in range.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import holidays as holidays_lib
import numpy as np
import pandas as pd

__all__ = ["DEFAULT_WORKDAYS", "Calendar"]

DEFAULT_WORKDAYS: tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri")

_DAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAY_FULL = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
_US_PER_MINUTE = 60_000_000
_US_PER_HOUR = 3_600_000_000
_US_PER_DAY = 86_400_000_000
_CLOCK_RE = re.compile(r"^(\d{1,2}):(\d{2})$")

_Shape = tuple[int, ...] | None  # None marks a scalar input


# --------------------------------------------------------------------------- settings


def _parse_timezone(value: Any) -> str:
    name = "UTC" if value is None or str(value).strip() == "" else str(value).strip()
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"timezone {value!r} is not a known IANA time zone name (use e.g. 'Europe/Moscow' or 'UTC')"
        ) from exc
    return name


def _parse_workdays(value: Any) -> tuple[str, ...]:
    if value is None:
        return DEFAULT_WORKDAYS
    if isinstance(value, str):
        value = [part for part in re.split(r"[,\s]+", value) if part]
    days: set[int] = set()
    for item in value:
        word = str(item).strip().lower()
        matches = [i for i, full in enumerate(_DAY_FULL) if len(word) >= 3 and full.startswith(word)]
        if len(matches) != 1:
            raise ValueError(f"workdays: {item!r} is not a day name (use Mon, Tue, Wed, Thu, Fri, Sat, Sun)")
        days.add(matches[0])
    if not days:
        raise ValueError("workdays must name at least one day of the week")
    return tuple(_DAY_ABBR[i] for i in sorted(days))


def _parse_clock(value: Any, key: str, *, allow_24: bool) -> int:
    """Minutes after midnight; ``24:00`` only for an end so a window can run to midnight."""
    if isinstance(value, dt.time):
        if value.second or value.microsecond:
            raise ValueError(f"{key} {value!r} must be whole minutes (HH:MM)")
        return value.hour * 60 + value.minute
    match = _CLOCK_RE.match(str(value).strip())
    if match is None:
        raise ValueError(f"{key} {value!r} is not a time of day in HH:MM form")
    hours, minutes = int(match[1]), int(match[2])
    if minutes > 59 or hours > 24 or (hours == 24 and (minutes or not allow_24)):
        raise ValueError(f"{key} {value!r} is not a valid time of day")
    return hours * 60 + minutes


def _format_clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _parse_country(value: Any) -> str | None:
    if value is None or str(value).strip() == "":
        return None
    code = str(value).strip().upper()
    try:
        holidays_lib.country_holidays(code, years=[])
    except NotImplementedError as exc:
        raise ValueError(
            f"holidays_country {value!r} is not a country code known to the holidays "
            "package (use an ISO 3166 code such as 'RU', 'US' or 'DE')"
        ) from exc
    return code


def _parse_holidays(value: Any) -> tuple[dt.date, ...]:
    if value is None:
        return ()
    if isinstance(value, str | dt.date):
        value = [value]
    dates: set[dt.date] = set()
    for item in value:
        if isinstance(item, dt.datetime):
            dates.add(item.date())
        elif isinstance(item, dt.date):
            dates.add(item)
        else:
            try:
                dates.add(dt.date.fromisoformat(str(item).strip()))
            except ValueError as exc:
                raise ValueError(f"holidays: {item!r} is not a date in YYYY-MM-DD form") from exc
    return tuple(sorted(dates))


# ------------------------------------------------------------------------ input coercion


def _to_index(x: Any) -> tuple[pd.DatetimeIndex, _Shape]:
    """Read any supported input as a flat DatetimeIndex plus its shape, to restore it later."""
    if isinstance(x, np.ndarray) and x.ndim == 0:
        x = x[()]
    if isinstance(x, pd.Series | pd.Index | pd.api.extensions.ExtensionArray):
        shape: _Shape = (len(x),)
        values: Any = x
    elif np.ndim(x) == 0:
        shape = None
        if x is None or (isinstance(x, float) and math.isnan(x)):
            x = pd.NaT
        values = [x]
    else:
        arr = np.asarray(x) if not isinstance(x, list | tuple) else np.asarray(x, dtype=object)
        shape = arr.shape
        values = arr.ravel()
        if values.dtype.kind == "M" and np.datetime_data(values.dtype)[0] in ("Y", "M", "W"):
            values = values.astype("M8[D]")  # units pandas cannot hold
    try:
        result = pd.to_datetime(values)
    except (ValueError, TypeError) as exc:
        if "utc=True" not in str(exc):
            raise ValueError(f"cannot read the values as dates or datetimes: {exc}") from exc
        result = pd.to_datetime(values, utc=True)  # aware values with different offsets
    return pd.DatetimeIndex(result), shape


def _reshape(values: np.ndarray, shape: _Shape) -> np.ndarray:
    return values.reshape(() if shape is None else shape)


def _localize(wall_us: np.ndarray, tz: str) -> np.ndarray:
    """Agency wall-clock microseconds -> UTC microseconds (see module docstring for gaps/folds)."""
    if tz == "UTC":
        return wall_us
    index = pd.DatetimeIndex(wall_us.view("M8[us]"))
    aware = index.tz_localize(tz, ambiguous=np.ones(len(index), dtype=bool), nonexistent="shift_forward")
    return aware.as_unit("us").asi8


def _year_of(days: np.ndarray) -> np.ndarray:
    return days.astype("M8[Y]").astype(np.int64) + 1970


def _year_range(*day_arrays: np.ndarray) -> tuple[int, int] | None:
    """First and last calendar year among the non-missing dates, to size holiday look-ups."""
    valid = [d[~np.isnat(d)] for d in day_arrays]
    valid = [d for d in valid if d.size]
    if not valid:
        return None
    lo = min(d.min() for d in valid)
    hi = max(d.max() for d in valid)
    return int(_year_of(lo)), int(_year_of(hi))


# ------------------------------------------------------------------------------ caches


@functools.lru_cache(maxsize=64)
def _country_holiday_dates(country: str, first_year: int, last_year: int) -> np.ndarray:
    table = holidays_lib.country_holidays(country, years=range(first_year, last_year + 1))
    return np.array(sorted(table.keys()), dtype="M8[D]")


@functools.lru_cache(maxsize=64)
def _busday_calendar(cal: Calendar, first_year: int, last_year: int) -> np.busdaycalendar:
    dates = np.array(cal.holidays, dtype="M8[D]")
    if cal.holidays_country:
        dates = np.concatenate([dates, _country_holiday_dates(cal.holidays_country, first_year, last_year)])
    return np.busdaycalendar(weekmask=cal.weekmask, holidays=dates)


@functools.lru_cache(maxsize=16)
def _hours_table(cal: Calendar, first_year: int, last_year: int) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """Per-date working windows for whole years, so each input only needs a table look-up.

    Returns (first day number, window start as UTC us, working window length in us (0 on
    non-working dates), prefix sums of those lengths). Lengths come from the UTC
    instants of the wall-clock bounds, so a DST change inside the window is exact.
    """
    first = np.datetime64(first_year - 1970, "Y").astype("M8[D]")
    stop = np.datetime64(last_year + 1 - 1970, "Y").astype("M8[D]")
    days = np.arange(first, stop, dtype="M8[D]")
    working = np.is_busday(days, busdaycal=_busday_calendar(cal, first_year, last_year))
    midnight = days.astype("M8[us]").astype(np.int64)
    start = _localize(midnight + cal.start_minutes * _US_PER_MINUTE, cal.timezone)
    end = _localize(midnight + cal.end_minutes * _US_PER_MINUTE, cal.timezone)
    length = np.where(working, np.maximum(end - start, 0), 0)
    prefix = np.concatenate([np.zeros(1, dtype=np.int64), np.cumsum(length)])
    for arr in (start, length, prefix):
        arr.setflags(write=False)
    return int(first.astype(np.int64)), start, length, prefix


# ----------------------------------------------------------------------------- calendar


@dataclass(frozen=True)
class Calendar:
    """The agency's working time; hashable so derived tables can be cached per calendar.

    Values are normalised on construction (day names to ``Mon``..``Sun`` in week order,
    clock times to ``HH:MM``, country codes to upper case, holidays to sorted dates), so
    two calendars that mean the same thing compare equal and share caches.
    """

    timezone: str = "UTC"
    workdays: tuple[str, ...] = DEFAULT_WORKDAYS
    workday_start: str = "10:00"
    workday_end: str = "19:00"
    holidays_country: str | None = None
    holidays: tuple[dt.date, ...] = ()

    def __post_init__(self) -> None:
        start = _parse_clock(self.workday_start, "workday_start", allow_24=False)
        end = _parse_clock(self.workday_end, "workday_end", allow_24=True)
        if end <= start:
            raise ValueError(
                f"workday_end ({self.workday_end}) must be after workday_start "
                f"({self.workday_start}); overnight shifts are not supported"
            )
        put = functools.partial(object.__setattr__, self)
        put("timezone", _parse_timezone(self.timezone))
        put("workdays", _parse_workdays(self.workdays))
        put("workday_start", _format_clock(start))
        put("workday_end", _format_clock(end))
        put("holidays_country", _parse_country(self.holidays_country))
        put("holidays", _parse_holidays(self.holidays))

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> Calendar:
        """Build from the ``pulse.toml`` mapping; absent or null keys keep SPEC defaults."""
        kwargs = {
            key: settings[key]
            for key in ("timezone", "workdays", "workday_start", "workday_end", "holidays_country", "holidays")
            if settings.get(key) is not None
        }
        return cls(**kwargs)

    # -- derived values

    @property
    def start_minutes(self) -> int:
        """Window start as minutes after midnight, for arithmetic on the HH:MM setting."""
        return _parse_clock(self.workday_start, "workday_start", allow_24=False)

    @property
    def end_minutes(self) -> int:
        """Window end as minutes after midnight (1440 for 24:00)."""
        return _parse_clock(self.workday_end, "workday_end", allow_24=True)

    @property
    def weekmask(self) -> str:
        """numpy busday weekmask, Monday first."""
        return "".join("1" if day in self.workdays else "0" for day in _DAY_ABBR)

    @property
    def daily_hours(self) -> float:
        """Nominal length of a working day (a DST change inside the window alters it)."""
        return (self.end_minutes - self.start_minutes) / 60

    # -- dates

    def _local_days(self, x: Any) -> tuple[np.ndarray, _Shape]:
        """Dates in the agency time zone as flat datetime64[D] (NaT where missing)."""
        if isinstance(x, dt.date) and not isinstance(x, dt.datetime):
            return np.array([x], dtype="M8[D]"), None
        if isinstance(x, np.ndarray) and x.dtype == np.dtype("M8[D]") and x.ndim > 0:
            return x.ravel(), x.shape
        index, shape = _to_index(x)
        if index.tz is not None:
            index = index.tz_convert(self.timezone).tz_localize(None)
        return index.values.astype("M8[D]"), shape

    def local_date(self, ts: Any) -> Any:
        """The agency-time date of each instant, which is what periods and slips count by.

        Scalar in: ``datetime.date`` (``None`` when missing); otherwise a datetime64[D]
        array with NaT where missing.
        """
        days, shape = self._local_days(ts)
        if shape is None:
            return None if np.isnat(days[0]) else days[0].item()
        return _reshape(days, shape)

    def is_working_date(self, d: Any) -> Any:
        """Whether each date (or the agency-time date of each instant) is a working date.

        Missing values are ``False``: a date that is not known is not a working date.
        """
        days, shape = self._local_days(d)
        missing = np.isnat(days)
        years = _year_range(days)
        if years is None:
            result = np.zeros(days.shape, dtype=bool)
        else:
            filled = np.where(missing, days[~missing][0], days)
            result = np.is_busday(filled, busdaycal=_busday_calendar(self, *years)) & ~missing
        return bool(result[0]) if shape is None else _reshape(result, shape)

    def working_days(self, d1: Any, d2: Any) -> np.ndarray | int | float:
        """Signed count of working dates in (d1, d2] (SPEC section 2), e.g. slip in days.

        Arrays give float64 (NaN where either side is missing); two scalars give an int,
        or ``nan`` when either is missing.
        """
        a_flat, shape_a = self._local_days(d1)
        b_flat, shape_b = self._local_days(d2)
        a, b = np.broadcast_arrays(_reshape(a_flat, shape_a), _reshape(b_flat, shape_b))
        missing = np.isnat(a) | np.isnat(b)
        any_missing = bool(missing.any())
        out = np.full(a.shape, np.nan)
        if not missing.all():
            if any_missing:
                a, b = a[~missing], b[~missing]
            # numpy counts [begin, end) forwards but (end, begin] backwards, so count
            # forwards over (earlier, later] and apply the sign ourselves.
            one = np.timedelta64(1, "D")
            lo, hi = np.minimum(a, b) + one, np.maximum(a, b) + one
            years = int(_year_of(lo.min())), int(_year_of(hi.max()))
            count = np.busday_count(lo, hi, busdaycal=_busday_calendar(self, *years))
            signed = np.where(b >= a, count, -count)
            if any_missing:
                out[~missing] = signed
            else:
                out = signed.astype(np.float64)
        if shape_a is None and shape_b is None:
            value = out[()]
            return float("nan") if math.isnan(value) else int(value)
        return out

    # -- hours

    def _instants(self, x: Any) -> tuple[np.ndarray, np.ndarray, _Shape]:
        """(agency wall-clock us, real UTC us, shape); iNaT where missing."""
        index, shape = _to_index(x)
        if index.tz is not None:
            utc = index.as_unit("us").asi8
            wall = index.tz_convert(self.timezone).tz_localize(None).as_unit("us").asi8
        else:
            wall = index.as_unit("us").asi8
            utc = _localize(wall, self.timezone)
        return wall, utc, shape

    def business_hours(self, a: Any, b: Any) -> np.ndarray | float:
        """Working hours in [a, b) (SPEC section 2), e.g. how long a client waited for a reply.

        Computed as F(b) - F(a), where F(t) is the working time elapsed from a fixed
        origin up to t: F = (sum of windows of working dates before t's date, a
        prefix-sum look-up) + (the part of t's own window before t). Zero when b <= a,
        NaN where either side is missing. Arrays give float64; two scalars a float.
        """
        wall_a, utc_a, shape_a = self._instants(a)
        wall_b, utc_b, shape_b = self._instants(b)
        day_a = np.floor_divide(wall_a, _US_PER_DAY)
        day_b = np.floor_divide(wall_b, _US_PER_DAY)
        nat = np.iinfo(np.int64).min
        missing_a = wall_a == nat
        missing_b = wall_b == nat
        years = _year_range(day_a[~missing_a].astype("M8[D]"), day_b[~missing_b].astype("M8[D]"))
        if years is None:
            elapsed_a = np.zeros(wall_a.shape, dtype=np.int64)
            elapsed_b = np.zeros(wall_b.shape, dtype=np.int64)
        else:
            table = _hours_table(self, *years)
            elapsed_a = _working_elapsed(day_a, utc_a, missing_a, table)
            elapsed_b = _working_elapsed(day_b, utc_b, missing_b, table)
        diff = _reshape(elapsed_b, shape_b) - _reshape(elapsed_a, shape_a)
        hours = np.maximum(diff, 0) / _US_PER_HOUR
        missing = _reshape(missing_b, shape_b) | _reshape(missing_a, shape_a)
        hours = np.where(missing, np.nan, hours)
        if shape_a is None and shape_b is None:
            return float(hours[()])
        return hours


def _working_elapsed(
    day: np.ndarray,
    utc: np.ndarray,
    missing: np.ndarray,
    table: tuple[int, np.ndarray, np.ndarray, np.ndarray],
) -> np.ndarray:
    """F(t) in microseconds: monotone in t, so differences are exact and additive."""
    first_day, start, length, prefix = table
    i = np.where(missing, 0, day - first_day)
    into_window = np.where(missing, 0, utc - start[i])
    return prefix[i] + np.minimum(np.maximum(into_window, 0), length[i])
