"""The Weekly review's sections as functions: the page (views/overview.py) and the meeting
screen (views/present.py) draw the same sections from the same metrics calls.

Each section takes this run's snapshot and Context; the meeting screen reuses the pieces
(`lowest_health`, `at_risk_chart`) where it draws a section in its own large type.
"""

from __future__ import annotations

import functools

import streamlit as st

from lang import _, ngettext
from metrics import approvals, catalogue, changes, deadlines, digest, formats, health, replies, summaries
from views import common, registry, shell
from views import figures as fg

TILES = digest.TILES  # the weekly digest prints the same tiles, lists and limits
AT_RISK = digest.AT_RISK  # clients in the "lowest health" chart and table
URGENT_ROWS = digest.URGENT_ROWS  # rows per urgent list
URGENT_WIDTH = 476  # px per urgent list: its 4–5 columns whole; three side by side at 1920 px, two at 1366
TREND_WEEKS = digest.TREND_WEEKS
CHANGE_ROWS = 5  # lines per "what changed" list (the digest, on paper, prints more)
AT_RISK_X_MAX = 108  # the at-risk chart's x axis: 0–100 and room for a 100's label


def at_risk_chart(rows, thresholds):
    """The lowest health scores, each bar coloured by its band (common.HEALTH_COLORS, by the
    [health] thresholds); the main issue and its reason on hover (and in the table beside)."""
    fig = fg.Figure()
    legend = health.band_legend(thresholds)
    bands = rows["health_score"].map(lambda v: health.band(v, thresholds))
    hover = ("<b>%{customdata[1]}</b> (%{customdata[0]})<br>" + _("Health score") + " %{customdata[4]} "
             "(%{customdata[5]})<br>" + _("Main issue:") + " %{customdata[2]}<br>%{customdata[3]}<extra></extra>")
    for name in health.BANDS:
        part = rows[bands == name]
        if part.empty:
            continue
        color = common.HEALTH_COLORS[name]
        text = [formats.show(v, "score") for v in part["health_score"]]
        custom = [[cid, common.plot_text(client), issue, common.plot_text(reason), t, health.band_label(name)]
                  for cid, client, issue, reason, t in zip(part["client_id"], part["client_name"],
                                                           part["main_issue_label"], part["main_reason"], text,
                                                           strict=True)]
        fig.add_bar(
            x=part["health_score"], y=part["client_id"], orientation="h", name=legend[name], marker_color=color,
            text=text, textposition="outside", cliponaxis=False,
            customdata=custom, hovertemplate=hover,
        )
        common.zero_marks(fig, part["health_score"].tolist(), part["client_id"], AT_RISK_X_MAX, color, custom, hover)
    ids = rows["client_id"].tolist()
    fig.update_yaxes(categoryorder="array", categoryarray=ids, tickmode="array", tickvals=ids,
                     ticktext=[common.plot_text(n) for n in rows["client_name"]], autorange="reversed",
                     title=None)
    fig.update_xaxes(range=[0, AT_RISK_X_MAX], title=_("Health score (0–100 points)"), tickvals=[0, 25, 50, 75, 100])
    days = health.HEALTH_WINDOW_DAYS
    title = ngettext("Lowest health scores (last {days} day)", "Lowest health scores (last {days} days)", days)
    fig.update_layout(title=title.format(days=days), barmode="overlay",
                      legend_title={"text": _("Health:"), "side": "left"})
    return common.style(fig, height=max(240, 100 + 36 * len(rows)))


def trend_chart(dl, rp):
    fig = fg.Figure()
    for df, name, color in ((dl, "on_time_rate", "#2b8a3e"), (rp, "sla_breach_rate", "#d9480f")):
        label = catalogue.label(name)
        weeks = df["week"].dt.strftime("%Y-%m-%d")  # customdata[0]: what a click filters by
        fig.add_scatter(
            x=df["week"], y=df[name], name=label, mode="lines+markers", line={"color": color, "width": 3},
            marker={"size": 9}, customdata=[[w, label, common.dates().day(w)] for w in weeks], connectgaps=False,
            hovertemplate=_("Week of") + " %{customdata[2]}<br>%{customdata[1]}: %{y:.0%}<extra></extra>",
        )
    # {percent} rather than a literal "% of …", which gettext tools would read as a printf placeholder.
    fig.update_yaxes(title=_("{percent} of the week's deliveries / client requests").format(percent="%"),
                     tickformat=".0%", rangemode="tozero")
    fig.update_xaxes(title=_("Week starting"), tickvals=dl["week"], tickformat=common.dates().short)
    fig.update_layout(title=ngettext("On-time delivery and reply SLA breaches, last {weeks} week",
                                     "On-time delivery and reply SLA breaches, last {weeks} weeks",
                                     TREND_WEEKS).format(weeks=TREND_WEEKS))
    return common.style(fig, height=380)


def tiles(con, ctx) -> None:
    """The headline tile of every family, against the previous period."""
    now, prev = summaries.headline(con, ctx)
    common.kpi_tiles(TILES, now, prev, per_row=4)


def _digest_now(ctx) -> str:
    return digest.build_digest(shell.connection(), ctx)


def digest_button(ctx) -> None:
    """The weekly review as one HTML file for these filters, built on click: the file reads
    through a snapshot of its own (the run's is released when the run ends), so it is the
    latest load at the click."""
    st.download_button(_("Download weekly digest (HTML)"), functools.partial(_digest_now, ctx),
                       f"weekly-digest-{ctx.as_of_date:%Y-%m-%d}.html", "text/html", key="overview_digest",
                       icon=":material/download:",
                       help=_("This page as one HTML file for these filters: opens offline, prints as a clean A4 "
                              "PDF."))


def lowest_health(con, ctx):
    """The AT_RISK clients with the lowest health score."""
    return health.lowest(con, ctx, AT_RISK)


def clients_at_risk(con, ctx) -> None:
    """The lowest health scores as a chart (click a bar to filter) and a table with the reason."""
    lowest = lowest_health(con, ctx)
    if lowest.empty:
        days = health.HEALTH_WINDOW_DAYS
        st.info(ngettext("No client has a health score for these filters: health needs a delivery, a client request, "
                         "an approval round, a feedback response or a message to the client in the last {days} day.",
                         "No client has a health score for these filters: health needs a delivery, a client request, "
                         "an approval round, a feedback response or a message to the client in the last {days} days.",
                         days).format(days=days), icon=":material/monitor_heart:")
        return
    left, right = st.columns([5, 8], gap="large")
    with left:
        common.chart(at_risk_chart(lowest, ctx.settings), key="overview_at_risk_chart", dimension="client")
        st.caption(_("Click a bar to filter the whole dashboard by that client; the Clients page explains every "
                     "signal."))
    with right:
        table = lowest.assign(main_issue=lowest["main_issue_label"])
        common.table(table, key="overview_at_risk",
                     columns=["client_name", "health_score", "main_issue", "main_reason"])
        st.page_link(registry.page("clients").file, label=_("Every client's health, signal by signal"),
                     icon=":material/arrow_forward:")


def urgent_list(title: str, rows, columns: list[str], key: str, empty: str, page: str, link: str) -> None:
    """One of the 'act on these now' lists: its top rows, or an all-clear, and a link onward."""
    st.markdown(title)
    if rows.empty:
        st.success(empty, icon=":material/check_circle:")
    else:
        common.table(rows.head(URGENT_ROWS), key=key, columns=columns)
    st.page_link(page, label=link, icon=":material/arrow_forward:")


def urgent(con, ctx) -> None:
    """Act on these now: the top overdue deliverables, waiting clients and late approvals.

    Side by side where the screen is wide enough for every column of all three, wrapped
    onto the next line where it is not (a laptop): a list never loses a column to the width.
    """
    row = st.container(horizontal=True, wrap=True, gap="small")
    c1, c2, c3 = (row.container(width=URGENT_WIDTH) for _list in range(3))
    with c1:
        urgent_list(_("**Overdue deliverables**, longest overdue first"), deadlines.overdue_list(con, ctx),
                    ["deliverable_name", "client_name", "days_overdue", "project_manager"], "overview_overdue",
                    _("No open deliverable is past its due date."), registry.page("deadlines").file,
                    _("All deadlines"))
    with c2:
        urgent_list(_("**Threads waiting on us**, longest wait first"), replies.queue(con, ctx, "agency"),
                    ["client_name", "wait_hours", "owner", "breached"], "overview_queue",
                    _("No client message is waiting for a reply."), registry.page("unanswered").file,
                    _("All unanswered threads"))
    with c3:
        pend = approvals.pending_list(con, ctx)
        urgent_list(_("**Overdue approvals**, oldest first"), pend[pend["is_overdue"]],
                    ["deliverable", "client_name", "round", "age_days", "approver"], "overview_approvals",
                    _("No approval round is past its deadline."), registry.page("approvals").file,
                    _("All approvals"))


def change_list(title: str, rows, line, empty: str) -> None:
    """One short list: its title with a count, the first lines, and how many more."""
    st.markdown(f"**{title}** ({len(rows)})")
    if rows.empty:
        st.caption(empty)
        return
    st.markdown("\n".join(f"- {line(r)}" for r in rows.head(CHANGE_ROWS).itertuples()))
    if len(rows) > CHANGE_ROWS:
        st.caption(_("… and {n} more").format(n=len(rows) - CHANGE_ROWS))


def what_changed(con, ctx) -> None:
    """What is new in the 7 days up to as_of, each line naming the client and who is responsible."""
    wk = changes.last_week(ctx)
    d = common.dates()
    st.caption(_("Against {moment}: what is new in the 7 days up to {date}. Each line names the client and who is "
                 "responsible (PM for deadlines, account manager otherwise).")
               .format(moment=d.when(wk.as_of.tz_convert(ctx.tz)), date=d.day(ctx.as_of_date)))
    for column, pair in zip(st.columns(3, gap="large"),
                            (changes.LISTS[0:2], changes.LISTS[2:4], changes.LISTS[4:6]), strict=True):
        with column:
            for c in pair:
                change_list(_(c.title), c.rows(con, ctx), lambda r, c=c: c.line(r, common.md_escape, d), _(c.empty))


def trend(con, ctx) -> None:
    """The last TREND_WEEKS weeks of on-time delivery and reply SLA breaches (click a week)."""
    dl = deadlines.deadline_trend(con, ctx, TREND_WEEKS)
    rp = replies.reply_trend(con, ctx, TREND_WEEKS)
    if dl["on_time_rate"].isna().all() and rp["sla_breach_rate"].isna().all():
        st.info(ngettext("No delivery and no client request in the last {weeks} week for these filters: no trend "
                         "to draw.",
                         "No delivery and no client request in the last {weeks} weeks for these filters: no trend "
                         "to draw.", TREND_WEEKS).format(weeks=TREND_WEEKS), icon=":material/show_chart:")
    else:
        common.chart(trend_chart(dl, rp), key="overview_trend", dimension="week")
        st.caption(_("Click a week to look at that week alone."))
