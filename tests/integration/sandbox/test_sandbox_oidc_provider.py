"""The offline OpenID Connect provider over real HTTP, checked as a relying party would.

The id_token is verified with PyJWT against the key the provider publishes at its
`jwks_uri` (not with the provider's own code); Streamlit's `st.login` (Authlib)
against it is proven in tests/e2e/test_app_oidc_sign_in.py.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import jwt
import pytest

from sandbox import OidcAccount, OidcClient, OidcSandboxServer
from sandbox.cli import main as sandbox_main

CLIENT_ID = "wdp-app"
CLIENT_SECRET = "s3cret-of-the-test"
REDIRECT_URI = "http://127.0.0.1:8501/oauth2callback"
ANN = OidcAccount("ann.analyst@example.com", "Ann Analyst")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)


def _call(
    url: str, form: dict[str, str] | None = None, headers: dict[str, str] | None = None
) -> Reply:
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with _opener.open(request, timeout=10) as response:
            return Reply(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return Reply(error.code, dict(error.headers), error.read())


def _basic(client_id: str, client_secret: str) -> dict[str, str]:
    pair = f"{urllib.parse.quote_plus(client_id)}:{urllib.parse.quote_plus(client_secret)}"
    return {"Authorization": f"Basic {base64.b64encode(pair.encode()).decode()}"}


@pytest.fixture
def provider() -> Iterator[OidcSandboxServer]:
    client = OidcClient(CLIENT_ID, CLIENT_SECRET, (REDIRECT_URI,))
    accounts = [ANN, OidcAccount("cy.concierge@example.com", "Cy Concierge")]
    with OidcSandboxServer([client], accounts) as server:
        yield server


@dataclass(frozen=True)
class Authorization:
    code: str
    state: str
    nonce: str
    verifier: str


def _authorize(server: OidcSandboxServer, email: str = ANN.email) -> Authorization:
    """The browser's part: the authentication request, then choosing the account."""
    state, nonce, verifier = (secrets.token_urlsafe(16) for _ in range(3))
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    request = {
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "response_type": "code",
        "scope": "openid email profile",
        "state": state,
        "nonce": nonce,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "prompt": "select_account",
    }
    metadata = _call(server.discovery_url).json()
    chooser = _call(f"{metadata['authorization_endpoint']}?{urllib.parse.urlencode(request)}")
    assert chooser.status == 200
    assert ANN.email.encode() in chooser.body
    chosen = _call(metadata["authorization_endpoint"], {**request, "email": email})
    assert chosen.status == 302, chosen.body
    location = urllib.parse.urlsplit(chosen.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI
    returned = dict(urllib.parse.parse_qsl(location.query))
    assert returned["state"] == state
    return Authorization(returned["code"], state, nonce, verifier)


def _token_request(authorization: Authorization, **overrides: str) -> dict[str, str]:
    return {
        "grant_type": "authorization_code",
        "code": authorization.code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": authorization.verifier,
        **overrides,
    }


def test_discovery_names_the_endpoints_of_its_issuer(provider: OidcSandboxServer) -> None:
    metadata = _call(provider.discovery_url).json()
    assert metadata["issuer"] == provider.url
    for endpoint in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri"):
        assert metadata[endpoint].startswith(f"{provider.url}/")
    assert metadata["response_types_supported"] == ["code"]
    assert "RS256" in metadata["id_token_signing_alg_values_supported"]
    assert "S256" in metadata["code_challenge_methods_supported"]
    keys = _call(metadata["jwks_uri"]).json()["keys"]
    assert [(key["kty"], key["alg"], key["use"]) for key in keys] == [("RSA", "RS256", "sig")]


def test_the_code_flow_gives_an_id_token_signed_with_the_published_key(
    provider: OidcSandboxServer,
) -> None:
    metadata = _call(provider.discovery_url).json()
    authorization = _authorize(provider)
    reply = _call(
        metadata["token_endpoint"],
        _token_request(authorization),
        _basic(CLIENT_ID, CLIENT_SECRET),
    )
    assert reply.status == 200, reply.body
    assert reply.headers["Cache-Control"] == "no-store"
    tokens = reply.json()
    assert tokens["token_type"] == "Bearer"

    signing_key = jwt.PyJWKClient(metadata["jwks_uri"]).get_signing_key_from_jwt(tokens["id_token"])
    claims = jwt.decode(
        tokens["id_token"],
        signing_key.key,
        algorithms=["RS256"],
        audience=CLIENT_ID,
        issuer=metadata["issuer"],
        options={"require": ["iss", "sub", "aud", "exp", "iat", "nonce"]},
    )
    assert claims["nonce"] == authorization.nonce
    assert claims["email"] == ANN.email
    assert claims["email_verified"] is True
    assert claims["name"] == ANN.name
    assert claims["exp"] > time.time()
    digest = hashlib.sha256(tokens["access_token"].encode()).digest()
    assert claims["at_hash"] == base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()

    userinfo = _call(
        metadata["userinfo_endpoint"], headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert userinfo.status == 200
    assert userinfo.json() == {
        "sub": claims["sub"],
        "email": ANN.email,
        "email_verified": True,
        "name": ANN.name,
    }

    # A replayed code is refused, and the tokens it gave are revoked.
    replay = _call(
        metadata["token_endpoint"], _token_request(authorization), _basic(CLIENT_ID, CLIENT_SECRET)
    )
    assert (replay.status, replay.json()["error"]) == (400, "invalid_grant")
    revoked = _call(
        metadata["userinfo_endpoint"], headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert revoked.status == 401


def test_a_wrong_client_secret_is_refused_and_spends_no_code(provider: OidcSandboxServer) -> None:
    metadata = _call(provider.discovery_url).json()
    authorization = _authorize(provider)
    wrong = _call(
        metadata["token_endpoint"], _token_request(authorization), _basic(CLIENT_ID, "guessed")
    )
    assert wrong.status == 401
    assert wrong.json()["error"] == "invalid_client"
    assert "id_token" not in wrong.json()
    no_secret = _call(
        metadata["token_endpoint"], _token_request(authorization, client_id=CLIENT_ID)
    )
    assert no_secret.status == 401
    # client_secret_post with the right secret: the code was not spent by the refusals.
    right = _call(
        metadata["token_endpoint"],
        _token_request(authorization, client_id=CLIENT_ID, client_secret=CLIENT_SECRET),
    )
    assert right.status == 200, right.body
    assert "id_token" in right.json()


def test_pkce_and_redirect_uri_must_match_the_authorization(provider: OidcSandboxServer) -> None:
    metadata = _call(provider.discovery_url).json()
    basic = _basic(CLIENT_ID, CLIENT_SECRET)
    wrong_verifier = _call(
        metadata["token_endpoint"],
        _token_request(_authorize(provider), code_verifier=secrets.token_urlsafe(43)),
        basic,
    )
    assert (wrong_verifier.status, wrong_verifier.json()["error"]) == (400, "invalid_grant")
    other_redirect = _call(
        metadata["token_endpoint"],
        _token_request(_authorize(provider), redirect_uri="http://127.0.0.1:9/oauth2callback"),
        basic,
    )
    assert (other_redirect.status, other_redirect.json()["error"]) == (400, "invalid_grant")


def test_unregistered_redirects_and_unknown_accounts_get_no_code(
    provider: OidcSandboxServer,
) -> None:
    metadata = _call(provider.discovery_url).json()
    request = {
        "client_id": CLIENT_ID,
        "redirect_uri": "http://attacker.example/oauth2callback",
        "response_type": "code",
        "scope": "openid email",
        "state": "s",
    }
    refused = _call(f"{metadata['authorization_endpoint']}?{urllib.parse.urlencode(request)}")
    assert refused.status == 400
    assert "Location" not in refused.headers
    assert b"not registered" in refused.body

    unknown = _call(
        metadata["authorization_endpoint"],
        {**request, "redirect_uri": REDIRECT_URI, "email": "mallory@example.com"},
    )
    assert unknown.status == 400
    assert "Location" not in unknown.headers
    assert b"No account" in unknown.body

    no_openid = _call(
        metadata["authorization_endpoint"],
        {**request, "redirect_uri": REDIRECT_URI, "scope": "email", "email": ANN.email},
    )
    answer = dict(
        urllib.parse.parse_qsl(urllib.parse.urlsplit(no_openid.headers["Location"]).query)
    )
    assert answer["error"] == "invalid_scope"
    assert "code" not in answer


def test_logout_returns_only_to_a_registered_uri(provider: OidcSandboxServer) -> None:
    end_session = _call(provider.discovery_url).json()["end_session_endpoint"]
    back = _call(
        f"{end_session}?"
        + urllib.parse.urlencode({"client_id": CLIENT_ID, "post_logout_redirect_uri": REDIRECT_URI})
    )
    assert (back.status, back.headers["Location"]) == (302, REDIRECT_URI)
    elsewhere = _call(
        f"{end_session}?"
        + urllib.parse.urlencode(
            {"client_id": CLIENT_ID, "post_logout_redirect_uri": "http://attacker.example/"}
        )
    )
    assert elsewhere.status == 400
    assert "Location" not in elsewhere.headers


def test_the_command_line_refuses_bad_settings_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret_file = tmp_path / "client_secret"
    secret_file.write_text(CLIENT_SECRET)
    base = ["oidc", "--port", "0", "--client-id", CLIENT_ID, "--redirect-uri", REDIRECT_URI]
    not_an_email = [*base, "--client-secret-file", str(secret_file), "--account", "ann"]
    assert sandbox_main(not_an_email) == 2
    assert "not an e-mail address: 'ann'" in capsys.readouterr().err
    assert sandbox_main([*base, "--client-secret-file", str(secret_file)]) == 2
    assert "at least one --account" in capsys.readouterr().err
    missing = [*base, "--client-secret-file", str(tmp_path / "absent"), "--account", ANN.email]
    assert sandbox_main(missing) == 1
    assert "cannot read --client-secret-file" in capsys.readouterr().err
