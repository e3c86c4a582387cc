"""Product page: onboarding funnel, data coverage, opportunity mix and app usage."""

import datetime as dt

import altair as alt
import streamlit as st

from analytics_app.auth.personas import Persona
from analytics_app.auth.session import require_persona
from analytics_app.queries.analytics import (
    ProductFilters,
    activity,
    cohort_months,
    coverage,
    funnel,
)
from analytics_app.queries.connections import DataUnavailable

user = require_persona(Persona.PRODUCT)
st.title("Onboarding and usage")

try:
    months = cohort_months(user)
except DataUnavailable as problem:
    st.info(str(problem))
    st.stop()
if not months:
    st.info("No clients yet: run the pipeline (`wdp run`) to fill the marts.")
    st.stop()

with st.sidebar:
    today = dt.date.today()
    chosen = st.date_input("Signed up between", (months[0], today), max_value=today)
    start_date, end_date = (chosen[0], chosen[-1]) if isinstance(chosen, tuple) else (chosen,) * 2
    cohort = st.selectbox(
        "Sign-up cohort (month)",
        [None, *months],
        format_func=lambda month: "all cohorts" if month is None else month.strftime("%Y-%m"),
    )
filters = ProductFilters(start_date, end_date, cohort)

st.subheader("Onboarding funnel")
steps = funnel(user, filters)
left, right = st.columns([3, 2])
left.altair_chart(
    alt.Chart(steps)
    .mark_bar()
    .encode(
        x=alt.X("clients:Q", title="Clients"),
        y=alt.Y("step:N", sort=None, title=None),
        tooltip=["step", "clients", "conversion_from_previous_pct"],
    ),
    width="stretch",
)
right.dataframe(
    steps,
    hide_index=True,
    column_config={
        "conversion_from_previous_pct": st.column_config.NumberColumn(
            "Conversion from previous step", format="%.1f%%"
        )
    },
)

mix = coverage(user, filters)
st.subheader("Data coverage")
clients = int(mix["clients"].sum())
columns = st.columns(4)
columns[0].metric("Clients", f"{clients:,}")
for column, (name, label) in zip(
    columns[1:],
    [
        ("clients_with_linked_account", "Linked an account"),
        ("clients_with_document", "Uploaded a document"),
        ("clients_with_appointment", "Booked an appointment"),
    ],
    strict=True,
):
    share = 100.0 * int(mix[name].sum()) / clients if clients else 0.0
    column.metric(label, f"{share:.0f}%")

st.subheader("Opportunity mix (top opportunity per client)")
st.altair_chart(
    alt.Chart(mix)
    .mark_arc()
    .encode(
        theta="clients:Q",
        color=alt.Color("top_opportunity_type:N", title="Opportunity"),
        tooltip=["top_opportunity_type", "clients"],
    ),
    width="content",
)

st.subheader("Feature usage")
usage = activity(user, filters)
if usage.empty:
    st.info("No app events in this range.")
else:
    long = usage.melt(
        id_vars="activity_date",
        value_vars=["page_views", "tracked_actions", "active_clients"],
        var_name="measure",
        value_name="count",
    )
    st.altair_chart(
        alt.Chart(long)
        .mark_line()
        .encode(
            x=alt.X("activity_date:T", title="Day"),
            y=alt.Y("count:Q", title="Count"),
            color=alt.Color("measure:N", title=None),
            tooltip=["activity_date:T", "measure", "count"],
        ),
        width="stretch",
    )
