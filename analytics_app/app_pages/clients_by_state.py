"""Product page: how many active clients live in each state (pseudonymous marts only)."""

import altair as alt
import streamlit as st

from analytics_app.queries.clients import clients_by_state
from analytics_app.queries.connections import MissingConnectionSetting

st.title("Clients by state")
st.caption("Active clients per state, from `marts.dim_clients`, read as the analyst role.")

try:
    counts = clients_by_state()
except MissingConnectionSetting as problem:
    st.error(str(problem))
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
        tooltip=["state_code", "client_count"],
    )
)
st.altair_chart(chart, width="stretch")
st.dataframe(
    counts.rename(columns={"state_code": "State", "client_count": "Active clients"}),
    hide_index=True,
)
