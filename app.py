"""Agency Pulse: `streamlit run app.py` (or `python3 dev.py run`).

Wires navigation, the global filters (kept in the URL) and the shared store; pages draw,
`metrics/` computes, `data/` loads.
"""

from __future__ import annotations

import streamlit as st

from views import access, common

st.set_page_config(page_title="Agency Pulse", page_icon=":material/monitor_heart:", layout="wide")

PAGES = [
    st.Page("views/overview.py", title="Weekly review", icon=":material/dashboard:", url_path="overview",
            default=True),
    st.Page("views/deadlines.py", title="Deadlines", icon=":material/event_busy:", url_path="deadlines"),
    st.Page("views/unanswered.py", title="Unanswered", icon=":material/mark_chat_unread:", url_path="unanswered"),
    st.Page("views/approvals.py", title="Approvals", icon=":material/approval:", url_path="approvals"),
    st.Page("views/feedback.py", title="Feedback", icon=":material/reviews:", url_path="feedback"),
    st.Page("views/clients.py", title="Clients", icon=":material/groups:", url_path="clients"),
    st.Page("views/data.py", title="Data", icon=":material/database:", url_path="data"),
]
try:
    access.gate(common.settings())  # sign-in before any page (or its navigation) is drawn
except Exception as exc:  # a broken pulse.toml: say so, and fail closed
    common.show_error(exc)
    st.stop()
nav = st.navigation(PAGES)
try:
    with common.pinned() as snapshot:  # one load for everything this run draws
        common.sidebar_filters(snapshot)
        nav.run()
except Exception as exc:  # Streamlit's own stop/rerun signals are not Exceptions and pass through
    common.show_error(exc)
