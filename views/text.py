"""Sheet text on screen: always printed, never interpreted (markdown, plotly's HTML)."""

from __future__ import annotations

import html
from typing import Any

__all__ = ["md_escape", "plot_text"]


def md_escape(text: Any) -> str:
    """Sheet text inside markdown is printed, never interpreted (no links, emphasis, HTML)."""
    s = str(text)
    for ch in "\\`*_{}[]()#+-.!|<>~$":
        s = s.replace(ch, "\\" + ch)
    return s


def plot_text(text: Any) -> str:
    """Sheet text inside a plotly label: plotly renders a little HTML, so escape it."""
    return html.escape("" if text is None else str(text), quote=False)
