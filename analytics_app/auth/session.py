"""Who is signed in to this browser session, and which pages their persona may open.

Production: `st.login` (OIDC, configured in `.streamlit/secrets.toml` under
`[auth]`); the identity provider's e-mail is looked up in the user store to find
the person's persona and database login. Locally (no `[auth]` in the secrets):
a user name and password checked against the argon2 hashes of the user store.
The signed-in `AppUser` lives in this session's state only.
"""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from analytics_app.auth.personas import Persona
from analytics_app.auth.user_store import AppUser, UserStore, user_store_path

SESSION_USER_KEY = "app_user"
USERS_FILE_VARIABLE = "WDP_APP_USERS_FILE"


def wdp_home() -> Path:
    return Path(os.environ.get("WDP_HOME") or ".wdp").expanduser().resolve()


def user_store() -> UserStore:
    configured = os.environ.get(USERS_FILE_VARIABLE)
    return UserStore(Path(configured) if configured else user_store_path(wdp_home()))


def oidc_configured() -> bool:
    """Whether the deployment's secrets configure an identity provider for `st.login`."""
    try:
        return "auth" in st.secrets
    except Exception:  # No secrets file at all: local sign-in.
        return False


def signed_in_user() -> AppUser | None:
    user = st.session_state.get(SESSION_USER_KEY)
    if isinstance(user, AppUser):
        return user
    if oidc_configured() and st.user.is_logged_in and identity_refusal() is None:
        found = user_store().find_by_email(str(st.user.get("email")))
        if found is not None:
            st.session_state[SESSION_USER_KEY] = found
        return found
    return None


def identity_refusal() -> str | None:
    """Why the person the identity provider signed in may not use the app; None if they may.

    The e-mail is the only link to a user-store entry, so an e-mail the provider
    says it has not verified (`email_verified` false) is refused: anyone could
    have typed it.
    """
    if not (oidc_configured() and st.user.is_logged_in):
        return None
    email = str(st.user.get("email") or "")
    if not email:
        return (
            "Your identity provider did not share your e-mail address, which this app "
            "needs to know your role: ask an administrator to check the sign-in settings."
        )
    if st.user.get("email_verified") is False:
        return (
            f"Your identity provider has not verified {email}: verify it there, then sign in again."
        )
    if user_store().find_by_email(email) is None:
        return (
            f"{email} is not registered for this app: ask an administrator to add it "
            "(`wdp users add NAME --role ROLE --email EMAIL`)."
        )
    return None


def sign_in_locally(user_name: str, password: str) -> AppUser | None:
    user = user_store().authenticate(user_name, password)
    if user is not None:
        st.session_state[SESSION_USER_KEY] = user
    return user


def sign_out() -> None:
    # Everything this session held (including any decrypted client data) goes.
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    if oidc_configured() and st.user.is_logged_in:
        st.logout()


def require_persona(*allowed: Persona) -> AppUser:
    """The signed-in user if their persona may see this page; stops the page otherwise.

    Navigation already hides pages a persona may not open; this guards a page
    reached any other way. The database refuses such a user anyway.
    """
    user = signed_in_user()
    if user is None:
        st.warning("Sign in first.")
        st.stop()
    if user.persona not in allowed:
        st.error(f"This page is not available to the {user.persona.label} role.")
        st.stop()
    return user
