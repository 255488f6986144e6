"""Data: where the numbers come from, what was loaded, and every row that was not."""

from __future__ import annotations

import streamlit as st

import lang
from data import reasons
from data.sync import refresh_running
from data.template import build_template
from lang import N_, _
from metrics import formats, quality, vocabulary
from views import common, registry, shell

con = shell.reader()
st.title(_(registry.page("data").title))
st.caption(_("Where the numbers come from, what was loaded, and every row that was not. "
             "The global filters do not apply here."))
common.data_stamp(con)

meta = quality.read_meta(con)
summary = quality.load_summary(con)
c1, c2, c3, c4 = st.columns(4)
c1.metric(_("Rows loaded"), formats.show(summary["loaded"], "int"),
          help=_("Rows of the current load that every metric uses."))
c2.metric(_("Rows rejected"), formats.show(summary["rejected"], "int"),
          help=_("Rows left out of every metric; each is listed below with tab, sheet row, column, value and reason."))
c3.metric(_("Warnings"), formats.show(summary["warnings"], "int"),
          help=_("Values read with a fallback (e.g. an unknown channel read as other); the row is kept."))
c4.metric(_("Tabs not loaded"), summary["tabs_not_loaded"],
          help=_("Required tabs that are missing or lack a required column."))

left, right = st.columns([3, 1])
with left:
    st.markdown(_("**Source:** `{source}` ({kind})").format(source=meta.get("source", "—"),
                                                         kind=vocabulary.word(meta.get("kind", "—"))))
with right:
    if st.button(_("Sync now"), type="primary", icon=":material/sync:", width="stretch", key="sync_now"):
        busy = refresh_running()
        with st.spinner(_("Another sync is running (the schedule or another director): this one waits for it, "
                          "then syncs…") if busy else _("Syncing…")):
            outcome = shell.sync_now()
        if outcome.ok and outcome.result is not None:
            st.toast(_("Synced: {loaded} rows loaded, {rejected} rejected").format(
                loaded=formats.show(outcome.result.rows_loaded, "int"),
                rejected=formats.show(outcome.result.rows_rejected, "int")))
        else:
            st.toast(_("Sync failed: {error}").format(error=outcome.error), icon=":material/error:")
        st.rerun()

st.subheader(_("Rows per tab"))
report = quality.tab_report(con)
problems = report[report["status"].isin(["missing_tab", "missing_columns"])] if len(report) else report
for msg in map(reasons.translate, problems.get("message", [])):
    st.error(msg, icon=":material/table_chart:")
TAB_STATUS = {"loaded": N_("loaded"), "missing_tab": N_("tab missing"),
              "missing_columns": N_("required columns missing"), "absent_optional": N_("optional tab absent")}
if len(report):
    report = report.assign(tab_status=report["status"].map(lambda v: _(TAB_STATUS[v]) if v in TAB_STATUS else v),
                           message=report["message"].map(lambda m: reasons.translate(m) if isinstance(m, str) else m))
common.table(report, key="data_tabs",
             columns=["tab", "source_title", "tab_status", "rows_read", "loaded", "rejected", "warnings",
                      "missing_columns", "ignored_columns", "message"])

st.subheader(_("Rejected rows and warnings"))
rej_all = quality.rejects(con)
f1, f2 = st.columns(2)
tabs = sorted(rej_all["tab"].unique().tolist()) if len(rej_all) else []
ALL_TABS = N_("All tabs")  # the option's value stays English; it is shown translated
tab = f1.selectbox(_("Tab"), [ALL_TABS, *tabs], key="data_rejects_tab",
                   format_func=lambda t: _(ALL_TABS) if t == ALL_TABS else t)
severity = f2.segmented_control(_("Show"), ["error", "warning"], selection_mode="multi",
                                default=["error", "warning"], key="data_rejects_severity",
                                format_func=lambda s: _("Rejected") if s == "error" else _("Warnings"))
rej = rej_all
if tab != ALL_TABS:
    rej = rej[rej["tab"] == tab]
rej = rej[rej["severity"].isin(severity or [])]
if rej.empty:
    st.success(_("Nothing rejected: every row of the workbook is in use."), icon=":material/check_circle:")
else:
    rej = rej.assign(severity_text=rej["severity"].map({"error": _("rejected"), "warning": _("warning")}),
                     reason=rej["reason"].map(reasons.translate))
    common.table(rej, key="data_rejects", page_size=200, download="rejected-rows",
                 columns=["tab", "sheet_row", "column", "value", "reason", "severity_text"])

st.subheader(_("Sync history"))
history = quality.sync_history(con, 50)
if len(history):
    history = history.assign(sync_result=history["status"].map({"ok": _("loaded"), "failed": _("failed")}),
                             source_kind=history["kind"].map(vocabulary.word))
common.table(history, key="data_history",
             columns=["sync_id", "started_at", "finished_at", "source", "source_kind", "sync_result", "rows_loaded",
                      "rows_rejected", "warnings", "error"])

st.subheader(_("Start your own sheet"))
st.markdown(_(
    "Download the blank workbook, fill it (or copy its tabs into your Google Sheet), then set `source` "
    "in `pulse.toml`. The *how to fill* tab explains every column."
))
st.download_button(_("Download the blank template (.xlsx)"), build_template(lang.current()),
                   "agency-pulse-template.xlsx",
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", icon=":material/download:")
