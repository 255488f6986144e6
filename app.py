"""Agency Pulse: `streamlit run app.py` (or `python3 dev.py run`).

Wires navigation, the global filters (kept in the URL) and the shared store; pages draw,
`metrics/` computes, `data/` loads.
"""

from __future__ import annotations

import streamlit as st

from views import access, registry, shell

st.set_page_config(page_title="Agency Pulse", page_icon=":material/monitor_heart:", layout="wide")

PAGES = [st.Page(p.file, title=p.title, icon=p.icon, url_path=p.key, default=p.key == registry.DEFAULT)
         for p in registry.PAGES]
try:
    access.gate(shell.settings())  # sign-in before any page (or its navigation) is drawn
except Exception as exc:  # a broken pulse.toml: say so, and fail closed
    shell.show_error(exc)
    st.stop()
nav = st.navigation(PAGES)
try:
    with shell.pinned() as snapshot:  # one load for everything this run draws
        shell.sidebar_filters(snapshot)
        nav.run()
except Exception as exc:  # Streamlit's own stop/rerun signals are not Exceptions and pass through
    shell.show_error(exc)
