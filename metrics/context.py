"""What every metric is computed against: as_of, the period, the filters, the calendar.

One frozen, hashable record, so the dashboard can cache a result per filter set and the
report command, the pages and the tests all ask the same question the same way.
"""

from __future__ import annotations

import datetime as dt
import functools
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from data.settings import Settings
from data.store import snapshot
from metrics.cache import memo
from metrics.calendar import Calendar

# DuckDB 2.0's own DataFrame conversion of TIMESTAMPTZ columns calls a pandas API that
# pandas 3.1 deprecates; the call is inside duckdb, not ours, and the result is correct.
warnings.filterwarnings("ignore", message="The inplace keyword in DataFrame.drop", module="pandas")
# Small results (a summary's few rows) come back as Arrow from a plain execute on purpose:
# the relation API would plan the query twice; the copy DuckDB warns about is a few rows.
warnings.filterwarnings("ignore", message="Arrow output on a DB-API result makes an extra copy")


@dataclass(frozen=True)
class Filters:
    """The dashboard's global filters; empty means 'all'. Values are ids/names as loaded."""

    clients: tuple[str, ...] = ()
    account_managers: tuple[str, ...] = ()
    project_managers: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    tiers: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return any(getattr(self, f) for f in self.__dataclass_fields__)


def parse_as_of(value: str | dt.datetime | pd.Timestamp | None, timezone: str) -> pd.Timestamp:
    """An as_of without an offset is agency time (SPEC §3); None is now."""
    if value is None or value == "":
        return pd.Timestamp.now(tz=timezone).floor("s")
    ts = pd.Timestamp(value)
    if ts.tzinfo is None:
        ts = ts.tz_localize(timezone, ambiguous=True, nonexistent="shift_forward")
    return ts.tz_convert(timezone)


@dataclass(frozen=True)
class Context:
    """as_of (aware, agency zone), a period of N days ending on as_of's date, and filters."""

    settings: Settings
    as_of: pd.Timestamp
    period_days: int = 7
    filters: Filters = field(default_factory=Filters)

    def __post_init__(self) -> None:
        if self.period_days < 1:
            raise ValueError("period_days must be 1 or more")
        if self.as_of.tzinfo is None:
            raise ValueError("as_of must carry a time zone (use parse_as_of)")

    @classmethod
    def build(cls, settings: Settings, as_of: Any = None, period_days: int = 7,
              filters: Filters | None = None) -> Context:
        return cls(settings, parse_as_of(as_of, settings.timezone), period_days, filters or Filters())

    @cached_property
    def calendar(self) -> Calendar:
        return calendar_for(self.settings)

    @property
    def tz(self) -> str:
        return self.settings.timezone

    @property
    def as_of_date(self) -> dt.date:
        """as_of's date in the agency's time zone."""
        return self.as_of.tz_convert(self.tz).date()

    @property
    def as_of_utc(self) -> dt.datetime:
        return self.as_of.tz_convert("UTC").to_pydatetime()

    @property
    def period_start(self) -> dt.date:
        return self.as_of_date - dt.timedelta(days=self.period_days - 1)

    @property
    def period_end(self) -> dt.date:
        return self.as_of_date

    def previous(self) -> Context:
        """The same-length period just before this one (for 'change vs previous period').

        Shifted on the agency's wall clock, so a DST change inside it cannot move a day.
        """
        local = self.as_of.tz_convert(self.tz).tz_localize(None) - pd.Timedelta(days=self.period_days)
        return replace(self, as_of=local.tz_localize(self.tz, ambiguous=True, nonexistent="shift_forward"))

    def shifted(self, **kw: Any) -> Context:
        return replace(self, **kw)

    def in_period(self, dates: pd.Series) -> pd.Series:
        """Which dates (date or datetime64 naive local dates) fall in the period."""
        if isinstance(dates, pd.Series) and dates.dtype.kind == "M" and getattr(dates.dtype, "tz", None) is None:
            d = dates.to_numpy()  # the marts' case, in numpy: NaT compares False
            flag = (d >= np.datetime64(self.period_start)) & (d <= np.datetime64(self.period_end))
            return pd.Series(flag, index=dates.index)
        d = pd.to_datetime(dates)
        return (d >= pd.Timestamp(self.period_start)) & (d <= pd.Timestamp(self.period_end))

    def local_dates(self, instants: pd.Series) -> pd.Series:
        """Aware instants → naive datetime64 dates in the agency's zone (NaT stays NaT)."""
        s = pd.to_datetime(instants, utc=True)
        return s.dt.tz_convert(self.tz).dt.tz_localize(None).dt.normalize()


def utc_instants(values: pd.Series) -> pd.Series:
    """Instants as aware UTC datetime64[us] (DuckDB hands TIMESTAMPTZ over in its session zone)."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC").astype("datetime64[us, UTC]")
    return pd.to_datetime(values, utc=True).astype("datetime64[us, UTC]")


_CALENDARS: dict[tuple, Calendar] = {}


def calendar_for(settings: Settings) -> Calendar:
    """One Calendar per calendar setting set (holiday tables are built once)."""
    key = tuple(sorted((k, str(v)) for k, v in settings.calendar_settings().items()))
    cal = _CALENDARS.get(key)
    if cal is None:
        cal = _CALENDARS[key] = Calendar.from_settings(settings.calendar_settings())
    return cal


def query_df(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
    """Run one query on its own cursor (DuckDB 2 refuses concurrent use of a connection)."""
    cur = con.cursor()
    try:
        return cur.execute(sql, params or []).df()
    finally:
        cur.close()


def query_arrow(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
    """Like query_df, through Arrow: several times faster for wide string results (a mart's).

    Large Arrow strings are what pandas' string dtype stores, so asking for them spares a
    cast of every string column; the setting lives on this cursor's own session only.
    Dates come back as datetime64, not objects; callers cast the columns they use.
    """
    cur = con.cursor()
    try:
        cur.execute("SET SESSION arrow_large_buffer_size = true")
        return cur.sql(sql, params=params or None).to_arrow_table().to_pandas(date_as_object=False)
    finally:
        cur.close()


def client_filter_sql(f: Filters, alias: str = "c") -> tuple[str, list[Any]]:
    """WHERE fragments for the client-level filters (client, account manager, tier)."""
    parts, params = [], []
    for col, values in (("client_id", f.clients), ("account_manager", f.account_managers), ("tier", f.tiers)):
        if values:
            parts.append(f"{alias}.{col} IN ({', '.join('?' for _ in values)})")
            params.extend(values)
    return " AND ".join(parts) or "TRUE", params


def project_filter_sql(f: Filters, alias: str = "p") -> tuple[str, list[Any]]:
    """WHERE fragments for project-level filters (project manager, department).

    Rows without a project never match an active project filter: they belong to no PM.
    """
    parts, params = [], []
    for col, values in (("project_manager", f.project_managers), ("department", f.departments)):
        if values:
            parts.append(f"{alias}.{col} IN ({', '.join('?' for _ in values)})")
            params.extend(values)
    return " AND ".join(parts) or "TRUE", params


# Columns every mart carries so that filters and groupings work the same everywhere.
DIMENSION_COLUMNS = ("client_id", "client_name", "account_manager", "tier", "project_id", "project_name",
                     "project_manager", "department")


def mart_filter_sql(f: Filters, columns: Any, channel_column: str | None = "channel") -> tuple[str, list[Any]]:
    """apply_filters as SQL over a registered mart: the same rows, kept by DuckDB instead of pandas."""
    parts: list[str] = []
    params: list[Any] = []
    for col, values in _wanted(f, columns, channel_column):
        if col not in columns:
            return "FALSE", []
        parts.append(f'"{col}" IN ({", ".join("?" for _ in values)})')
        params.extend(values)
    return " AND ".join(parts) or "TRUE", params


def frame_from(base: pd.DataFrame, rows: int, columns: tuple[str, ...] | list[str],
               **new: Any) -> pd.DataFrame:
    """The first `rows` rows of a base frame, in `columns` order, some columns replaced by `new`.

    One DataFrame built from arrays: a cut at as_of is a prefix of the base, and pandas'
    assign-then-select would copy the frame twice for the same result.
    """
    data = {c: new[c] if c in new else base[c].array[:rows] for c in columns}
    return pd.DataFrame(data, copy=False)


def apply_filters(df: pd.DataFrame, f: Filters, channel_column: str | None = None) -> pd.DataFrame:
    """Keep the rows of a mart that match the global filters (empty filter = all).

    Rows without a project never match a project-manager or department filter.
    """
    if not f.active or df.empty:
        return df
    keep = np.ones(len(df), dtype=bool)
    for col, values in _wanted(f, df.columns, channel_column):
        if col not in df:
            return df.iloc[:0]
        keep &= df[col].isin(values).to_numpy(dtype=bool, na_value=False)
    return df.take(np.flatnonzero(keep))


def _wanted(f: Filters, columns: Any, channel_column: str | None) -> list[tuple[str, tuple[str, ...]]]:
    """(column, values) of the active filters; the channel one only where the mart has a channel."""
    wanted = [("client_id", f.clients), ("account_manager", f.account_managers), ("tier", f.tiers),
              ("project_manager", f.project_managers), ("department", f.departments)]
    if channel_column and channel_column in columns:
        wanted.append((channel_column, f.channels))
    return [(col, values) for col, values in wanted if values]


def filter_options(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """The values each global filter can take, from the loaded workbook (once per load)."""
    q = {
        "clients": "SELECT client_id FROM clients ORDER BY client_id",
        "account_managers": "SELECT DISTINCT account_manager FROM clients WHERE account_manager IS NOT NULL ORDER BY 1",
        "tiers": "SELECT DISTINCT tier FROM clients WHERE tier IS NOT NULL ORDER BY 1",
        "project_managers": "SELECT DISTINCT project_manager FROM projects WHERE project_manager IS NOT NULL "
                            "ORDER BY 1",
        "departments": "SELECT DISTINCT department FROM projects WHERE department IS NOT NULL ORDER BY 1",
        "channels": "SELECT DISTINCT channel FROM messages WHERE channel IS NOT NULL ORDER BY 1",
    }
    with snapshot(con) as snap:
        found = memo(("options", snap.version),
                     lambda: {k: query_df(snap, sql).iloc[:, 0].astype(str).tolist() for k, sql in q.items()})
    return {k: list(v) for k, v in found.items()}


def client_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """client_id → client_name of the loaded workbook, ordered by id (once per load)."""
    with snapshot(con) as snap:
        found = memo(("client_names", snap.version), lambda: dict(
            snap.execute("SELECT client_id, client_name FROM clients ORDER BY client_id").fetchall()))
    return dict(found)


# --- the mart cache --------------------------------------------------------------------------
# A mart depends on the loaded data, the settings and as_of. The global filters only keep
# some of its rows and the period only sets in_period from period_date. So the unfiltered
# mart is built once per as_of (cut from a base built once per load, see cached_base) and
# every filter set and period after that costs a vectorised row filter and one comparison.
# All of it lives in metrics/cache.py, keyed by the load.


def cached_base(build: Callable[[duckdb.DuckDBPyConnection, Context], pd.DataFrame]) -> Callable[..., pd.DataFrame]:
    """Cache what a mart needs before as_of is known, per (data version, settings).

    A base holds every row the load has, whatever as_of; the mart builder cuts it at
    as_of. The dashboard asks for many as_of values (the previous period for every
    tile's change, the live clock, time travel), and each then costs a cut, not a build.
    """

    @functools.wraps(build)
    def base(con: duckdb.DuckDBPyConnection, ctx: Context) -> pd.DataFrame:
        with snapshot(con) as snap:  # the key and the build read one load
            key = ("base", build.__module__, build.__qualname__, snap.version, repr(ctx.settings))
            return memo(key, lambda: build(snap, ctx))

    return base


def cached_mart(build: Callable[[duckdb.DuckDBPyConnection, Context], pd.DataFrame]) -> Callable[..., pd.DataFrame]:
    """Cache a mart builder's result per (data version, settings, as_of); filter (apply_filters,
    the last results kept) and flag in_period per call. The builder is only ever asked for the
    unfiltered mart, and in_period is always set here."""

    @functools.wraps(build)
    def mart(con: duckdb.DuckDBPyConnection, ctx: Context) -> pd.DataFrame:
        with snapshot(con) as snap:  # the key and the build read one load
            key = ("mart", build.__module__, build.__qualname__, snap.version, repr(ctx.settings), ctx.as_of.value)
            df = memo(key, lambda: build(snap, replace(ctx, filters=Filters())))
        if ctx.filters.active:  # the page asks for one filtered mart several times per rerun
            df = memo(("filtered", *key[1:], ctx.filters),
                      lambda: apply_filters(df, ctx.filters, channel_column="channel").reset_index(drop=True))
        flag = (ctx.in_period(df["period_date"]).fillna(False).to_numpy(dtype=bool) if len(df)
                else np.zeros(0, dtype=bool))
        return df.assign(in_period=flag)

    return mart
