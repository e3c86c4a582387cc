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
    feature_usage_daily,
    feature_usage_totals,
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
        tooltip=[
            alt.Tooltip("step:N"),
            alt.Tooltip("clients:Q"),
            alt.Tooltip("conversion_from_previous_pct:Q"),
        ],
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
        theta=alt.Theta("clients:Q"),
        color=alt.Color("top_opportunity_type:N", title="Opportunity"),
        tooltip=[alt.Tooltip("top_opportunity_type:N"), alt.Tooltip("clients:Q")],
    ),
    width="content",
)

st.subheader("App activity")
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
            tooltip=[
                alt.Tooltip("activity_date:T"),
                alt.Tooltip("measure:N"),
                alt.Tooltip("count:Q"),
            ],
        ),
        width="stretch",
    )

st.subheader("Feature usage")
st.caption(
    f"Actions (track events) and pages viewed by signed-up clients between {start_date:%Y-%m-%d} "
    f"and {end_date:%Y-%m-%d}, by the day they happened."
)
daily_features = feature_usage_daily(user, filters)
if daily_features.empty:
    st.info("No feature use in this range.")
else:
    features = feature_usage_totals(daily_features)
    left, right = st.columns([3, 2])
    left.altair_chart(
        alt.Chart(features)
        .mark_bar()
        .encode(
            x=alt.X("events_count:Q", title="Events"),
            y=alt.Y("event_name:N", sort="-x", title=None),
            color=alt.Color("event_type:N", title="Kind"),
            tooltip=[
                alt.Tooltip("event_name:N", title="Feature"),
                alt.Tooltip("event_type:N", title="Kind"),
                alt.Tooltip("events_count:Q", title="Events"),
                alt.Tooltip("client_days:Q", title="Client-days"),
                alt.Tooltip("days_used:Q", title="Days used"),
            ],
        ),
        width="stretch",
    )
    right.dataframe(
        features,
        hide_index=True,
        column_config={
            "event_name": "Feature",
            "event_type": "Kind",
            "events_count": st.column_config.NumberColumn("Events", format="%d"),
            "client_days": st.column_config.NumberColumn(
                "Client-days", format="%d", help="Clients who used it, summed over the days"
            ),
            "days_used": st.column_config.NumberColumn("Days used", format="%d"),
        },
    )
    st.altair_chart(
        alt.Chart(daily_features)
        .mark_line()
        .encode(
            x=alt.X("usage_date:T", title="Day"),
            y=alt.Y("clients_count:Q", title="Clients"),
            color=alt.Color("event_name:N", title="Feature"),
            tooltip=[
                alt.Tooltip("usage_date:T", title="Day"),
                alt.Tooltip("event_name:N", title="Feature"),
                alt.Tooltip("clients_count:Q", title="Clients"),
                alt.Tooltip("events_count:Q", title="Events"),
            ],
        ),
        width="stretch",
    )
