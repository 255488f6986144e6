"""Plotly figures as plain dicts, with the slice of plotly's Figure API the pages use.

Building a chart through plotly's graph objects validates every property on every
update (`update_layout`, `update_xaxes`, ...): on a page of three charts that is most of
a filter change's server time. The pages build the same figures here, as dicts in
plotly's canonical form (titles as {"text": ...}, nested properties as nested dicts),
and hand them to plotly without validation. With PULSE_STRICT_CHARTS set (the test
suite sets it) every figure is also validated by plotly and must come out unchanged,
so a misspelt property fails a test instead of vanishing from a chart.

Skipping validation uses plotly's private `_validate=False` and its `shapeannotation`
helper, which a plotly release could change. So production guards itself too: the first
chart of a process builds a probe figure both ways (here, and through plotly's public
API) and, unless they come out identical, every chart of that process goes through the
public API (validated: slower, never wrong) and the server log says why. requirements.txt
pins plotly to the minor version this was checked against.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import sys
import threading
from typing import Any

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

try:  # private: its absence sends every chart through the public API (see fast_path_ok)
    from plotly.shapeannotation import axis_spanning_shape_annotation
except ImportError:  # pragma: no cover - depends on the installed plotly
    axis_spanning_shape_annotation = None

__all__ = ["STRICT_ENV", "Bar", "Figure", "Histogram", "Scatter", "check_canonical", "fast_path_ok", "make_subplots",
           "probe_differences"]

log = logging.getLogger("agency_pulse")

STRICT_ENV = "PULSE_STRICT_CHARTS"

# Prefixes of plotly's "magic underscore" shorthand the pages use (marker_color → marker.color).
_COMPOUND = {"marker", "line", "font", "title", "legend", "hoverlabel", "textfont", "margin", "pad", "xaxis",
             "yaxis", "xbins", "insidetextfont", "outsidetextfont"}


class _Replace:
    """A value that replaces a property whole instead of merging into it (a string title)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


_REMOVE = object()  # None in an update: plotly resets the property


def _expand(props: dict[str, Any]) -> dict[str, Any]:
    """Magic underscores to nested dicts; string titles to {"text": ...}; None to a removal."""
    out: dict[str, Any] = {}
    for key, value in props.items():
        head, _, rest = key.partition("_")
        if rest and head in _COMPOUND:
            _merge(out, {head: _expand({rest: value})}, keep_marks=True)
            continue
        if value is None:
            value = _REMOVE
        elif isinstance(value, dict):
            value = _expand(value)
        elif key == "title" and isinstance(value, str):
            value = _Replace({"text": value})
        _merge(out, {key: value}, keep_marks=True)
    return out


def _merge(into: dict[str, Any], new: dict[str, Any], keep_marks: bool = False) -> None:
    """Deep-merge new into into, as plotly's update does: a removal drops the property (plotly
    leaves an empty object, which a figure built from a dict drops too), a replacement sets
    it whole. keep_marks leaves them in place (while expanding, before there is a target)."""
    for key, value in new.items():
        if keep_marks and (value is _REMOVE or isinstance(value, _Replace)):
            into[key] = value
        elif value is _REMOVE:
            into.pop(key, None)
        elif isinstance(value, _Replace):
            into[key] = _plain(value.value)
        elif isinstance(value, dict):
            target = into.get(key)
            if not isinstance(target, dict):
                target = into[key] = {}
            _merge(target, value, keep_marks)
        else:
            into[key] = value


def _plain(props: dict[str, Any]) -> dict[str, Any]:
    """Expanded properties with their removals and replacements applied to nothing."""
    out: dict[str, Any] = {}
    _merge(out, props)
    return out


def _trace(kind: str, props: dict[str, Any]) -> dict[str, Any]:
    trace = {"type": kind}
    _merge(trace, _expand(props))
    return trace


def Bar(**props: Any) -> dict[str, Any]:  # named like plotly's go.Bar, as are the two below
    return _trace("bar", props)


def Scatter(**props: Any) -> dict[str, Any]:
    return _trace("scatter", props)


def Histogram(**props: Any) -> dict[str, Any]:
    return _trace("histogram", props)


class Figure:
    """A figure as data: traces and a layout, updated like plotly's go.Figure."""

    def __init__(self, data: dict[str, Any] | list[dict[str, Any]] | None = None, *,
                 secondary_y: bool = False) -> None:
        self.data: list[dict[str, Any]] = [data] if isinstance(data, dict) else list(data or [])
        self.layout: dict[str, Any] = {}
        if secondary_y:  # what make_subplots(specs=[[{"secondary_y": True}]]) lays out
            self.layout = {"xaxis": {"anchor": "y", "domain": [0.0, 0.94]},
                           "yaxis": {"anchor": "x", "domain": [0.0, 1.0]},
                           "yaxis2": {"anchor": "x", "overlaying": "y", "side": "right"}}

    def add_trace(self, trace: dict[str, Any], secondary_y: bool = False) -> Figure:
        if secondary_y:
            trace = {**trace, "xaxis": "x", "yaxis": "y2"}
        elif "yaxis2" in self.layout:
            trace = {**trace, "xaxis": "x", "yaxis": "y"}
        self.data.append(trace)
        return self

    def add_bar(self, **props: Any) -> Figure:
        return self.add_trace(Bar(**props))

    def add_scatter(self, **props: Any) -> Figure:
        return self.add_trace(Scatter(**props))

    def update_layout(self, props: dict[str, Any] | None = None, **more: Any) -> Figure:
        _merge(self.layout, _expand({**(props or {}), **more}))
        return self

    def update_xaxes(self, **props: Any) -> Figure:
        _merge(self.layout.setdefault("xaxis", {}), _expand(props))
        return self

    def update_yaxes(self, secondary_y: bool | None = None, **props: Any) -> Figure:
        """Like plotly: without secondary_y every y axis is updated."""
        axes = {None: ["yaxis", "yaxis2"], False: ["yaxis"], True: ["yaxis2"]}[secondary_y]
        for axis in axes:
            if axis == "yaxis" or axis in self.layout:
                _merge(self.layout.setdefault(axis, {}), _expand(props))
        return self

    def _spanning(self, kind: str, span: dict[str, Any], refs: dict[str, str], props: dict[str, Any]) -> Figure:
        """A line across the plot (plotly's add_vline/add_hline), with its annotation_* label."""
        label = {k: v for k, v in props.items() if k.startswith("annotation_")}
        shape = {"type": "line", **span, **refs}
        _merge(shape, _expand({k: v for k, v in props.items() if k not in label}))
        self.layout.setdefault("shapes", []).append(shape)
        if label:
            if axis_spanning_shape_annotation is not None and (getattr(_PROBING, "on", False) or fast_path_ok()):
                note = _plain(_expand({**axis_spanning_shape_annotation(None, kind, span, label), **refs}))
            else:  # plotly's public API places the label
                public = go.Figure()
                getattr(public, f"add_{kind}")(span["x0"] if kind == "vline" else span["y0"], **label)
                note = public.layout.annotations[-1].to_plotly_json()
            self.layout.setdefault("annotations", []).append(note)
        return self

    def add_vline(self, x: Any, **props: Any) -> Figure:
        return self._spanning("vline", {"x0": x, "x1": x, "y0": 0, "y1": 1}, {"xref": "x", "yref": "y domain"}, props)

    def add_hline(self, y: Any, **props: Any) -> Figure:
        return self._spanning("hline", {"x0": 0, "x1": 1, "y0": y, "y1": y}, {"xref": "x domain", "yref": "y"}, props)

    def add_annotation(self, **props: Any) -> Figure:
        self.layout.setdefault("annotations", []).append(_plain(_expand(props)))
        return self

    def to_plotly(self) -> go.Figure:
        spec = {"data": self.data, "layout": self.layout}
        if os.environ.get(STRICT_ENV):
            check_canonical(spec)
        if fast_path_ok():
            return go.Figure(spec, _validate=False)
        return go.Figure(spec)


_FAST: dict[str, bool] = {}
_FAST_LOCK = threading.Lock()
_PROBING = threading.local()  # the probe itself takes the fast path, to compare it


def fast_path_ok() -> bool:
    """Whether figures may skip plotly's validation: checked once per process on a probe."""
    if "ok" not in _FAST:
        with _FAST_LOCK:
            if "ok" not in _FAST:
                diffs = probe_differences()
                if diffs:
                    log.warning("plotly %s builds the probe chart differently without validation; charts go "
                                "through plotly's public API in this process: %s", _plotly_version(), diffs[:5])
                _FAST["ok"] = not diffs
    return _FAST["ok"]


def _plotly_version() -> str:
    import plotly

    return plotly.__version__


def _probe(lib: Any) -> Any:
    """One figure using every call the pages make, built by lib (this module or plotly's go)."""
    fig = lib.Figure(lib.Bar(x=[1, 2], y=["a", "b"], orientation="h", marker_color="#d9480f",
                             customdata=[["C1", "a"], ["C2", "b"]], hovertemplate="%{y}<extra></extra>"))
    fig.add_scatter(x=[1, 2], y=[3, 4], mode="lines+markers", line={"color": "#1c7ed6", "width": 3})
    fig.add_trace(lib.Histogram(x=[1, 2, 2], xbins={"size": 1}, marker_line_width=0))
    fig.update_layout(title="Probe", barmode="overlay", legend={"orientation": "h", "y": 1.0}, font={"size": 14},
                      margin={"l": 8, "r": 8, "t": 84, "b": 8}, hoverlabel={"font_size": 14})
    fig.update_xaxes(title="Days", rangemode="tozero", tickformat="%d %b")
    fig.update_yaxes(autorange="reversed", title=None)
    fig.add_vline(x=0, line_dash="dot", line_color="#495057", annotation_text="today",
                  annotation_position="top right")
    fig.add_hline(y=8, line_dash="dash", annotation_text="SLA 8 h", annotation_position="top left")
    fig.add_annotation(x=1, y=1, yref="paper", showarrow=False, text="note")
    return fig


def probe_differences() -> list[str]:
    """How the probe built here (unvalidated) differs from plotly's public API; [] = identical."""
    if axis_spanning_shape_annotation is None:
        return ["plotly.shapeannotation.axis_spanning_shape_annotation is gone"]
    _PROBING.on = True
    try:
        built = _probe(sys.modules[__name__])
        spec = {"data": built.data, "layout": built.layout}
        fast = json.loads(pio.to_json(go.Figure(spec, _validate=False), validate=False))
    except Exception as exc:  # a plotly that dropped _validate or changed its helper
        return [f"the unvalidated build failed: {type(exc).__name__}: {exc}"]
    finally:
        _PROBING.on = False
    public = json.loads(pio.to_json(_probe(go), validate=False))
    return _differences(_pruned(fast), _pruned(public))


def _pruned(fig: dict[str, Any]) -> dict[str, Any]:
    """Without the template and the empty objects plotly's own updates leave behind."""
    def prune(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: prune(v) for k, v in value.items() if v != {}}
        return [prune(v) for v in value] if isinstance(value, list) else value

    fig.get("layout", {}).pop("template", None)
    return prune(fig)


def make_subplots(specs: list[list[dict[str, Any]]]) -> Figure:
    """The one subplot layout the pages use: a single chart with a secondary y axis."""
    if specs != [[{"secondary_y": True}]]:
        raise ValueError(f"only a single plot with a secondary y axis is supported, not {specs!r}")
    return Figure(secondary_y=True)


def check_canonical(spec: dict[str, Any]) -> None:
    """Raise when plotly's validation would reject or rewrite the figure (tests only: slow)."""
    raw = json.loads(pio.to_json(go.Figure(spec, _validate=False), validate=False))
    checked = json.loads(pio.to_json(go.Figure(spec), validate=False))
    diffs = "\n".join(_differences(raw, checked)[:12])
    if diffs:
        raise ValueError(f"figure is not in plotly's canonical form (as built → as plotly makes it):\n{diffs}")


def _decoded(value: Any) -> Any:
    """plotly's base64 typed arrays as lists (validation may widen int8 to float64: same numbers)."""
    if isinstance(value, dict) and "bdata" in value and "dtype" in value:
        values = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        if "shape" in value:
            values = values.reshape([int(n) for n in str(value["shape"]).split(",")])
        return values.tolist()
    return value


def _differences(a: Any, b: Any, path: str = "") -> list[str]:
    a, b = _decoded(a), _decoded(b)
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            out += _differences(a.get(k, "<missing>"), b.get(k, "<missing>"), f"{path}.{k}")
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in _differences(x, y, f"{path}[{i}]")]
    both_nan = isinstance(a, float) and isinstance(b, float) and np.isnan(a) and np.isnan(b)
    return [] if a == b or both_nan else [f"{path}: {json.dumps(a)[:160]} → {json.dumps(b)[:160]}"]
