"""What every page draws with: its header and data stamp, tiles, charts and tables.

Pages call metrics/ functions directly with the snapshot and Context `open_page` returns;
their results are cached in metrics/cache.py under the load they were read from, so no page
ever shows numbers from the previous load. The shell (store, filters, the pinned read) is
views/shell.py.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import duckdb
import pandas as pd
import streamlit as st

from data import reasons, store
from lang import _, ngettext
from metrics import formats, health, quality, summaries, tiles, vocabulary
from metrics.context import Context
from views import figures as fg
from views import registry, shell
from views.selection import selection_to_filters
from views.text import md_escape, plot_text

__all__ = ["HEALTH_COLORS", "PALETTE", "SIDE_COLORS", "ZERO_MARK_SHARE", "chart", "client_axis",
           "csv_safe", "data_stamp", "kpi_tiles", "large_type", "md_escape", "no_data", "open_page",
           "page_header", "plot_text", "style", "summary_tiles", "table", "zero_marks"]

PALETTE = ["#d9480f", "#1c7ed6", "#2b8a3e", "#f59f00", "#862e9c", "#0b7285", "#c2255c", "#5c940d"]
SIDE_COLORS = {"agency": "#d9480f", "client": "#1c7ed6"}
# The one colour rule for health and signal scores: a score's band (metrics/health.band, by the
# [health] thresholds of pulse.toml) → its colour; None = no data. The digest draws with the same map.
HEALTH_COLORS = health.BAND_COLORS
# A table's 0–100 score bar: one neutral colour, so a table never colours a score by another rule
# than HEALTH_COLORS (Streamlit's "auto" turns a bar red below 50 and green above).


# --- page furniture -------------------------------------------------------------------------

def open_page(key: str) -> tuple[duckdb.DuckDBPyConnection, Context]:
    """What every page starts with: its header (its title from the registry); returns this
    run's snapshot and Context.

    With nothing loaded yet (a first sync that failed, an empty file) the page says what
    happened and how to fix it, and stops: there is no number to draw.
    """
    title = _(registry.page(key).title)
    con = shell.reader()
    if not store.has_data(con):
        st.title(title)
        no_data(con)
        st.stop()
    ctx = shell.context()
    page_header(title, ctx, con)
    return con, ctx


def no_data(con: duckdb.DuckDBPyConnection) -> None:
    """What a page shows before any workbook has loaded: why, and what to do."""
    status = quality.sync_status(con)
    if status["last_status"] == "failed":
        when = pd.Timestamp(status["last_at"])
        st.error(_("No data yet: the sync at {when} failed: {error}").format(
            when=moment(when), error=md_escape(reasons.translate(str(status["last_error"])))),
            icon=":material/sync_problem:")
    else:
        st.info(_("No data yet: no workbook has been loaded into this dashboard."), icon=":material/database:")
    st.markdown(_("Check `source` in `pulse.toml` (a Google Sheets URL shared with the service account, an `.xlsx` "
                  "file or a folder of `.csv` files) and the credentials in `.streamlit/secrets.toml`, then press "
                  "**Sync now** on the Data page."))
    st.page_link(registry.page("data").file, label=_("Open the Data page"), icon=":material/database:")


def summary_tiles(families: tuple[str, ...], names: Sequence[str], per_row: int | None = None) -> dict[str, Any]:
    """Headline tiles against the previous period (one query for both); returns this period's numbers."""
    now, prev = summaries.headline(shell.reader(), shell.context(), families)
    kpi_tiles(names, now, prev, per_row)
    return now


def page_header(title: str, ctx: Context, con: duckdb.DuckDBPyConnection) -> None:
    """Title (already in this run's language), the period and as-of line, and the data stamp
    (with a failed-sync warning)."""
    st.title(title)
    d = dates()
    days = ctx.period_days
    bits = [ngettext("Period **{span}** ({n} day)", "Period **{span}** ({n} days)", days).format(
                span=d.span(ctx.period_start, ctx.period_end), n=formats.show(days, "int")),
            _("as of **{when}** ({tz})").format(when=d.when(ctx.as_of.tz_convert(ctx.tz)), tz=ctx.tz)]
    if ctx.filters.active:
        bits.append(_("filtered"))
    st.caption(" · ".join(bits))
    data_stamp(con)


def data_stamp(con: duckdb.DuckDBPyConnection) -> None:
    """'Data … / last sync …' on every page, and a warning when the last sync failed."""
    status = quality.sync_status(con)
    meta = quality.read_meta(con)
    good = status["good_at"]
    # The sample's own title is a message too ("Northwind Creative (sample agency)"); a sheet's is not.
    title = _(meta.get("title") or "") or meta.get("source") or _("workbook")
    if good is not None:
        st.caption(_("Data: {title} · last good sync {when}").format(title=md_escape(title), when=moment(good)))
    if status["last_status"] == "failed":
        when, error = moment(pd.Timestamp(status["last_at"])), md_escape(reasons.translate(str(status["last_error"])))
        if good:
            failed = _("The last sync ({when}) failed: {error}. Showing the last good data from {good}.").format(
                when=when, error=error, good=moment(good))
        else:
            failed = _("The last sync ({when}) failed: {error}. No data yet.").format(when=when, error=error)
        st.warning(failed, icon=":material/sync_problem:")


def kpi_tiles(names: Sequence[str], now: dict[str, Any], prev: dict[str, Any] | None = None,
              per_row: int | None = None) -> None:
    """One tile per catalogue metric (metrics/tiles.py: label with its base, value, change vs the
    previous period, definition on hover); a small sample's change is grey and has no arrow."""
    per_row = per_row or len(names)
    for start in range(0, len(names), per_row):
        row = names[start:start + per_row]
        for col, name in zip(st.columns(len(row)), row, strict=True):
            t = tiles.tile(name, now, prev)
            color = {"higher": "normal", "lower": "inverse"}.get(t.better or "", "off")
            arrow = "auto" if t.arrow else "off"
            col.metric(t.label, t.value, delta=t.change, delta_color=color, delta_arrow=arrow, help=t.description,
                       border=True)


TITLE_PX = 44  # the title's band at the top of a chart (17 px text and its padding)
LEGEND_PX = 56  # room for a legend of up to two rows under the title


def style(fig: fg.Figure, height: int = 360, legend: bool = True, title: str | None = None) -> fg.Figure:
    """House chart style: readable on a meeting-room screen, the title above a left-aligned
    legend (never on top of it), no clutter.

    The legend hangs from a fixed distance below the title (container coordinates), so when a
    narrow screen (1366 px) wraps it onto a second row it grows down into its reserved band,
    not up into the title.
    """
    if title is not None:
        fig.update_layout(title_text=title)
    fig.update_layout(
        height=height, margin={"l": 8, "r": 8, "t": TITLE_PX + LEGEND_PX if legend else 56, "b": 8},
        font={"size": 14},
        title={"x": 0, "xanchor": "left", "y": 1, "yanchor": "top", "yref": "container", "pad": {"t": 12, "l": 8},
               "font": {"size": 17}},
        legend={"orientation": "h", "x": 0, "xanchor": "left", "yref": "container", "yanchor": "top",
                "y": 1 - TITLE_PX / height} if legend else None,
        showlegend=legend, hoverlabel={"font_size": 14}, colorway=PALETTE, dragmode=False,
    )
    return fig


LARGE_FONT_PX = 22  # chart text on the meeting screen (presentation mode): at least 20 px at 1920×1080
LARGE_TITLE_PX = 30


def large_type(fig: fg.Figure) -> fg.Figure:
    """A styled chart in the meeting screen's type sizes: the same figure, larger text and room for it."""
    height = max(int(fig.layout.get("height") or 360) + 120, 480)
    legend = bool(fig.layout.get("showlegend", True))
    title_px, legend_px = 64, 84
    fig.update_layout(
        height=height, font={"size": LARGE_FONT_PX}, hoverlabel={"font_size": LARGE_FONT_PX},
        title={"font": {"size": LARGE_TITLE_PX}},
        margin={"l": 8, "r": 8, "t": title_px + (legend_px if legend else 0), "b": 8},
    )
    if legend:
        fig.update_layout(legend={"y": 1 - title_px / height, "font": {"size": LARGE_FONT_PX},
                                  "title": {"font": {"size": LARGE_FONT_PX}}})
    # Streamlit's chart theme sizes ticks and axis titles itself: the layout font does not reach them.
    for name, axis in list(fig.layout.items()):
        if name.startswith(("xaxis", "yaxis")) and isinstance(axis, dict):
            axis["tickfont"] = {**axis.get("tickfont", {}), "size": LARGE_FONT_PX}
            if isinstance(axis.get("title"), dict):
                axis["title"] = {**axis["title"], "font": {**axis["title"].get("font", {}), "size": LARGE_FONT_PX}}
    return fig


ZERO_MARK_SHARE = 0.02  # a bar shorter than this share of its axis also gets a mark at 0


def zero_marks(fig: fg.Figure, x: Sequence[Any], y: Sequence[Any], axis_max: float, color: str,
               customdata: Sequence[Any], hovertemplate: str) -> None:
    """A mark at 0 in the bar's colour for each bar of a horizontal bar chart too short to see
    (x below ZERO_MARK_SHARE of the axis): a score of 0 is a score, and must not look like
    the blank of "no data". NaN bars (no data) get none."""
    keep = [i for i, v in enumerate(x) if v == v and v < ZERO_MARK_SHARE * axis_max]
    if keep:
        ys, custom = list(y), list(customdata)
        fig.add_scatter(x=[0] * len(keep), y=[ys[i] for i in keep], mode="markers", showlegend=False,
                        cliponaxis=False, customdata=[custom[i] for i in keep], hovertemplate=hovertemplate,
                        marker={"symbol": "line-ns", "size": 22, "line": {"width": 5, "color": color}})


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
        labels = shell.client_labels(shell.client_names(shell.reader()))
        updates["client"] = [labels.get(c, c) for c in updates["client"]]
    for k, v in updates.items():
        st.session_state[k] = v


TABLE_ROWS = 25  # rows a table shows whole before it scrolls inside itself
ROW_PX = 35  # the grid's own row height
WRAP_ROW_PX = 84  # a row tall enough for long text to wrap onto four lines (the grid wraps above 64 px)


def dates() -> formats.DateFormat:
    """The agency's date format (setting `date_format`)."""
    return formats.date_format(shell.settings().date_format)


def moment(value: Any) -> str:
    """A recorded moment (a sync's time, stored in UTC) in agency time and the date format."""
    ts = pd.Timestamp(value)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts
    return dates().when(ts.tz_convert(shell.settings().timezone))


def table(df: pd.DataFrame, key: str, columns: Sequence[str] | None = None, *, labels: dict[str, str] | None = None,
          download: str | None = None, csv_extra: Sequence[str] = (), page_size: int = 100,
          rows: int = TABLE_ROWS) -> None:
    """A sortable table in the one vocabulary: every column a term of metrics/vocabulary.py.

    Headers, tooltips and number formats come from the term (a page may reword a header with
    `labels`, never a format), so a quantity reads the same in every table, tile and CSV file.
    Up to `rows` rows show whole; long text wraps; a cell opens in full on click. No more than
    one page of rows goes to the browser. Cells show sheet text exactly as written; the grid's own
    toolbar CSV export (which would write `=HYPERLINK(...)` as a live formula) is switched off in
    .streamlit/config.toml (client.disableDataExport), so tables export only through the
    "Download CSV" button below: the same headers, values as shown (plus the `csv_extra` columns,
    ids a spreadsheet can join on), escaped by csv_safe.
    """
    if df.empty:
        st.info(_("Nothing to show for these filters."), icon=":material/filter_alt:")
        return
    columns = list(df.columns if columns is None else columns)
    pages = max(1, -(-len(df) // page_size))
    shown = df
    if pages > 1:
        page = st.pagination(pages, key=f"{key}_page")
        shown = df.iloc[(page - 1) * page_size: page * page_size]
        first, last = (page - 1) * page_size + 1, min(page * page_size, len(df))
        st.caption(_("Rows {first}–{last} of {total}").format(
            first=formats.show(first, "int"), last=formats.show(last, "int"), total=formats.show(len(df), "int")))
    tz = shell.settings().timezone
    grid = vocabulary.display_frame(shown, columns, labels, tz)
    wrap = any(vocabulary.term(c).kind == "long" for c in columns)
    row_px = WRAP_ROW_PX if wrap else ROW_PX
    st.dataframe(grid, hide_index=True, width="stretch", key=key, placeholder=formats.MISSING,
                 column_config={vocabulary.header(c, labels): _column(c, labels) for c in columns},
                 row_height=row_px, height=38 + row_px * min(len(grid), rows) + 2)
    if download:
        # Built on click, not on every rerun: a page's tables would cost a CSV each per interaction.
        st.download_button(_("Download CSV"), functools.partial(_csv, df, [*columns, *csv_extra], labels, dates(), tz),
                           f"{download}.csv", "text/csv", key=f"{key}_csv", icon=":material/download:")


def _column(name: str, labels: dict[str, str] | None) -> Any:
    """A grid column from its term: label, tooltip, and the quantity's one format."""
    t = vocabulary.term(name)
    label, help_ = vocabulary.header(name, labels), t.help or None
    if t.kind in formats.QUANTITIES:
        return st.column_config.NumberColumn(label, help=help_, format=formats.table_format(t.kind))
    if t.kind == "date":
        return st.column_config.DateColumn(label, help=help_, format=dates().moment)
    if t.kind == "datetime":
        return st.column_config.DatetimeColumn(label, help=help_, format=dates().moment_time())
    if t.kind == "flag":
        return st.column_config.CheckboxColumn(label, help=help_)
    return st.column_config.TextColumn(label, help=help_, width="medium" if t.kind == "long" else None)


def _csv(df: pd.DataFrame, columns: list[str], labels: dict[str, str] | None, date_format: formats.DateFormat,
         tz: str) -> bytes:
    return csv_safe(vocabulary.export_frame(df, columns, date_format, labels, tz))


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(df: pd.DataFrame) -> bytes:
    """CSV whose text cells can never run as spreadsheet formulas (=, +, -, @ are escaped)."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(lambda v: "'" + v if isinstance(v, str) and v.startswith(FORMULA_PREFIXES) else v)
    return out.to_csv(index=False).encode("utf-8")
