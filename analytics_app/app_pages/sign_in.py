"""Sign-in page: the identity provider in production, the local user store otherwise."""

import streamlit as st

from analytics_app.auth.session import identity_refusal, oidc_configured, sign_in_locally

st.title("Wealth Data Platform")

if oidc_configured():
    refusal = identity_refusal()
    if refusal is not None:
        st.error(refusal, icon=":material/block:")
        # Signed in at the provider but refused here: offer another account.
        st.button("Sign out", on_click=st.logout)
    st.button("Sign in with your company account", on_click=st.login, type="primary")
    st.stop()

with st.form("sign_in"):
    user_name = st.text_input("User name", autocomplete="username")
    password = st.text_input("Password", type="password", autocomplete="current-password")
    submitted = st.form_submit_button("Sign in", type="primary")

if submitted:
    if sign_in_locally(user_name, password) is None:
        st.error("Unknown user name or wrong password.")
    else:
        st.rerun()
st.caption("Local sign-in: users are created by `wdp demo` or `wdp users add NAME --role ROLE`.")
