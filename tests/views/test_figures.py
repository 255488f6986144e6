"""Figures as dicts: what the pages build must be exactly what plotly's graph objects build."""

from __future__ import annotations

import json

import plotly.graph_objects as go
import plotly.io as pio
import pytest

from views import figures as fg


def as_json(fig: go.Figure) -> dict:
    """The figure as sent to the browser, without the default template and empty objects
    (plotly's update leaves `title: {}` where a figure built from a dict has none)."""
    def prune(value):
        if isinstance(value, dict):
            return {k: prune(v) for k, v in value.items() if v != {}}
        return [prune(v) for v in value] if isinstance(value, list) else value

    out = json.loads(pio.to_json(fig, validate=False))
    out["layout"].pop("template", None)
    return prune(out)


def test_shorthand_and_updates_build_the_same_figure_as_plotly() -> None:
    def build(lib):
        fig = lib.Figure(lib.Bar(x=[1, 2], y=["a", "b"], orientation="h", marker_color="#d9480f",
                                 hovertemplate="%{y}<extra></extra>"))
        fig.add_scatter(x=[1, 2], y=[3, 4], mode="lines", line={"color": "#1c7ed6", "width": 3})
        fig.update_layout(title="Slip", barmode="overlay", legend_title={"text": "Issue"}, font={"size": 14})
        fig.update_layout(title_font_size=17, hoverlabel={"font_size": 14})
        fig.update_xaxes(title="Days", rangemode="tozero")
        fig.update_yaxes(autorange="reversed", title=None)
        fig.add_vline(x=0, line_dash="dot", line_color="#495057")
        fig.add_hline(y=8, line_dash="dash", annotation_text="SLA 8 h", annotation_position="top left")
        fig.add_annotation(x=1, y=1, yref="paper", showarrow=False, text="note", font={"color": "#495057"})
        return fig

    assert as_json(build(fg).to_plotly()) == as_json(build(go))


def test_a_secondary_axis_is_updated_like_plotly_does() -> None:
    from plotly.subplots import make_subplots

    mine = fg.make_subplots(specs=[[{"secondary_y": True}]])
    mine.add_trace(fg.Bar(x=[1], y=[2]), secondary_y=False)
    mine.add_trace(fg.Scatter(x=[1], y=[0.5]), secondary_y=True)
    mine.update_yaxes(rangemode="tozero")  # both axes
    mine.update_yaxes(tickformat=".0%", secondary_y=True)
    theirs = make_subplots(specs=[[{"secondary_y": True}]])
    theirs.add_trace(go.Bar(x=[1], y=[2]), secondary_y=False)
    theirs.add_trace(go.Scatter(x=[1], y=[0.5]), secondary_y=True)
    theirs.update_yaxes(rangemode="tozero")
    theirs.update_yaxes(tickformat=".0%", secondary_y=True)
    assert as_json(mine.to_plotly()) == as_json(theirs)
    fig = mine.to_plotly()
    assert [t.yaxis for t in fig.data] == ["y", "y2"]
    assert fig.layout.yaxis.rangemode == fig.layout.yaxis2.rangemode == "tozero"
    assert fig.layout.yaxis2.tickformat == ".0%" and fig.layout.yaxis.tickformat is None
    fg.check_canonical({"data": mine.data, "layout": mine.layout})


def test_a_misspelt_property_fails_the_strict_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(fg.STRICT_ENV, "1")
    fig = fg.Figure(fg.Bar(x=[1], y=[2], marker_colour="#d9480f"))
    with pytest.raises(ValueError, match=r"marker|colour"):
        fig.to_plotly()


def test_a_value_plotly_would_rewrite_fails_the_strict_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(fg.STRICT_ENV, "1")
    fig = fg.Figure(fg.Bar(x=[1], y=[2]))
    fig.update_layout(legend={"orientation": "horizontal"})  # plotly only knows "h" and "v"
    with pytest.raises(ValueError):
        fig.to_plotly()


def test_without_strict_checks_the_figure_is_built_without_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(fg.STRICT_ENV, raising=False)
    fig = fg.Figure(fg.Bar(x=[1], y=[2]))
    assert fig.to_plotly().to_dict()["data"][0]["type"] == "bar"


def test_clearing_and_replacing_properties_works_like_plotly() -> None:
    def build(lib):
        fig = lib.Figure(lib.Bar(x=[1], y=[2]))
        fig.update_xaxes(dtick=1, title="Days")
        fig.update_xaxes(dtick=None)  # cleared
        fig.update_layout(title={"text": "a", "font": {"size": 17}, "x": 0})
        fig.update_layout(title="b")  # a string replaces the whole title
        fig.update_layout(legend={"orientation": "h"})
        fig.update_layout(legend=None, showlegend=False)
        return fig

    mine, theirs = build(fg), build(go)
    assert as_json(mine.to_plotly()) == as_json(theirs)
    assert "dtick" not in mine.layout["xaxis"] and mine.layout["title"] == {"text": "b"}


def test_the_installed_plotly_builds_the_probe_identically_both_ways() -> None:
    assert fg.probe_differences() == []


@pytest.fixture
def fresh_guard(monkeypatch: pytest.MonkeyPatch):
    """The production guard re-run in this test (and re-run again by the next user)."""
    monkeypatch.setattr(fg, "_FAST", {})
    monkeypatch.delenv(fg.STRICT_ENV, raising=False)
    yield
    fg._FAST.clear()


def test_a_plotly_whose_private_helper_changed_sends_charts_through_the_public_api(
        monkeypatch: pytest.MonkeyPatch, fresh_guard, caplog: pytest.LogCaptureFixture) -> None:
    real = fg.axis_spanning_shape_annotation
    monkeypatch.setattr(fg, "axis_spanning_shape_annotation",
                        lambda *a: {**real(*a), "xanchor": "center"})  # a release that places labels differently
    with caplog.at_level("WARNING", logger="agency_pulse"):
        assert fg.fast_path_ok() is False
    assert "public API" in caplog.text

    def build(lib):
        fig = lib.Figure(lib.Bar(x=[1, 2], y=[3, 4]))
        fig.add_hline(y=8, line_dash="dash", annotation_text="SLA 8 h", annotation_position="top left")
        return fig

    assert as_json(build(fg).to_plotly()) == as_json(build(go))  # right, through the validated path


def test_a_plotly_that_refuses_unvalidated_figures_is_caught_before_any_chart(
        monkeypatch: pytest.MonkeyPatch, fresh_guard) -> None:
    class StrictFigure(go.Figure):
        def __init__(self, *args, **kwargs):
            if "_validate" in kwargs:
                raise TypeError("unexpected keyword argument '_validate'")
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(fg.go, "Figure", StrictFigure)
    assert fg.probe_differences()[0].startswith("the unvalidated build failed: TypeError")
    assert fg.fast_path_ok() is False
    assert fg.Figure(fg.Bar(x=[1], y=[2])).to_plotly().data[0].type == "bar"
