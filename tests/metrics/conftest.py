"""Fixtures shared by the metrics tests."""

from __future__ import annotations

import pytest

from data import store
from data.settings import Settings
from data.sync import first_sync


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory):
    """(connection, settings) of the bundled sample synced with its weekly history, as a first run does."""
    s = Settings(db=str(tmp_path_factory.mktemp("sample-with-history") / "pulse.duckdb"))
    c = store.connect(s.db_path())
    assert first_sync(c, s).ok
    yield c, s
    c.close()
