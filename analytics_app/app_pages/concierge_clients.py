"""Concierge page: find one of your clients, see their snapshot, record an action.

Every search and every snapshot goes through the audited functions in the
database, which show only the clients assigned to you (leads: all clients).
"""

import altair as alt
import pandas as pd
import streamlit as st

from analytics_app.auth.personas import Persona
from analytics_app.auth.session import require_persona
from analytics_app.queries.concierge import (
    OPPORTUNITY_ACTIONS,
    ClientSnapshot,
    client_snapshot,
    record_opportunity_action,
    search_clients,
)
from analytics_app.queries.connections import DataUnavailable

BALANCE_SHEET_LINES = {
    "cash_usd": "Cash",
    "taxable_investments_usd": "Taxable investments",
    "retirement_usd": "Retirement",
    "vested_equity_usd": "Vested equity",
    "other_assets_usd": "Other assets",
    "credit_card_usd": "Credit cards",
    "student_loan_usd": "Student loans",
    "mortgage_usd": "Mortgage",
    "other_debt_usd": "Other debt",
}
LIABILITY_LINES = {"credit_card_usd", "student_loan_usd", "mortgage_usd", "other_debt_usd"}

user = require_persona(Persona.CONCIERGE, Persona.CONCIERGE_LEAD)
st.title("Clients")
st.caption(
    "Your assigned clients only"
    if user.persona is Persona.CONCIERGE
    else "All clients (concierge lead)"
)


def not_built(section: str) -> None:
    st.caption(f"{section}: not built yet (the mart is not in the warehouse).")


def money(value: object) -> str:
    return "—" if value is None or pd.isna(value) else f"${float(value):,.0f}"


def show_balance_sheet(snapshot: ClientSnapshot) -> None:
    st.subheader("Net worth")
    days = snapshot.balance_sheet_daily
    if days is None:
        not_built("Balance sheet")
        return
    if days.empty:
        st.info("No balance sheet yet: no linked account or manual asset.")
        return
    days = days.assign(balance_date=pd.to_datetime(days["balance_date"]))
    latest = days.iloc[-1]
    columns = st.columns(4)
    columns[0].metric("Net worth", money(latest.get("net_worth_usd")))
    columns[1].metric("After-tax net worth", money(latest.get("after_tax_net_worth_usd")))
    columns[2].metric("Total assets", money(latest.get("total_assets_usd")))
    columns[3].metric("Total liabilities", money(latest.get("total_liabilities_usd")))
    trend = (
        alt.Chart(days)
        .mark_line()
        .encode(
            x=alt.X("balance_date:T", title="Date"),
            y=alt.Y("net_worth_usd:Q", title="Net worth (USD)"),
            tooltip=[
                alt.Tooltip("balance_date:T"),
                alt.Tooltip("net_worth_usd:Q", format="$,.0f"),
            ],
        )
    )
    st.altair_chart(trend, width="stretch")
    lines = pd.DataFrame(
        [
            {
                "line": label,
                "side": "liability" if column in LIABILITY_LINES else "asset",
                "amount_usd": float(latest.get(column) or 0),
            }
            for column, label in BALANCE_SHEET_LINES.items()
        ]
    )
    if "unvested_equity_usd" in latest:
        st.caption(
            f"Unvested equity {money(latest['unvested_equity_usd'])} is shown apart: not "
            "counted in net worth."
        )
    st.dataframe(
        lines,
        hide_index=True,
        column_config={"amount_usd": st.column_config.NumberColumn("USD", format="$%.0f")},
    )


def show_accounts(snapshot: ClientSnapshot) -> None:
    st.subheader("Accounts")
    accounts = snapshot.accounts
    if accounts is None:
        not_built("Accounts")
        return
    if accounts.empty:
        st.info("No linked account.")
        return
    if "item_health_status" in accounts:
        needs_relink = accounts[accounts["item_health_status"] != "ok"]
        if not needs_relink.empty:
            institutions = ", ".join(sorted(set(needs_relink["institution_name"].astype(str))))
            st.warning(f"Link needs attention (ask the client to relink): {institutions}")
    st.dataframe(accounts.drop(columns=["item_id"], errors="ignore"), hide_index=True)


def show_holdings(snapshot: ClientSnapshot) -> None:
    st.subheader("Holdings")
    holdings = snapshot.holdings_daily
    if holdings is None:
        not_built("Holdings")
        return
    date_columns = [column for column in holdings.columns if column.endswith("_date")]
    if date_columns and not holdings.empty:
        latest_date = holdings[date_columns[0]].max()
        holdings = holdings[holdings[date_columns[0]] == latest_date]
    st.dataframe(holdings, hide_index=True)


def show_equity(snapshot: ClientSnapshot) -> None:
    st.subheader("Equity grants and vesting")
    vesting = snapshot.equity_vesting
    if vesting is None:
        not_built("Equity vesting")
        return
    if vesting.empty:
        st.info("No equity grant.")
        return
    vesting = vesting.assign(vest_date=pd.to_datetime(vesting["vest_date"]))
    timeline = (
        alt.Chart(vesting)
        .mark_bar()
        .encode(
            x=alt.X("vest_date:T", title="Vest date"),
            y=alt.Y("vest_value_usd:Q", title="Value at vest (USD)"),
            color=alt.Color("is_vested:N", title="Vested"),
            tooltip=[
                alt.Tooltip("grant_id:N"),
                alt.Tooltip("grant_type:N"),
                alt.Tooltip("vest_date:T"),
                alt.Tooltip("shares_vesting:Q"),
                alt.Tooltip("vest_value_usd:Q"),
            ],
        )
    )
    st.altair_chart(timeline, width="stretch")


def show_documents(snapshot: ClientSnapshot) -> None:
    st.subheader("Tax documents")
    documents = snapshot.documents
    if documents.empty:
        st.info("No document received.")
        return
    received = documents[documents["status"] == "parsed"]
    quarantined = documents[documents["status"] == "quarantined"]
    st.write(f"{len(received)} received and read, {len(quarantined)} quarantined.")
    if not quarantined.empty:
        st.warning("Quarantined documents: ask the client for a new upload.")
        st.dataframe(
            quarantined[["claimed_document_type", "file_format", "quarantine_reason"]],
            hide_index=True,
        )
    st.dataframe(
        received[["detected_document_type", "file_format", "received_at"]], hide_index=True
    )


def show_opportunities(snapshot: ClientSnapshot) -> None:
    st.subheader("Top opportunities")
    opportunities = snapshot.opportunities
    if opportunities is None:
        not_built("Opportunities")
        return
    if opportunities.empty:
        st.info("No opportunity found for this client.")
        return
    for opportunity in opportunities.head(5).itertuples():
        st.markdown(
            f"**{opportunity.opportunity_type}** — about "
            f"{money(opportunity.estimated_annual_benefit_usd)} a year "
            f"(score {opportunity.score}): {opportunity.rationale}"
        )


def show_advisors(snapshot: ClientSnapshot) -> None:
    st.subheader("Matched advisors")
    matches = snapshot.advisor_matches
    if matches is None:
        not_built("Advisor matches")
        return
    if matches.empty:
        st.info("No advisor matched.")
        return
    st.dataframe(matches, hide_index=True)


def show_next_appointment(snapshot: ClientSnapshot) -> None:
    st.subheader("Next appointment")
    appointment = snapshot.next_appointment
    if appointment is None:
        st.info("No appointment scheduled.")
        return
    when = pd.Timestamp(appointment["scheduled_for"]).strftime("%a %d %b %Y %H:%M UTC")
    st.write(
        f"{appointment['appointment_type'].replace('_', ' ')} on {when} "
        f"({appointment['duration_minutes']} min)"
    )


def record_action_form(snapshot: ClientSnapshot) -> None:
    st.subheader("Record an action")
    types = []
    if snapshot.opportunities is not None and not snapshot.opportunities.empty:
        types = list(snapshot.opportunities["opportunity_type"].astype(str))
    with st.form("record_action", clear_on_submit=True):
        if types:
            opportunity_type = st.selectbox("Opportunity", types)
        else:
            opportunity_type = st.text_input("Opportunity type")
        action = st.radio("Action", OPPORTUNITY_ACTIONS, horizontal=True)
        note = st.text_area("Note (stored encrypted)", max_chars=2000)
        saved = st.form_submit_button("Save action")
    if saved:
        if not str(opportunity_type or "").strip():
            st.error("Choose the opportunity the action is about.")
            return
        action_id = record_opportunity_action(
            user, snapshot.client_key, str(opportunity_type), action, note
        )
        if action_id is None:
            st.error("The database refused: this client is not assigned to you.")
        else:
            st.success(f"Action saved ({action} on {opportunity_type}).")


search_text = st.text_input("Search by name, e-mail or phone", key="client_search")
if not search_text.strip():
    st.info("Type part of a client's name, e-mail address or phone number.")
    st.stop()

try:
    # One audited search per new search text, not one per rerun of the page.
    cached = st.session_state.get("client_search_result")
    if cached is None or cached[0] != search_text:
        cached = (search_text, search_clients(user, search_text))
        st.session_state["client_search_result"] = cached
    matches = cached[1]
except DataUnavailable as problem:
    st.error(str(problem))
    st.stop()

if matches.empty:
    st.warning("None of your clients matches.")
    st.stop()

labels = {
    row.client_key: f"{row.full_name} · {row.email} · {row.state}" for row in matches.itertuples()
}
client_key = st.selectbox(
    f"{len(labels)} matching client(s)", list(labels), format_func=labels.__getitem__
)
snapshot = client_snapshot(user, client_key)
if snapshot is None:
    st.error("The database refused this snapshot: the client is not assigned to you.")
    st.stop()

st.header(snapshot.full_name)
st.caption(
    f"{snapshot.email} · {snapshot.phone} · {snapshot.profile.get('state')} · "
    f"client since {str(snapshot.profile.get('client_since', ''))[:10]}"
)
show_balance_sheet(snapshot)
left, right = st.columns(2)
with left:
    show_opportunities(snapshot)
    show_advisors(snapshot)
    show_next_appointment(snapshot)
with right:
    show_accounts(snapshot)
    show_documents(snapshot)
show_holdings(snapshot)
show_equity(snapshot)
record_action_form(snapshot)
