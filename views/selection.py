"""Chart clicks → global filters, as a plain function (AppTest cannot click a plotly chart).

Charts put the id of what a mark stands for in `customdata[0]` (a client id, a person,
a week's first day), so a selection maps to a filter without parsing labels.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

# Chart dimension → the sidebar filter (its session key, which is also its URL parameter).
FILTER_KEYS: dict[str, str] = {
    "client": "client",
    "account_manager": "am",
    "project_manager": "pm",
    "department": "dept",
    "tier": "tier",
    "channel": "channel",
}


def _point_value(point: Mapping[str, Any]) -> Any:
    custom = point.get("customdata")
    if isinstance(custom, list | tuple) and custom:
        return custom[0]
    if custom not in (None, ""):
        return custom
    # Horizontal bars carry their category on y, vertical ones on x.
    return point.get("y") if point.get("orientation") == "h" else point.get("x")


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def selection_to_filters(points: Iterable[Mapping[str, Any]], dimension: str) -> dict[str, Any]:
    """Session-state updates for the points a user selected on a chart of `dimension`.

    A person/client chart sets that filter to the selected values (replacing it); a week
    chart sets a custom period covering the selected weeks. No usable point: no change.
    """
    values = [v for v in (_point_value(p) for p in points) if v not in (None, "")]
    if not values:
        return {}
    if dimension == "week":
        starts = sorted(d for d in (_as_date(v) for v in values) if d is not None)
        if not starts:
            return {}
        return {"period": "Custom", "from": starts[0], "as_of": starts[-1] + dt.timedelta(days=6)}
    key = FILTER_KEYS.get(dimension)
    if key is None:
        raise ValueError(f"no filter for chart dimension {dimension!r}")
    return {key: sorted({str(v) for v in values})}
