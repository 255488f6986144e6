"""Unanswered: who is waiting on us, and whom are we waiting on?

Right now: the open reply queues on both sides (clients waiting on us, us waiting on
clients), by age and by account manager, and the threads behind them; the active clients
who have gone quiet (no message either way for `quiet_after_days` working days). Over the period:
how fast we answer (median and p90 response, SLA breaches) by week and by channel, and
how many agency people speak to each client (voices).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st
from babel.numbers import format_decimal

from lang import N_, _, locale, ngettext
from metrics import catalogue, quiet, replies, summaries
from metrics.catalogue import metric
from metrics.health import IDEAL_VOICES
from views import common
from views import figures as fg

con, ctx = common.open_page("unanswered")

# English msgids, shown through _().
SIDE_LABELS = {"agency": N_("Waiting on us"), "client": N_("We wait on the client")}
NO_OWNER = N_("(no account manager)")
NO_CHANNEL = N_("(no channel)")
BAR_PX = 34  # height per category of a horizontal bar chart


def _label(value, missing):
    """Sheet text for a plotly label: escaped, with a readable stand-in when missing."""
    return missing if value is None or pd.isna(value) or str(value) == "" else common.plot_text(value)


def _raw(value):
    """An id for customdata[0]: empty when missing, so a click on it filters nothing."""
    return "" if value is None or pd.isna(value) else str(value)


def _bar_height(n):
    return max(380, 130 + BAR_PX * n)


def _headroom(values, factor=1.22):
    """An axis range with room for the labels printed beyond the longest bar."""
    top = pd.to_numeric(pd.Series(values), errors="coerce").max()
    return [0, float(top) * factor if pd.notna(top) and top > 0 else 1]


def _sla_line(fig):
    """The reply SLA as a dashed line (the default one when it differs by channel)."""
    sla = ctx.settings.sla_hours(None)
    by_channel = len(ctx.settings.reply_sla_hours) > 1
    text = _("SLA {hours} h (default)") if by_channel else _("SLA {hours} h")
    fig.add_hline(y=sla, line_dash="dash", line_color="#868e96", annotation_position="top left",
                  annotation_text=text.format(hours=format_decimal(sla, format="0.###", locale=locale())))


summary, previous = summaries.headline(con, ctx, ("replies",))

d = common.dates()
st.markdown(_("**Right now** · open threads at {when}").format(when=d.when(ctx.as_of.tz_convert(ctx.tz))))
common.kpi_tiles(["awaiting_agency", "oldest_wait_hours", "breached_open", "awaiting_client"], summary, previous)
st.markdown(_("**This period** · client requests opened {span}").format(span=d.span(ctx.period_start,
                                                                                      ctx.period_end)))
common.kpi_tiles(["median_response_hours", "p90_response_hours", "sla_breach_rate"], summary, previous)

# --- the queues now ------------------------------------------------------------------------

st.subheader(_("Open queues"))
by_bucket = replies.queue_by_bucket(con, ctx)
by_owner = replies.queue_by_owner(con, ctx)
queue_height = _bar_height(2 * max(len(replies.AGE_BUCKETS), by_owner["account_manager"].nunique(dropna=False)))
left, right = st.columns(2)

with left:
    if not (by_bucket["open_episodes"] > 0).any():
        st.info(_("No open threads on either side at this moment: nobody is waiting."), icon=":material/inbox:")
    else:
        # Oldest bucket on top: the worst first, the age order kept.
        order = list(reversed(replies.AGE_BUCKETS))
        fig = fg.Figure()
        for side in replies.SIDES:
            part = by_bucket[by_bucket["side"] == side].set_index("age_bucket").reindex(order).reset_index()
            fig.add_bar(
                y=[_(b) for b in part["age_bucket"]], x=part["open_episodes"], orientation="h",
                name=_(SIDE_LABELS[side]),
                marker_color=common.SIDE_COLORS[side], text=part["open_episodes"], textposition="outside",
                hovertemplate=_(SIDE_LABELS[side]) + "<br>" + _("Waiting %{y}: %{x} threads") + "<extra></extra>",
            )
        fig.update_layout(barmode="group", xaxis_title=_("Open threads"), yaxis_title=_("Waiting for (business time)"),
                          xaxis={"range": _headroom(by_bucket["open_episodes"], 1.12)},
                          yaxis={"categoryorder": "array", "categoryarray": [_(b) for b in order],
                                 "autorange": "reversed"})
        common.chart(common.style(fig, title=_("Open threads by time waited"), height=queue_height),
                     key="unanswered_buckets")

with right:
    if by_owner.empty:
        st.info(_("No open threads, so no account manager has anyone waiting."), icon=":material/inbox:")
    else:
        owners = by_owner.assign(owner_label=[_label(v, _(NO_OWNER)) for v in by_owner["account_manager"]])
        agency = owners[owners["side"] == "agency"].sort_values(
            ["open_episodes", "max_wait_hours"], ascending=False, kind="stable")
        order = list(dict.fromkeys([*agency["owner_label"], *owners["owner_label"]]))
        fig = fg.Figure()
        for side in replies.SIDES:
            part = owners[owners["side"] == side]
            fig.add_bar(
                y=part["owner_label"], x=part["open_episodes"], orientation="h", name=_(SIDE_LABELS[side]),
                marker_color=common.SIDE_COLORS[side],
                text=[_("{open} ({past} past SLA)").format(open=o, past=b) if b else str(o)
                      for o, b in zip(part["open_episodes"], part["breached_open"], strict=True)],
                textposition="outside",
                customdata=list(zip([_raw(v) for v in part["account_manager"]], part["breached_open"],
                                    part["max_wait_hours"], strict=True)),
                hovertemplate=("<b>%{y}</b> · " + _(SIDE_LABELS[side]) + "<br>"
                               + _("Open threads: %{x}<br>Past SLA: %{customdata[1]}"
                                   "<br>Longest wait: %{customdata[2]:.1f} business h") + "<extra></extra>"),
            )
        fig.update_layout(barmode="group", xaxis_title=_("Open threads"), yaxis_title=None,
                          xaxis={"range": _headroom(owners["open_episodes"], 1.45)},
                          yaxis={"categoryorder": "array", "categoryarray": order, "autorange": "reversed"})
        common.chart(common.style(fig, title=_("Open threads by account manager"), height=queue_height),
                     key="unanswered_owners", dimension="account_manager")
        st.caption(_("Each client's account manager owns its threads. Click a bar to filter by that person."))

ORDER = ["client_name", "project_name", "channel", "owner", "opened_local", "wait_hours", "sla_hours", "breached",
         "sender", "age_bucket", "thread_id"]


def _queue_table(side, key, download, intro, empty):
    q = replies.queue(con, ctx, side)
    if q.empty:
        st.success(empty, icon=":material/check_circle:")
        return
    st.caption(intro)
    common.table(q, key=key, columns=ORDER, download=download)


st.markdown(_("**Longest-waiting threads**"))
tab_agency, tab_client = st.tabs([
    f"{catalogue.label('awaiting_agency')} ({metric('awaiting_agency').fmt(summary.get('awaiting_agency'))})",
    f"{catalogue.label('awaiting_client')} ({metric('awaiting_client').fmt(summary.get('awaiting_client'))})",
])
with tab_agency:
    _queue_table("agency", "unanswered_queue_agency", "threads-waiting-on-us",
                 _("Open threads where the client wrote last and needs a reply, longest wait first. "
                   "Waits count business hours only."),
                 _("No client is waiting on us at this moment."))
with tab_client:
    _queue_table("client", "unanswered_queue_client", "threads-we-wait-on",
                 _("Open threads where we asked the client something and have had no answer, longest wait first. "
                   "The SLA is ours, shown for comparison: clients are not bound by it."),
                 _("We are not waiting on any client at this moment."))

# --- gone quiet ------------------------------------------------------------------------------

QUIET_SENDER = {"in": N_("Client"), "out": N_("Us")}  # English msgids, shown through _()


def _quiet_rows(q):
    """The quiet clients with who wrote last in words ("the client: Anna", "us: Ivan")."""
    return q.assign(wrote_last=[
        None if pd.isna(d) else (_(QUIET_SENDER[d]) if d in QUIET_SENDER else str(d))
        + (f": {s}" if isinstance(s, str) and s.strip() else "")
        for d, s in zip(q["last_direction"], q["last_sender"], strict=True)])


st.subheader(_("Gone quiet"))
quiet_after = ctx.settings.quiet_after_days
everyone = quiet.quiet_clients(con, ctx)
gone = everyone[everyone["is_quiet"].to_numpy(dtype=bool)]
tile, listing = st.columns([1, 3], gap="large")
with tile:
    common.kpi_tiles(["quiet_clients"], summary, previous)
with listing:
    if everyone.empty:
        st.info(_("No active client matches these filters, so none can have gone quiet."), icon=":material/groups:")
    elif gone.empty:
        st.success(ngettext("No active client has gone quiet: each one wrote to us, or heard from us, within the "
                            "last {n} working day.",
                            "No active client has gone quiet: each one wrote to us, or heard from us, within the "
                            "last {n} working days.", quiet_after).format(n=quiet_after),
                   icon=":material/check_circle:")
    else:
        st.caption(ngettext("Active clients with no message either way for at least {n} working day, the longest "
                            "silence first: the first sign of a client about to leave. Paused and ended clients are "
                            "not listed; the project, department and channel filters do not apply.",
                            "Active clients with no message either way for at least {n} working days, the longest "
                            "silence first: the first sign of a client about to leave. Paused and ended clients are "
                            "not listed; the project, department and channel filters do not apply.",
                            quiet_after).format(n=quiet_after))
        common.table(_quiet_rows(gone), key="unanswered_quiet", download="clients-gone-quiet",
                     columns=["client_name", "account_manager", "last_message_local", "wrote_last", "quiet_days"],
                     csv_extra=["client_id"])
        if gone["quiet_days"].isna().any():
            st.caption(_("Silent for —: no message on record and no start date to count from."))

# --- how fast we answer --------------------------------------------------------------------

st.subheader(_("How fast we answer"))
st.caption(_("Agency replies to client requests, by the week the request arrived (weeks end on the as-of date; "
             "click a week to make it the period) and, for this period, by the channel the client used "
             "(click a channel to filter by it)."))
trend = replies.reply_trend(con, ctx)
by_channel = replies.response_by_channel(con, ctx)
weeks_iso = [f"{w:%Y-%m-%d}" for w in pd.to_datetime(trend["week"])] if len(trend) else []
week_custom = [[w, n, d.day(w)] for w, n in zip(weeks_iso, trend["episodes_opened"], strict=True)] if len(trend) else []
c1, c2, c3 = st.columns(3)

with c1:
    if trend.empty or trend[["median_response_hours", "p90_response_hours"]].isna().all().all():
        st.info(_("No answered client request in the last 12 weeks: no response time to chart."),
                icon=":material/schedule:")
    else:
        fig = fg.Figure()
        for name, color, dash in (("median_response_hours", common.PALETTE[1], "solid"),
                                  ("p90_response_hours", common.PALETTE[0], "dot")):
            fig.add_scatter(
                x=trend["week"], y=trend[name], mode="lines+markers", name=catalogue.label(name),
                line={"color": color, "dash": dash, "width": 3}, marker={"size": 9}, customdata=week_custom,
                hovertemplate=(_("Week of %{customdata[2]}") + "<br>" + catalogue.label(name) + ": "
                               + _("%{y:.1f} business h") + "<br>" + _("Client requests: %{customdata[1]}")
                               + "<extra></extra>"),
            )
        _sla_line(fig)
        fig.update_layout(xaxis_title=_("Week starting"), yaxis_title=_("Business hours"),
                          xaxis={"tickformat": d.short}, yaxis={"rangemode": "tozero"})
        common.style(fig, title=_("Response time by week"))
        common.chart(fig, key="unanswered_response_trend", dimension="week")

with c2:
    if trend.empty or trend["sla_breach_rate"].isna().all():
        st.info(_("No client request in the last 12 weeks: no SLA breach rate to chart."), icon=":material/schedule:")
    else:
        fig = fg.Figure()
        fig.add_bar(
            x=trend["week"], y=trend["sla_breach_rate"], name=catalogue.label("sla_breach_rate"),
            marker_color=common.PALETTE[0], customdata=week_custom,
            hovertemplate=(_("Week of %{customdata[2]}") + "<br>" + _("SLA breach rate: %{y:.0%}") + "<br>"
                           + _("Client requests: %{customdata[1]}") + "<extra></extra>"),
        )
        fig.update_layout(xaxis_title=_("Week starting"), yaxis_title=_("Requests past SLA"),
                          xaxis={"tickformat": d.short}, yaxis={"tickformat": ".0%", "rangemode": "tozero"})
        common.chart(common.style(fig, title=_("SLA breach rate by week"), legend=False), key="unanswered_breach_trend",
                     dimension="week")

with c3:
    answered = by_channel.dropna(subset=["median_response_hours"]) if len(by_channel) else by_channel
    if answered.empty:
        st.info(_("No client request opened and answered in this period: no response time by channel."),
                icon=":material/forum:")
    else:
        answered = answered.sort_values(["median_response_hours", "p90_response_hours"], ascending=False,
                                        kind="stable")
        labels = [_label(c, _(NO_CHANNEL)) for c in answered["channel"]]
        custom = list(zip([_raw(c) for c in answered["channel"]], answered["episodes_opened"],
                          answered["sla_breach_rate"], strict=True))
        fig = fg.Figure()
        for name, color in (("median_response_hours", common.PALETTE[1]), ("p90_response_hours", common.PALETTE[0])):
            fig.add_bar(
                x=labels, y=answered[name], name=catalogue.label(name), marker_color=color, customdata=custom,
                texttemplate="%{y:.1f}", textposition="outside",
                hovertemplate=("<b>%{x}</b><br>" + catalogue.label(name) + ": " + _("%{y:.1f} business h") + "<br>"
                               + _("Client requests: %{customdata[1]}") + "<br>"
                               + _("SLA breach rate: %{customdata[2]:.0%}") + "<extra></extra>"),
            )
        _sla_line(fig)
        top = max(answered["p90_response_hours"].max(), ctx.settings.sla_hours(None))
        fig.update_layout(barmode="group", xaxis_title=_("Channel of the client's message"),
                          yaxis_title=_("Business hours"), yaxis={"range": _headroom([top], 1.15)})
        common.chart(common.style(fig, title=_("Response time by channel")), key="unanswered_channels",
                     dimension="channel")

# --- voices ----------------------------------------------------------------------------------

st.subheader(_("Who speaks to each client"))
st.caption(ngettext("Distinct people who wrote for each side in the period. More than {n} agency voice "
                    "means the client has no single point of contact. Click a bar to filter by the client.",
                    "Distinct people who wrote for each side in the period. More than {n} agency voices "
                    "means the client has no single point of contact. Click a bar to filter by the client.",
                    IDEAL_VOICES).format(n=IDEAL_VOICES))
voices = replies.voices(con, ctx)
ranked = voices.sort_values(["agency_voices", "client_name"], ascending=[False, True], kind="stable") \
    if len(voices) else voices
spoken = ranked[ranked["agency_voices"] > 0] if len(ranked) else ranked
height = max(260, 130 + BAR_PX * len(spoken))  # bars keep their thickness however few there are
left, right = st.columns(2)
with left:
    if spoken.empty:
        st.info(_("No agency message to any client in this period: no voices to count."), icon=":material/groups:")
    else:
        names = [_label(n, common.plot_text(i)) for n, i in zip(spoken["client_name"], spoken["client_id"],
                                                                strict=True)]
        dup = pd.Series(names).duplicated(keep=False).to_numpy()
        names = [f"{n} ({common.plot_text(i)})" if d else n
                 for n, i, d in zip(names, spoken["client_id"], dup, strict=True)]
        over = spoken["agency_voices"] > IDEAL_VOICES
        fig = fg.Figure()
        fig.add_bar(
            y=names, x=spoken["agency_voices"], orientation="h", name=catalogue.label("agency_voices"),
            marker_color=[common.SIDE_COLORS["agency"] if o else "#adb5bd" for o in over],
            text=spoken["agency_voices"], textposition="outside",
            customdata=list(zip(spoken["client_id"].astype(str),
                                [common.plot_text(s) for s in spoken["agency_senders"]], strict=True)),
            hovertemplate="<b>%{y}</b><br>" + _("Agency voices: %{x}") + "<br>%{customdata[1]}<extra></extra>",
        )
        fig.add_vline(x=IDEAL_VOICES, line_dash="dash", line_color="#495057", line_width=2,
                      annotation_text=_("up to {n} is ideal").format(n=IDEAL_VOICES),
                      annotation_position="bottom right")
        fig.update_layout(xaxis_title=_("Agency voices (people)"), yaxis_title=None,
                          xaxis={"dtick": 1, "range": _headroom(spoken["agency_voices"], 1.1)},
                          yaxis={"categoryorder": "array", "categoryarray": names, "autorange": "reversed"})
        common.chart(common.style(fig, title=_("Agency people writing to each client"), height=height, legend=False),
                     key="unanswered_voices", dimension="client")
        silent = len(voices) - len(spoken)
        if silent:
            st.caption(ngettext("Not drawn: {n} client with no agency message in the period (listed in the table).",
                                "Not drawn: {n} clients with no agency message in the period (listed in the table).",
                                silent).format(n=silent))
with right:
    if ranked.empty:
        st.info(_("No client to list: none matches these filters."), icon=":material/groups:")
    else:
        common.table(ranked, key="unanswered_voices_table", download="voices-per-client",
                     columns=["client_name", "account_manager", "agency_voices", "client_voices", "agency_senders"])
