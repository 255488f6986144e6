"""Approvals: what is stuck with the client? Rounds waiting for a client's answer, how long
clients take to approve, and how many rounds a deliverable needs (SPEC §6).

Every number comes from metrics/approvals.py; this page only draws it.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st
from babel.numbers import format_decimal

from lang import _, locale, ngettext
from metrics import approvals, formats
from metrics.catalogue import metric
from views import common
from views import figures as fg

TILES = ["pending", "overdue", "oldest_pending_days", "median_lag_days", "first_round_approval_rate",
         "rounds_to_approval"]
OVERDUE, WAITING, MUTED = "#d9480f", "#74c0fc", "#a5c8ee"
MAX_BARS = 30


con, ctx = common.open_page("approvals")
st.caption(_("What is stuck with the client: approval rounds waiting for an answer, how long each client "
             "takes to approve, and how many rounds it takes to get a yes."))

now = common.summary_tiles(("approvals",), TILES)

d = common.dates()
period_label = d.span(ctx.period_start, ctx.period_end)
sla = ctx.settings.approval_sla_days
by_client = approvals.lag_by_client(con, ctx)
# The SLA's working days as the language writes the number, and the count its plural form goes by:
# a fraction takes the form of 2 (English "2.5 days", Russian and Ukrainian "2,5 дня").
sla_text = format_decimal(sla, locale=locale())
sla_count = int(sla) if float(sla).is_integer() else 2


def lag_chart():
    rows = by_client[by_client["median_lag_days"].notna()]
    if rows.empty:
        st.info(_("No approval round was answered in this period ({period}), so there is no lag to compare.")
                .format(period=period_label), icon=":material/hourglass_empty:")
        return False
    rows = rows.sort_values(["median_lag_days", "answered"], ascending=False, kind="stable")
    total = len(rows)
    rows = rows.head(MAX_BARS)
    ids, labels = common.client_axis(rows)
    rate = [metric("first_round_approval_rate").fmt(r) for r in rows["first_round_approval_rate"]]
    lag = [metric("median_lag_days").fmt(v) for v in rows["median_lag_days"]]
    custom = list(zip(ids, labels, rows["answered"], rate, lag, strict=True))
    fig = fg.Figure(fg.Bar(
        x=rows["median_lag_days"], y=ids, orientation="h", customdata=custom, textposition="outside",
        text=[metric("median_lag_days").fmt(v) for v in rows["median_lag_days"]], cliponaxis=False,
        marker_color=[OVERDUE if v > sla else WAITING for v in rows["median_lag_days"]],
        hovertemplate="<b>%{customdata[1]}</b><br>" + _("Median lag:") + " %{customdata[4]}<br>"
                      + _("Rounds answered:") + " %{customdata[2]}<br>" + _("First-round approval:")
                      + " %{customdata[3]}<extra></extra>",
    ))
    fig.add_vline(x=sla, line_dash="dot", line_color="#495057")
    fig.add_annotation(x=sla, y=1, yref="paper", yanchor="bottom", xanchor="left", showarrow=False,
                       text=ngettext("SLA {days} working day", "SLA {days} working days", sla_count)
                       .format(days=sla_text),
                       font={"color": "#495057"})
    shown = " " + _("(slowest {n} of {total})").format(n=MAX_BARS, total=total) if total > MAX_BARS else ""
    fig.update_layout(title=_("Median approval lag by client, this period") + shown)
    fig.update_yaxes(autorange="reversed", tickmode="array", tickvals=ids, ticktext=labels, title=None)
    fig.update_xaxes(title=_("Median lag (working days from sent to answer)"), rangemode="tozero")
    fig = common.style(fig, height=max(280, 100 + 34 * len(rows)), legend=False)
    fig.update_layout(margin={"r": 64, "t": 84})  # room for the value labels; level with the chart beside it
    common.chart(fig, key="approvals_lag_chart", dimension="client")
    return True


def pending_chart():
    rows = by_client[by_client["pending"] > 0]
    if rows.empty:
        st.info(_("Nothing is waiting for a client's approval right now."), icon=":material/task_alt:")
        return False
    rows = rows.sort_values(["overdue", "pending", "oldest_pending_days"], ascending=False, kind="stable")
    total = len(rows)
    rows = rows.head(MAX_BARS)
    ids, labels = common.client_axis(rows)
    oldest = [metric("oldest_pending_days").fmt(v) for v in rows["oldest_pending_days"]]
    custom = list(zip(ids, labels, rows["pending"], rows["overdue"], oldest, strict=True))
    hover = ("<b>%{customdata[1]}</b><br>" + _("Pending:") + " %{customdata[2]}<br>" + _("Overdue:")
             + " %{customdata[3]}<br>" + _("Oldest:") + " %{customdata[4]}<extra></extra>")
    fig = fg.Figure()
    # Overlaid, not stacked: the full bar is every pending round, the red part the overdue ones.
    fig.add_trace(fg.Bar(x=rows["pending"], y=ids, orientation="h", name=_("Pending"), customdata=custom,
                         marker_color=WAITING, hovertemplate=hover))
    fig.add_trace(fg.Bar(x=rows["overdue"], y=ids, orientation="h", name=_("of which overdue"), customdata=custom,
                         marker_color=OVERDUE, hovertemplate=hover))
    shown = " " + _("(top {n} of {total})").format(n=MAX_BARS, total=total) if total > MAX_BARS else ""
    fig.update_layout(title=_("Pending approvals by client, now") + shown, barmode="overlay")
    fig.update_yaxes(autorange="reversed", tickmode="array", tickvals=ids, ticktext=labels, title=None)
    fig.update_xaxes(title=_("Rounds waiting for the client"), rangemode="tozero", dtick=1 if
                     rows["pending"].max() <= 12 else None)
    common.chart(common.style(fig, height=max(280, 130 + 34 * len(rows))), key="approvals_pending_chart",
                 dimension="client")
    return True


def week_chart():
    weeks = max(12, -(-ctx.period_days // 7))
    trend = approvals.approval_trend(con, ctx, weeks)
    if trend.empty or not (trend["answered"] > 0).any():
        st.info(ngettext("No approval round was answered in the {weeks} week up to {date}.",
                         "No approval round was answered in the {weeks} weeks up to {date}.",
                         weeks).format(weeks=weeks, date=d.day(ctx.as_of_date)), icon=":material/hourglass_empty:")
        return
    starts = pd.to_datetime(trend["week"])
    ends = starts + pd.Timedelta(days=6)
    lag = [metric("median_lag_days").fmt(v) for v in trend["median_lag_days"]]
    rounds = [metric("rounds_to_approval").fmt(v) for v in trend["rounds_to_approval"]]
    custom = list(zip(starts.dt.strftime("%Y-%m-%d"), [d.day(x) for x in starts], [d.day(x) for x in ends],
                      lag, rounds, strict=True))
    in_period = starts.dt.date >= ctx.period_start
    week = _("Week") + " %{customdata[1]} – %{customdata[2]}<br>"
    fig = fg.make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(fg.Bar(
        x=starts, y=trend["answered"], name=_("Rounds answered"), customdata=custom,
        marker_color=[common.PALETTE[1] if p else MUTED for p in in_period],
        hovertemplate=week + _("Rounds answered:") + " %{y}<br>" + _("Median lag:")
        + " %{customdata[3]}<extra></extra>",
    ), secondary_y=False)
    fig.add_trace(fg.Scatter(
        x=starts, y=trend["first_round_approval_rate"], name=_("First-round approval"), customdata=custom,
        mode="lines+markers", line={"color": common.PALETTE[0], "width": 3}, marker={"size": 8},
        hovertemplate=week + _("Approved in round 1:") + " %{y:.0%}<br>" + _("Rounds to approval:")
        + " %{customdata[4]}<extra></extra>",
    ), secondary_y=True)
    fig.update_layout(title=ngettext("First-round approval rate by week (last {weeks} week; this period in dark blue)",
                                     "First-round approval rate by week (last {weeks} weeks; this period in dark "
                                     "blue)", weeks).format(weeks=weeks), bargap=0.25)
    fig.update_xaxes(title=_("Week starting"), tickformat=d.short, tickvals=starts)
    fig.update_yaxes(title=_("Rounds answered"), rangemode="tozero", secondary_y=False)
    # {percent}, not a literal "% of", which gettext tools would read as a printf placeholder.
    fig.update_yaxes(title=_("Approved in round 1 ({percent} of approved)").format(percent="%"), tickformat=".0%",
                     range=[0, 1.05], dtick=0.25, showgrid=False, secondary_y=True)
    common.chart(common.style(fig), key="approvals_week_chart", dimension="week")
    st.caption(_("Click a week to review just that week."))


# --- charts ---------------------------------------------------------------------------------
left, right = st.columns(2)
with left:
    drawn = pending_chart()
with right:
    drawn = lag_chart() or drawn
if drawn:
    st.caption(_("Click a client's bar to filter the whole dashboard by that client."))
week_chart()

# --- the items behind the numbers -----------------------------------------------------------
st.subheader(_("Waiting for the client"))
pending = approvals.pending_list(con, ctx)
# Overdue first, then the longest wait (display order only; the list itself is oldest first).
pending = pending.sort_values(["is_overdue", "age_days", "sent_at"], ascending=[False, False, True], kind="stable")
common.table(pending, key="approvals_pending", download="pending-approvals",
             columns=["is_overdue", "client_name", "project_name", "deliverable", "round", "approver", "sent_at",
                      "due_by", "age_days", "project_manager", "account_manager"],
             csv_extra=["approval_id", "client_id", "project_id"])
st.caption(ngettext("A round without a due-by date is overdue after {days} working day.",
                    "A round without a due-by date is overdue after {days} working days.", sla_count)
           .format(days=sla_text))

st.subheader(_("Rounds per deliverable"))
st.caption(_("Every deliverable with a round sent by the as-of date (not only this period), most rounds first."))
per = approvals.rounds_per_deliverable(con, ctx)
per = per.sort_values(["rounds", "days_to_approval", "first_sent_date"], ascending=[False, False, False],
                      kind="stable")
common.table(per, key="approvals_rounds", download="approval-rounds-per-deliverable",
             columns=["client_name", "project_name", "deliverable", "rounds", "approved", "approved_round",
                      "final_decision", "first_sent_date", "approved_date", "days_to_approval"],
             csv_extra=["client_id", "project_id"])

with st.expander(_("Per-client numbers (table)")):
    common.table(by_client, key="approvals_by_client", download="approvals-by-client",
                 columns=["client_name", "pending", "overdue", "oldest_pending_days", "answered", "median_lag_days",
                          "approved_deliverables", "first_round_approval_rate", "rounds_to_approval"],
                 csv_extra=["client_id"])
st.caption(_("wd = working days ({workdays}, holidays excluded). Numbers as of {moment}; the period is {period}.")
           .format(workdays=formats.weekdays(ctx.settings.workdays), moment=d.when(ctx.as_of.tz_convert(ctx.tz)),
                   period=period_label))
