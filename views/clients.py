"""Clients: why is this client at risk?

One client at a time (worst health first, or the client picked in the sidebar): its health
score and the points each signal cost it, with the reason, then the evidence behind the
signals (overdue and recent deliverables, threads waiting on either side, pending approvals,
recent feedback), whether it has gone quiet (beside the score, not in it), and below, every
client ranked by health.
"""

from __future__ import annotations

import dataclasses

import streamlit as st

from lang import _, ngettext
from metrics import approvals, deadlines, feedback, formats, health, history, quiet, replies, summaries
from views import common
from views import figures as fg

TILES = ["health_score", "on_time_rate", "open_overdue", "awaiting_agency", "awaiting_client", "pending", "nps"]
WINDOW = health.HEALTH_WINDOW_DAYS


def health_of(ctx, client_id):
    """The client's health_score at ctx (None when it has no signal with data)."""
    board = health.client_health(con, ctx)
    row = board[board["client_id"] == client_id]
    return None if row.empty else row["health_score"].iloc[0]


def text(value):
    """Sheet text for markdown: escaped, and a dash when blank."""
    return common.md_escape(value) if isinstance(value, str) and value.strip() else "—"


def breakdown_chart(bd, thresholds):
    """Per signal, the points it cost (100 − health score, split by signal), each bar coloured by
    that signal's own 0–100 score band (common.HEALTH_COLORS); a signal without data is grey and
    says "no data" (it is left out of the score), a score of 0 keeps a visible mark."""
    rows = bd.sort_values("points_lost", ascending=False, na_position="last", kind="stable")
    top = rows["points_lost"].max()
    x_max = max(10.0, float(top) * 1.25 if top == top else 10.0)
    bands = rows["score"].map(lambda v: health.band(v, thresholds))
    legend = {**health.band_legend(thresholds), None: health.band_label(None)}
    fig = fg.Figure()
    for name in [*health.BANDS, None]:
        part = rows[(bands == name) if name is not None else bands.isna()]
        if part.empty:
            continue
        color = common.HEALTH_COLORS[name]
        custom = [[label,
                   f"{formats.show(v, 'score')}/100 ({health.band_label(name)})" if name else _("no data"),
                   _("{points} points lost").format(points=formats.show(p, "float")) if name
                   else _("left out of the health score"),
                   common.plot_text(r)]
                  for label, v, p, r in zip(part["label"], part["score"], part["points_lost"], part["reason"],
                                            strict=True)]
        hover = (_("<b>%{customdata[0]}</b>: score %{customdata[1]}, %{customdata[2]}")
                 + "<br>%{customdata[3]}<extra></extra>")
        fig.add_bar(
            x=part["points_lost"].fillna(0), y=part["label"], orientation="h", name=legend[name], marker_color=color,
            text=[_("no data") if v != v else _("none lost") if p < 0.05 else "−" + formats.show(p, "float")
                  for v, p in zip(part["score"], part["points_lost"], strict=True)],
            textposition="outside", cliponaxis=False, customdata=custom, hovertemplate=hover,
        )
        if name is not None:
            common.zero_marks(fig, part["points_lost"].tolist(), part["label"], x_max, color, custom, hover)
    fig.update_xaxes(title=_("Points lost (of 100)"), rangemode="tozero", range=[0, x_max])
    fig.update_yaxes(categoryorder="array", categoryarray=rows["label"].tolist(), autorange="reversed", title=None)
    fig.update_layout(title=_("Where the points went: 100 − health score, per signal"), barmode="overlay",
                      legend_title={"text": _("Signal score:"), "side": "left"})
    return common.style(fig, height=380)


def feedback_chart(monthly):
    fig = fg.Figure(fg.Bar(
        x=monthly["month"], y=monthly["avg_normalized_score"], marker_color="#1c7ed6",
        customdata=list(zip(monthly["responses"], [formats.month(m) for m in monthly["month"]], strict=True)),
        hovertemplate=_("%{customdata[1]}: %{y:.0f}/100 over %{customdata[0]} responses") + "<extra></extra>",
    ))
    fig.update_yaxes(title=_("Average score (0–100)"), range=[0, 100])
    fig.update_xaxes(title=None, tickvals=monthly["month"],
                     ticktext=[formats.month(m).replace(" ", "<br>", 1) for m in monthly["month"]])
    fig.update_layout(title=_("Feedback score per month, last 12 months"))
    return common.style(fig, height=320, legend=False)


def quiet_line(row, facts):
    """A warning when the client has gone quiet (beside its score, not in it), else when it last wrote."""
    last = facts[facts["client_id"] == row["client_id"]]
    when = ""
    if len(last) and last["last_message_local"].notna().iloc[0]:
        from_client = last["last_direction"].iloc[0] == "in"
        when = (_("{when}, from the client") if from_client else _("{when}, from us")).format(
            when=common.dates().when(last["last_message_local"].iloc[0]))
    if row["is_quiet"]:
        reason = common.md_escape(row["quiet_reason"])
        if when:
            warning = _("{reason} (the last: {when}). Not part of the health score, which its five signals "
                        "make.").format(reason=reason, when=when)
        else:
            warning = _("{reason}. Not part of the health score, which its five signals make.").format(reason=reason)
        st.warning(warning, icon=":material/volume_off:")
    elif when:
        n = ctx.settings.quiet_after_days
        st.caption(ngettext("Last message either way {when}: {ago} ago. A client silent for {n} working day has "
                            "gone quiet.",
                            "Last message either way {when}: {ago} ago. A client silent for {n} working days has "
                            "gone quiet.", n).format(when=when, ago=formats.show(row["quiet_days"], "days"), n=n))


def section_table(df, key, columns, empty, labels=None):
    """A small evidence table, or a one-line all-clear when it is empty."""
    if df.empty:
        st.success(empty, icon=":material/check_circle:")
        return
    common.table(df, key=key, columns=columns, labels=labels, page_size=10, rows=10)


con, ctx = common.open_page("clients")

board = health.client_health(con, ctx)
if board.empty:
    st.info(_("No client matches these filters.") if ctx.filters.active else
            _("No clients loaded yet: fill the clients tab of the workbook and sync it from the Data page."),
            icon=":material/groups:")
else:
    ranked = board.sort_values(["health_score", "client_id"], na_position="last", kind="stable")
    options = ranked["client_id"].tolist()
    names = dict(zip(board["client_id"], board["client_name"], strict=True))
    picked = ctx.filters.clients
    default = picked[0] if len(picked) == 1 and picked[0] in options else options[0]
    top_left, top_right = st.columns([1, 2], gap="large")
    client_id = top_left.selectbox(
        _("Client"), options, index=options.index(default), key="clients_client", bind="query-params",
        format_func=lambda c: f"{names.get(c, c)} ({c})",
        help=_("Lowest health first. Picking a single client in the sidebar opens it here."),
    ) or default
    row = board[board["client_id"] == client_id].iloc[0]
    cctx = ctx.shifted(filters=dataclasses.replace(ctx.filters, clients=(client_id,)))
    wctx = cctx.shifted(period_days=WINDOW)

    with top_right:
        st.markdown(_("Account manager **{manager}** · tier **{tier}**").format(manager=text(row["account_manager"]),
                                                                               tier=text(row["tier"])))
        if isinstance(row["main_issue"], str):
            st.markdown(_("Main issue: **{issue}**, {reason}.").format(issue=common.md_escape(row["main_issue_label"]),
                                                                      reason=text(row["main_reason"])))
        elif row["health_score"] == row["health_score"]:
            st.markdown(_("No signal lost any points."))
        st.caption(ngettext("Health covers the {n} day to as-of, whatever the period; the other tiles cover the "
                            "period.",
                            "Health covers the {n} days to as-of, whatever the period; the other tiles cover the "
                            "period.", WINDOW).format(n=WINDOW))

    now, prev = summaries.headline(con, cctx)
    now, prev = {**now, "health_score": row["health_score"]}, {**prev, "health_score": health_of(cctx.previous(),
                                                                                                 client_id)}
    common.kpi_tiles(TILES, now, prev, per_row=4)  # seven tiles: two rows, labels whole at 1366 px

    # --- why: the health breakdown -----------------------------------------------------------
    st.subheader(_("Why this score"))
    quiet_line(row, quiet.quiet_clients(con, cctx))
    bd = health.health_breakdown(con, cctx, client_id)
    left, right = st.columns([2, 3], gap="large")
    with left:
        if bd.empty or bd["score"].isna().all():
            st.info(ngettext("No signal has data for this client in the last {n} day, so it has no health score.",
                             "No signal has data for this client in the last {n} days, so it has no health score.",
                             WINDOW).format(n=WINDOW), icon=":material/monitor_heart:")
        else:
            common.chart(breakdown_chart(bd, ctx.settings), key="clients_breakdown_chart")
    with right:
        common.table(bd.rename(columns={"label": "signal_label", "score": "signal_score", "reason": "signal_reason"}),
                     key="clients_breakdown",
                     columns=["signal_label", "signal_score", "effective_weight", "points_lost", "signal_reason"])

    # --- the evidence ---------------------------------------------------------------------------
    st.subheader(_("Deadlines and approvals"))
    d1, d2 = st.columns(2, gap="large")
    with d1:
        st.markdown(_("**Open overdue deliverables**"))
        section_table(deadlines.overdue_list(con, cctx), "clients_overdue",
                      ["deliverable_name", "project_name", "due_date", "days_overdue", "project_manager", "slip_cause"],
                      _("No open deliverable is past its due date."))
        st.markdown(ngettext("**Delivered in the last {n} day**, latest first",
                             "**Delivered in the last {n} days**, latest first", WINDOW).format(n=WINDOW))
        done = deadlines.slip_distribution(con, wctx)
        done = done.sort_values(["delivered_date", "deliverable_id"], ascending=[False, True], kind="stable")
        section_table(done, "clients_delivered",
                      ["deliverable_name", "project_name", "baseline_due", "delivered_date", "slip_days", "on_time",
                       "slip_cause"], ngettext("Nothing delivered in the last {n} day.",
                                               "Nothing delivered in the last {n} days.", WINDOW).format(n=WINDOW))
        st.markdown(_("**Deadline moves**, newest first (every recorded move up to as of)"))
        section_table(history.move_list(con, cctx, False), "clients_moves",
                      ["deliverable_name", "period_date", "old_due_date", "new_due_date", "days_moved", "slip_cause",
                       "project_manager"], _("No recorded deadline move for this client."))
    with d2:
        st.markdown(_("**Pending approvals**, oldest first"))
        section_table(approvals.pending_list(con, cctx), "clients_pending",
                      ["deliverable", "project_name", "round", "sent_date", "due_by", "age_days", "is_overdue",
                       "approver"], _("No approval round is waiting for this client."))

    st.subheader(_("Waiting threads"))
    q1, q2 = st.columns(2, gap="large")
    queue_columns = ["opened_local", "sender", "channel", "project_name", "wait_hours", "breached", "thread_id"]
    with q1:
        st.markdown(_("**The client waits on us**, longest first"))
        section_table(replies.queue(con, cctx, "agency"), "clients_queue_agency", queue_columns,
                      _("No client message is waiting for our reply."))
    with q2:
        st.markdown(_("**We wait on the client**, longest first"))
        client_cols = [c for c in queue_columns if c != "breached"]
        section_table(replies.queue(con, cctx, "client"), "clients_queue_client", client_cols,
                      _("None of our questions is waiting for the client."))

    st.subheader(_("Feedback"))
    f1, f2 = st.columns([2, 3], gap="large")
    with f1:
        monthly = feedback.monthly_scores(con, cctx)
        if monthly["avg_normalized_score"].isna().all():
            st.info(_("No feedback response from this client in the last 12 months."), icon=":material/reviews:")
        else:
            common.chart(feedback_chart(monthly), key="clients_feedback_chart", dimension=None)
    with f2:
        st.markdown(ngettext("**Responses in the last {n} day**, newest first",
                             "**Responses in the last {n} days**, newest first", WINDOW).format(n=WINDOW))
        resp = feedback.responses(con, wctx)
        resp = resp[resp["in_period"]].sort_values(["period_date", "response_id"], ascending=False)
        section_table(resp, "clients_feedback",
                      ["received_on", "scale", "score", "normalized", "respondent", "comment"],
                      ngettext("No feedback response in the last {n} day.",
                               "No feedback response in the last {n} days.", WINDOW).format(n=WINDOW))

    # --- every client -----------------------------------------------------------------------------
    st.subheader(_("All clients by health"))
    st.caption(ngettext("Lowest first. Signal scores are 0–100 over the last {n} day; blank = no data.",
                        "Lowest first. Signal scores are 0–100 over the last {n} days; blank = no data.",
                        WINDOW).format(n=WINDOW))
    table = ranked.assign(main_issue=ranked["main_issue_label"])
    columns = ["client_name", "account_manager", "tier", "health_score", "main_issue", "quiet_days", "is_quiet",
               *(f"{s}_score" for s in health.SIGNALS)]
    common.table(table, key="clients_ranking", columns=columns, download="client-health", csv_extra=["client_id"])
