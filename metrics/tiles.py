"""What a tile says: label, value, change and whether the change may be coloured.

The dashboard's tiles (views/common.kpi_tiles) and the digest's draw the same thing from
this one rule, so a small sample reads "too few responses" in both:

- the label is the metric's, with "business h" for hours (the value alone says "h"), and
  with its base when it has one: "NPS · 3 responses", "Threads waiting on us · 5 clients";
- the change is against the previous period (formats.tile_change);
- a rate or a score over fewer than formats.MIN_BASE cases keeps its value and base but
  gets no colour and no arrow: its change line says "too few responses" (deliverables, …).

A Tile is ready to show: its label, change and description are in the run's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lang import N_, _
from metrics import formats
from metrics.catalogue import metric

__all__ = ["Tile", "tile"]


@dataclass(frozen=True)
class Tile:
    name: str
    label: str
    value: str
    change: str | None  # None: no change to show
    better: str | None  # "higher" / "lower": how to colour the change; None: never coloured
    arrow: bool  # the change gets an up/down arrow (not "no change", not a small sample)
    description: str  # the tooltip: the metric's definition and what the change compares


# What a tile's change compares, added to its definition.
_FLOW_NOTE = N_("Change: against the previous period of the same length.")
_LEVEL_NOTE = N_("Change: against the same moment one period earlier.")


def tile(name: str, now: dict[str, Any], prev: dict[str, Any] | None = None) -> Tile:
    """The tile of catalogue metric `name` from this period's and the previous period's values,
    in the run's language."""
    m = metric(name)
    value = now.get(name)
    label = _("{label}, business h").format(label=_(m.label)) if m.format == "hours" else _(m.label)
    if m.base:
        label += f" · {formats.count_of(now.get(m.base), metric(m.base).unit)}"
    change = formats.tile_change(value, prev.get(name), m.format) if prev is not None else None
    better = None if change in (None, formats.NO_CHANGE) else m.better
    note = ""
    if change is not None:
        note = " " + _(_FLOW_NOTE if m.flow else _LEVEL_NOTE)
    arrow = change not in (None, formats.NO_CHANGE)
    if change == formats.NO_CHANGE:
        change = _(formats.NO_CHANGE)
    if formats.small_sample(m, now):
        noun = metric(m.base).unit
        change, better, arrow = formats.too_few_text(noun), None, False
        note = " " + _("Fewer than {count}: too few to call it good or bad, so no colour and no arrow.").format(
            count=formats.count_of(formats.MIN_BASE, noun))
    return Tile(name, label, m.fmt(value), change, better, arrow, _(m.description) + note)
