"""AppTest fixtures: the app on the synced sample and on an empty workbook."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from data import store
from data.settings import ROOT, SAMPLE_DIR, Settings
from data.sync import first_sync
from data.template import TEMPLATE_PATH
from views import registry

APP = str(ROOT / "app.py")
PAGES = [p.key for p in registry.PAGES]
SAMPLE_AS_OF = dt.date(2026, 11, 20)


def synced(path: Path, source: Path) -> Path:
    con = store.connect(path)
    try:
        outcome = first_sync(con, Settings(db=str(path)), str(source))  # the sample: with its history
        assert outcome.ok, outcome.error
    finally:
        con.close()
    return path


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled sample, synced once for the whole session."""
    return synced(tmp_path_factory.mktemp("sample") / "pulse.duckdb", SAMPLE_DIR)


@pytest.fixture(scope="session")
def empty_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The blank template workbook: every tab present, no rows."""
    return synced(tmp_path_factory.mktemp("empty") / "pulse.duckdb", TEMPLATE_PATH)


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, sample_db: Path) -> Callable[..., AppTest]:
    """Returns open(page, db=sample, query={...}) → an AppTest that has run that page."""

    def open_page(page: str = registry.DEFAULT, db: Path | None = None, query: dict | None = None) -> AppTest:
        monkeypatch.setenv("PULSE_DB", str(db or sample_db))
        monkeypatch.setenv("PULSE_WARM", "0")  # no background warm-up racing the page under test
        at = AppTest.from_file(APP, default_timeout=120)
        for k, v in (query or {}).items():
            at.query_params[k] = v
        at.run()
        if page != registry.DEFAULT:
            at.switch_page(registry.page(page).file).run()
        return at

    return open_page


def tile_key(label: str) -> str:
    """A tile's metric label without what the tile adds to it (its unit words and its base:
    "NPS · 3 responses" → "NPS", "Longest wait, business h" → "Longest wait")."""
    return label.split(" · ")[0].removesuffix(", business h")


def metric_values(at: AppTest) -> dict[str, str]:
    """Tile (metric) label → shown value."""
    return {tile_key(m.label): m.value for m in at.metric}


REFERENCE_AS_OF = "2026-11-20T18:00:00"  # the sample's reference time


def ask(db: Path, fn, *args, period_days: int = 7, **filters):
    """fn(con, ctx, *args) straight from metrics/, for the Context a page shows by default."""
    from metrics.context import Context, Filters

    ctx = Context.build(Settings(db=str(db)), as_of=REFERENCE_AS_OF, period_days=period_days,
                        filters=Filters(**filters))
    con = store.connect(db)
    try:
        return fn(con, ctx, *args)
    finally:
        con.close()


def expected_tiles_for(db: Path, summary_fn, names: list[str], period_days: int = 7,
                       **filters) -> dict[str, str]:
    """Tile label → value as metrics/ says it should be shown."""
    from metrics.catalogue import metric

    summary = ask(db, summary_fn, period_days=period_days, **filters)
    return {metric(n).label: metric(n).fmt(summary[n]) for n in names}


def shown_tiles_for(at: AppTest, names: list[str]) -> dict[str, str]:
    """Tile label → value as the page shows it, for the given catalogue metrics."""
    from metrics.catalogue import metric

    values = metric_values(at)
    return {metric(n).label: values[metric(n).label] for n in names}


def edited_copy(db: Path, folder: Path, *statements: str) -> Path:
    """A copy of db changed by SQL statements, its mart tables rebuilt as a sync would."""
    import shutil

    from metrics import cache

    path = folder / "pulse.duckdb"
    shutil.copy(db, path)
    con = store.connect(path)
    try:
        for sql in statements:
            con.execute(sql)
        store.rebuild_marts(con)  # the marts denormalise names: a write outside the sync rebuilds them
        cache.clear()
    finally:
        con.close()
    return path


def tile_checks(summary_fn, names: list[str]):
    """A page's two tile checks: (db, period_days, **filters) → what metrics/ says the tiles
    show, and AppTest → what the page shows, both as label → text."""
    def expected(db: Path, period_days: int = 7, **filters) -> dict[str, str]:
        return expected_tiles_for(db, summary_fn, names, period_days, **filters)

    def shown(at: AppTest) -> dict[str, str]:
        return shown_tiles_for(at, names)

    return expected, shown


def sample_variant(folder: Path, edits: dict[str, list[tuple[str, str]]]) -> Path:
    """The sample copied into folder with text replaced in some of its CSVs, then synced."""
    import shutil

    for f in SAMPLE_DIR.glob("*.csv"):
        shutil.copy(f, folder)
    for name, pairs in edits.items():
        path = folder / name
        text = path.read_text(encoding="utf-8")
        for old, new in pairs:
            assert old in text, old
            text = text.replace(old, new)
        path.write_text(text, encoding="utf-8")
    return synced(folder / "pulse.duckdb", folder)


@pytest.fixture(autouse=True)
def no_warm_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """No background warm-up racing a test for its DuckDB file (test_app tests the warm-up itself)."""
    monkeypatch.setenv("PULSE_WARM", "0")


DRAWN: dict[str, pd.DataFrame] = {}
CALLS: dict[str, dict[str, Any]] = {}  # key → the arguments common.table was called with


@pytest.fixture(autouse=True)
def record_tables(monkeypatch: pytest.MonkeyPatch) -> dict[str, pd.DataFrame]:
    """Every table a page draws in this test, by its key: the frame handed to common.table, ids and all."""
    import contextlib

    from views import common, shell

    DRAWN.clear()
    CALLS.clear()
    real_table, real_pinned = common.table, shell.pinned

    def recording(df: pd.DataFrame, key: str, *args: Any, **kwargs: Any) -> None:
        DRAWN[key] = df
        CALLS[key] = {"columns": args[0] if args else kwargs.get("columns"), **kwargs}
        real_table(df, key, *args, **kwargs)

    @contextlib.contextmanager
    def pinned() -> Any:  # every run starts afresh: a table not drawn this run is not there
        DRAWN.clear()
        CALLS.clear()
        with real_pinned() as snapshot:
            yield snapshot

    monkeypatch.setattr(common, "table", recording)
    monkeypatch.setattr(shell, "pinned", pinned)
    return DRAWN


def drawn(key: str) -> pd.DataFrame | None:
    """The frame behind the table a page drew under this key (None: not drawn)."""
    return DRAWN.get(key)
