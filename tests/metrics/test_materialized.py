"""Mart tables the sync builds once per load, and the marts cut from them at any as_of."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from data import store
from data.settings import SAMPLE_DIR, Settings, load_settings
from data.sync import run_sync
from metrics import materialized
from metrics.context import Context, clear_mart_cache, data_version
from metrics.summaries import family_marts

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
    """The same load with its mart tables and their meta rows dropped (an older file)."""
    path = tmp_path_factory.mktemp("plain") / "pulse.duckdb"
    shutil.copy(synced_sample, path)
    con = duckdb.connect(str(path))
    try:
        for name in materialized.tables():
            con.execute(f'DROP TABLE "{name}"')
        con.execute("DELETE FROM meta WHERE starts_with(key, ?)", [materialized.META_PREFIX])
        # A different load id, so the two files never share a cache entry.
        con.execute("UPDATE meta SET value = value || '-plain' WHERE key = 'loaded_at'")
    finally:
        con.close()
    return path


def test_a_sync_builds_every_mart_table_with_its_sql_fingerprint(synced_sample: Path) -> None:
    con = store.connect(synced_sample, read_only=True)
    try:
        meta = store.read_meta(con)
        for name, sql in materialized.tables().items():
            assert meta[materialized.META_PREFIX + name] == materialized.fingerprint(sql)
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
    clear_mart_cache()
    fast, slow = (store.connect(p, read_only=True) for p in (synced_sample, without_tables))
    try:
        assert data_version(fast) != data_version(slow)
        got, want = family_marts(fast, ctx), family_marts(slow, ctx)
    finally:
        fast.close()
        slow.close()
    for family, mart in want.items():
        assert len(mart) > 0, family
        pd.testing.assert_frame_equal(got[family], mart, check_dtype=True, obj=family)


def test_a_table_written_by_other_sql_is_not_trusted(synced_sample: Path, tmp_path: Path) -> None:
    path = tmp_path / "stale.duckdb"
    shutil.copy(synced_sample, path)
    con = duckdb.connect(str(path))
    try:
        # The table now disagrees with the loaded messages, and its fingerprint says why.
        con.execute("DELETE FROM mart_reply_episodes WHERE side = 'client'")
        assert len(materialized.read(con, "mart_reply_episodes").query("side == 'client'")) == 0
        con.execute("UPDATE meta SET value = 'older-sql' WHERE key = ?",
                    [materialized.META_PREFIX + "mart_reply_episodes"])
        clear_mart_cache()
        assert len(materialized.read(con, "mart_reply_episodes").query("side == 'client'")) > 0
    finally:
        con.close()
        clear_mart_cache()


def test_a_new_load_on_the_same_connection_is_seen_without_clearing_any_cache(tmp_path: Path) -> None:
    path = tmp_path / "pulse.duckdb"
    con = store.connect(path)
    try:
        assert run_sync(con, Settings(db=str(path)), str(SAMPLE_DIR)).ok
        first = data_version(con)
        assert data_version(con) == first  # remembered
        assert run_sync(con, Settings(db=str(path)), str(SAMPLE_DIR)).ok
        assert data_version(con) != first
    finally:
        con.close()


def test_a_mart_table_that_cannot_be_built_costs_the_speed_up_not_the_load(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, synced_sample: Path) -> None:
    path = tmp_path / "pulse.duckdb"
    con = store.connect(path)
    try:
        with monkeypatch.context() as m:
            broken = {**materialized.tables(), "mart_reply_episodes": "SELECT * FROM no_such_table"}
            m.setattr(materialized, "tables", lambda: broken)
            assert run_sync(con, Settings(db=str(path)), str(SAMPLE_DIR)).ok
        assert not [k for k in store.read_meta(con) if k.startswith(materialized.META_PREFIX)]
        assert con.execute("SELECT count(*) FROM messages").fetchone()[0] > 0
        clear_mart_cache()
        ctx = Context.build(load_settings(None), AS_OFS[0], 7)
        got = family_marts(con, ctx)
        ref = store.connect(synced_sample, read_only=True)
        try:
            want = family_marts(ref, ctx)
        finally:
            ref.close()
        for family, mart in want.items():
            pd.testing.assert_frame_equal(got[family], mart, obj=family)
    finally:
        con.close()
        clear_mart_cache()
