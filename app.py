"""Agency Pulse: `streamlit run app.py` (or `python3 dev.py run`).

Wires navigation, the global filters (kept in the URL), the shared store and the meeting
screen (`?present=1`, views/present.py); pages draw, `metrics/` computes, `data/` loads.
"""

from __future__ import annotations

import streamlit as st

from lang import _
from views import access, present, registry, shell

st.set_page_config(page_title="Agency Pulse", page_icon=":material/monitor_heart:", layout="wide")

presenting = present.active()
present.css(presenting)  # the page's CSS, once per run: a smaller top gap; chrome hidden and large type when presenting
try:
    shell.speak()  # this run's language (?lang=, the sidebar, pulse.toml), before anything is drawn
    access.gate(shell.settings())  # sign-in before any page (or its navigation) is drawn
except Exception as exc:  # a broken pulse.toml: say so, and fail closed
    shell.show_error(exc)
    st.stop()
# The menu speaks this run's language: the registry's titles are English msgids, translated here.
# Streamlit serves the default page at "/" only (a default page's path is empty, whatever its
# url_path), so its own key needs an entry of its own: a hidden one for the same file, which sends
# /overview on to "/" with its query (filters) kept, instead of "Page not found".
HOME = registry.page(registry.DEFAULT)
PAGES = [st.Page(p.file, title=_(p.title), icon=p.icon, url_path="" if p is HOME else p.key, default=p is HOME)
         for p in registry.PAGES]
HOME_BY_KEY = st.Page(HOME.file, title=_(HOME.title), icon=HOME.icon, url_path=HOME.key, visibility="hidden")
nav = st.navigation([*PAGES, HOME_BY_KEY], position="hidden" if presenting else "sidebar")
if nav is HOME_BY_KEY:  # the Weekly review at its one address, the menu marking it
    st.switch_page(PAGES[0], query_params={k: st.query_params.get_all(k) for k in st.query_params})
try:
    with shell.pinned() as snapshot:  # one load for everything this run draws
        ctx = shell.sidebar_filters(snapshot)  # when presenting too: the sidebar hidden, the same Context
        if presenting:
            present.run(snapshot, ctx, nav.url_path)  # the meeting screen instead of the page, same filters
        else:
            present.button()
            nav.run()
except Exception as exc:  # Streamlit's own stop/rerun signals are not Exceptions and pass through
    shell.show_error(exc)
