"""Entry point: routes each signed-in persona to its pages in `app_pages/`, nothing else."""

import streamlit as st

from analytics_app.auth.personas import Persona
from analytics_app.auth.session import sign_out, signed_in_user

st.set_page_config(page_title="Wealth Data Platform", layout="wide")

CLIENTS = st.Page(
    "app_pages/concierge_clients.py",
    title="Clients",
    icon=":material/person_search:",
    url_path="clients",
)
PRODUCT = st.Page(
    "app_pages/product_overview.py",
    title="Onboarding and usage",
    icon=":material/insights:",
    url_path="product",
)
MARKETING = st.Page(
    "app_pages/marketing_segments.py",
    title="Segments and retention",
    icon=":material/groups:",
    url_path="marketing",
)
BY_STATE = st.Page(
    "app_pages/clients_by_state.py",
    title="Clients by state",
    icon=":material/map:",
    url_path="clients-by-state",
)
DATA_HEALTH = st.Page(
    "app_pages/data_health.py",
    title="Data health",
    icon=":material/monitor_heart:",
    url_path="data-health",
)
PAGES_BY_PERSONA = {
    Persona.CONCIERGE: [CLIENTS],
    Persona.CONCIERGE_LEAD: [CLIENTS],
    Persona.PRODUCT: [PRODUCT, BY_STATE],
    Persona.MARKETING: [MARKETING, BY_STATE],
    Persona.ENGINEER: [DATA_HEALTH, BY_STATE],
}

user = signed_in_user()
if user is None:
    navigation = st.navigation(
        [st.Page("app_pages/sign_in.py", title="Sign in", icon=":material/login:")]
    )
else:
    with st.sidebar:
        st.caption(f"Signed in as **{user.user_name}** ({user.persona.label})")
        # A callback, not `if st.button(...): ...; st.rerun()`: a rerun right after
        # st.logout drops its redirect to the provider's logout, and the identity
        # cookie would sign the person straight back in.
        st.button("Sign out", icon=":material/logout:", on_click=sign_out)
    navigation = st.navigation(PAGES_BY_PERSONA[user.persona])
navigation.run()
