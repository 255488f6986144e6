"""Deadlines: what slipped? Deliveries against the first agreed date, what is overdue now,
and whose deadlines keep moving (SPEC §4), with the slip ledger of recorded moves (SPEC §10).

Every number comes from metrics/deadlines.py; this page only draws it.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from metrics import deadlines
from metrics.catalogue import metric
from views import common, ledger
from views import figures as fg

TILES = ["delivered", "on_time_rate", "median_slip_days", "open_overdue", "max_days_overdue", "rescheduled_open"]
# slip_by dimension → (label, chart dimension a click filters by, the id column a bar stands for)
GROUPS = {
    "client_name": ("Client", "client", "client_id"),
    "project_manager": ("Project manager", "project_manager", "project_manager"),
    "department": ("Department", "department", "department"),
}
# What the bars of the slip charts measure: metric name → axis title.
MEASURES = {
    "median_slip_days": "Median slip (working days)",
    "late_delivered": "Deliverables delivered late",
    "open_overdue": "Open overdue deliverables",
}
NOT_SET = "(not set)"
LATE, ON_TIME, MUTED = "#d9480f", "#2b8a3e", "#a5c8ee"
MAX_BARS = 30


con, ctx = common.open_page("deadlines")
st.caption("What slipped: deliveries measured against the deadline first agreed (baseline), "
           "what is overdue right now, and which deadlines were moved.")

now = common.summary_tiles(("deadlines",), TILES)

d = common.dates()
period_label = d.span(ctx.period_start, ctx.period_end)


def week_chart():
    weeks = max(12, -(-ctx.period_days // 7))
    trend = deadlines.deadline_trend(con, ctx, weeks)
    if trend.empty or not (trend["delivered"] > 0).any():
        st.info(f"Nothing was delivered in the {weeks} weeks up to {d.day(ctx.as_of_date)}, "
                "so there is no on-time rate to chart.", icon=":material/event_available:")
        return
    starts = pd.to_datetime(trend["week"])
    ends = starts + pd.Timedelta(days=6)
    custom = list(zip(starts.dt.strftime("%Y-%m-%d"), [d.day(x) for x in starts], [d.day(x) for x in ends],
                      strict=True))
    in_period = starts.dt.date >= ctx.period_start
    fig = fg.make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(fg.Bar(
        x=starts, y=trend["delivered"], name="Delivered", customdata=custom,
        marker_color=[common.PALETTE[1] if p else MUTED for p in in_period],
        hovertemplate="Week %{customdata[1]} – %{customdata[2]}<br>Delivered: %{y}<extra></extra>",
    ), secondary_y=False)
    fig.add_trace(fg.Scatter(
        x=starts, y=trend["on_time_rate"], name="On-time rate", customdata=custom, mode="lines+markers",
        line={"color": common.PALETTE[0], "width": 3}, marker={"size": 8},
        hovertemplate="Week %{customdata[1]} – %{customdata[2]}<br>On time: %{y:.0%}<extra></extra>",
    ), secondary_y=True)
    fig.update_layout(title=f"On-time rate by week (last {weeks} weeks; this period in dark blue)", bargap=0.25)
    fig.update_xaxes(title="Week starting", tickformat=d.short, tickvals=starts)
    fig.update_yaxes(title="Deliverables delivered", rangemode="tozero", secondary_y=False)
    fig.update_yaxes(title="On time (% of delivered)", tickformat=".0%", range=[0, 1.05], dtick=0.25, showgrid=False,
                     secondary_y=True)
    common.chart(common.style(fig), key="deadlines_week_chart", dimension="week")
    st.caption("Click a week to review just that week.")


def distribution_chart():
    dist = deadlines.slip_distribution(con, ctx)
    if dist.empty:
        st.info(f"Nothing was delivered in this period ({period_label}).", icon=":material/event_available:")
        return
    fig = fg.Figure()
    for on_time, name, color in ((True, "On time or early", ON_TIME), (False, "Late", LATE)):
        part = dist[dist["on_time"] == on_time]
        if part.empty:
            continue
        fig.add_trace(fg.Histogram(
            x=part["slip_days"], name=name, marker_color=color, xbins={"size": 1},
            hovertemplate="Slip %{x} working days: %{y} deliverables<extra>" + name + "</extra>",
        ))
    fig.add_vline(x=0, line_dash="dot", line_color="#495057")
    fig.update_layout(title=f"Slip of the period's deliveries ({len(dist):,})", barmode="stack", bargap=0.1)
    fig.update_xaxes(title="Slip (working days after baseline; negative = early)", dtick=1 if
                     dist["slip_days"].nunique() < 20 else None)
    fig.update_yaxes(title="Deliverables", rangemode="tozero", dtick=1 if len(dist) <= 12 else None)
    common.chart(common.style(fig), key="deadlines_slip_hist")


def bars_by(dimension: str, measure: str, key: str, click: str | None):
    """Horizontal bars of one slip measure per dimension value, worst first."""
    by = deadlines.slip_by(con, ctx, dimension)
    if dimension in GROUPS:
        label, _, id_col = GROUPS[dimension]
    else:
        label, id_col = "Slip cause", "slip_cause"
    rows = by[by[measure].notna()]
    if measure != "median_slip_days":
        rows = rows[rows[measure] > 0]
    if rows.empty:
        what = "delivered in this period" if measure != "open_overdue" else "overdue right now"
        st.info(f"No deliverables {what} for these filters, so nothing to compare by {label.lower()}.",
                icon=":material/bar_chart:")
        return False
    rows = rows.sort_values([measure, "late_delivered", "open_overdue"], ascending=False, kind="stable")
    total = len(rows)
    rows = rows.head(MAX_BARS)
    names = rows[dimension]
    ids = rows[id_col].astype(object).where(rows[id_col].notna(), None)
    ys = [i if i is not None else NOT_SET for i in ids]
    labels = [common.plot_text(n) if n is not None and not pd.isna(n) else NOT_SET for n in names]
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
        hovertemplate="<b>%{customdata[1]}</b><br>Delivered in period: %{customdata[2]}"
                      "<br>On time: %{customdata[3]}<br>Median slip: %{customdata[4]}"
                      "<br>Delivered late: %{customdata[5]}<br>Open overdue: %{customdata[6]}<extra></extra>",
    ))
    shown = f" (worst {MAX_BARS} of {total})" if total > MAX_BARS else ""
    fig.update_layout(title=f"{metric(measure).label} by {label.lower()}{shown}")
    fig.update_yaxes(autorange="reversed", tickmode="array", tickvals=ys, ticktext=labels, title=None,
                     ticklabelstandoff=6)
    fig.update_xaxes(title=MEASURES[measure], zeroline=True, rangemode="tozero" if measure != "median_slip_days"
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
st.subheader("Where it slipped")
c1, c2 = st.columns([3, 2])
group = c1.segmented_control("Compare by", list(GROUPS), format_func=lambda g: GROUPS[g][0], default="client_name",
                             required=True, key="deadlines_group") or "client_name"
measure = c2.segmented_control(
    "Measure", list(MEASURES), format_func=lambda m: metric(m).label, default="median_slip_days", required=True,
    key="deadlines_measure",
    help="Median slip and Delivered late count this period's deliveries; Open overdue is the state at as_of.",
) or "median_slip_days"
left, right = st.columns([3, 2])
with left:
    if bars_by(group, measure, "deadlines_by_group", GROUPS[group][1]):
        st.caption(f"Click a bar to filter the whole dashboard by that {GROUPS[group][0].lower()}.")
with right:
    bars_by("slip_cause", measure, "deadlines_by_cause", None)

with st.expander(f"Per-{GROUPS[group][0].lower()} numbers (table)"):
    per_group = deadlines.slip_by(con, ctx, group)
    group_cols = [group, "delivered", "on_time_rate", "median_slip_days", "late_delivered", "open_overdue",
                  "max_days_overdue", "rescheduled_open"]
    if group == "client_name":
        group_cols.append("client_id")
    common.table(per_group, key="deadlines_by_group_table", download=f"deadlines-by-{GROUPS[group][1]}",
                 columns=group_cols)

# --- the items behind the numbers -----------------------------------------------------------
st.subheader("Open overdue deliverables")
overdue = deadlines.overdue_list(con, ctx)
common.table(overdue, key="deadlines_overdue", download="overdue-deliverables",
             columns=["client_name", "project_name", "deliverable_name", "project_manager", "owner", "baseline_due",
                      "due_date", "days_overdue", "rescheduled", "slip_cause"],
             labels={"owner": "Owner"}, csv_extra=["client_id", "project_id", "deliverable_id", "kind"])

st.subheader("Rescheduled deadlines")
open_only = st.toggle("Open deliverables only", value=True, key="deadlines_resched_open",
                      help="Off: every deliverable whose deadline moved, delivered ones included.")
moved = deadlines.rescheduled_list(con, ctx, open_only)
moved_cols = ["client_name", "project_name", "deliverable_name", "project_manager", "baseline_due", "due_date",
              "moved_days", *([] if open_only else ["delivered_date"]), "overdue_flag", "slip_cause"]
common.table(moved.rename(columns={"overdue": "overdue_flag"}), key="deadlines_rescheduled",
             download="rescheduled-deadlines", columns=moved_cols,
             csv_extra=["client_id", "project_id", "deliverable_id", "kind"])
# --- the slip ledger: what the history of due dates says (views/ledger.py) --------------------
ledger.draw(con, ctx)

st.caption(f"wd = working days ({', '.join(ctx.settings.workdays)}, holidays excluded). "
           f"Numbers as of {d.when(ctx.as_of.tz_convert(ctx.tz))}; the period is {period_label}.")
