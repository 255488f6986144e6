"""Deadlines: what slipped? Deliveries against the first agreed date, what is overdue now,
and whose deadlines keep moving (SPEC §4), with the slip ledger of recorded moves (SPEC §10).

Every number comes from metrics/deadlines.py; this page only draws it.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lang import N_, _, ngettext
from metrics import catalogue, deadlines, formats
from metrics.catalogue import metric
from views import common, ledger
from views import figures as fg

TILES = ["delivered", "on_time_rate", "median_slip_days", "open_overdue", "max_days_overdue", "rescheduled_open"]
# slip_by dimension → (label, chart dimension a click filters by, the id column a bar stands for)
GROUPS = {
    "client_name": (N_("Client"), "client", "client_id"),
    "project_manager": (N_("Project manager"), "project_manager", "project_manager"),
    "department": (N_("Department"), "department", "department"),
}
# Each grouping's own words, as whole phrases so that a language can inflect the noun: the bars'
# "by …" (slip_by dimension → phrase), the click hint and the per-group table's expander.
BY = {
    "client_name": N_("by client"),
    "project_manager": N_("by project manager"),
    "department": N_("by department"),
    "slip_cause": N_("by slip cause"),
}
CLICK_HINT = {
    "client_name": N_("Click a bar to filter the whole dashboard by that client."),
    "project_manager": N_("Click a bar to filter the whole dashboard by that project manager."),
    "department": N_("Click a bar to filter the whole dashboard by that department."),
}
PER_GROUP = {
    "client_name": N_("Per-client numbers (table)"),
    "project_manager": N_("Per-project manager numbers (table)"),
    "department": N_("Per-department numbers (table)"),
}
# What the bars of the slip charts measure: metric name → axis title.
MEASURES = {
    "median_slip_days": N_("Median slip (working days)"),
    "late_delivered": N_("Deliverables delivered late"),
    "open_overdue": N_("Open overdue deliverables"),
}
NOT_SET = N_("(not set)")  # a bar without a value: the category's id as it is, its label through _()
LATE, ON_TIME, MUTED = "#d9480f", "#2b8a3e", "#a5c8ee"
MAX_BARS = 30


con, ctx = common.open_page("deadlines")
st.caption(_("What slipped: deliveries measured against the deadline first agreed (baseline), "
             "what is overdue right now, and which deadlines were moved."))

now = common.summary_tiles(("deadlines",), TILES)

d = common.dates()
period_label = d.span(ctx.period_start, ctx.period_end)


def week_chart():
    weeks = max(12, -(-ctx.period_days // 7))
    trend = deadlines.deadline_trend(con, ctx, weeks)
    if trend.empty or not (trend["delivered"] > 0).any():
        st.info(ngettext("Nothing was delivered in the {weeks} week up to {date}, so there is no on-time rate to "
                         "chart.",
                         "Nothing was delivered in the {weeks} weeks up to {date}, so there is no on-time rate to "
                         "chart.", weeks).format(weeks=weeks, date=d.day(ctx.as_of_date)),
                icon=":material/event_available:")
        return
    starts = pd.to_datetime(trend["week"])
    ends = starts + pd.Timedelta(days=6)
    custom = list(zip(starts.dt.strftime("%Y-%m-%d"), [d.day(x) for x in starts], [d.day(x) for x in ends],
                      strict=True))
    in_period = starts.dt.date >= ctx.period_start
    week = _("Week") + " %{customdata[1]} – %{customdata[2]}<br>"
    fig = fg.make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(fg.Bar(
        x=starts, y=trend["delivered"], name=_("Delivered"), customdata=custom,
        marker_color=[common.PALETTE[1] if p else MUTED for p in in_period],
        hovertemplate=week + _("Delivered:") + " %{y}<extra></extra>",
    ), secondary_y=False)
    fig.add_trace(fg.Scatter(
        x=starts, y=trend["on_time_rate"], name=_("On-time rate"), customdata=custom, mode="lines+markers",
        line={"color": common.PALETTE[0], "width": 3}, marker={"size": 8},
        hovertemplate=week + _("On time:") + " %{y:.0%}<extra></extra>",
    ), secondary_y=True)
    fig.update_layout(title=ngettext("On-time rate by week (last {weeks} week; this period in dark blue)",
                                     "On-time rate by week (last {weeks} weeks; this period in dark blue)",
                                     weeks).format(weeks=weeks), bargap=0.25)
    fig.update_xaxes(title=_("Week starting"), tickformat=d.short, tickvals=starts)
    fig.update_yaxes(title=_("Deliverables delivered"), rangemode="tozero", secondary_y=False)
    # {percent}, not a literal "% of", which gettext tools would read as a printf placeholder.
    fig.update_yaxes(title=_("On time ({percent} of delivered)").format(percent="%"), tickformat=".0%",
                     range=[0, 1.05], dtick=0.25, showgrid=False, secondary_y=True)
    common.chart(common.style(fig), key="deadlines_week_chart", dimension="week")
    st.caption(_("Click a week to review just that week."))


def distribution_chart():
    dist = deadlines.slip_distribution(con, ctx)
    if dist.empty:
        st.info(_("Nothing was delivered in this period ({period}).").format(period=period_label),
                icon=":material/event_available:")
        return
    fig = fg.Figure()
    for on_time, name, color in ((True, _("On time or early"), ON_TIME), (False, _("Late"), LATE)):
        part = dist[dist["on_time"] == on_time]
        if part.empty:
            continue
        fig.add_trace(fg.Histogram(
            x=part["slip_days"], name=name, marker_color=color, xbins={"size": 1},
            hovertemplate=_("Slip %{x} working days: %{y} deliverables") + "<extra>" + name + "</extra>",
        ))
    fig.add_vline(x=0, line_dash="dot", line_color="#495057")
    fig.update_layout(title=_("Slip of the period's deliveries ({n})").format(n=formats.show(len(dist), "int")),
                      barmode="stack", bargap=0.1)
    fig.update_xaxes(title=_("Slip (working days after baseline; negative = early)"), dtick=1 if
                     dist["slip_days"].nunique() < 20 else None)
    fig.update_yaxes(title=_("Deliverables"), rangemode="tozero", dtick=1 if len(dist) <= 12 else None)
    common.chart(common.style(fig), key="deadlines_slip_hist")


def bars_by(dimension: str, measure: str, key: str, click: str | None):
    """Horizontal bars of one slip measure per dimension value, worst first."""
    by = deadlines.slip_by(con, ctx, dimension)
    id_col = GROUPS[dimension][2] if dimension in GROUPS else "slip_cause"
    rows = by[by[measure].notna()]
    if measure != "median_slip_days":
        rows = rows[rows[measure] > 0]
    if rows.empty:
        empty = (_("No deliverables delivered in this period for these filters, so nothing to compare {by}.")
                 if measure != "open_overdue" else
                 _("No deliverables overdue right now for these filters, so nothing to compare {by}."))
        st.info(empty.format(by=_(BY[dimension])), icon=":material/bar_chart:")
        return False
    rows = rows.sort_values([measure, "late_delivered", "open_overdue"], ascending=False, kind="stable")
    total = len(rows)
    rows = rows.head(MAX_BARS)
    names = rows[dimension]
    ids = rows[id_col].astype(object).where(rows[id_col].notna(), None)
    ys = [i if i is not None else NOT_SET for i in ids]
    labels = [common.plot_text(n) if n is not None and not pd.isna(n) else _(NOT_SET) for n in names]
    rate = [metric("on_time_rate").fmt(r) for r in rows["on_time_rate"]]
    slip = [metric("median_slip_days").fmt(v) for v in rows["median_slip_days"]]
    custom = list(zip([i or "" for i in ids], labels, rows["delivered"], rate, slip, rows["late_delivered"],
                      rows["open_overdue"], strict=True))
    values = rows[measure]
    colors = [LATE if v > 0 else ON_TIME for v in values] if measure == "median_slip_days" else LATE
    text = [metric(measure).fmt(v) for v in values]
    fig = fg.Figure(fg.Bar(
        x=values, y=ys, orientation="h", customdata=custom, marker_color=colors, text=text, cliponaxis=False,
        # Labels of negative (early) bars sit inside them, clear of the category labels on the left.
        textposition=["inside" if v < 0 else "outside" for v in values], insidetextanchor="start", textangle=0,
        hovertemplate="<b>%{customdata[1]}</b><br>" + _("Delivered in period:") + " %{customdata[2]}<br>"
                      + _("On time:") + " %{customdata[3]}<br>" + _("Median slip:") + " %{customdata[4]}<br>"
                      + _("Delivered late:") + " %{customdata[5]}<br>" + _("Open overdue:")
                      + " %{customdata[6]}<extra></extra>",
    ))
    shown = " " + _("(worst {n} of {total})").format(n=MAX_BARS, total=total) if total > MAX_BARS else ""
    fig.update_layout(title=f"{catalogue.label(measure)} {_(BY[dimension])}{shown}")
    fig.update_yaxes(autorange="reversed", tickmode="array", tickvals=ys, ticktext=labels, title=None,
                     ticklabelstandoff=6)
    fig.update_xaxes(title=_(MEASURES[measure]), zeroline=True, rangemode="tozero" if measure != "median_slip_days"
                     else "normal")
    fig = common.style(fig, height=max(280, 100 + 34 * len(rows)), legend=False)
    fig.update_layout(margin_r=64)  # room for the value labels
    common.chart(fig, key=key, dimension=click)
    return True


# --- trend and distribution -----------------------------------------------------------------
left, right = st.columns([3, 2])
with left:
    week_chart()
with right:
    distribution_chart()

# --- where it slipped -----------------------------------------------------------------------
st.subheader(_("Where it slipped"))
c1, c2 = st.columns([3, 2])
group = c1.segmented_control(_("Compare by"), list(GROUPS), format_func=lambda g: _(GROUPS[g][0]),
                             default="client_name", required=True, key="deadlines_group") or "client_name"
measure = c2.segmented_control(
    _("Measure"), list(MEASURES), format_func=catalogue.label, default="median_slip_days", required=True,
    key="deadlines_measure",
    help=_("Median slip and Delivered late count this period's deliveries; Open overdue is the state at as_of."),
) or "median_slip_days"
left, right = st.columns([3, 2])
with left:
    if bars_by(group, measure, "deadlines_by_group", GROUPS[group][1]):
        st.caption(_(CLICK_HINT[group]))
with right:
    bars_by("slip_cause", measure, "deadlines_by_cause", None)

with st.expander(_(PER_GROUP[group])):
    per_group = deadlines.slip_by(con, ctx, group)
    group_cols = [group, "delivered", "on_time_rate", "median_slip_days", "late_delivered", "open_overdue",
                  "max_days_overdue", "rescheduled_open"]
    if group == "client_name":
        group_cols.append("client_id")
    common.table(per_group, key="deadlines_by_group_table", download=f"deadlines-by-{GROUPS[group][1]}",
                 columns=group_cols)

# --- the items behind the numbers -----------------------------------------------------------
st.subheader(_("Open overdue deliverables"))
overdue = deadlines.overdue_list(con, ctx)
common.table(overdue, key="deadlines_overdue", download="overdue-deliverables",
             columns=["client_name", "project_name", "deliverable_name", "project_manager", "owner", "baseline_due",
                      "due_date", "days_overdue", "rescheduled", "slip_cause"],
             labels={"owner": _("Owner")}, csv_extra=["client_id", "project_id", "deliverable_id", "kind"])

st.subheader(_("Rescheduled deadlines"))
open_only = st.toggle(_("Open deliverables only"), value=True, key="deadlines_resched_open",
                      help=_("Off: every deliverable whose deadline moved, delivered ones included."))
moved = deadlines.rescheduled_list(con, ctx, open_only)
moved_cols = ["client_name", "project_name", "deliverable_name", "project_manager", "baseline_due", "due_date",
              "moved_days", *([] if open_only else ["delivered_date"]), "overdue_flag", "slip_cause"]
common.table(moved.rename(columns={"overdue": "overdue_flag"}), key="deadlines_rescheduled",
             download="rescheduled-deadlines", columns=moved_cols,
             csv_extra=["client_id", "project_id", "deliverable_id", "kind"])
# --- the slip ledger: what the history of due dates says (views/ledger.py) --------------------
ledger.draw(con, ctx)

st.caption(_("wd = working days ({workdays}, holidays excluded). Numbers as of {moment}; the period is {period}.")
           .format(workdays=formats.weekdays(ctx.settings.workdays), moment=d.when(ctx.as_of.tz_convert(ctx.tz)),
                   period=period_label))
