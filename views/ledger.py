"""The slip ledger: the Deadlines page's section on deadline moves (SPEC §10).

Where the rest of the page measures deliveries against the first agreed date, the ledger
reads the history every sync records: which deadlines were moved in the period, for whom,
by whom and why (a Pareto of causes), which deliverables are re-planned again and again,
and one deliverable's whole story. Every number comes from metrics/history.py.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import streamlit as st

from lang import N_, _, ngettext
from metrics import formats, history
from metrics.catalogue import metric
from metrics.context import Context
from views import common
from views import figures as fg

TILES = ["deadline_moves", "moved_deliverables", "net_days_moved"]
NOT_SET = N_("(not set)")  # a bar without a value: an id as it is, a label through _()
MOVE_COLOR, LINE_COLOR = "#d9480f", "#1c7ed6"
MAX_BARS = 15
TOP_REPLANNED = 10


def _labels(values: pd.Series) -> list[str]:
    return [common.plot_text(v) if isinstance(v, str) and v else _(NOT_SET) for v in values]


def _moves(n: int) -> str:
    return ngettext("{n} move", "{n} moves", n).format(n=n)


def _bars(rows: pd.DataFrame, ids: list[str], labels: list[str], title: str, key: str, click: str | None,
          pareto: bool = False) -> None:
    """Horizontal bars of moves per value (most first); a Pareto adds the cumulative share."""
    custom = list(zip(ids, labels, rows["deadline_moves"], rows["moved_deliverables"],
                      [metric("net_days_moved").fmt(v) for v in rows["net_days_moved"]], strict=True))
    hover = ("<b>%{customdata[1]}</b><br>" + _("Moves:") + " %{customdata[2]}<br>" + _("Deliverables moved:")
             + " %{customdata[3]}<br>" + _("Net days moved:") + " %{customdata[4]}<extra></extra>")
    if not pareto:
        fig = fg.Figure(fg.Bar(x=rows["deadline_moves"], y=ids, orientation="h", customdata=custom,
                               marker_color=MOVE_COLOR, text=rows["deadline_moves"], textposition="outside",
                               cliponaxis=False, hovertemplate=hover))
        fig.update_yaxes(autorange="reversed", tickmode="array", tickvals=ids, ticktext=labels, title=None)
        fig.update_xaxes(title=_("Deadline moves in the period"), rangemode="tozero", dtick=1 if
                         rows["deadline_moves"].max() <= 10 else None)
        fig.update_layout(title=title)
        fig = common.style(fig, height=max(240, 110 + 34 * len(rows)), legend=False)
        fig.update_layout(margin_r=40)
        common.chart(fig, key=key, dimension=click)
        return
    fig = fg.make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(fg.Bar(x=labels, y=rows["deadline_moves"], name=_("Moves"), customdata=custom,
                         marker_color=MOVE_COLOR, hovertemplate=hover), secondary_y=False)
    fig.add_trace(fg.Scatter(x=labels, y=rows["cumulative_share"], name=_("Cumulative share"),
                             mode="lines+markers", line={"color": LINE_COLOR, "width": 3}, marker={"size": 8},
                             hovertemplate="%{x}: %{y:.0%} " + _("of the period's moves so far") + "<extra></extra>"),
                  secondary_y=True)
    fig.update_layout(title=title)
    fig.update_xaxes(title=None, type="category")
    fig.update_yaxes(title=_("Deadline moves"), rangemode="tozero", secondary_y=False,
                     dtick=1 if rows["deadline_moves"].max() <= 10 else None)  # whole moves, never 0.5
    fig.update_yaxes(title=_("Cumulative share"), tickformat=".0%", range=[0, 1.05], showgrid=False, secondary_y=True)
    common.chart(common.style(fig, height=340), key=key)


def by_client(con: duckdb.DuckDBPyConnection, ctx: Context) -> None:
    rows = history.moves_by(con, ctx, "client_name").head(MAX_BARS)
    if rows.empty:
        st.info(_("No deadline was moved in this period for these filters."), icon=":material/event_repeat:")
        return
    ids, labels = common.client_axis(rows)
    _bars(rows, ids, labels, _("Deadline moves by client"), "ledger_by_client", "client")
    st.caption(_("Click a bar to filter the whole dashboard by that client."))


def by_pm(con: duckdb.DuckDBPyConnection, ctx: Context) -> None:
    rows = history.moves_by(con, ctx, "project_manager").head(MAX_BARS)
    if rows.empty:
        st.info(_("No deadline was moved in this period."), icon=":material/event_repeat:")
        return
    labels = _labels(rows["project_manager"])
    ids = [v if isinstance(v, str) else "" for v in rows["project_manager"]]
    _bars(rows, [i or NOT_SET for i in ids], labels, _("Deadline moves by project manager"), "ledger_by_pm",
          "project_manager")
    st.caption(_("Click a bar to filter by that project manager."))


def by_cause(con: duckdb.DuckDBPyConnection, ctx: Context) -> None:
    rows = history.moves_by(con, ctx, "slip_cause")
    if rows.empty:
        st.info(_("No deadline was moved in this period."), icon=":material/event_repeat:")
        return
    labels = _labels(rows["slip_cause"])
    _bars(rows, labels, labels, _("Why deadlines moved (Pareto of slip causes)"), "ledger_by_cause", None,
          pareto=True)


def replanned(con: duckdb.DuckDBPyConnection, ctx: Context) -> pd.DataFrame:
    top = history.most_replanned(con, ctx, TOP_REPLANNED)
    common.table(top, key="ledger_replanned", download="most-replanned",
                 columns=["deliverable_name", "client_name", "project_manager", "moves", "moves_in_period",
                          "net_days_moved", "first_due", "current_due", "last_cause"],
                 csv_extra=["client_id", "project_name", "deliverable_id"])
    return top


def timeline(con: duckdb.DuckDBPyConnection, ctx: Context) -> None:
    every = history.most_replanned(con, ctx, None)
    if every.empty:
        st.info(_("No recorded deadline move up to this date: nothing to trace yet."), icon=":material/timeline:")
        return
    names = {r.deliverable_key: f"{r.deliverable_name} — {r.client_name or r.client_id} ({_moves(int(r.moves))})"
             for r in every.itertuples()}
    key = st.selectbox(_("Deliverable"), list(names), format_func=names.get, key="ledger_deliverable",
                       help=_("Every deliverable with a recorded move, most re-planned first."))
    story = history.deliverable_timeline(con, ctx, key)
    story = story.assign(event=story["event"].map(_))  # the events are English words, shown translated
    left, right = st.columns([3, 2])
    with left:
        dated = story[story["due_date"].notna()].reset_index(drop=True)
        # x: when it happened (the first agreed date and earlier changes have no date: shown at the first move)
        first_on = dated["on"].dropna().min() if dated["on"].notna().any() else pd.Timestamp(ctx.as_of_date)
        xs = dated["on"].where(dated["on"].notna(), first_on)
        fig = fg.Figure(fg.Scatter(
            x=xs, y=dated["due_date"], mode="lines+markers+text", line={"shape": "hv", "color": MOVE_COLOR},
            marker={"size": 10}, text=[common.plot_text(e) for e in dated["event"]], textposition="top center",
            customdata=[[common.plot_text(e), formats.show(d, "shift") if pd.notna(d) else "",
                         common.plot_text(c) if isinstance(c, str) else ""]
                        for e, d, c in zip(dated["event"], dated["days_moved"], dated["slip_cause"], strict=True)],
            hovertemplate="%{customdata[0]}<br>" + _("Due") + " %{y|" + common.dates().strftime
                          + "}<br>%{customdata[1]} %{customdata[2]}<extra></extra>",
        ))
        fig.update_xaxes(title=_("When (date of the sync that saw it)"), tickformat=common.dates().short)
        fig.update_yaxes(title=_("Due date"), tickformat=common.dates().short)
        common.chart(common.style(fig, height=320, legend=False, title=_("Due date over time")),
                     key="ledger_timeline")
    with right:
        common.table(story.rename(columns={"on": "seen_on", "due_date": "due_then"}), key="ledger_timeline_table",
                     columns=["event", "seen_on", "due_then", "days_moved", "slip_cause"])


def draw(con: duckdb.DuckDBPyConnection, ctx: Context) -> None:
    """The ledger section of the Deadlines page."""
    st.subheader(_("Slip ledger: deadline moves"))
    st.caption(_("Every sync records each deliverable's due date; a move is a change between two consecutive "
                 "syncs, dated by the later one, in working days (negative = brought forward)."))
    common.summary_tiles(("history",), TILES)
    left, right = st.columns(2)
    with left:
        by_client(con, ctx)
    with right:
        by_cause(con, ctx)
    left, right = st.columns(2)
    with left:
        by_pm(con, ctx)
    with right:
        st.markdown(_("**Re-planned most often** (every recorded move up to as of)"))
        replanned(con, ctx)
    st.markdown(_("**One deliverable's timeline**"))
    timeline(con, ctx)
