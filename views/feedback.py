"""Feedback: who is unhappy?

The period's feedback (responses, NPS, CSAT, the average score on one 0–100 axis,
detractors), NPS and CSAT month by month, each client's last-90-day score and which way
it is moving, then the detractors, every comment, and the clients who have gone quiet.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lang import N_, _, ngettext
from metrics import catalogue, feedback, formats
from views import common
from views import figures as fg

con, ctx = common.open_page("feedback")

TREND_DAYS = feedback.TREND_DAYS
SILENT_DAYS = 90
BAR_PX = 30
# Direction of a client's score, last 90 days against the 90 days before: label (an English
# msgid, shown through _()) → colour.
DIRECTIONS = {
    "down": (N_("Worse than the previous 90 days"), "#d9480f"),
    "flat": (N_("No change"), "#868e96"),
    "up": (N_("Better than the previous 90 days"), "#2b8a3e"),
    "new": (N_("No responses in the previous 90 days"), "#adb5bd"),
}

CHART_CLIENTS = 25  # clients drawn in the per-client chart (all of them are in its table)


def _direction(change):
    if pd.isna(change):
        return "new"
    return "down" if change < 0 else "up" if change > 0 else "flat"


summary = common.summary_tiles(("feedback",), ["responses", "nps", "csat", "avg_normalized_score",
                                                            "detractors"])

monthly = feedback.monthly_scores(con, ctx)
by_client = feedback.feedback_by_client(con, ctx)
scored = by_client.dropna(subset=["score_last_90d"]) if len(by_client) else by_client
scored = scored.sort_values(["score_last_90d", "client_name"], kind="stable").reset_index(drop=True)
drawn = scored.head(CHART_CLIENTS)
height = max(440, 150 + BAR_PX * len(drawn))
left, right = st.columns(2)

with left:
    if monthly.empty or monthly[["nps", "csat"]].isna().all().all():
        st.info(_("No NPS or CSAT response in the last 12 months: nothing to chart yet."), icon=":material/reviews:")
    else:
        fig = fg.Figure()
        for name, color in (("nps", common.PALETTE[1]), ("csat", common.PALETTE[2])):
            fig.add_scatter(
                x=monthly["month"], y=monthly[name], mode="lines+markers", name=catalogue.label(name),
                line={"color": color, "width": 3}, marker={"size": 9}, connectgaps=False,
                customdata=list(zip(monthly["responses"], [formats.month(m) for m in monthly["month"]], strict=True)),
                hovertemplate=("%{customdata[1]}<br>" + catalogue.label(name) + ": %{y:.0f}<br>"
                               + _("Responses (both scales): %{customdata[0]}") + "<extra></extra>"),
            )
        fig.add_hline(y=0, line_color="#adb5bd", line_width=1)
        fig.update_layout(xaxis_title=_("Month"), yaxis_title=_("NPS (−100…100) · CSAT (0…100)"),
                          xaxis={"tickvals": monthly["month"],
                                 "ticktext": [formats.month(m) for m in monthly["month"]]},
                          yaxis={"range": [-105, 105], "dtick": 25})
        common.style(fig, title=_("NPS and CSAT by month, last 12 months"), height=height)
        common.chart(fig, key="feedback_monthly")
        st.caption(_("Mind the scale: NPS runs from −100 to +100 (promoters minus detractors), CSAT from 0 to 100 "
                     "(percent satisfied). They share an axis, not a meaning: compare each line with its own past. "
                     "A gap is a month without a response on that scale; the current month counts up to the "
                     "as-of date."))

with right:
    if drawn.empty:
        st.info(ngettext("No client has a feedback response in the last {n} day: no scores to compare.",
                         "No client has a feedback response in the last {n} days: no scores to compare.",
                         TREND_DAYS).format(n=TREND_DAYS), icon=":material/reviews:")
    else:
        labels = common.client_axis(drawn)[1]
        direction = [_direction(c) for c in drawn["score_change"]]
        fig = fg.Figure()
        for key, (legend, color) in DIRECTIONS.items():
            part = drawn[[d == key for d in direction]]
            if part.empty:
                continue
            fig.add_bar(
                y=[labels[i] for i in part.index], x=part["score_last_90d"], orientation="h", name=_(legend),
                marker_color=color, textposition="outside",
                text=[_("new") if pd.isna(c) else f"{c:+.0f}" for c in part["score_change"]],
                customdata=list(zip(part["client_id"].astype(str), part["score_prev_90d"], part["score_change"],
                                    part["responses"], strict=True)),
                hovertemplate=("<b>%{y}</b><br>"
                               + _("Last 90 days: %{x:.0f}<br>Previous 90 days: %{customdata[1]:.0f}"
                                   "<br>Change: %{customdata[2]:+.0f}<br>Responses this period: %{customdata[3]}")
                               + "<extra></extra>"),
            )
        fig.update_layout(xaxis_title=_("Average normalised score, last 90 days (0–100)"), yaxis_title=None,
                          xaxis={"range": [0, 112]}, legend={"traceorder": "normal"},
                          yaxis={"categoryorder": "array", "categoryarray": labels, "autorange": "reversed"})
        title = ngettext("Score per client, last {n} day", "Score per client, last {n} days", TREND_DAYS)
        common.chart(common.style(fig, title=title.format(n=TREND_DAYS), height=height),
                     key="feedback_clients", dimension="client")
        notes = [ngettext("Worst first; beside each bar, the change against the {n} day before. "
                          "Click a bar to filter by the client.",
                          "Worst first; beside each bar, the change against the {n} days before. "
                          "Click a bar to filter by the client.", TREND_DAYS).format(n=TREND_DAYS)]
        if len(scored) > len(drawn):
            notes.append(ngettext("The {shown} lowest of {n} client are drawn; all are in the table below.",
                                  "The {shown} lowest of {n} clients are drawn; all are in the table below.",
                                  len(scored)).format(shown=len(drawn), n=len(scored)))
        if len(by_client) > len(scored):
            unscored = len(by_client) - len(scored)
            days = ngettext("{n} day", "{n} days", TREND_DAYS).format(n=TREND_DAYS)
            notes.append(ngettext("{n} client without a response in the last {days} is not drawn.",
                                  "{n} clients without a response in the last {days} are not drawn.",
                                  unscored).format(n=unscored, days=days))
        st.caption(" ".join(notes))

if len(by_client):
    with st.expander(_("Scores per client ({n})").format(n=len(by_client)), icon=":material/table:"):
        ranked = by_client.sort_values(["score_last_90d", "client_name"], na_position="last", kind="stable")
        common.table(ranked, key="feedback_client_table", download="feedback-per-client",
                     columns=["client_name", "account_manager", "tier", "responses", "nps_responses", "nps",
                              "csat_responses", "csat", "avg_normalized_score", "detractors", "score_last_90d",
                              "score_prev_90d", "score_change", "last_score", "last_scale", "last_received_on"],
                     labels={"avg_normalized_score": _("Average score, period"),
                             "score_last_90d": ngettext("Score, last {n} day", "Score, last {n} days",
                                                        TREND_DAYS).format(n=TREND_DAYS),
                             "score_prev_90d": ngettext("Score, previous {n} day", "Score, previous {n} days",
                                                        TREND_DAYS).format(n=TREND_DAYS)},
                     csv_extra=["client_id"])
        st.caption(ngettext("A score over fewer than {n} response says little: read the count beside it.",
                            "A score over fewer than {n} responses says little: read the count beside it.",
                            formats.MIN_BASE).format(n=formats.MIN_BASE))

# --- the items behind the numbers -------------------------------------------------------------

ORDER = ["received_on", "client_name", "project_name", "scale", "score", "normalized", "comment", "respondent",
         "account_manager"]


st.subheader(_("Detractors this period"))
detractors = feedback.detractor_list(con, ctx)
if detractors.empty:
    st.success(_("No detractor in this period: no NPS score of 6 or less and no CSAT score of 2 or less."),
               icon=":material/sentiment_satisfied:")
else:
    st.caption(_("NPS scores of 6 or less and CSAT scores of 2 or less, newest first, with what the client said."))
    common.table(detractors, key="feedback_detractors", download="detractors", columns=ORDER,
                 csv_extra=["response_id", "client_id", "project_id"])

st.subheader(_("What clients said"))
said = feedback.comments(con, ctx)
if said.empty:
    st.info(_("No response with a comment in this period."), icon=":material/chat:")
else:
    st.caption(_("Every comment received in the period, verbatim, newest first."))
    common.table(said, key="feedback_comments", download="feedback-comments", columns=[*ORDER, "detractor"],
                 csv_extra=["response_id", "client_id", "project_id"])

st.subheader(ngettext("No feedback for {n} day", "No feedback for {n} days", SILENT_DAYS).format(n=SILENT_DAYS))
silent = feedback.silent_clients(con, ctx, SILENT_DAYS)
if silent.empty and by_client.empty:
    st.info(_("No client to check: none matches these filters."), icon=":material/groups:")
elif silent.empty:
    st.success(ngettext("Every active client has answered at least once in the last {n} day.",
                        "Every active client has answered at least once in the last {n} days.",
                        SILENT_DAYS).format(n=SILENT_DAYS), icon=":material/check_circle:")
else:
    st.caption(ngettext("Active clients without a feedback response in the {n} day ending {day}, "
                        "those who never answered first. Silence is not satisfaction: ask them.",
                        "Active clients without a feedback response in the {n} days ending {day}, "
                        "those who never answered first. Silence is not satisfaction: ask them.",
                        SILENT_DAYS).format(n=SILENT_DAYS, day=common.dates().day(ctx.as_of_date)))
    common.table(silent, key="feedback_silent", download="no-feedback-clients",
                 columns=["client_name", "account_manager", "tier", "last_response", "days_silent"],
                 csv_extra=["client_id"])
