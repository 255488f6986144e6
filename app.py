"""Agency Pulse: `streamlit run app.py` (or `python3 dev.py run`).

Wires navigation and the shared store; pages draw, `metrics/` computes, `data/` loads.
"""

from __future__ import annotations

import streamlit as st

from pages import common

st.set_page_config(page_title="Agency Pulse", page_icon=":material/monitor_heart:", layout="wide")

pages = [
    st.Page("pages/data.py", title="Data", icon=":material/database:", url_path="data", default=True),
]
nav = st.navigation(pages)
common.connection()
nav.run()
