"""Mart tables the sync builds once per load, and the marts cut from them at any as_of."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from data import marts, store
from data.settings import SAMPLE_DIR, Settings, load_settings
from data.store import Snapshot
from data.sync import run_sync
from metrics import cache, materialized
from metrics.context import Context
from metrics.families import family_marts


def load_version(con) -> tuple:
    """Which file and which load a snapshot of con reads."""
    with Snapshot(con) as snap:
        return snap.version


# The sample's reference time, then moments where the cut matters: mid-week with replies
# and approvals still in flight, a Sunday night, and early in the sample's history.
AS_OFS = ("2026-11-20T18:00:00", "2026-11-18T11:30:00", "2026-11-15T23:59:00", "2026-06-03T09:00:00")


@pytest.fixture(scope="module")
def synced_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample synced the normal way: its mart tables are built with the load."""
    path = tmp_path_factory.mktemp("materialized") / "pulse.duckdb"
    con = store.connect(path)
    try:
        assert run_sync(con, Settings(db=str(path)), str(SAMPLE_DIR)).ok
    finally:
        con.close()
    return path


@pytest.fixture(scope="module")
def without_tables(synced_sample: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same load with its mart tables and their fingerprint dropped (an older file)."""
    path = tmp_path_factory.mktemp("plain") / "pulse.duckdb"
    shutil.copy(synced_sample, path)
    con = duckdb.connect(str(path))
    try:
        for name in marts.MARTS:
            con.execute(f'DROP TABLE "{name}"')
        con.execute("DELETE FROM meta WHERE key = ?", [store.MARTS_KEY])
        # A different load id, so the two files never share a cache entry.
        con.execute("UPDATE meta SET value = value || '-plain' WHERE key = 'loaded_at'")
    finally:
        con.close()
    return path


def test_a_sync_builds_every_mart_table_with_the_load_and_its_sql_fingerprint(synced_sample: Path) -> None:
    con = store.connect(synced_sample, read_only=True)
    try:
        assert store.read_meta(con)[store.MARTS_KEY] == marts.fingerprint()
        for name, sql in marts.MARTS.items():
            stored = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            computed = con.execute(f"SELECT count(*) FROM ({sql})").fetchone()[0]
            assert stored == computed > 0
    finally:
        con.close()


@pytest.mark.parametrize("as_of", AS_OFS)
def test_marts_cut_from_the_tables_equal_marts_computed_from_the_loaded_tabs(
        synced_sample: Path, without_tables: Path, as_of: str) -> None:
    settings = load_settings(None)
    ctx = Context.build(settings, as_of, 7)
    cache.clear()
    fast, slow = (store.connect(p, read_only=True) for p in (synced_sample, without_tables))
    try:
        assert load_version(fast) != load_version(slow)
        got, want = family_marts(fast, ctx), family_marts(slow, ctx)
    finally:
        fast.close()
        slow.close()
    for family, mart in want.items():
        if family == "history":  # read from the history tables, not from a mart table
            continue
        assert len(mart) > 0, family
        pd.testing.assert_frame_equal(got[family], mart, check_dtype=True, obj=family)


def test_tables_built_by_other_sql_are_rebuilt_when_the_file_is_opened(synced_sample: Path, tmp_path: Path) -> None:
    path = tmp_path / "stale.duckdb"
    shutil.copy(synced_sample, path)
    con = duckdb.connect(str(path))
    try:
        # The table now disagrees with the loaded messages, and its fingerprint says why.
        con.execute("DELETE FROM mart_reply_episodes WHERE side = 'client'")
        con.execute("UPDATE meta SET value = 'older-sql' WHERE key = ?", [store.MARTS_KEY])
        assert len(materialized.read(con, "mart_reply_episodes").query("side == 'client'")) > 0  # not trusted
    finally:
        con.close()
    con = store.connect(path)
    try:
        assert store.read_meta(con)[store.MARTS_KEY] == marts.fingerprint()
        assert con.execute("SELECT count(*) FROM mart_reply_episodes WHERE side = 'client'").fetchone()[0] > 0
    finally:
        con.close()


def test_a_new_load_on_the_same_connection_is_seen_without_clearing_any_cache(tmp_path: Path) -> None:
    path = tmp_path / "pulse.duckdb"
    con = store.connect(path)
    try:
        assert run_sync(con, Settings(db=str(path)), str(SAMPLE_DIR)).ok
        first = load_version(con)
        assert load_version(con) == first
        assert run_sync(con, Settings(db=str(path)), str(SAMPLE_DIR)).ok
        assert load_version(con) != first
    finally:
        con.close()


def test_a_mart_table_that_cannot_be_built_fails_the_sync_and_keeps_the_previous_load(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "pulse.duckdb"
    con = store.connect(path)
    try:
        assert run_sync(con, Settings(db=str(path)), str(SAMPLE_DIR)).ok
        before = store.read_meta(con)["sync_id"]
        with monkeypatch.context() as m:
            m.setitem(marts.MARTS, "mart_reply_episodes", "SELECT * FROM no_such_table")
            with pytest.raises(duckdb.Error):
                run_sync(con, Settings(db=str(path)), str(SAMPLE_DIR))
        assert store.read_meta(con)["sync_id"] == before
        assert con.execute("SELECT count(*) FROM mart_reply_episodes").fetchone()[0] > 0
    finally:
        con.close()
