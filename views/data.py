"""Data: where the numbers come from, what was loaded, and every row that was not."""

from __future__ import annotations

import streamlit as st

from data.sync import refresh_running
from data.template import build_template
from metrics import quality
from views import common, registry, shell

con = shell.reader()
st.title(registry.page("data").title)
st.caption("Where the numbers come from, what was loaded, and every row that was not. "
           "The global filters do not apply here.")
common.data_stamp(con)

meta = quality.read_meta(con)
summary = quality.load_summary(con)
c1, c2, c3, c4 = st.columns(4)
c1.metric("Rows loaded", f"{summary['loaded']:,}", help="Rows of the current load that every metric uses.")
c2.metric("Rows rejected", f"{summary['rejected']:,}",
          help="Rows left out of every metric; each is listed below with tab, sheet row, column, value and reason.")
c3.metric("Warnings", f"{summary['warnings']:,}",
          help="Values read with a fallback (e.g. an unknown channel read as other); the row is kept.")
c4.metric("Tabs not loaded", summary["tabs_not_loaded"],
          help="Required tabs that are missing or lack a required column.")

left, right = st.columns([3, 1])
with left:
    st.markdown(f"**Source:** `{meta.get('source', '—')}` ({meta.get('kind', '—')})")
with right:
    if st.button("Sync now", type="primary", icon=":material/sync:", width="stretch", key="sync_now"):
        busy = refresh_running()
        with st.spinner("Another sync is running (the schedule or another director): this one waits for it, "
                        "then syncs…" if busy else "Syncing…"):
            outcome = shell.sync_now()
        if outcome.ok and outcome.result is not None:
            st.toast(f"Synced: {outcome.result.rows_loaded:,} rows loaded, {outcome.result.rows_rejected:,} rejected")
        else:
            st.toast(f"Sync failed: {outcome.error}", icon=":material/error:")
        st.rerun()

st.subheader("Rows per tab")
report = quality.tab_report(con)
problems = report[report["status"].isin(["missing_tab", "missing_columns"])] if len(report) else report
for msg in problems.get("message", []):
    st.error(msg, icon=":material/table_chart:")
TAB_STATUS = {"loaded": "loaded", "missing_tab": "tab missing", "missing_columns": "required columns missing",
              "absent_optional": "optional tab absent"}
if len(report):
    report = report.assign(tab_status=report["status"].map(lambda v: TAB_STATUS.get(v, v)))
common.table(report, key="data_tabs",
             columns=["tab", "source_title", "tab_status", "rows_read", "loaded", "rejected", "warnings",
                      "missing_columns", "ignored_columns", "message"])

st.subheader("Rejected rows and warnings")
rej_all = quality.rejects(con)
f1, f2 = st.columns(2)
tabs = sorted(rej_all["tab"].unique().tolist()) if len(rej_all) else []
tab = f1.selectbox("Tab", ["All tabs", *tabs], key="data_rejects_tab")
severity = f2.segmented_control("Show", ["error", "warning"], selection_mode="multi",
                                default=["error", "warning"], key="data_rejects_severity",
                                format_func=lambda s: "Rejected" if s == "error" else "Warnings")
rej = rej_all
if tab != "All tabs":
    rej = rej[rej["tab"] == tab]
rej = rej[rej["severity"].isin(severity or [])]
if rej.empty:
    st.success("Nothing rejected: every row of the workbook is in use.", icon=":material/check_circle:")
else:
    rej = rej.assign(severity_text=rej["severity"].map({"error": "rejected", "warning": "warning"}))
    common.table(rej, key="data_rejects", page_size=200, download="rejected-rows",
                 columns=["tab", "sheet_row", "column", "value", "reason", "severity_text"])

st.subheader("Sync history")
history = quality.sync_history(con, 50)
if len(history):
    history = history.assign(sync_result=history["status"].map({"ok": "loaded", "failed": "failed"}),
                             source_kind=history["kind"])
common.table(history, key="data_history",
             columns=["sync_id", "started_at", "finished_at", "source", "source_kind", "sync_result", "rows_loaded",
                      "rows_rejected", "warnings", "error"])

st.subheader("Start your own sheet")
st.markdown(
    "Download the blank workbook, fill it (or copy its tabs into your Google Sheet), then set `source` "
    "in `pulse.toml`. The *how to fill* tab explains every column."
)
st.download_button("Download the blank template (.xlsx)", build_template(), "agency-pulse-template.xlsx",
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", icon=":material/download:")
