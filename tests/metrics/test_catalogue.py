"""The metric catalogue: one dictionary, complete, guarded, and the docs generated from it."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from metrics import catalogue
from metrics.catalogue import METRICS, metric, summarize
from metrics.docs import DOCS_PATH, render
from metrics.formats import QUANTITIES, show
from metrics.report import CLIENT_KEYS, SUMMARY_KEYS


def test_every_division_is_guarded_with_nullif() -> None:
    for m in METRICS:
        if m.expression and "/" in m.expression:
            assert "nullif(" in m.expression, m.name


def test_every_metric_has_a_label_description_and_known_format() -> None:
    names = [m.name for m in METRICS]
    assert len(names) == len(set(names))
    for m in METRICS:
        assert m.label and len(m.description) > 20, m.name
        assert m.format in QUANTITIES, m.name
        assert m.family in {"deadlines", "replies", "approvals", "feedback", "history", "health"}, m.name


def test_every_report_number_is_in_the_catalogue() -> None:
    for fam, keys in SUMMARY_KEYS.items():
        for k in keys:
            assert metric(k).family == fam
    for fam, name in CLIENT_KEYS.values():
        assert metric(name).family == fam


def test_the_metric_dictionary_docs_are_up_to_date() -> None:
    assert DOCS_PATH.read_text(encoding="utf-8") == render(), "run: python -m metrics.docs"
    for m in METRICS:
        assert f"`{m.name}`" in DOCS_PATH.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("value", "fmt", "shown"),
    [(None, "pct", "—"), (float("nan"), "int", "—"), (0.456, "pct", "46%"), (2.5, "hours", "2.5 h"),
     (-1.0, "days", "-1 wd"), (-1.0, "shift", "-1 wd"), (2.0, "shift", "+2 wd"), (-0.4, "shift", "+0 wd"),
     (1234, "int", "1,234"), (66.666, "score", "67")],
)
def test_format_value(value, fmt, shown) -> None:
    assert show(value, fmt) == shown


def test_an_empty_mart_gives_zero_counts_and_null_rates(con) -> None:
    mart = pd.DataFrame({"in_period": pd.Series(dtype=bool), "on_time": pd.Series(dtype=bool),
                         "slip_days": pd.Series(dtype=float), "overdue": pd.Series(dtype=bool),
                         "days_overdue": pd.Series(dtype=float), "rescheduled": pd.Series(dtype=bool),
                         "is_delivered": pd.Series(dtype=bool)})
    row = summarize(con, mart, "deadlines").iloc[0]
    assert row["delivered"] == 0 and row["open_overdue"] == 0
    assert pd.isna(row["on_time_rate"]) and pd.isna(row["median_slip_days"])


def test_every_count_metric_is_a_filtered_count() -> None:
    # summary_records reads a part without rows as 0 for "int" metrics and null for the rest;
    # that is what an aggregate over nothing gives only if every int metric is a count (or a
    # sum that reads nothing as 0).
    for m in METRICS:
        if m.expression and m.format == "int":
            assert m.expression.startswith(("count(", "coalesce(sum(")) and "FILTER (WHERE" in m.expression, m.name
            assert not m.expression.startswith("coalesce(") or m.expression.endswith(", 0)"), m.name


def test_several_summaries_in_one_go_equal_one_at_a_time_even_for_an_empty_part(con) -> None:
    def mart(rows: list[tuple]) -> pd.DataFrame:
        return pd.DataFrame(rows, columns=["in_period", "on_time", "slip_days", "overdue", "days_overdue",
                                           "rescheduled", "is_delivered"]).astype(
            {"in_period": bool, "on_time": bool, "slip_days": float, "overdue": bool, "days_overdue": float,
             "rescheduled": bool, "is_delivered": bool})

    now = mart([(True, True, -1.0, False, float("nan"), False, True), (True, False, 3.0, False, float("nan"),
                                                                        True, True),
                (False, False, 0.0, True, 2.0, True, False)])
    empty = mart([])
    both = catalogue.summary_records(con, {"now": ("deadlines", now), "prev": ("deadlines", empty)})
    assert both["now"] == catalogue.summary_record(con, now, "deadlines")
    assert both["now"]["delivered"] == 2 and both["now"]["on_time_rate"] == 0.5 and both["now"]["open_overdue"] == 1
    assert both["prev"] == {m.name: (0 if m.format == "int" else None)
                            for m in catalogue.family("deadlines") if m.expression}
    assert both["prev"] == {k: (None if pd.isna(v) else int(v) if isinstance(v, int | float) and
                                metric(k).format == "int" else v)
                            for k, v in summarize(con, empty, "deadlines").iloc[0].items()}


def test_weekly_buckets_end_on_as_of_date_and_include_empty_weeks(con) -> None:
    # as_of_date Friday 2026-11-20: weeks are Sat 14..Fri 20, Sat 7..Fri 13, Sat Oct 31..Fri Nov 6
    mart = pd.DataFrame({
        "period_date": pd.to_datetime(["2026-11-20", "2026-11-14", "2026-11-13", "2026-10-01"]),
        "in_period": False, "on_time": [True, False, True, True], "slip_days": [0.0, 2.0, -1.0, 0.0],
        "overdue": False, "days_overdue": float("nan"), "rescheduled": False, "is_delivered": True,
    })
    out = catalogue.weekly(con, mart, "deadlines", "2026-11-20", weeks=3)
    assert out["week"].dt.strftime("%Y-%m-%d").tolist() == ["2026-10-31", "2026-11-07", "2026-11-14"]
    assert out["delivered"].tolist() == [0, 1, 2]
    assert out["on_time_rate"].tolist()[1:] == [1.0, 0.5]
    assert pd.isna(out["on_time_rate"].iloc[0])


def test_expressions_only_use_mart_columns_and_sql() -> None:
    # A typo in a column name would only fail at query time; the catalogue names each one.
    known = {"in_period", "on_time", "slip_days", "overdue", "days_overdue", "rescheduled", "is_delivered",
             "side", "is_open", "breached", "wait_hours", "response_hours", "is_answered", "is_overdue",
             "lag_days", "deliverable_key", "decision", "round", "scale", "score", "normalized",
             "detractor", "days_moved", "client_id"}
    sql_words = {"count", "filter", "where", "and", "or", "not", "nullif", "double", "median", "max", "avg",
                 "quantile_cont", "distinct", "sum", "coalesce", "agency", "client", "nps", "csat", "e", "approved"}
    for m in METRICS:
        if not m.expression:
            continue
        words = set(re.findall(r"[a-z_]+", re.sub(r"'[^']*'", "", m.expression.lower())))
        assert words <= known | sql_words, (m.name, words - known - sql_words)


@pytest.mark.parametrize(("value", "fmt", "out"), [
    (3.125, "score", 3.13), (0.735, "hours", 0.74), (0.995, "pct", 1.0), (2.0, "int", 2),
    (float("nan"), "pct", None), (None, "hours", None), (-0.125, "days", -0.13),
])
def test_report_numbers_round_half_up_to_two_decimals(value, fmt, out) -> None:
    from metrics.formats import plain

    assert plain(value, fmt) == out
