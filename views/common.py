"""What every page shares: the store, the global filters (kept in the URL), cached metric
calls, the data stamp, and the drawing helpers (tiles, charts, tables).

The connection is a process-wide resource (one DuckDB connection, a cursor per query).
Metric results are cached per (data version, as_of, period, filters), and a sync changes
the data version, so no page ever shows numbers from the previous load.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import html
import importlib
import logging
import os
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import streamlit as st

from data import store
from data.settings import Settings, load_settings
from data.sync import SyncOutcome, run_sync
from metrics import quality, summaries
from metrics.catalogue import Metric, metric
from metrics.context import Context, Filters, filter_options, parse_as_of, query_df, snapshot
from metrics.context import data_version as load_version
from views import figures as fg
from views.selection import selection_to_filters

# Tests and the browser suite point the app at their own files through these.
SETTINGS_ENV = "PULSE_SETTINGS"
DB_ENV = "PULSE_DB"
SOURCE_ENV = "PULSE_SOURCE"

# Period presets: the label is also the URL value (?period=Last+4+weeks).
PERIODS: dict[str, int | None] = {"Last week": 7, "Last 4 weeks": 28, "Quarter": 91, "Custom": None}
DEFAULT_PERIOD = "Last week"
# Filter session keys are also their URL parameters (bind="query-params").
FILTER_FIELDS = {"client": "clients", "am": "account_managers", "pm": "project_managers", "dept": "departments",
                 "tier": "tiers", "channel": "channels"}
PALETTE = ["#d9480f", "#1c7ed6", "#2b8a3e", "#f59f00", "#862e9c", "#0b7285", "#c2255c", "#5c940d"]
SIDE_COLORS = {"agency": "#d9480f", "client": "#1c7ed6"}
log = logging.getLogger("agency_pulse")


# --- store and settings ---------------------------------------------------------------------

def settings() -> Settings:
    path = os.environ.get(SETTINGS_ENV) or None
    mtime = Path(path).stat().st_mtime if path and Path(path).exists() else 0.0
    return _settings(path, mtime, os.environ.get(SOURCE_ENV, ""), os.environ.get(DB_ENV, ""))


@functools.lru_cache(maxsize=8)  # asked many times per rerun: a plain memo, not st.cache_resource's hashing
def _settings(path: str | None, _mtime: float, source: str, db: str) -> Settings:
    return load_settings(path).with_overrides(source=source or None, db=db or None)


@st.cache_resource(show_spinner=False)
def _connection(db_path: str) -> duckdb.DuckDBPyConnection:
    return store.connect(db_path)


_FIRST_SYNC_TRIED: set[str] = set()
_RUN = threading.local()  # this script run's snapshot (a run is one thread)


def connection() -> duckdb.DuckDBPyConnection:
    """The store (one connection per process), synced from the source the first time this
    process finds it empty; a failed first sync is recorded and shown, never raised."""
    s = settings()
    db = str(s.db_path())
    con = _connection(db)
    if db not in _FIRST_SYNC_TRIED and not store.has_data(con):
        _FIRST_SYNC_TRIED.add(db)  # once per process: a broken source must not be retried on every click
        with st.spinner("Loading the workbook for the first time…"):
            run_sync(con, s)
    return con


@contextlib.contextmanager
def pinned() -> Iterator[store.Snapshot]:
    """Pin one snapshot of the store for this script run: every number the run draws comes
    from one load, whatever a sync commits meanwhile (app.py wraps each run in it)."""
    snap = store.Snapshot(connection())
    _RUN.snapshot = snap
    try:
        yield snap
    finally:
        _RUN.snapshot = None
        snap.release()


def reader() -> duckdb.DuckDBPyConnection:
    """This run's snapshot; outside a pinned run (a callback) the connection, on which each
    metrics call reads through a snapshot of its own."""
    return getattr(_RUN, "snapshot", None) or connection()


def sync_now() -> SyncOutcome:
    outcome = run_sync(_connection(str(settings().db_path())), settings())
    st.cache_data.clear()
    return outcome


def data_version(con: duckdb.DuckDBPyConnection) -> str:
    """The load metrics/ caches on, plus the settings: part of every st.cache_data key."""
    return f"{load_version(con)}|{hash(repr(settings()))}"


# --- as_of, period, filters -----------------------------------------------------------------

def default_as_of(con: duckdb.DuckDBPyConnection) -> pd.Timestamp:
    """The sample's reference time when the sample is loaded (it never looks stale), else now."""
    ref = quality.read_meta(con).get("sample_as_of") or None
    if ref is None:
        # Live data: "now" to the last 5 minutes, so reruns share one as_of (and its cached
        # marts) instead of computing everything afresh every second.
        return pd.Timestamp.now(tz=settings().timezone).floor("5min")
    return parse_as_of(ref, settings().timezone)


@st.cache_data(show_spinner=False, max_entries=16)
def _options(version: str, _con: duckdb.DuckDBPyConnection) -> tuple[dict[str, list[str]], dict[str, str]]:
    names = query_df(_con, "SELECT client_id, client_name FROM clients ORDER BY client_id")
    return filter_options(_con), dict(zip(names["client_id"], names["client_name"], strict=True))


def client_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    with snapshot(con) as snap:
        return _options(data_version(snap), snap)[1]


def client_labels(names: dict[str, str]) -> dict[str, str]:
    """client_id → what the client filter shows (and the URL holds): the name, plus the id
    only when two clients share a name."""
    counts: dict[str, int] = {}
    for n in names.values():
        counts[n] = counts.get(n, 0) + 1
    return {cid: (n if counts[n] == 1 else f"{n} ({cid})") for cid, n in names.items()}


def _clear_filters(default_date: dt.date) -> None:
    for key in FILTER_FIELDS:
        st.session_state[key] = []
    st.session_state["period"] = DEFAULT_PERIOD
    st.session_state["as_of"] = default_date
    st.session_state.pop("from", None)


def _warn_unresolved_link(sb: Any, names: dict[str, str], default: pd.Timestamp) -> None:
    """A shared link whose client no longer exists (renamed, removed) or whose custom period
    starts after its as-of date would otherwise be dropped silently by the widgets."""
    if "_pulse_link_checked" in st.session_state:
        return
    st.session_state["_pulse_link_checked"] = True
    labels = set(client_labels(names).values())
    missing = [c for c in st.query_params.get_all("client") if c not in labels]
    if missing:
        sb.warning(f"Client(s) in this link not found in the data: {md_escape(', '.join(missing))}. "
                   "Showing every client.", icon=":material/link_off:")
    start, end = st.query_params.get("from"), st.query_params.get("as_of") or default.date().isoformat()
    if start and start > end:
        sb.warning(f"This link's custom period starts ({md_escape(start)}) after its as-of date "
                   f"({md_escape(end)}); showing the 7 days up to the as-of date.", icon=":material/event_busy:")


def sidebar_filters(con: duckdb.DuckDBPyConnection) -> Context:
    """The global filters, shared by every page and kept in the URL; returns the Context."""
    s = settings()
    default = default_as_of(con)
    version = data_version(con)
    options, names = _options(version, con)
    sb = st.sidebar
    sb.markdown("### Filters")
    _warn_unresolved_link(sb, names, default)
    period = sb.segmented_control(
        "Period", list(PERIODS), default=DEFAULT_PERIOD, key="period", bind="query-params",
        help="The period every flow metric counts: the N days ending on the as-of date.",
    ) or DEFAULT_PERIOD
    as_of_date = sb.date_input("As of", value=default.date(), key="as_of", bind="query-params", format="YYYY-MM-DD",
                               help="Numbers as they stood at the end of this day (the sample: its reference time).")
    if PERIODS.get(period) is None:
        start = sb.date_input("From", value=as_of_date - dt.timedelta(days=6), key="from", bind="query-params",
                              format="YYYY-MM-DD", max_value=as_of_date)
        days = max(1, (as_of_date - start).days + 1)
    else:
        days = PERIODS[period]
    if as_of_date == default.date():
        as_of = default
    else:
        # The end of that day: the next local midnight less a second (a fall-back hour just
        # before midnight happens twice; this counts both).
        next_midnight = pd.Timestamp(as_of_date + dt.timedelta(days=1)).tz_localize(
            s.timezone, ambiguous=False, nonexistent="shift_forward")
        as_of = next_midnight - pd.Timedelta(seconds=1)
    labels = client_labels(names)
    sb.multiselect("Client", list(labels.values()), key="client", bind="query-params", placeholder="All clients")
    sb.multiselect("Account manager", options["account_managers"], key="am", bind="query-params",
                   placeholder="All account managers")
    sb.multiselect("Project manager", options["project_managers"], key="pm", bind="query-params",
                   placeholder="All project managers")
    sb.multiselect("Department", options["departments"], key="dept", bind="query-params",
                   placeholder="All departments")
    sb.multiselect("Tier", options["tiers"], key="tier", bind="query-params", placeholder="All tiers")
    sb.multiselect("Channel", options["channels"], key="channel", bind="query-params", placeholder="All channels",
                   help="Applies to messages and reply episodes.")
    chosen = {key: tuple(st.session_state.get(key) or ()) for key in FILTER_FIELDS}
    by_label = {label: cid for cid, label in labels.items()}
    chosen["client"] = tuple(by_label[c] for c in chosen["client"] if c in by_label)
    filters = Filters(**{field: chosen[key] for key, field in FILTER_FIELDS.items()})
    if filters.active or period != DEFAULT_PERIOD or as_of_date != default.date():
        sb.button("Clear filters", icon=":material/filter_alt_off:", on_click=_clear_filters, args=(default.date(),),
                  width="stretch")
    ctx = Context(s, as_of, days, filters)
    st.session_state["_pulse_ctx"] = ctx
    return ctx


def context() -> Context:
    """The Context the sidebar built on this run."""
    return st.session_state["_pulse_ctx"]


# --- cached metric calls --------------------------------------------------------------------

@st.cache_data(show_spinner=False, max_entries=256, ttl=3600)
def _cached(path: str, version: str, as_of: str, period_days: int, filters: tuple, args: tuple,
            _con: duckdb.DuckDBPyConnection) -> Any:
    module, name = path.rsplit(".", 1)
    fn = getattr(importlib.import_module(module), name)
    s = settings()
    ctx = Context(s, pd.Timestamp(as_of).tz_convert(s.timezone), period_days, Filters(*filters))
    return fn(_con, ctx, *args)


def call(fn: Callable[..., Any], *args: Any, ctx: Context | None = None) -> Any:
    """fn(con, ctx, *args) from metrics/, read from this run's snapshot and cached per load and
    filter set (the key's load is the snapshot's, so a result never outlives its load)."""
    c = ctx or context()
    with snapshot(reader()) as snap:
        return _cached(f"{fn.__module__}.{fn.__name__}", data_version(snap), c.as_of.isoformat(), c.period_days,
                       dataclasses.astuple(c.filters), args, snap)


# --- page furniture -------------------------------------------------------------------------

def open_page(title: str) -> tuple[duckdb.DuckDBPyConnection, Context]:
    """What every page starts with: its header; returns this run's snapshot and Context.

    With nothing loaded yet (a first sync that failed, an empty file) the page says what
    happened and how to fix it, and stops: there is no number to draw.
    """
    con = reader()
    if not store.has_data(con):
        st.title(title)
        no_data(con)
        st.stop()
    ctx = context()
    page_header(title, ctx, con)
    return con, ctx


def no_data(con: duckdb.DuckDBPyConnection) -> None:
    """What a page shows before any workbook has loaded: why, and what to do."""
    status = quality.sync_status(con)
    if status["last_status"] == "failed":
        when = pd.Timestamp(status["last_at"])
        st.error(f"No data yet: the sync at {when:%Y-%m-%d %H:%M} UTC failed: "
                 f"{md_escape(str(status['last_error']))}", icon=":material/sync_problem:")
    else:
        st.info("No data yet: no workbook has been loaded into this dashboard.", icon=":material/database:")
    st.markdown("Check `source` in `pulse.toml` (a Google Sheets URL shared with the service account, an `.xlsx` "
                "file or a folder of `.csv` files) and the credentials in `.streamlit/secrets.toml`, then press "
                "**Sync now** on the Data page.")
    st.page_link("views/data.py", label="Open the Data page", icon=":material/database:")


def show_error(exc: BaseException) -> None:
    """A page that failed shows an error id, never a traceback; the details go to the server log."""
    error_id = uuid.uuid4().hex[:8]
    log.error("page error %s", error_id, exc_info=exc)
    st.error(f"This view could not be drawn (error id `{error_id}`). The data is safe; the details are in the "
             "server log under that id. Try another filter or page, or reload.", icon=":material/error:")


def summary_tiles(families: tuple[str, ...], names: Sequence[str], per_row: int | None = None) -> dict[str, Any]:
    """Headline tiles against the previous period (one query for both); returns this period's numbers."""
    now, prev = call(summaries.headline, families)
    kpi_tiles(names, now, prev, per_row)
    return now


def page_header(title: str, ctx: Context, con: duckdb.DuckDBPyConnection) -> None:
    """Title, the period and as-of line, and the data stamp (with a failed-sync warning)."""
    st.title(title)
    period = f"{ctx.period_start:%a %d %b} – {ctx.period_end:%a %d %b %Y}"
    bits = [f"Period **{period}** ({ctx.period_days} days)", f"as of **{ctx.as_of:%a %d %b %Y %H:%M}** ({ctx.tz})"]
    if ctx.filters.active:
        bits.append("filtered")
    st.caption(" · ".join(bits))
    data_stamp(con)


def data_stamp(con: duckdb.DuckDBPyConnection) -> None:
    """'Data … / last sync …' on every page, and a warning when the last sync failed."""
    status = quality.sync_status(con)
    meta = quality.read_meta(con)
    good = status["good_at"]
    title = meta.get("title") or meta.get("source") or "workbook"
    if good is not None:
        st.caption(f"Data: {md_escape(title)} · last good sync {pd.Timestamp(good):%Y-%m-%d %H:%M} UTC")
    if status["last_status"] == "failed":
        when = pd.Timestamp(status["last_at"])
        kept = f"showing the last good data from {pd.Timestamp(good):%Y-%m-%d %H:%M} UTC" if good else "no data yet"
        st.warning(f"The last sync ({when:%Y-%m-%d %H:%M} UTC) failed: {md_escape(str(status['last_error']))}. "
                   f"{kept.capitalize()}.", icon=":material/sync_problem:")


def md_escape(text: Any) -> str:
    """Sheet text inside markdown is printed, never interpreted (no links, emphasis, HTML)."""
    s = str(text)
    for ch in "\\`*_{}[]()#+-.!|<>~$":
        s = s.replace(ch, "\\" + ch)
    return s


def plot_text(text: Any) -> str:
    """Sheet text inside a plotly label: plotly renders a little HTML, so escape it."""
    return html.escape("" if text is None else str(text), quote=False)


def _delta(m: Metric, now: Any, prev: Any) -> str | None:
    if now is None or prev is None or pd.isna(now) or pd.isna(prev):
        return None
    d = float(now) - float(prev)
    if m.format == "pct":
        return f"{100 * d:+.0f} pts"
    if m.format == "int":
        return f"{d:+,.0f}"
    if m.format == "hours":
        return f"{d:+.1f} h"
    if m.format == "days":
        return f"{d:+.1f} d"
    if m.format == "score":
        return f"{d:+.0f}"
    return f"{d:+.2f}"


def kpi_tiles(names: Sequence[str], now: dict[str, Any], prev: dict[str, Any] | None = None,
              per_row: int | None = None) -> None:
    """One tile per catalogue metric: value, change vs the previous period, definition on hover."""
    per_row = per_row or len(names)
    for start in range(0, len(names), per_row):
        row = names[start:start + per_row]
        for col, name in zip(st.columns(len(row)), row, strict=True):
            m = metric(name)
            value = now.get(name)
            delta = _delta(m, value, prev.get(name)) if prev is not None else None
            color = {"higher": "normal", "lower": "inverse"}.get(m.better or "", "off")
            arrow = "auto"
            if delta is not None and delta.lstrip("+-").rstrip(" ptshd") in ("0", "0.0", "0.00"):
                delta, color, arrow = "no change", "off", "off"
            note = (" Change: against the previous period of the same length." if m.flow
                    else " Change: against the same moment one period earlier.") if delta is not None else ""
            col.metric(m.label, m.fmt(value), delta=delta, delta_color=color, delta_arrow=arrow,
                       help=m.description + note, border=True)


def style(fig: fg.Figure, height: int = 360, legend: bool = True, title: str | None = None) -> fg.Figure:
    """House chart style: readable on a meeting-room screen, the title above a left-aligned
    legend (never on top of it), no clutter."""
    if title is not None:
        fig.update_layout(title_text=title)
    fig.update_layout(
        height=height, margin={"l": 8, "r": 8, "t": 84 if legend else 56, "b": 8}, font={"size": 14},
        title={"x": 0, "xanchor": "left", "y": 1, "yanchor": "top", "yref": "container", "pad": {"t": 12, "l": 8},
               "font": {"size": 17}},
        legend={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom"} if legend else None,
        showlegend=legend, hoverlabel={"font_size": 14}, colorway=PALETTE, dragmode=False,
    )
    return fig


def client_axis(rows: pd.DataFrame) -> tuple[list[str], list[str]]:
    """(client ids, escaped labels) for a chart axis: bars are keyed by id (two clients may
    share a name), labelled with the name, plus the id where names collide."""
    ids = [str(i) for i in rows["client_id"]]
    names = [plot_text(n if isinstance(n, str) and n else i) for n, i in zip(rows["client_name"], ids, strict=True)]
    dup = pd.Series(names, dtype=object).duplicated(keep=False).to_numpy()
    return ids, [f"{n} ({plot_text(i)})" if d else n for n, i, d in zip(names, ids, dup, strict=True)]


# No plotly toolbar: directors read and click, they don't pan and zoom.
_PLOT_CONFIG = {"displaylogo": False, "displayModeBar": False}


def chart(fig: fg.Figure, key: str, dimension: str | None = None) -> None:
    """Draw a figure; with a dimension, clicking a mark filters by it."""
    plotly_fig = fig.to_plotly()
    if dimension is None:
        st.plotly_chart(plotly_fig, key=key, config=_PLOT_CONFIG)
        return
    st.plotly_chart(plotly_fig, key=key, on_select=functools.partial(_on_select, key, dimension),
                    selection_mode=("points",), config=_PLOT_CONFIG)


def _on_select(key: str, dimension: str) -> None:
    state = st.session_state.get(key)
    points = state.get("selection", {}).get("points", []) if state else []
    updates = selection_to_filters(points, dimension)
    if "client" in updates:  # charts carry ids; the filter shows (and the URL holds) labels
        labels = client_labels(client_names(reader()))
        updates["client"] = [labels.get(c, c) for c in updates["client"]]
    for k, v in updates.items():
        st.session_state[k] = v


def table(df: pd.DataFrame, key: str, column_config: dict[str, Any] | None = None, page_size: int = 100,
          download: str | None = None, height: int | str = "auto") -> None:
    """A sortable table that never sends more than one page of rows to the browser.

    Every grid of the app is drawn here. Cells show sheet text exactly as written; the grid's own
    toolbar CSV export (which would write `=HYPERLINK(...)` as a live formula) is switched off in
    .streamlit/config.toml (client.disableDataExport), so tables export only through the
    "Download CSV" button below, escaped by csv_safe.
    """
    if df.empty:
        st.info("Nothing to show for these filters.", icon=":material/filter_alt:")
        return
    pages = max(1, -(-len(df) // page_size))
    shown = df
    if pages > 1:
        page = st.pagination(pages, key=f"{key}_page")
        shown = df.iloc[(page - 1) * page_size: page * page_size]
        st.caption(f"Rows {(page - 1) * page_size + 1:,}–{min(page * page_size, len(df)):,} of {len(df):,}")
    st.dataframe(shown, hide_index=True, width="stretch", column_config=column_config, key=key, height=height)
    if download:
        # Built on click, not on every rerun: a page's tables would cost a CSV each per interaction.
        st.download_button("Download CSV", functools.partial(csv_safe, df), f"{download}.csv", "text/csv",
                           key=f"{key}_csv", icon=":material/download:")


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(df: pd.DataFrame) -> bytes:
    """CSV whose text cells can never run as spreadsheet formulas (=, +, -, @ are escaped)."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(lambda v: "'" + v if isinstance(v, str) and v.startswith(FORMULA_PREFIXES) else v)
    return out.to_csv(index=False).encode("utf-8")


def help_for(name: str) -> str:
    """A catalogue description for a table column's header tooltip."""
    return metric(name).description
