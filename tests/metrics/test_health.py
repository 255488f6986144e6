"""Client health (SPEC §8): the pure scoring, the voices steps, and the signals end to end."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from data.settings import DEFAULT_HEALTH_WEIGHTS, Settings, parse_settings
from metrics.context import Context, Filters
from metrics.formats import show
from metrics.health import (
    BAND_COLORS,
    BANDS,
    SIGNALS,
    band,
    band_label,
    band_legend,
    client_health,
    health_breakdown,
    score_clients,
    voices_score,
)
from tests.conftest import MINIMAL_TABS

W = dict(DEFAULT_HEALTH_WEIGHTS)  # delivery .25, responsiveness .25, approvals .15, feedback .25, voices .10
AS_OF = "2026-11-20 18:00"  # a Friday; the health window is 2026-08-23 .. 2026-11-20
NAN = float("nan")


def signals(*rows: tuple[float, ...]) -> pd.DataFrame:
    return pd.DataFrame([dict(zip(SIGNALS, r, strict=True)) for r in rows])


# ------------------------------------------------------------------------ score_clients (pure)


def test_all_signals_weighted_mean_and_points_lost() -> None:
    out = score_clients(signals((100, 50, 100, 80, 100)), W).iloc[0]
    # .25×100 + .25×50 + .15×100 + .25×80 + .10×100 = 25 + 12.5 + 15 + 20 + 10 = 82.5
    assert out["health_score"] == pytest.approx(82.5)
    # lost: responsiveness .25 × 50 = 12.5, feedback .25 × 20 = 5; the rest 0
    assert out["responsiveness_points_lost"] == pytest.approx(12.5)
    assert out["feedback_points_lost"] == pytest.approx(5)
    assert out["delivery_points_lost"] == 0 and out["voices_points_lost"] == 0
    assert [out[f"{s}_weight"] for s in SIGNALS] == pytest.approx([0.25, 0.25, 0.15, 0.25, 0.10])
    assert out["main_issue"] == "responsiveness"


def test_a_missing_signal_renormalises_the_others() -> None:
    out = score_clients(signals((100, 50, 100, 80, NAN)), W).iloc[0]
    # voices has no data: the other weights sum to 0.9 and are each scaled by 1/0.9
    # (25 + 12.5 + 15 + 20) / 0.9 = 72.5 / 0.9 = 80.56
    assert out["health_score"] == pytest.approx(72.5 / 0.9)
    assert out["delivery_weight"] == pytest.approx(0.25 / 0.9)
    assert out["approvals_weight"] == pytest.approx(0.15 / 0.9)
    assert out["voices_weight"] == 0 and out["voices_points_lost"] == 0
    # responsiveness lost (.25/.9) × 50 = 13.89, feedback (.25/.9) × 20 = 5.56; 80.56 + 13.89 + 5.56 = 100
    assert out["responsiveness_points_lost"] == pytest.approx(12.5 / 0.9)
    assert out["health_score"] + sum(out[f"{s}_points_lost"] for s in SIGNALS) == pytest.approx(100)


def test_two_signals_only() -> None:
    out = score_clients(signals((NAN, NAN, 40, NAN, 100)), W).iloc[0]
    # approvals .15 and voices .10 → effective .6 and .4: .6 × 40 + .4 × 100 = 64
    assert out["health_score"] == pytest.approx(64)
    assert out["approvals_points_lost"] == pytest.approx(36)
    assert out["main_issue"] == "approvals"


def test_no_signal_at_all_gives_a_null_score() -> None:
    out = score_clients(signals((NAN, NAN, NAN, NAN, NAN), (100, 100, 100, 100, 100)), W)
    assert math.isnan(out["health_score"].iloc[0])
    assert out.loc[0, [f"{s}_points_lost" for s in SIGNALS]].isna().all()
    assert out["main_issue"].iloc[0] is None and out["main_issue_label"].iloc[0] == "No points lost"
    # a perfect client lost nothing: no main issue
    assert out["health_score"].iloc[1] == 100
    assert out["main_issue"].iloc[1] is None


def test_only_zero_weight_signals_is_no_score() -> None:
    weights = {**W, "voices": 0.0}
    out = score_clients(signals((NAN, NAN, NAN, NAN, 20)), weights).iloc[0]
    assert math.isnan(out["health_score"])


def test_missing_columns_count_as_no_data_and_other_columns_are_kept() -> None:
    out = score_clients(pd.DataFrame({"client_id": ["C01"], "feedback": [30.0]}), W)
    assert out["client_id"].tolist() == ["C01"]
    assert out["health_score"].iloc[0] == 30
    assert out["feedback_weight"].iloc[0] == 1


def test_empty_input() -> None:
    out = score_clients(pd.DataFrame({s: pd.Series(dtype=float) for s in SIGNALS}), W)
    assert out.empty and "health_score" in out


score = st.one_of(st.just(NAN), st.floats(0, 100))


@given(st.lists(st.tuples(score, score, score, score, score), min_size=1, max_size=20),
       st.lists(st.floats(0, 1), min_size=5, max_size=5))
def test_points_lost_and_health_always_sum_to_100(rows, ws) -> None:
    weights = dict(zip(SIGNALS, ws, strict=True))
    out = score_clients(signals(*rows), weights)
    lost = out[[f"{s}_points_lost" for s in SIGNALS]].to_numpy()
    for i, h in enumerate(out["health_score"]):
        if math.isnan(h):
            continue
        assert -1e-9 <= h <= 100 + 1e-9
        assert h + lost[i].sum() == pytest.approx(100)
        assert np.nansum(out.loc[i, [f"{s}_weight" for s in SIGNALS]].to_numpy(dtype=float)) == pytest.approx(1)


# ------------------------------------------------------------------------ voices


@pytest.mark.parametrize(("voices", "expected"),
                         [(1, 100), (2, 100), (3, 80), (4, 60), (5, 40), (6, 20), (7, 0), (12, 0)])
def test_voices_steps(voices, expected) -> None:
    # 100 up to 2 voices, minus 20 per extra voice, floor 0
    assert voices_score(voices) == expected


def test_no_agency_voice_is_no_data() -> None:
    assert math.isnan(voices_score(0)) and math.isnan(voices_score(None))


# ------------------------------------------------------------------------ end to end

PROJECTS_HEADER = MINIMAL_TABS["projects"][0]
MESSAGES_HEADER = MINIMAL_TABS["messages"][0]
APPROVALS_HEADER = MINIMAL_TABS["approvals"][0]
FEEDBACK_HEADER = MINIMAL_TABS["feedback"][0]


def project(pid: str, client: str, baseline: str, delivered: str = "", due: str = "", status: str = "active",
            pm: str = "Pat") -> list[str]:
    return [pid, client, f"Project {pid}", pm, "Digital", status, "", baseline, due or baseline, delivered, ""]


def msg(mid: str, thread: str, client: str, direction: str, sender: str, sent_at: str, needs: str = "") -> list[str]:
    return [mid, thread, client, "", "email", direction, sender, sent_at, needs]


def ctx(settings: Settings | None = None, period_days: int = 7, **filters) -> Context:
    return Context.build(settings or Settings(), AS_OF, period_days, Filters(**filters))


@pytest.fixture
def three_clients(loaded):
    """C01: a late delivery and a detractor; C02: on time and a promoter; C03: no data at all."""
    tabs = {
        "clients": [MINIMAL_TABS["clients"][0],
                    ["C01", "Acme", "Anna", "A", "active", ""],
                    ["C02", "Beta", "Bob", "B", "active", ""],
                    ["C03", "Gamma", "Bob", "B", "paused", ""]],
        "projects": [PROJECTS_HEADER,
                     project("P01", "C01", "2026-12-01"),                    # open, not yet due
                     project("P02", "C01", "2026-11-02", "2026-11-04"),      # delivered 2 working days late
                     project("P03", "C01", "2026-11-06", "2026-11-06"),      # on time
                     project("P10", "C02", "2026-11-10", "2026-11-09", pm="Quinn")],  # a day early
        "messages": [MESSAGES_HEADER,
                     msg("M1", "T1", "C01", "in", "client@acme", "2026-11-16 10:00"),
                     msg("M2", "T1", "C01", "out", "anna@agency", "2026-11-16 12:00")],  # 2 h: within 8 h
        "approvals": [APPROVALS_HEADER,
                      ["A1", "P01", "Key visual", "1", "2026-11-10", "", "2026-11-12", "approved", ""]],  # 2 days
        "feedback": [FEEDBACK_HEADER,
                     ["R1", "C01", "", "2026-11-18", "3", "nps", "CEO", "Late again"],   # detractor: 30
                     ["R2", "C02", "", "2026-11-18", "10", "nps", "CMO", "Great"]],      # 100
    }
    return loaded(tabs)


def test_client_health_end_to_end(three_clients) -> None:
    h = client_health(three_clients, ctx())
    assert h["client_id"].tolist() == ["C01", "C02", "C03"]
    a = h.set_index("client_id").loc["C01"]
    # delivery: 1 on time of 2 delivered + 0 overdue → 50; responsiveness: 0 of 1 breached → 100;
    # approvals: 1 of 1 within 3 days → 100; feedback: nps 3 → 30; voices: 1 (anna) → 100
    assert [a[f"{s}_score"] for s in SIGNALS] == pytest.approx([50, 100, 100, 30, 100])
    # .25×50 + .25×100 + .15×100 + .25×30 + .10×100 = 12.5 + 25 + 15 + 7.5 + 10 = 70
    assert a["health_score"] == pytest.approx(70)
    # delivery lost .25 × 50 = 12.5, feedback .25 × 70 = 17.5: feedback pulled it down most
    assert a["delivery_points_lost"] == pytest.approx(12.5)
    assert a["feedback_points_lost"] == pytest.approx(17.5)
    assert a["main_issue"] == "feedback"
    assert a["delivery_reason"].startswith("1 of 2 deliverables late or overdue")
    assert "1 detractor" in a["feedback_reason"]

    b = h.set_index("client_id").loc["C02"]
    # only delivery (100) and feedback (100): each weighs .25 / .5 = .5 → 100, nothing lost
    assert b["health_score"] == pytest.approx(100)
    assert b["delivery_weight"] == pytest.approx(0.5) and b["voices_weight"] == 0
    assert math.isnan(b["responsiveness_score"])
    assert b["main_issue"] is None
    assert b["voices_reason"].startswith("no agency message")

    c = h.set_index("client_id").loc["C03"]
    assert math.isnan(c["health_score"]) and c["main_issue"] is None


def test_client_health_filters_and_window(three_clients) -> None:
    # only client-level filters choose rows; a project-manager filter does not change a score
    assert client_health(three_clients, ctx(clients=("C02",)))["client_id"].tolist() == ["C02"]
    assert client_health(three_clients, ctx(account_managers=("Bob",)))["client_id"].tolist() == ["C02", "C03"]
    by_pm = client_health(three_clients, ctx(project_managers=("Quinn",))).set_index("client_id")
    assert by_pm.loc["C01", "health_score"] == pytest.approx(70)
    # the health window is 90 days whatever the dashboard's period
    assert client_health(three_clients, ctx(period_days=1))["health_score"].iloc[0] == pytest.approx(70)


def test_weights_come_from_settings(three_clients) -> None:
    s = parse_settings({"health": {"weights": {"feedback": 0.0}}})
    a = client_health(three_clients, ctx(settings=s)).iloc[0]
    # without feedback: (12.5 + 25 + 15 + 10) / .75 = 62.5 / .75 = 83.33; delivery is the main issue
    assert a["health_score"] == pytest.approx(62.5 / 0.75)
    assert a["main_issue"] == "delivery"


def test_health_breakdown(three_clients) -> None:
    b = health_breakdown(three_clients, ctx(), "C01")
    assert b["signal"].tolist() == list(SIGNALS)
    assert b["weight"].tolist() == pytest.approx([0.25, 0.25, 0.15, 0.25, 0.10])
    assert b["points_lost"].sum() == pytest.approx(30)  # 100 − 70
    assert b.set_index("signal").loc["feedback", "score"] == 30
    assert health_breakdown(three_clients, ctx(), "NOPE").empty


def test_every_signal_formula(loaded) -> None:
    """One client with something to say on every signal; each number worked out by hand."""
    tabs = {
        "clients": MINIMAL_TABS["clients"],
        "projects": [PROJECTS_HEADER,
                     project("P01", "C01", "2026-12-01"),                         # open, not due: not counted
                     project("P02", "C01", "2026-11-02", "2026-11-04"),           # late
                     project("P03", "C01", "2026-11-06", "2026-11-06"),           # on time
                     project("P04", "C01", "2026-11-16"),                         # overdue now
                     project("P05", "C01", "2026-04-01", "2026-05-01"),           # late, before the window
                     project("P06", "C01", "2026-11-02", status="cancelled")],    # cancelled: left out
        "messages": [MESSAGES_HEADER,
                     msg("M1", "T1", "C01", "in", "c", "2026-11-16 10:00"),
                     msg("M2", "T1", "C01", "out", "anna", "2026-11-16 12:00"),      # 2 h: ok
                     msg("M3", "T2", "C01", "in", "c", "2026-11-16 10:00"),
                     msg("M4", "T2", "C01", "out", "ben", "2026-11-17 15:00"),       # 9 + 5 = 14 h > 8: breached
                     msg("M5", "T3", "C01", "in", "c", "2026-11-19 10:00"),          # open, 9 + 8 = 17 h: breached
                     msg("M6", "T4", "C01", "in", "c", "2026-11-20 17:00"),          # open, 1 h: not counted yet
                     msg("M7", "T5", "C01", "in", "c", "2026-11-18 10:00"),
                     msg("M8", "T5", "C01", "out", "anna", "2026-11-18 11:00"),      # 1 h: ok
                     msg("M9", "T6", "C01", "out", "cara", "2026-11-18 11:00", "no"),  # a third agency voice
                     msg("M10", "T7", "C01", "out", "dan", "2026-06-01 11:00")],     # before the window
        "approvals": [APPROVALS_HEADER,
                      ["A1", "P01", "D1", "1", "2026-11-02", "", "2026-11-04", "approved", ""],   # 2 ≤ 3: ok
                      ["A2", "P01", "D2", "1", "2026-11-02", "2026-11-03", "2026-11-05", "approved", ""],  # due_by past
                      ["A3", "P01", "D3", "1", "2026-11-02", "", "2026-11-09", "approved", ""],   # 5 > 3: late
                      ["A4", "P01", "D4", "1", "2026-11-18", "", "", "", ""],                     # pending 2: ok
                      ["A5", "P01", "D5", "1", "2026-11-10", "2026-11-19", "", "", ""],           # overdue
                      ["A6", "P01", "D6", "1", "2026-11-12", "2026-11-25", "", "", ""],           # due later: ok
                      ["A7", "P01", "D7", "1", "2026-06-01", "", "2026-06-10", "approved", ""],   # before window
                      ["A8", "P01", "D8", "1", "2026-11-21", "", "", "", ""]],                    # after as_of
        "feedback": [FEEDBACK_HEADER,
                     ["R1", "C01", "", "2026-11-18", "3", "nps", "", ""],     # 30
                     ["R2", "C01", "", "2026-10-01", "5", "csat", "", ""],    # 100
                     ["R3", "C01", "", "2026-07-01", "0", "nps", "", ""]],    # before the window
    }
    a = client_health(loaded(tabs), ctx()).iloc[0]
    # delivery: on time 1 (P03) / (delivered 2 (P02, P03) + overdue 1 (P04)) = 33.33
    assert a["delivery_score"] == pytest.approx(100 / 3)
    assert a["delivery_reason"].startswith("2 of 3 deliverables late or overdue")
    # responsiveness: breached T2, T3 / (answered T1, T2, T5 + open breached T3) = 2 / 4 → 100 × (1 − .5) = 50
    assert a["responsiveness_score"] == pytest.approx(50)
    assert a["responsiveness_reason"].startswith("2 of 4 client requests")
    # approvals: answered A1, A2, A3 + pending A4, A5, A6 = 6; late A2 (due_by), A3 (5 days), overdue A5
    # → 100 × (6 − 3) / 6 = 50
    assert a["approvals_score"] == pytest.approx(50)
    assert a["approvals_reason"].startswith("3 of 6 approval rounds")
    # feedback: (30 + 100) / 2 = 65
    assert a["feedback_score"] == pytest.approx(65)
    # voices: anna, ben, cara = 3 → 100 − 20 = 80
    assert a["voices_score"] == pytest.approx(80)
    assert "anna, ben, cara" in a["voices_reason"]
    # .25×33.33 + .25×50 + .15×50 + .25×65 + .10×80 = 8.33 + 12.5 + 7.5 + 16.25 + 8 = 52.58
    assert a["health_score"] == pytest.approx(25 / 3 + 12.5 + 7.5 + 16.25 + 8)
    # lost: delivery .25 × 66.67 = 16.67 (the most), responsiveness 12.5, approvals 7.5, feedback 8.75, voices 2
    assert a["delivery_points_lost"] == pytest.approx(50 / 3)
    assert a["main_issue"] == "delivery"


# ------------------------------------------------------------------------ bands: one colour rule


@pytest.mark.parametrize(
    ("score", "expected"),
    [(0, "at_risk"), (0.0, "at_risk"), (59.49, "at_risk"), (59.5, "watch"), (59.99, "watch"), (60, "watch"),
     (79.49, "watch"), (79.5, "healthy"), (80, "healthy"), (100, "healthy"), (None, None), (NAN, None),
     (np.float64("nan"), None), (np.float64(59.5), "watch")],
)
def test_band_boundaries(score, expected) -> None:
    assert band(score, (60, 80)) == expected
    assert band(score, Settings()) == expected  # the defaults: at_risk_below 60, healthy_from 80
    assert band(score, parse_settings({"health": {"at_risk_below": 60, "healthy_from": 80}})) == expected


def test_band_follows_the_thresholds_of_the_settings() -> None:
    s = parse_settings({"health": {"at_risk_below": 50, "healthy_from": 70}})
    assert [band(v, s) for v in (49.4, 50, 69.4, 70)] == ["at_risk", "watch", "watch", "healthy"]
    same = parse_settings({"health": {"at_risk_below": 70, "healthy_from": 70}})  # no watch band
    assert [band(v, same) for v in (69.4, 70)] == ["at_risk", "healthy"]


def test_each_band_has_a_label_and_one_colour_and_no_data_is_grey() -> None:
    assert [band_label(b) for b in (*BANDS, None)] == ["At risk", "Watch", "Healthy", "No data"]
    assert BAND_COLORS == {"at_risk": "#c92a2a", "watch": "#e67700", "healthy": "#2b8a3e", None: "#868e96"}
    assert band_legend((60, 80)) == {"at_risk": "At risk (< 60)", "watch": "Watch (60–80)",
                                     "healthy": "Healthy (≥ 80)"}


@pytest.mark.parametrize(
    ("score", "text", "name"),
    [(59.987868, "60", "watch"), (59.5, "60", "watch"), (58.5, "59", "at_risk"), (60.4, "60", "watch"),
     (79.96, "80", "healthy"), (0, "0", "at_risk"), (None, "—", None), (NAN, "—", None)],
)
def test_a_score_and_its_colour_never_disagree(score, text, name) -> None:
    """The band is decided on the score as written, so "60" is never red beside "< 60"."""
    assert show(score, "score") == text and band(score, (60, 80)) == name
