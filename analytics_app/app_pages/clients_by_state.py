"""Active clients per state (pseudonymous marts only), read as the signed-in user's role."""

import altair as alt
import streamlit as st

from analytics_app.auth.personas import Persona
from analytics_app.auth.session import require_persona
from analytics_app.queries.clients import clients_by_state
from analytics_app.queries.connections import DataUnavailable

user = require_persona(Persona.PRODUCT, Persona.MARKETING, Persona.ENGINEER)
st.title("Clients by state")
st.caption("Active clients per state, from `marts.dim_clients`.")

try:
    counts = clients_by_state(user)
except DataUnavailable as problem:
    st.info(str(problem))
    st.stop()

if counts.empty:
    st.info("No clients yet: run the pipeline (`wdp run`) to fill the marts.")
    st.stop()

total_clients = int(counts["client_count"].sum())
left, right = st.columns(2)
left.metric("Active clients", f"{total_clients:,}")
right.metric("States", f"{len(counts):,}")

chart = (
    alt.Chart(counts)
    .mark_bar()
    .encode(
        x=alt.X("client_count:Q", title="Active clients"),
        y=alt.Y("state_code:N", sort="-x", title="State"),
        tooltip=[alt.Tooltip("state_code:N"), alt.Tooltip("client_count:Q")],
    )
)
st.altair_chart(chart, width="stretch")
st.dataframe(
    counts.rename(columns={"state_code": "State", "client_count": "Active clients"}),
    hide_index=True,
)
