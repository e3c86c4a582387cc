"""Marketing page: segment builder with live counts and CSV export, retention, channels."""

import altair as alt
import streamlit as st

from analytics_app.auth.personas import Persona
from analytics_app.auth.session import require_persona
from analytics_app.queries.analytics import (
    SegmentFilters,
    channel_performance,
    cohort_retention,
    segment_members,
    segment_options,
    segment_size,
)
from analytics_app.queries.connections import DataUnavailable

user = require_persona(Persona.MARKETING)
st.title("Segments and retention")

try:
    options = segment_options(user)
except DataUnavailable as problem:
    st.info(str(problem))
    st.stop()
if options.empty:
    st.info("No clients yet: run the pipeline (`wdp run`) to fill the marts.")
    st.stop()


def values_of(filter_name: str) -> list[str]:
    return list(options.loc[options["filter_name"] == filter_name, "filter_value"])


st.subheader("Segment builder")
left, middle, right = st.columns(3)
net_worth_bands = left.multiselect("Net-worth band", values_of("net_worth_band"))
equity_heavy_only = left.checkbox("Equity-heavy only")
opportunity_types = values_of("opportunity_type")
opportunity_type = middle.selectbox("Has opportunity", [None, *opportunity_types])
states = middle.multiselect("State", values_of("state"))
channels = right.multiselect("Sign-up channel", values_of("channel"))
segment = SegmentFilters(
    tuple(net_worth_bands), equity_heavy_only, opportunity_type, tuple(states), tuple(channels)
)
size = segment_size(user, segment)
right.metric("Clients in segment", f"{size:,}")
if size:
    members = segment_members(user, segment)
    st.download_button(
        "Export client_keys (CSV)",
        members.to_csv(index=False),
        file_name="segment_client_keys.csv",
        mime="text/csv",
        help="Pseudonymous keys only: no name, e-mail or phone leaves the warehouse.",
    )

st.subheader("Cohort retention")
retention = cohort_retention(user)
if retention.empty:
    st.info("No retention yet.")
else:
    retention = retention.assign(
        cohort=retention["signup_cohort_month"].astype(str).str[:7],
    )
    st.altair_chart(
        alt.Chart(retention)
        .mark_rect()
        .encode(
            x=alt.X("months_since_signup:O", title="Months since sign-up"),
            y=alt.Y("cohort:O", title="Sign-up cohort"),
            color=alt.Color(
                "retention_pct:Q", title="Retained %", scale=alt.Scale(domain=[0, 100])
            ),
            tooltip=[
                alt.Tooltip("cohort:O"),
                alt.Tooltip("months_since_signup:O"),
                alt.Tooltip("cohort_clients:Q"),
                alt.Tooltip("retention_pct:Q"),
            ],
        ),
        width="stretch",
    )

st.subheader("Channel performance")
channels_table = channel_performance(user)
st.altair_chart(
    alt.Chart(channels_table)
    .mark_bar()
    .encode(
        x=alt.X("clients:Q", title="Clients"),
        y=alt.Y("signup_channel:N", sort="-x", title="Channel"),
        color=alt.Color("booked_appointment_pct:Q", title="Booked %"),
        tooltip=[alt.Tooltip(column) for column in channels_table.columns],
    ),
    width="stretch",
)
st.dataframe(channels_table, hide_index=True)
