"""Sign-in page: the identity provider in production, the local user store otherwise."""

import streamlit as st

from analytics_app.auth.session import oidc_configured, sign_in_locally, signed_in_user

st.title("Wealth Data Platform")

if oidc_configured():
    if st.user.is_logged_in and signed_in_user() is None:
        st.error(
            "Your account is not registered for this app: ask an administrator to add your "
            "e-mail with `wdp users add`."
        )
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
