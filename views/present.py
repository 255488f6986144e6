"""Presentation mode: the Monday meeting's screen, one section at a time, in large type.

`?present=1` on any URL of the dashboard (its filters included) shows the deck instead of the
page: no sidebar, no Streamlit chrome, one section per screen, the section's number in the URL
(`&section=3`), Next / Previous buttons and the arrow keys, optional auto-advance
(`&advance=60`, seconds) and auto-refresh (`&refresh=300`). The filters still come from the
sidebar's widgets (views/shell.sidebar_filters runs as on every page, its sidebar hidden by
CSS), so a page's filtered link opens the same view on the TV.

Every section draws from the metrics calls the pages make (the Weekly review's through
views/weekly.py); nothing here computes a number.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import pandas as pd
import streamlit as st

from data import store
from lang import N_, _
from metrics import approvals, feedback, formats, quality, replies, summaries, vocabulary
from metrics.context import Context
from views import common, shell, weekly

__all__ = ["ADVANCE", "PRESENT", "REFRESH", "SECTION", "SECTIONS", "STALE_WITHOUT_REFRESH_S", "active", "big_table",
           "button", "css", "due", "run", "section_number", "stale"]

PRESENT, SECTION, ADVANCE, REFRESH = "present", "section", "advance", "refresh"  # the URL parameters
STALE_WITHOUT_REFRESH_S = 24 * 3600  # without ?refresh=, data older than a day is flagged
ROWS = 8  # rows of a list on the meeting screen
_SHOWN = "_present_shown"  # (section, time it was first drawn): auto-advance counts from it
_REFRESHED = "_present_refreshed"  # time of the last full run: auto-refresh counts from it


@dataclass(frozen=True)
class Section:
    title: str  # an English msgid (N_): shown through _()
    draw: Callable[[duckdb.DuckDBPyConnection, Context], None]


def big_table(df: pd.DataFrame, columns: list[str], rows: int = 8) -> None:
    """A short table for the meeting screen, in large type (st.dataframe draws on a canvas whose
    type cannot be enlarged): the columns' terms and values as tiles write them. Every cell is
    HTML-escaped: sheet text shows exactly as written."""
    if df.empty:
        st.info(_("Nothing to show for these filters."), icon=":material/filter_alt:")
        return
    text = vocabulary.text_frame(df.head(rows), columns, common.dates(), tz=shell.settings().timezone)
    head = "".join(f"<th>{html.escape(label)}</th>" for label in text.columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in r) + "</tr>"
                   for r in text.itertuples(index=False))
    more = ""
    if len(df) > rows:
        more = _("… and {n} more").format(n=formats.show(len(df) - rows, "int"))
        more = f'<p class="pulse-more">{html.escape(more)}</p>'
    st.html(f'<table class="pulse-big-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}')


# --- the sections -----------------------------------------------------------------------------

def _tiles(con: duckdb.DuckDBPyConnection, ctx: Context) -> None:
    weekly.tiles(con, ctx)


def _changed(con: duckdb.DuckDBPyConnection, ctx: Context) -> None:
    weekly.what_changed(con, ctx)


def _at_risk(con: duckdb.DuckDBPyConnection, ctx: Context) -> None:
    lowest = weekly.lowest_health(con, ctx)
    if lowest.empty:
        st.info(_("No client has a health score for these filters."), icon=":material/monitor_heart:")
        return
    left, right = st.columns([5, 7], gap="large")
    with left:
        common.chart(common.large_type(weekly.at_risk_chart(lowest, ctx.settings)), key="present_at_risk_chart",
                     dimension="client")
    with right:
        big_table(lowest.assign(main_issue=lowest["main_issue_label"]), ["client_name", "health_score", "main_issue"],
                  rows=len(lowest))


def _family(family: str, tiles: list[str], rows: Callable[[duckdb.DuckDBPyConnection, Context], pd.DataFrame],
            columns: list[str], empty: str) -> Callable[[duckdb.DuckDBPyConnection, Context], None]:
    """A section of one family: its tiles, then its list in large type (or the all-clear, an N_ msgid)."""
    def draw(con: duckdb.DuckDBPyConnection, ctx: Context) -> None:
        now, prev = summaries.headline(con, ctx, (family,))
        common.kpi_tiles(tiles, now, prev)
        found = rows(con, ctx)
        if found.empty:
            st.success(_(empty), icon=":material/check_circle:")
            return
        big_table(found, columns, rows=ROWS)
    return draw


_QUEUE_COLUMNS = ["client_name", "channel", "owner", "wait_hours", "breached"]


SECTIONS: tuple[Section, ...] = (
    Section(N_("This week in numbers"), _tiles),
    Section(N_("What changed since last week"), _changed),
    Section(N_("Clients at risk"), _at_risk),
    Section(N_("Threads waiting on us"), _family(
        "replies", ["awaiting_agency", "oldest_wait_hours", "breached_open"],
        lambda con, ctx: replies.queue(con, ctx, "agency"), _QUEUE_COLUMNS,
        N_("No client is waiting on us at this moment."))),
    Section(N_("Threads we wait on"), _family(
        "replies", ["awaiting_client"], lambda con, ctx: replies.queue(con, ctx, "client"), _QUEUE_COLUMNS,
        N_("We are not waiting on any client at this moment."))),
    Section(N_("Approvals"), _family(
        "approvals", ["pending", "overdue", "oldest_pending_days", "median_lag_days"], approvals.pending_list,
        ["deliverable", "client_name", "round", "age_days", "approver", "is_overdue"],
        N_("No approval round is waiting on a client."))),
    Section(N_("Feedback"), _family(
        "feedback", ["responses", "nps", "csat", "detractors"], feedback.detractor_list,
        ["received_on", "client_name", "scale", "score", "comment"],
        N_("No detractor in this period."))),
)
# The section a page's link opens at (?present=1 on /approvals starts at the approvals).
PAGE_SECTION = {"overview": 1, "clients": 3, "unanswered": 4, "approvals": 6, "feedback": 7}


# --- the URL ----------------------------------------------------------------------------------

def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def active() -> bool:
    """Is this run the meeting screen (?present=1)?"""
    return _flag(st.query_params.get(PRESENT))


def _seconds(name: str) -> int | None:
    """?advance= / ?refresh= as whole seconds ≥ 5; anything else is off."""
    try:
        value = int(float(st.query_params.get(name) or 0))
    except ValueError:
        return None
    return value if value >= 5 else None


def section_number(page_key: str | None = None) -> int:
    """The section shown (1-based, from ?section=, else the page's own section), kept in 1..N."""
    try:
        n = int(st.query_params.get(SECTION) or PAGE_SECTION.get(page_key or "", 1))
    except ValueError:
        n = 1
    return min(max(n, 1), len(SECTIONS))


def _go(n: int) -> None:
    """Show section n; past either end wraps round (a deck on a TV loops)."""
    st.query_params[SECTION] = str((n - 1) % len(SECTIONS) + 1)


def _start() -> None:
    st.query_params[PRESENT] = "1"


def _exit() -> None:
    for name in (PRESENT, SECTION, ADVANCE, REFRESH):
        st.query_params.pop(name, None)


def button() -> None:
    """The sidebar's way into presentation mode."""
    st.sidebar.button(_("Present"), icon=":material/slideshow:", on_click=_start, key="present_start",
                      width="stretch", help=_("The meeting screen: one section per screen in large type, ← / → to "
                                              "move (adds ?present=1 to this link)."))


# --- timing and freshness ---------------------------------------------------------------------

def due(now: float, shown_at: float, refreshed_at: float, advance: int | None, refresh: int | None) -> str | None:
    """What a timer tick should do: "advance" to the next section, "refresh" the data, or nothing.
    A tick a little early (timers drift) still counts."""
    slack = 0.5
    if advance and now - shown_at >= advance - slack:
        return "advance"
    if refresh and now - refreshed_at >= refresh - slack:
        return "refresh"
    return None


def stale(good_at: pd.Timestamp | None, now: pd.Timestamp, refresh: int | None, failed: bool = False) -> bool:
    """The data is stale when the last sync failed, no sync ever succeeded, or the last good one
    is older than the refresh interval (a screen refreshing every 5 minutes promises data that
    fresh) or, without ?refresh=, older than a day."""
    if failed or good_at is None:
        return True
    limit = refresh or STALE_WITHOUT_REFRESH_S
    return (now - pd.Timestamp(good_at)).total_seconds() > limit


# --- drawing ----------------------------------------------------------------------------------

FILTER_LABELS = {"client": N_("Client"), "am": N_("Account manager"), "pm": N_("Project manager"),
                 "dept": N_("Department"), "tier": N_("Tier"), "channel": N_("Channel")}


def _header(con: duckdb.DuckDBPyConnection, ctx: Context, n: int, refresh: int | None) -> None:
    """The section's title, its number, Previous / Next / Exit, and one line with the period,
    the active filters and the data's stamp (red when stale)."""
    title_col, nav_col = st.columns([3, 2], vertical_alignment="center")
    title_col.title(_(SECTIONS[n - 1].title))
    # The buttons take the width their words need, in any language, right-aligned.
    nav = nav_col.container(horizontal=True, horizontal_alignment="right", gap="small")
    nav.button(_("Previous"), icon=":material/arrow_back:", key="present_prev", on_click=_go, args=(n - 1,),
               width="content", help=_("Previous section (←)"))
    nav.button(_("Next"), icon=":material/arrow_forward:", key="present_next", on_click=_go, args=(n + 1,),
               width="content", help=_("Next section (→)"))
    nav.button(_("Exit"), icon=":material/close:", key="present_exit", on_click=_exit, width="content",
               help=_("Back to the dashboard, filters kept"))
    d = common.dates()
    bits = [f"{n} / {len(SECTIONS)}", d.span(ctx.period_start, ctx.period_end),
            _("as of {moment}").format(moment=d.when(ctx.as_of.tz_convert(ctx.tz)))]
    chosen = [f"{_(label)}: {', '.join(map(str, st.session_state.get(key) or ()))}"
              for key, label in FILTER_LABELS.items() if st.session_state.get(key)]
    bits.append(common.md_escape("; ".join(chosen)) if chosen else _("all clients"))
    status = quality.sync_status(con)
    good = status["good_at"]
    failed = status["last_status"] == "failed"
    stamp = _("data as of {moment}").format(moment=common.moment(good)) if good is not None else _("no data loaded")
    if failed:
        stamp += " " + _("(last sync failed)")
    if stale(good, pd.Timestamp.now(tz="UTC"), refresh, failed):
        stamp = f":red[**{stamp}**]"
    bits.append(stamp)
    with st.container(key="present_header"):
        st.markdown(" · ".join(bits))


# Arrow keys click the Next / Previous buttons (Streamlit has no keyboard-shortcut API). The
# listener is added once per browser tab and looks the buttons up at each key press, so it
# does nothing outside presentation mode or while typing in a widget.
_KEYS = """<script>
if (!window.__pulseKeys) {
  window.__pulseKeys = true;
  document.addEventListener("keydown", (e) => {
    const t = e.target;
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    if (t && (t.isContentEditable || /INPUT|TEXTAREA|SELECT/.test(t.tagName))) return;
    const key = {ArrowRight: "present_next", ArrowLeft: "present_prev"}[e.key];
    const button = key && document.querySelector(".st-key-" + key + " button");
    if (button) { e.preventDefault(); button.click(); }
  });
}
</script>"""


def _tick(n: int, advance: int | None, refresh: int | None) -> None:
    what = due(time.time(), st.session_state.get(_SHOWN, (n, 0.0))[1], st.session_state.get(_REFRESHED, 0.0),
               advance, refresh)
    if what == "advance":
        _go(n + 1)
    if what is not None:
        st.rerun(scope="app")


def run(con: duckdb.DuckDBPyConnection, ctx: Context, page_key: str | None = None) -> None:
    """Draw the meeting screen's current section (app.py calls it instead of the page)."""
    n = section_number(page_key)
    advance, refresh = _seconds(ADVANCE), _seconds(REFRESH)
    now = time.time()
    if st.session_state.get(_SHOWN, (None,))[0] != n:
        st.session_state[_SHOWN] = (n, now)
    st.session_state[_REFRESHED] = now
    st.html(_KEYS, unsafe_allow_javascript=True)
    if not store.has_data(con):
        st.title(_(SECTIONS[n - 1].title))
        common.no_data(con)
        return
    _header(con, ctx, n, refresh)
    SECTIONS[n - 1].draw(con, ctx)
    if advance or refresh:
        st.fragment(_tick, run_every=min(x for x in (advance, refresh) if x))(n, advance, refresh)


def css(presenting: bool) -> None:
    """The page's CSS, injected once per run (app.py): a smaller gap above every title, and in
    presentation mode no chrome and large type for a 1920×1080 screen."""
    # 3.5rem: just below Streamlit's fixed header (~60 px), which would cover a title set higher.
    # 3rem at the sides (Streamlit's own is 5rem): a laptop's 1366 px keeps two action lists whole.
    rules = ['[data-testid="stMainBlockContainer"], .block-container { padding-top: 3.5rem; '
             'padding-left: 3rem; padding-right: 3rem; }',
             # A tile's label wraps onto a second line rather than losing its end to "…" on a laptop.
             '[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * { white-space: normal !important; '
             'overflow: visible !important; text-overflow: clip !important; }']
    if presenting:
        rules += [
            '[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], '
            '[data-testid="stExpandSidebarButton"], [data-testid="stHeader"], [data-testid="stToolbar"], '
            '[data-testid="stDecoration"], [data-testid="stStatusWidget"] { display: none !important; }',
            '[data-testid="stMainBlockContainer"], .block-container { padding: 1rem 2.5rem 2rem; max-width: 100%; }',
            '[data-testid="stMainBlockContainer"] h1 { font-size: 56px; padding: 0; }',
            '[data-testid="stMetricValue"], [data-testid="stMetricValue"] * { font-size: 72px !important; '
            'line-height: 1.15; }',
            '[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] p { font-size: 30px !important; '
            'line-height: 1.3; }',
            '[data-testid="stMetricDelta"], [data-testid="stMetricDelta"] * { font-size: 28px !important; }',
            '[data-testid="stMainBlockContainer"] [data-testid="stMarkdownContainer"] p, '
            '[data-testid="stMainBlockContainer"] [data-testid="stMarkdownContainer"] li { font-size: 26px; }',
            '[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p { font-size: 22px !important; }',
            '.st-key-present_header p { font-size: 24px !important; color: #495057; }',
            '[data-testid="stAlert"] p { font-size: 26px; }',
            '.pulse-big-table { width: 100%; border-collapse: collapse; font-size: 26px; }',
            '.pulse-big-table th { text-align: left; font-size: 22px; color: #495057; border-bottom: 2px solid #ced4da;'
            ' padding: 8px 16px 8px 0; }',
            '.pulse-big-table td { padding: 10px 16px 10px 0; border-bottom: 1px solid #e9ecef; vertical-align: top; }',
            '.pulse-more { font-size: 22px; color: #495057; }',
        ]
    st.html("<style>" + "\n".join(rules) + "</style>")
