"""Plotly figures as plain dicts, with the slice of plotly's Figure API the pages use.

Building a chart through plotly's graph objects validates every property on every
update (`update_layout`, `update_xaxes`, ...): on a page of three charts that is most of
a filter change's server time. The pages build the same figures here, as dicts in
plotly's canonical form (titles as {"text": ...}, nested properties as nested dicts),
and hand them to plotly without validation. With PULSE_STRICT_CHARTS set (the test
suite sets it) every figure is also validated by plotly and must come out unchanged,
so a misspelt property fails a test instead of vanishing from a chart.
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from plotly.shapeannotation import axis_spanning_shape_annotation

__all__ = ["STRICT_ENV", "Bar", "Figure", "Histogram", "Scatter", "check_canonical", "make_subplots"]

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
            note = axis_spanning_shape_annotation(None, kind, span, label)
            self.layout.setdefault("annotations", []).append(_plain(_expand({**note, **refs})))
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
        return go.Figure(spec, _validate=False)


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
