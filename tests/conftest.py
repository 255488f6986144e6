"""Shared fixtures: tiny workbooks written by the test itself, settings, and a store."""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from data import store
from data.headers import load_column_map
from data.settings import Settings, parse_settings
from data.validate import LoadResult, stage
from data.workbook import RawTab, RawWorkbook

# Every chart a test draws (AppTest, and the browser suite's server) is also validated by
# plotly and must come out unchanged (views/figures.py).
os.environ.setdefault("PULSE_STRICT_CHARTS", "1")

# The smallest valid workbook: one of each required tab, ids the tests can extend.
MINIMAL_TABS: dict[str, list[list[str]]] = {
    "clients": [["client_id", "client_name", "account_manager", "tier", "status", "start_date"],
                ["C01", "Acme", "Anna", "A", "active", "2026-01-05"]],
    "projects": [["project_id", "client_id", "project_name", "project_manager", "department", "status",
                  "start_date", "baseline_due", "due_date", "delivered_date", "slip_cause"],
                 ["P01", "C01", "Site", "Pat", "Digital", "active", "2026-01-01", "2026-11-13", "2026-11-20", "", ""]],
    "messages": [["message_id", "thread_id", "client_id", "project_id", "channel", "direction", "sender", "sent_at",
                  "needs_reply"],
                 ["M1", "T1", "C01", "P01", "email", "in", "client@acme.test", "2026-11-20 18:00", ""]],
    "approvals": [["approval_id", "project_id", "deliverable", "round", "sent_at", "due_by", "responded_at",
                   "decision", "approver"],
                  ["A1", "P01", "Key visual", "1", "2026-11-10", "", "2026-11-12", "approved", "Client"]],
    "feedback": [["response_id", "client_id", "project_id", "received_on", "score", "scale", "respondent", "comment"],
                 ["R1", "C01", "", "2026-11-10", "9", "nps", "Client", "Great"]],
}


def raw_workbook(tabs: dict[str, list[list[object]]], *, kind: str = "csv", serial_timezone: str | None = None,
                 locale: str | None = None) -> RawWorkbook:
    """A RawWorkbook from {title: [header, *rows]} as any reader would hand it over."""
    return RawWorkbook(
        source="test",
        kind=kind,
        tabs=[RawTab(t, list(rows[0]) if rows else [], [list(r) for r in rows[1:]]) for t, rows in tabs.items()],
        serial_timezone=serial_timezone,
        locale=locale,
    )


def with_rows(tab: str, *rows: list[object], base: dict | None = None) -> dict[str, list[list[object]]]:
    """MINIMAL_TABS (or base) with rows appended to one tab."""
    tabs = {k: [list(r) for r in v] for k, v in (base or MINIMAL_TABS).items()}
    tabs[tab] = tabs[tab] + [list(r) for r in rows]
    return tabs


def stage_tabs(tabs: dict[str, list[list[object]]], timezone: str = "UTC", date_order: str = "DMY",
               **kw: object) -> LoadResult:
    """Stage a workbook given as {title: [header, *rows]} with the default column map."""
    return stage(raw_workbook(tabs, **kw), load_column_map(), timezone, date_order)  # type: ignore[arg-type]


def write_csv_folder(folder: Path, tabs: dict[str, list[list[object]]]) -> Path:
    """A folder of .csv files, one per tab, as an agency would export them."""
    folder.mkdir(parents=True, exist_ok=True)
    for title, rows in tabs.items():
        with (folder / f"{title}.csv").open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows(rows)
    return folder


@pytest.fixture
def csv_workbook(tmp_path: Path) -> Callable[..., Path]:
    """Writes {title: rows} as a CSV-folder workbook under tmp_path and returns its path."""
    counter = iter(range(1000))

    def make(tabs: dict[str, list[list[object]]] | None = None) -> Path:
        return write_csv_folder(tmp_path / f"wb{next(counter)}", tabs or MINIMAL_TABS)

    return make


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Default settings with the store in tmp_path."""
    return parse_settings({"db": str(tmp_path / "pulse.duckdb")})


@pytest.fixture
def con(settings: Settings):
    """An open store in tmp_path, closed after the test."""
    c = store.connect(settings.db_path())
    yield c
    c.close()


def load_tabs(con, tabs: dict[str, list[list[object]]], timezone: str = "UTC", date_order: str = "DMY") -> None:
    """Stage a tiny workbook and write it into the store, as a sync would."""
    import datetime as dt

    result = stage_tabs(tabs, timezone=timezone, date_order=date_order)
    store.write_load(con, result, source="test", kind="csv", started_at=dt.datetime.now(dt.UTC))


@pytest.fixture
def loaded(tmp_path: Path) -> Callable[..., duckdb.DuckDBPyConnection]:
    """Returns a function: tabs → an open store holding exactly that workbook."""
    opened: list[duckdb.DuckDBPyConnection] = []
    counter = iter(range(1000))

    def make(tabs: dict[str, list[list[object]]], timezone: str = "UTC") -> duckdb.DuckDBPyConnection:
        c = store.connect(tmp_path / f"loaded{next(counter)}.duckdb")
        opened.append(c)
        load_tabs(c, tabs, timezone)
        return c

    yield make
    for c in opened:
        c.close()
