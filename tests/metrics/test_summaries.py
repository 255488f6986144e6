"""Several families' tiles in one go must equal each family's summary asked on its own; health per client."""

from __future__ import annotations

from pathlib import Path

import pytest

from data import store
from data.settings import SAMPLE_DIR, Settings, load_settings
from data.sync import run_sync
from metrics.approvals import approvals_summary
from metrics.context import Context, Filters
from metrics.deadlines import deadlines_summary
from metrics.feedback import feedback_summary
from metrics.history import history_summary
from metrics.replies import replies_summary
from metrics.summaries import headline

SUMMARIES = (deadlines_summary, replies_summary, approvals_summary, feedback_summary, history_summary)
FILTERS = {
    "none": Filters(),
    "one client": Filters(clients=("C03",)),
    "two clients": Filters(clients=("C05", "C07")),
    "account manager": Filters(account_managers=("James Whitfield",)),
    "pm and department": Filters(project_managers=("Tom Hargreaves",), departments=("Digital",)),
    "channel": Filters(channels=("chat",)),
    "tier": Filters(tiers=("A",)),
    "nobody": Filters(clients=("no-such-client",)),
}


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory):
    """The sample, synced."""
    path: Path = tmp_path_factory.mktemp("summaries") / "pulse.duckdb"
    c = store.connect(path)
    assert run_sync(c, Settings(db=str(path)), str(SAMPLE_DIR)).ok
    yield c
    c.close()


def one_at_a_time(con, ctx: Context) -> dict:
    out: dict = {}
    for fn in SUMMARIES:
        out.update({k: (int(v) if isinstance(v, int) else v) for k, v in fn(con, ctx).items()})
    return out


@pytest.mark.parametrize("as_of", ["2026-11-20T18:00:00", "2026-09-09T10:00:00"])
@pytest.mark.parametrize("name", list(FILTERS))
def test_headline_equals_each_family_summary_now_and_for_the_previous_period(con, name: str, as_of: str) -> None:
    ctx = Context.build(load_settings(None), as_of, 28, FILTERS[name])
    now, prev = headline(con, ctx)
    assert now == pytest.approx(one_at_a_time(con, ctx), nan_ok=True)
    assert prev == pytest.approx(one_at_a_time(con, ctx.previous()), nan_ok=True)
    if name == "nobody":
        assert now["delivered"] == 0 and now["on_time_rate"] is None


def test_every_clients_main_issue_is_the_signal_that_lost_most_points(con) -> None:
    from metrics import health

    board = health.client_health(con, Context.build(load_settings(None), "2026-11-20T18:00:00", 7))
    assert board["main_issue"].notna().sum() > 10
    for _, row in board.iterrows():
        lost = {s: row[f"{s}_points_lost"] for s in health.SIGNALS if row[f"{s}_points_lost"] > 1e-9}
        want = max(lost, key=lambda s: (lost[s], -health.SIGNALS.index(s))) if lost else None
        assert (row["main_issue"] if isinstance(row["main_issue"], str) else None) == want
        assert row["main_reason"] == (row[f"{want}_reason"] if want else "no signal lost any points")
