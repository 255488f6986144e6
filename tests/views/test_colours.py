"""One colour rule for health and signal scores: every chart colours a score by its band
(metrics/health.band with the [health] thresholds) through views/common.HEALTH_COLORS, never
by the main issue or a palette; a 0 draws visibly and no data looks different from 0."""

from __future__ import annotations

import base64
import json

import numpy as np
import pandas as pd

from metrics import health
from tests.views.test_figures import as_json
from views import common, weekly
from views import figures as fg

RED, AMBER, GREEN, GREY = "#c92a2a", "#e67700", "#2b8a3e", "#868e96"


def decoded(value):
    """plotly's base64 typed arrays as lists."""
    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).tolist()
    return value


def spec(fig: fg.Figure) -> dict:
    """The figure as sent to the browser (validated by plotly: the suite sets PULSE_STRICT_CHARTS)."""
    out = as_json(fig.to_plotly())
    for trace in out["data"]:
        for key in ("x", "y"):
            if key in trace:
                trace[key] = decoded(trace[key])
    return out


def bars(s: dict) -> dict[str, tuple[str, str]]:
    """Bar category → (its colour, the text beside it)."""
    return {y: (t["marker"]["color"], text) for t in s["data"] if t["type"] == "bar"
            for y, text in zip(t["y"], t["text"], strict=True)}


def marks(s: dict) -> dict[str, tuple[float, str]]:
    """Category → (x, colour) of the marks drawn on top of the bars."""
    return {y: (x, t["marker"]["line"]["color"]) for t in s["data"] if t["type"] == "scatter"
            for x, y in zip(t["x"], t["y"], strict=True)}


def lowest(scores: dict[str, float], issues: dict[str, str | None]) -> pd.DataFrame:
    ids = list(scores)
    return pd.DataFrame({
        "client_id": ids, "client_name": [f"Client {i}" for i in ids], "health_score": list(scores.values()),
        "main_issue": [issues[i] for i in ids],
        "main_issue_label": [health.SIGNAL_LABELS.get(issues[i] or "", health.NO_MAIN_ISSUE) for i in ids],
        "main_reason": [f"why {i}" for i in ids],
    })


def test_the_one_colour_map_is_the_bands_of_metrics() -> None:
    assert common.HEALTH_COLORS is health.BAND_COLORS  # one definition, the digest reads the same
    assert common.HEALTH_COLORS == {"at_risk": RED, "watch": AMBER, "healthy": GREEN, None: GREY}


def test_at_risk_bars_are_coloured_by_health_band_not_by_main_issue() -> None:
    rows = lowest({"C1": 41.0, "C2": 59.49, "C3": 59.5, "C4": 79.49, "C5": 79.5, "C6": 96.0},
                  {"C1": "delivery", "C2": "voices", "C3": "delivery", "C4": "feedback", "C5": "delivery",
                   "C6": None})
    s = spec(weekly.at_risk_chart(rows, (60, 80)))
    # banded as written: 59.49 reads 59 (red), 59.5 reads 60 (amber), 79.5 reads 80 (green)
    assert bars(s) == {"C1": (RED, "41"), "C2": (RED, "59"), "C3": (AMBER, "60"), "C4": (AMBER, "79"),
                       "C5": (GREEN, "80"), "C6": (GREEN, "96")}  # three delivery issues, three colours
    # the legend explains the bands, worst first; the main issue and its reason are in the hover
    assert [t["name"] for t in s["data"] if t["type"] == "bar"] == ["At risk (< 60)", "Watch (60–80)", "Healthy (≥ 80)"]
    assert s["layout"]["legend"]["title"]["text"] == "Health:"
    hover = {c[0]: c for t in s["data"] for c in t["customdata"]}
    assert hover["C2"][2:] == ["Single point of contact", "why C2", "59", "At risk"]
    assert "Main issue: %{customdata[2]}" in s["data"][0]["hovertemplate"]
    assert marks(s) == {}  # no bar too short to see


def test_at_risk_bands_follow_the_settings() -> None:
    rows = lowest({"C1": 41.0, "C2": 72.0, "C3": 88.0}, {"C1": "delivery", "C2": "delivery", "C3": "delivery"})
    s = spec(weekly.at_risk_chart(rows, (75, 90)))
    assert {k: c for k, (c, _) in bars(s).items()} == {"C1": RED, "C2": RED, "C3": AMBER}


def test_a_health_score_of_0_has_a_visible_mark_in_its_band_colour() -> None:
    rows = lowest({"C1": 0.0, "C2": 1.5, "C3": 50.0}, {"C1": "delivery", "C2": "approvals", "C3": "delivery"})
    s = spec(weekly.at_risk_chart(rows, (60, 80)))
    assert bars(s)["C1"] == (RED, "0")  # the value is written beside it ...
    bar = next(t for t in s["data"] if t["type"] == "bar")
    assert bar["textposition"] == "outside" and bar["cliponaxis"] is False
    assert marks(s) == {"C1": (0, RED), "C2": (0, RED)}  # ... and a mark at 0 (1.5 of 108 is 6 px: too thin)
    mark = next(t for t in s["data"] if t["type"] == "scatter")
    assert mark["cliponaxis"] is False and mark["showlegend"] is False
    assert [c[0] for c in mark["customdata"]] == ["C1", "C2"]  # clicking the mark filters by that client


def page_chart(at, title: str) -> dict:
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    found = next(c for c in charts if c["layout"]["title"]["text"].startswith(title))
    for trace in found["data"]:
        for key in ("x", "y"):
            if key in trace:
                trace[key] = decoded(trace[key])
    return found


def test_the_weekly_review_and_the_meeting_screen_colour_the_sample_by_band(app) -> None:
    for at in (app("overview"), app(query={"present": "1", "section": "3"})):
        assert not at.exception
        s = page_chart(at, "Lowest health scores")
        shown = bars(s)
        # the sample's lowest: Meridian Bank 59.99 (main issue delivery) was drawn in the delivery
        # palette colour; it reads 60 and is banded as it reads: amber
        assert shown["C03"] == (AMBER, "60")
        assert shown["C13"] == (AMBER, "63")  # Pixel Forge Games
        assert shown["C05"] == (GREEN, "83")  # Solstice Hotels
        assert {c for c, _ in shown.values()} <= {RED, AMBER, GREEN} and GREEN in {c for c, _ in shown.values()}


def test_where_the_points_went_colours_each_signal_by_its_own_score(app) -> None:
    # Pixel Forge Games (sample): delivery 0, responsiveness 86.5, approvals 100, feedback 83.3, voices 60
    s = page_chart(app("clients", query={"clients_client": "Pixel Forge Games (C13)"}), "Where the points went")
    assert bars(s) == {"Delivery": (RED, "−25.0"), "Responsiveness": (GREEN, "−3.4"),
                       "Feedback": (GREEN, "−4.2"), "Single point of contact": (AMBER, "−4.0"),
                       "Approvals": (GREEN, "none lost")}
    assert [t["name"] for t in s["data"] if t["type"] == "bar"] == ["At risk (< 60)", "Watch (60–80)",
                                                                    "Healthy (≥ 80)"]
    assert s["layout"]["legend"]["title"]["text"] == "Signal score:"
    assert marks(s) == {"Approvals": (0, GREEN)}  # lost nothing: still shows its colour
    hover = {c[0]: c for t in s["data"] for c in t["customdata"]}
    assert hover["Delivery"][1:3] == ["0/100 (At risk)", "25.0 points lost"]
    # Meridian Bank: approvals scores 16 (was drawn green), delivery 44: both red
    s = page_chart(app("clients", query={"clients_client": "Meridian Bank (C03)"}), "Where the points went")
    assert bars(s)["Approvals"][0] == RED and bars(s)["Delivery"][0] == RED
    assert bars(s)["Feedback"][0] == AMBER and bars(s)["Responsiveness"][0] == GREEN


def test_a_signal_without_data_is_grey_and_says_so_unlike_a_0(app) -> None:
    # Polar Springs Water (sample): no delivery and no approval round in the window
    s = page_chart(app("clients", query={"clients_client": "Polar Springs Water (C20)"}), "Where the points went")
    shown = bars(s)
    assert shown["Delivery"] == (GREY, "no data") and shown["Approvals"] == (GREY, "no data")
    assert "No data" in [t["name"] for t in s["data"] if t["type"] == "bar"]
    assert "Delivery" not in marks(s) and "Approvals" not in marks(s)
    hover = {c[0]: c for t in s["data"] for c in t["customdata"]}
    assert hover["Delivery"][1:3] == ["no data", "left out of the health score"]


def test_score_tables_write_scores_as_numbers_not_streamlits_red_green_bars(app) -> None:
    """Streamlit's progress bars turn red below 50 and green above, against the one rule: a grid
    writes a score as a number, in the score's one format."""
    checked = []
    for at in (app("overview"), app("clients")):
        for frame in at.dataframe:
            for name, column in json.loads(frame.proto.columns).items():
                assert column.get("type_config", {}).get("type") != "progress", name
                if "score" in name.lower():
                    assert column["type_config"]["format"] == "%.0f", name
                    checked.append(name)
    assert len(checked) >= 2, checked
