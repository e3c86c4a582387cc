"""The app's `[auth]` secrets for `st.login`, written for a known identity provider.

Production writes this section by hand (analytics_app/secrets.toml.example) from
its provider's console; `wdp sandbox oidc` writes it here for the offline
provider, so the same sign-in path runs locally and in tests. The file holds a
client secret and the cookie-signing secret: 0600, in a 0700 folder, replaced
atomically, never printed.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

SANDBOX_CLIENT_ID = "wdp-app"


def redirect_uri_for(app_base_url: str) -> str:
    """Where the provider sends the browser back: Streamlit's fixed callback path."""
    return f"{app_base_url.rstrip('/')}/oauth2callback"


def write_oidc_secrets(
    path: Path,
    *,
    redirect_uri: str,
    client_id: str,
    client_secret: str,
    server_metadata_url: str,
) -> Path:
    """Write a Streamlit secrets file whose `[auth]` section signs in through the provider."""
    values = {
        "redirect_uri": redirect_uri,
        "cookie_secret": secrets.token_urlsafe(32),
        "client_id": client_id,
        "client_secret": client_secret,
        "server_metadata_url": server_metadata_url,
    }
    # A JSON string is a valid TOML basic string for these ASCII values.
    lines = ["# Written by `wdp sandbox oidc`; replaced on its next start.", "[auth]"]
    lines += [f"{key} = {json.dumps(value)}" for key, value in values.items()]
    write_private_file(path, "\n".join(lines) + "\n")
    return path


def write_private_file(path: Path, text: str) -> None:
    """`text` to `path`, mode 0600 in a 0700 folder, replacing any previous file atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
    os.replace(temporary, path)
