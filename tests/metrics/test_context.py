"""The Context every metric is computed against, and the mart cache behind it."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pandas as pd

from data.settings import parse_settings
from metrics import cache
from metrics.context import Context, Filters, cached_mart


def test_a_period_is_the_n_days_ending_on_as_of_date_in_agency_time() -> None:
    ctx = Context.build(parse_settings({"timezone": "Europe/Moscow"}), "2026-11-20T23:30:00+00:00", 7)
    # 23:30 UTC is 02:30 on the 21st in Moscow.
    assert (ctx.as_of_date, ctx.period_start, ctx.period_end) == (
        dt.date(2026, 11, 21), dt.date(2026, 11, 15), dt.date(2026, 11, 21))


def test_the_previous_period_is_the_same_days_before_even_across_a_dst_change() -> None:
    # New York falls back on Sun 2026-11-01: 7 × 24 h before as_of would land on Oct 28 at
    # 00:59:59 and count Oct 28 in both periods.
    ctx = Context.build(parse_settings({"timezone": "America/New_York"}), "2026-11-03T23:59:59", 7)
    prev = ctx.previous()
    assert (ctx.period_start, ctx.period_end) == (dt.date(2026, 10, 28), dt.date(2026, 11, 3))
    assert (prev.period_start, prev.period_end) == (dt.date(2026, 10, 21), dt.date(2026, 10, 27))
    assert prev.as_of.tz_convert("America/New_York").strftime("%H:%M:%S") == "23:59:59"


def _mart(calls: list[int], delay: float = 0.0):
    @cached_mart
    def build(con, ctx):
        calls.append(1)
        time.sleep(delay)
        return pd.DataFrame({"client_id": ["C1", "C2"], "period_date": pd.to_datetime(["2026-11-20", "2026-10-01"])})

    return build


def test_concurrent_sessions_asking_for_one_cold_mart_build_it_once(con) -> None:
    cache.clear()
    calls: list[int] = []
    build = _mart(calls, delay=0.3)
    ctx = Context.build(parse_settings({}), "2026-11-20T18:00:00", 7)
    results = []
    threads = [threading.Thread(target=lambda: results.append(build(con, ctx))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len(results) == 4
    # The filters and the period apply per call, on the one cached build.
    only = build(con, ctx.shifted(filters=Filters(clients=("C2",))))
    assert only["client_id"].tolist() == ["C2"] and only["in_period"].tolist() == [False]
    assert build(con, ctx.shifted(period_days=91))["in_period"].tolist() == [True, True]
    assert len(calls) == 1


def test_the_mart_cache_drops_the_oldest_marts_beyond_its_byte_budget(con, monkeypatch) -> None:
    cache.clear()
    monkeypatch.setattr(cache, "MAX_BYTES", 1)  # every new mart pushes the older ones out
    calls: list[int] = []
    build = _mart(calls)
    s = parse_settings({})
    build(con, Context.build(s, "2026-11-20T18:00:00", 7))
    build(con, Context.build(s, "2026-11-19T18:00:00", 7))
    build(con, Context.build(s, "2026-11-20T18:00:00", 7))
    assert len(calls) == 3
    cache.clear()
