"""What changed since last week: the diff of now against as_of − 7 days, by time travel."""

from __future__ import annotations

import pytest

from data import store
from data.settings import parse_settings
from data.sync import run_sync
from metrics import cache, changes, replies
from metrics.context import Context
from tests.conftest import write_csv_folder
from tests.data.history_fixtures import RECORDED, TIMEZONE, version


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory):
    """The four history versions (tests/data/history_fixtures.py), synced oldest first."""
    s = parse_settings({"db": str(tmp_path_factory.mktemp("changes") / "pulse.duckdb"), "timezone": TIMEZONE})
    c = store.connect(s.db_path())
    root = tmp_path_factory.mktemp("versions")
    for n, recorded_at in enumerate(RECORDED, start=1):
        assert run_sync(c, s, str(write_csv_folder(root / f"v{n}", version(n))), recorded_at=recorded_at).ok
    cache.clear()
    yield c, s
    c.close()


def test_last_week_is_the_same_wall_clock_moment_seven_days_earlier(tiny) -> None:
    _, s = tiny
    ctx = Context.build(s, "2026-11-23T18:00", 30)
    wk = changes.last_week(ctx)
    assert str(wk.as_of) == "2026-11-16 18:00:00+01:00" and wk.period_days == 7


def test_newly_overdue_and_moved_in_a_tiny_workbook(tiny) -> None:
    con, s = tiny
    ctx = Context.build(s, "2026-11-23T18:00", 30)  # whatever the period, the week ending 23 Nov
    # Overdue on 23.11: P03 (due 10.11), M1 (18.11), M2 (22.11); on 16.11 only P03 was.
    new = changes.newly_overdue(con, ctx)
    assert new["deliverable_id"].tolist() == ["M1", "M2"]
    assert new["project_manager"].tolist() == ["Pat", "Pat"] and new["days_overdue"].tolist() == [3.0, 1.0]
    # Moved in 17.11–23.11: M1 (16.11 → 18.11) and P05 (25.11 → 26.11), both recorded on the 23rd (Berlin).
    moved = changes.deadlines_moved(con, ctx)
    assert sorted(moved["deliverable_id"]) == ["M1", "P05"] and sorted(moved["days_moved"]) == [1.0, 2.0]
    # a week earlier (ending 16.11): P01 (-2, agency) and P06 (+2)
    early = changes.deadlines_moved(con, Context.build(s, "2026-11-16T18:00", 7))
    assert sorted(early["deliverable_id"]) == ["P01", "P06"]


def test_what_changed_on_the_sample(sample) -> None:
    con, s = sample
    ctx = Context.build(s, "2026-11-20T18:00:00", 28)
    assert changes.counts(con, ctx) == {"newly_overdue": 4, "deadlines_moved": 3, "sla_crossed": 13,
                                        "approvals_became_overdue": 3, "new_detractors": 0, "health_drops": 15}
    moved = changes.deadlines_moved(con, ctx)
    assert sorted(moved[["deliverable_name", "days_moved", "slip_cause"]].values.tolist()) == [
        ["Analysis", 3.0, "agency"], ["Content production", 4.0, "client"], ["Go-live", 6.0, "agency"]]
    # Every thread that crossed the SLA is breached now and was not a week ago.
    crossed = set(changes.sla_crossed(con, ctx)["episode_id"])
    before = replies.episodes(con, changes.last_week(ctx))
    assert not crossed & set(before.loc[before["breached"].fillna(False).astype(bool), "episode_id"])
    drops = changes.health_drops(con, ctx)
    top = drops.iloc[0]
    assert (top.client_id, round(top.health_before), round(top.health_now), top.signal) == ("C02", 78, 72, "delivery")
    assert (drops["change"] < 0).all() and drops["change"].is_monotonic_increasing
    newly = changes.newly_overdue(con, ctx)
    assert newly["deliverable_name"].tolist() == ["Build & QA", "Speaker pitches", "Holding statements",
                                                  "Op-ed drafts"]


def test_no_changes_before_any_data(tiny) -> None:
    con, s = tiny
    ctx = Context.build(s, "2026-01-02T18:00", 7)
    assert changes.deadlines_moved(con, ctx).empty and changes.health_drops(con, ctx).empty


