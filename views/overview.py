"""Weekly review: where is client service breaking this week?

The default page, made for the meeting-room screen: the headline number of every family
with its change against the previous period, the clients whose health is lowest (and the
signal that pulls each one down), the most urgent items to act on now, what changed since
last week, and the last twelve weeks of the two service rates. The sections live in
views/weekly.py, which the presentation mode (views/present.py) draws too.
"""

from __future__ import annotations

import streamlit as st

from lang import _
from views import common, weekly

con, ctx = common.open_page("overview")

weekly.tiles(con, ctx)
weekly.digest_button(ctx)

st.subheader(_("Clients at risk"))
weekly.clients_at_risk(con, ctx)

st.subheader(_("Act on these now"))
weekly.urgent(con, ctx)

st.subheader(_("What changed since last week"))
weekly.what_changed(con, ctx)

weekly.trend(con, ctx)
