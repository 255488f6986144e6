"""Cell values to typed columns, vectorised, with a reason for every value that fails.

A workbook at the Sheets limit has 10 million cells, so each parser works on a whole
column at once; a failed value is never coerced to something plausible, it is marked
bad and the caller rejects its row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from data.headers import value_key
from data.reasons import reason

SERIAL_EPOCH = np.datetime64("1899-12-30T00:00:00", "ns")

_ISO = (
    r"^(?P<Y>\d{4})-(?P<M>\d{1,2})-(?P<D>\d{1,2})"
    r"(?:[T ](?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2})(?:[.,](?P<f>\d{1,9}))?)?)?"
    r"\s*(?P<tz>Z|z|[+-]\d{2}(?::?\d{2})?)?$"
)
_DOTTED = (
    r"^(?P<D>\d{1,2})\.(?P<M>\d{1,2})\.(?P<Y>\d{4})"
    r"(?:\s+(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?)?$"
)
_SLASHED = (
    r"^(?P<A>\d{1,2})/(?P<B>\d{1,2})/(?P<Y>\d{4})"
    r"(?:\s+(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?)?$"
)
_NUMBER = r"^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?$"

INT_MAX = 2**31 - 1  # the store's INTEGER columns (approvals.round)

# Dates are held as nanosecond timestamps, which reach only 1677-09-21 .. 2262-04-11: a
# date outside whole years of that span (9999-12-31 as "never", 0001-01-01) rejects its
# row instead of failing the sync. A day of margin either side keeps time zone moves safe.
MIN_YEAR, MAX_YEAR = 1678, 2261
_WALL_MIN = np.datetime64(f"{MIN_YEAR}-01-01T00:00:00", "ns")
_WALL_END = np.datetime64(f"{MAX_YEAR + 1}-01-01T00:00:00", "ns")
# Serial numbers (seconds from the epoch) that land inside that span.
_SERIAL_MIN_S = float((_WALL_MIN.astype("datetime64[s]") - SERIAL_EPOCH.astype("datetime64[s]")).astype("int64"))
_SERIAL_END_S = float((_WALL_END.astype("datetime64[s]") - SERIAL_EPOCH.astype("datetime64[s]")).astype("int64"))
RANGE_HINT = reason("range", low=MIN_YEAR, high=MAX_YEAR)

TRUE_WORDS = {"true", "yes", "y", "1", "да", "так", "t", "д"}
FALSE_WORDS = {"false", "no", "n", "0", "нет", "ні", "f", "н"}

# Locales whose short date puts the month first (Sheets metadata `locale`).
MDY_LOCALES = ("en_US", "en_PH", "es_US", "fil", "en_CA_MDY")


@dataclass(frozen=True)
class ParseContext:
    """How to read dates: the agency's zone, the zone of serial numbers, slash order."""

    timezone: str = "UTC"
    serial_timezone: str | None = None  # None: serials are in the agency's zone
    date_order: str = "DMY"

    @property
    def serial_tz(self) -> str:
        return self.serial_timezone or self.timezone


def date_order_for(locale: str | None, setting: str) -> str:
    """The workbook's locale decides slash dates when it is known; else the setting."""
    if not locale:
        return setting
    return "MDY" if locale in MDY_LOCALES else "DMY"


def _all_text(s: pd.Series) -> bool:
    """Every cell is a string or missing (a CSV, most Sheets columns): the fast paths apply."""
    return pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty")


def clean(values: pd.Series) -> pd.Series:
    """Strings trimmed; blank strings become missing; other values kept as given."""
    s = values.astype(object)
    if not len(s):
        return s
    if _all_text(s):
        stripped = s.str.strip()
        return stripped.where(stripped.notna() & (stripped != ""), None).astype(object)
    is_str = s.map(type).isin((str,))
    if is_str.any():
        stripped = s[is_str].str.strip()
        s = s.copy()
        s[is_str] = stripped.where(stripped != "", None)
    return s.where(s.notna(), None)


_KIND_BY_TYPE: dict[type, str] = {
    type(None): "",
    str: "s",
    bool: "b",
    np.bool_: "b",
    int: "n",
    float: "n",
    np.int64: "n",
    np.float64: "n",
    dt.datetime: "t",
    pd.Timestamp: "t",
    dt.date: "d",
}


def _kind_of_type(ty: type) -> str:
    for base, code in ((str, "s"), (bool, "b"), (np.bool_, "b"), (int, "n"), (float, "n"),
                       (np.integer, "n"), (np.floating, "n"), (dt.datetime, "t"), (dt.date, "d")):
        if issubclass(ty, base):
            return code
    return "?"


_UNIFORM_KIND = {"string": "s", "floating": "n", "integer": "n", "mixed-integer-float": "n", "boolean": "b"}


def _kind(s: pd.Series) -> pd.Series:
    """A small code per cell: s=str, n=number, b=bool, d=date, t=datetime, '' missing."""
    uniform = _UNIFORM_KIND.get(pd.api.types.infer_dtype(s, skipna=True))
    if uniform is not None:  # one type throughout (a Sheets column of serials, a CSV column): no per-cell look
        return pd.Series(np.where(s.isna().to_numpy(), "", uniform), index=s.index, dtype=object)
    types = s.map(type)
    out = types.map(_KIND_BY_TYPE)
    odd = out.isna()
    if odd.any():
        out[odd] = types[odd].map(_kind_of_type)
    return out


def as_text(values: pd.Series) -> pd.Series:
    """Text as a person sees it: 7 (a number cell) reads "7", never "7.0"."""

    def fmt(v: object) -> object:
        if v is None or isinstance(v, str):
            return v
        if isinstance(v, bool | np.bool_):
            return "TRUE" if v else "FALSE"
        if isinstance(v, float | np.floating) and float(v).is_integer():
            return str(int(v))
        if isinstance(v, dt.datetime | dt.date):
            return v.isoformat()
        return str(v)

    s = clean(values)
    if _all_text(s):
        return s
    return s.map(fmt)


def display(v: object) -> str:
    """A raw cell as text for the rejects list."""
    if v is None or (isinstance(v, float) and v != v) or v is pd.NaT:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def parse_number(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numbers, with a decimal comma accepted ("7,5"). Returns (float values, bad mask)."""
    s = clean(values)
    kind = _kind(s)
    out = pd.Series(np.nan, index=s.index, dtype="float64")
    num = kind == "n"
    if num.any():
        out[num] = s[num].astype("float64")
    txt = kind == "s"
    if txt.any():
        t = s[txt].astype(str).str.replace("\u00a0", "", regex=False).str.replace(" ", "", regex=False)
        ok = t.str.match(_NUMBER)
        conv = pd.to_numeric(t.where(ok).str.replace(",", ".", regex=False), errors="coerce")
        out[txt] = conv.astype("float64")
    bad = s.notna() & out.isna()
    return out, bad


def parse_integer(values: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Whole numbers. Returns (Int64 values, unparseable mask, not-whole mask)."""
    nums, bad = parse_number(values)
    # Beyond a 32-bit INTEGER (or infinite, "1e400") is no usable whole number: bad, not a crash.
    huge = nums.notna() & ~(nums.abs() <= INT_MAX)
    bad = bad | huge
    nums = nums.where(~huge)
    fractional = nums.notna() & (nums != np.floor(nums.fillna(0)))
    out = nums.where(~fractional).round().astype("Int64")
    return out, bad, fractional


def parse_boolean(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """true/false, yes/no, y/n, 1/0, да/нет, так/ні in any case, and checkbox cells."""
    s = clean(values)

    def one(v: object) -> object:
        if v is None:
            return None
        if isinstance(v, bool | np.bool_):
            return bool(v)
        if isinstance(v, int | float) and v in (0, 1):
            return bool(v)
        k = str(v).strip().casefold()
        if k in TRUE_WORDS:
            return True
        if k in FALSE_WORDS:
            return False
        return "?"

    mapped = s.map(one)
    bad = mapped.map(lambda v: v == "?")
    out = mapped.where(~bad, None).astype("boolean")
    return out, bad.astype(bool)


def parse_enum(values: pd.Series, lookup: dict[str, str]) -> tuple[pd.Series, pd.Series]:
    """Canonical value for each cell via the lookup; (values, unknown mask)."""
    s = as_text(values)
    # An enumeration has a handful of distinct spellings: normalise each once, not per cell.
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    canon = np.array([lookup.get(value_key(u)) for u in uniques] + [None], dtype=object)
    out = pd.Series(canon[codes], index=s.index, dtype=object)
    unknown = s.notna() & out.isna()
    return out, unknown


@dataclass
class Temporal:
    """Parsed temporal cells before time zones: wall time plus where its zone comes from."""

    wall: pd.Series  # naive datetime64[ns] wall-clock time
    zone: pd.Series  # "agency", "serial" or "fixed" (an explicit offset)
    offset_min: pd.Series  # minutes east of UTC for "fixed"
    has_time: pd.Series  # False for a bare date
    bad: pd.Series  # not a date at all
    out_of_range: pd.Series  # a real date, but outside MIN_YEAR..MAX_YEAR


def _from_parts(parts: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Build wall times from regex groups; impossible dates (31.02) come back NaT.

    Returns (wall, has_time, out of range): a year outside MIN_YEAR..MAX_YEAR is NaT and
    flagged, so the caller can say why instead of "not a date".
    """
    cols = {}
    for src, dst in (("Y", "year"), ("M", "month"), ("D", "day"), ("h", "hour"), ("m", "minute"), ("s", "second")):
        cols[dst] = pd.to_numeric(parts[src], errors="coerce") if src in parts else np.nan
    frame = pd.DataFrame(cols, index=parts.index).fillna({"hour": 0, "minute": 0, "second": 0})
    has_time = parts["h"].notna() if "h" in parts else pd.Series(False, index=parts.index)
    valid = (
        frame["month"].between(1, 12)
        & frame["day"].between(1, 31)
        & frame["hour"].between(0, 23)
        & frame["minute"].between(0, 59)
        & frame["second"].between(0, 59)
    )
    in_range = frame["year"].between(MIN_YEAR, MAX_YEAR)
    oob = valid & ~in_range
    valid = valid & in_range
    wall = pd.Series(pd.NaT, index=parts.index, dtype="datetime64[ns]")
    if valid.any():
        wall[valid] = pd.to_datetime(frame[valid].astype("int64"), errors="coerce").astype("datetime64[ns]")
    if "f" in parts:
        frac = parts["f"].fillna("")
        nz = frac != ""
        if nz.any():
            ns = frac[nz].str.ljust(9, "0").str[:9].astype("int64")
            wall[nz] = wall[nz] + pd.to_timedelta(ns, unit="ns")
    return wall, has_time, oob


def parse_temporal(values: pd.Series, ctx: ParseContext) -> Temporal:
    """Every date form of SPEC §1: serials, ISO 8601, DD.MM.YYYY[ H:MM[:SS]], slash dates."""
    s = clean(values)
    idx = s.index
    kind = _kind(s)
    wall = pd.Series(pd.NaT, index=idx, dtype="datetime64[ns]")
    zone = pd.Series("agency", index=idx, dtype=object)
    offset = pd.Series(0, index=idx, dtype="int64")
    has_time = pd.Series(False, index=idx)
    oob = pd.Series(False, index=idx)

    num = kind == "n"
    txt = kind == "s"
    if txt.any():  # numbers typed or exported as text are serials too
        is_num = pd.Series(False, index=idx)
        is_num[txt] = s[txt].str.match(r"^\d+(?:[.,]\d+)?$")
        num = num | is_num
        txt = txt & ~is_num
    if num.any():
        days, _ = parse_number(s[num])
        with np.errstate(over="ignore"):  # 1e308 days is inf seconds: out of range below
            secs = np.round(days.to_numpy(dtype="float64") * 86400.0)
        finite = np.isfinite(secs)
        ok = finite & (secs >= _SERIAL_MIN_S) & (secs < _SERIAL_END_S)
        w = np.full(len(secs), np.datetime64("NaT"), dtype="datetime64[ns]")
        w[ok] = SERIAL_EPOCH + secs[ok].astype("int64").astype("timedelta64[s]")
        wall[num] = w
        oob[num] = finite & ~ok
        zone[num] = "serial"
        with np.errstate(invalid="ignore"):  # inf and nan are bad already
            has_time[num] = (secs % 86400) != 0

    if txt.any():
        t = s[txt].astype(str)
        # Fast path for the forms exports write (C-speed strptime); the regexes take the rest.
        for fmt, timed in (("%Y-%m-%d %H:%M:%S", True), ("%Y-%m-%d %H:%M", True), ("%Y-%m-%d", False)):
            todo = t[(wall[t.index].isna() & ~oob[t.index]).to_numpy()]
            if todo.empty:
                break
            parsed = pd.to_datetime(todo, format=fmt, errors="coerce")
            hit = parsed.notna()
            fits = hit & (parsed >= pd.Timestamp(_WALL_MIN)) & (parsed < pd.Timestamp(_WALL_END))
            ok = fits.to_numpy()
            if ok.any():
                wall[todo.index[ok]] = parsed[ok].astype("datetime64[ns]")
                has_time[todo.index[ok]] = timed
            far = (hit & ~fits).to_numpy()
            if far.any():
                oob[todo.index[far]] = True
        for pattern in (_ISO, _DOTTED, _SLASHED):
            todo = t[wall[t.index].isna() & ~oob[t.index]]
            if todo.empty:
                break
            parts = todo.str.extract(pattern)
            hit = parts["Y"].notna()
            if not hit.any():
                continue
            parts = parts[hit]
            if pattern is _SLASHED:
                first, second = ("D", "M") if ctx.date_order == "DMY" else ("M", "D")
                parts = parts.rename(columns={"A": first, "B": second})
            w, ht, far = _from_parts(parts)
            wall[w.index] = w
            has_time[w.index] = ht
            oob[far.index] = far
            if "tz" in parts:
                tz = parts["tz"].dropna()
                if not tz.empty:
                    mins = tz.map(_offset_minutes)
                    zone[mins.index] = "fixed"
                    offset[mins.index] = mins.astype("int64")
                    has_time[mins.index] = True

    dated = kind.isin(["t", "d"])
    if dated.any():
        for i, v in s[dated].items():
            if not MIN_YEAR <= v.year <= MAX_YEAR:  # a typed 9999-12-31 cell
                oob[i] = True
                continue
            ts = pd.Timestamp(v)
            if ts.tzinfo is not None:
                utc = ts.tz_convert("UTC")
                wall[i] = utc.tz_localize(None)
                zone[i] = "fixed"
                offset[i] = 0
            else:
                wall[i] = ts
            has_time[i] = isinstance(v, dt.datetime) and (ts != ts.normalize())

    oob = oob & s.notna()
    bad = s.notna() & wall.isna() & ~oob
    return Temporal(wall, zone, offset, has_time, bad, oob)


def _offset_minutes(tz: str) -> int:
    if tz in ("Z", "z"):
        return 0
    sign = -1 if tz[0] == "-" else 1
    digits = tz[1:].replace(":", "")
    return sign * (int(digits[:2]) * 60 + int(digits[2:4] or 0))


def _localize(wall: pd.Series, tz: str) -> pd.Series:
    """Wall times in a zone to UTC; DST gaps shift forward, repeated hours take the first."""
    if wall.empty:
        return pd.Series(pd.DatetimeIndex([], tz="UTC"), index=wall.index)
    di = pd.DatetimeIndex(wall)
    loc = di.tz_localize(tz, ambiguous=np.ones(len(di), dtype=bool), nonexistent="shift_forward")
    return pd.Series(loc.tz_convert("UTC"), index=wall.index)


def to_utc(t: Temporal, ctx: ParseContext) -> pd.Series:
    """Instants (datetime64[ns, UTC]) for a datetime column."""
    out = pd.Series(pd.NaT, index=t.wall.index, dtype="datetime64[ns, UTC]")
    for zone, tz in (("agency", ctx.timezone), ("serial", ctx.serial_tz)):
        m = (t.zone == zone) & t.wall.notna()
        if m.any():
            out[m] = _localize(t.wall[m], tz)
    m = (t.zone == "fixed") & t.wall.notna()
    if m.any():
        utc = t.wall[m] - pd.to_timedelta(t.offset_min[m], unit="min")
        out[m] = utc.dt.tz_localize("UTC")
    return out


def to_date(t: Temporal, ctx: ParseContext) -> pd.Series:
    """Dates (datetime64 at midnight, naive) for a date column.

    A serial or a value without an offset is already the agency's calendar date; a value
    with an explicit offset is first moved into the agency's zone.
    """
    wall = t.wall.copy()
    m = (t.zone == "fixed") & wall.notna()
    if m.any():
        utc = (wall[m] - pd.to_timedelta(t.offset_min[m], unit="min")).dt.tz_localize("UTC")
        wall[m] = utc.dt.tz_convert(ctx.timezone).dt.tz_localize(None)
    return wall.dt.normalize()
