"""An offline OpenID Connect provider: the stand-in for the company's identity provider.

Production signs app users in with `st.login` against a real OIDC provider
(Okta, Entra ID, Google ...). This server speaks the same protocol on 127.0.0.1
so the sign-in can be tried and tested without one: OpenID Connect Core 1.0,
authorization code flow, with

  GET  /.well-known/openid-configuration   discovery (OIDC Discovery 1.0)
  GET  /jwks                                the RS256 public key (a new key per server)
  GET  /authorize                           the account chooser of the sandbox directory
  POST /authorize                           the chosen account: 302 to redirect_uri?code&state
  POST /token                               code -> access token + signed id_token
  GET|POST /userinfo                        the account's claims for a Bearer access token
  GET  /logout                              RP-initiated logout: back to a registered URI

What a real provider checks, this one checks too, so a client that works here
is not relying on leniency: the client id and an exactly registered
redirect_uri (errors for those are shown, never redirected, OIDC Core 3.1.2.6);
`response_type=code` and the `openid` scope; PKCE S256 (RFC 7636) when the
client sent a challenge; the client secret (`client_secret_basic` or
`client_secret_post`); a code is single-use, bound to its client and
redirect_uri and expires after `CODE_LIFETIME_SECONDS`. The id_token carries
iss, sub, aud, azp, exp, iat, auth_time, the request's nonce, at_hash and the
account's email, email_verified and name.

The directory is the list of `OidcAccount`s given at start; there are no
passwords: choosing an account signs it in (a sandbox, not a vault). Nothing is
logged per request: requests carry codes and tokens.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import sys
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

CODE_LIFETIME_SECONDS = 120
ACCESS_TOKEN_LIFETIME_SECONDS = 3600
ID_TOKEN_LIFETIME_SECONDS = 3600
MAX_BODY_BYTES = 64_000
SUPPORTED_SCOPES = ("openid", "email", "profile")
# Parameters of an authentication request the account chooser carries through its form.
AUTHORIZATION_PARAMETERS = (
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "prompt",
    "login_hint",
)


@dataclass(frozen=True)
class OidcAccount:
    """A person of the sandbox directory; `sub` is stable for the e-mail, as at a real provider."""

    email: str
    name: str = ""
    email_verified: bool = True

    @property
    def subject(self) -> str:
        return hashlib.sha256(self.email.lower().encode()).hexdigest()[:24]

    @classmethod
    def parse(cls, text: str) -> OidcAccount:
        """`EMAIL` or `EMAIL=Full Name` (the command line's `--account`)."""
        email, _, name = text.partition("=")
        email = email.strip()
        if "@" not in email or email.startswith("@") or email.endswith("@"):
            raise ValueError(f"not an e-mail address: {email!r} (use EMAIL or EMAIL=Full Name)")
        return cls(email=email, name=name.strip() or email.split("@")[0])


@dataclass(frozen=True)
class OidcClient:
    """A relying party registered at the provider (the app)."""

    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]


@dataclass(frozen=True)
class _AuthorizationCode:
    client_id: str
    redirect_uri: str
    account: OidcAccount
    scope: str
    nonce: str | None
    code_challenge: str | None
    issued_at: float


@dataclass
class _Directory:
    accounts: dict[str, OidcAccount]
    codes: dict[str, _AuthorizationCode] = field(default_factory=dict)
    # access token -> (account, expiry); codes used twice revoke what they issued.
    access_tokens: dict[str, tuple[OidcAccount, float]] = field(default_factory=dict)
    tokens_by_code: dict[str, str] = field(default_factory=dict)
    used_codes: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status, headers and body bytes."""

    status: int
    headers: dict[str, str]
    body: bytes

    @classmethod
    def json(cls, status: int, document: Mapping[str, object], **headers: str) -> Answer:
        return cls(
            status,
            {"Content-Type": "application/json", "Cache-Control": "no-store", **headers},
            json.dumps(document).encode(),
        )

    @classmethod
    def page(cls, status: int, title: str, body_html: str) -> Answer:
        document = (
            "<!doctype html><html><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title></head><body>"
            f"<h1>{html.escape(title)}</h1>{body_html}</body></html>"
        )
        return cls(
            status,
            {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"},
            document.encode(),
        )

    @classmethod
    def redirect(cls, location: str) -> Answer:
        return cls(302, {"Location": location, "Cache-Control": "no-store"}, b"")


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _with_query(uri: str, parameters: Mapping[str, str | None]) -> str:
    parts = urllib.parse.urlsplit(uri)
    query = urllib.parse.parse_qsl(parts.query)
    query += [(key, value) for key, value in parameters.items() if value is not None]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


class OidcProvider:
    """The protocol, without HTTP: each endpoint takes parameters and returns an `Answer`."""

    def __init__(
        self,
        issuer: str,
        clients: list[OidcClient],
        accounts: list[OidcAccount],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.clients = {client.client_id: client for client in clients}
        self._directory = _Directory({account.email.lower(): account for account in accounts})
        self._clock = clock
        self._signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.key_id = str(uuid.uuid4())

    # -- discovery and keys ------------------------------------------------------------------

    def discovery(self) -> Answer:
        return Answer.json(
            200,
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "userinfo_endpoint": f"{self.issuer}/userinfo",
                "jwks_uri": f"{self.issuer}/jwks",
                "end_session_endpoint": f"{self.issuer}/logout",
                "response_types_supported": ["code"],
                "response_modes_supported": ["query"],
                "grant_types_supported": ["authorization_code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "scopes_supported": list(SUPPORTED_SCOPES),
                "token_endpoint_auth_methods_supported": [
                    "client_secret_basic",
                    "client_secret_post",
                ],
                "code_challenge_methods_supported": ["S256"],
                "claims_supported": [
                    "iss",
                    "sub",
                    "aud",
                    "exp",
                    "iat",
                    "auth_time",
                    "nonce",
                    "email",
                    "email_verified",
                    "name",
                ],
            },
        )

    def jwks(self) -> Answer:
        public_jwk = jwt.algorithms.RSAAlgorithm.to_jwk(
            self._signing_key.public_key(), as_dict=True
        )
        return Answer.json(
            200, {"keys": [{**public_jwk, "kid": self.key_id, "use": "sig", "alg": "RS256"}]}
        )

    # -- authorization endpoint --------------------------------------------------------------

    def authorize(self, parameters: Mapping[str, str], chosen_email: str | None) -> Answer:
        """GET: the account chooser; POST (`chosen_email`): sign that account in."""
        client = self.clients.get(parameters.get("client_id", ""))
        if client is None:
            return self._authorization_refused("unknown client_id: the app is not registered")
        redirect_uri = parameters.get("redirect_uri", "")
        if redirect_uri not in client.redirect_uris:
            # Never redirect to an unregistered URI (an open redirector leaks codes).
            return self._authorization_refused(
                f"redirect_uri {redirect_uri!r} is not registered for client {client.client_id!r}"
            )
        state = parameters.get("state")

        def error(code: str, description: str) -> Answer:
            return Answer.redirect(
                _with_query(
                    redirect_uri,
                    {"error": code, "error_description": description, "state": state},
                )
            )

        if parameters.get("response_type") != "code":
            return error("unsupported_response_type", "only the authorization code flow")
        scopes = parameters.get("scope", "").split()
        if "openid" not in scopes:
            return error("invalid_scope", "the openid scope is required")
        if parameters.get("code_challenge") and parameters.get("code_challenge_method") != "S256":
            return error("invalid_request", "code_challenge_method must be S256")
        if chosen_email is None:
            if parameters.get("prompt") == "none":
                return error("login_required", "the sandbox keeps no session: choose an account")
            return self._account_chooser(parameters)
        account = self._directory.accounts.get(chosen_email.strip().lower())
        if account is None:
            return self._account_chooser(parameters, f"No account {chosen_email!r} here.")
        code = secrets.token_urlsafe(32)
        with self._directory.lock:
            self._directory.codes[code] = _AuthorizationCode(
                client_id=client.client_id,
                redirect_uri=redirect_uri,
                account=account,
                scope=" ".join(scope for scope in scopes if scope in SUPPORTED_SCOPES),
                nonce=parameters.get("nonce"),
                code_challenge=parameters.get("code_challenge"),
                issued_at=self._clock(),
            )
        return Answer.redirect(_with_query(redirect_uri, {"code": code, "state": state}))

    def _authorization_refused(self, reason: str) -> Answer:
        return Answer.page(400, "Sign-in refused", f"<p>{html.escape(reason)}</p>")

    def _account_chooser(self, parameters: Mapping[str, str], problem: str = "") -> Answer:
        hidden = "".join(
            f"<input type='hidden' name='{name}' value='{html.escape(parameters[name], True)}'>"
            for name in AUTHORIZATION_PARAMETERS
            if parameters.get(name) is not None
        )
        buttons = "".join(
            f"<p><button type='submit' name='email' value='{html.escape(account.email, True)}'>"
            f"{html.escape(account.name)} &lt;{html.escape(account.email)}&gt;</button></p>"
            for account in sorted(self._directory.accounts.values(), key=lambda a: a.email)
        )
        notice = f"<p role='alert'>{html.escape(problem)}</p>" if problem else ""
        return Answer.page(
            400 if problem else 200,
            "Sandbox identity provider: choose an account",
            f"{notice}<form method='post' action='{self.issuer}/authorize'>"
            f"{hidden}{buttons}</form>",
        )

    # -- token endpoint ----------------------------------------------------------------------

    def token(self, form: Mapping[str, str], authorization_header: str | None) -> Answer:
        client = self._authenticated_client(form, authorization_header)
        if client is None:
            return Answer.json(
                401,
                {"error": "invalid_client", "error_description": "client authentication failed"},
                **{"WWW-Authenticate": 'Basic realm="sandbox-oidc"'},
            )
        if form.get("grant_type") != "authorization_code":
            return self._token_error("unsupported_grant_type", "only authorization_code")
        code = form.get("code", "")
        with self._directory.lock:
            if code in self._directory.used_codes:
                # A replayed code: refuse it and revoke what it issued (RFC 6749 4.1.2).
                issued = self._directory.tokens_by_code.pop(code, None)
                if issued:
                    self._directory.access_tokens.pop(issued, None)
                return self._token_error("invalid_grant", "the code was already used")
            grant = self._directory.codes.pop(code, None)
            if grant is not None:
                self._directory.used_codes.add(code)
        if grant is None:
            return self._token_error("invalid_grant", "unknown code")
        now = self._clock()
        if now - grant.issued_at > CODE_LIFETIME_SECONDS:
            return self._token_error("invalid_grant", "the code expired")
        if grant.client_id != client.client_id:
            return self._token_error("invalid_grant", "the code was issued to another client")
        if form.get("redirect_uri") != grant.redirect_uri:
            return self._token_error("invalid_grant", "redirect_uri differs from the request's")
        if grant.code_challenge is not None:
            verifier = form.get("code_verifier", "")
            expected = _b64url(hashlib.sha256(verifier.encode()).digest())
            if not verifier or not secrets.compare_digest(expected, grant.code_challenge):
                return self._token_error("invalid_grant", "code_verifier does not match (PKCE)")
        access_token = secrets.token_urlsafe(32)
        with self._directory.lock:
            self._directory.access_tokens[access_token] = (
                grant.account,
                now + ACCESS_TOKEN_LIFETIME_SECONDS,
            )
            self._directory.tokens_by_code[code] = access_token
        return Answer.json(
            200,
            {
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": ACCESS_TOKEN_LIFETIME_SECONDS,
                "scope": grant.scope,
                "id_token": self._id_token(grant, client, access_token, now),
            },
            Pragma="no-cache",
        )

    def _authenticated_client(
        self, form: Mapping[str, str], authorization_header: str | None
    ) -> OidcClient | None:
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        if authorization_header and authorization_header.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(authorization_header[6:].strip()).decode()
            except (ValueError, UnicodeDecodeError):
                return None
            raw_id, _, raw_secret = decoded.partition(":")
            # RFC 6749 2.3.1: both parts are form-urlencoded before Basic encoding.
            client_id = urllib.parse.unquote_plus(raw_id)
            client_secret = urllib.parse.unquote_plus(raw_secret)
        client = self.clients.get(client_id or "")
        if client is None or client_secret is None:
            return None
        if not secrets.compare_digest(client.client_secret.encode(), client_secret.encode()):
            return None
        return client

    def _token_error(self, code: str, description: str) -> Answer:
        return Answer.json(400, {"error": code, "error_description": description})

    def _id_token(
        self, grant: _AuthorizationCode, client: OidcClient, access_token: str, now: float
    ) -> str:
        account = grant.account
        digest = hashlib.sha256(access_token.encode()).digest()
        claims: dict[str, object] = {
            "iss": self.issuer,
            "sub": account.subject,
            "aud": client.client_id,
            "azp": client.client_id,
            "iat": int(now),
            "exp": int(now) + ID_TOKEN_LIFETIME_SECONDS,
            "auth_time": int(grant.issued_at),
            # OIDC Core 3.1.3.6: left half of the access token's SHA-256.
            "at_hash": _b64url(digest[: len(digest) // 2]),
            **self._account_claims(account, grant.scope),
        }
        if grant.nonce is not None:
            claims["nonce"] = grant.nonce
        return jwt.encode(
            claims, self._signing_key, algorithm="RS256", headers={"kid": self.key_id}
        )

    @staticmethod
    def _account_claims(account: OidcAccount, scope: str) -> dict[str, object]:
        scopes = scope.split()
        claims: dict[str, object] = {}
        if "email" in scopes:
            claims.update(email=account.email, email_verified=account.email_verified)
        if "profile" in scopes:
            claims["name"] = account.name
        return claims

    # -- userinfo and logout -----------------------------------------------------------------

    def userinfo(self, authorization_header: str | None) -> Answer:
        token = ""
        if authorization_header and authorization_header.lower().startswith("bearer "):
            token = authorization_header[7:].strip()
        with self._directory.lock:
            issued = self._directory.access_tokens.get(token)
        if issued is None or issued[1] < self._clock():
            return Answer.json(
                401,
                {"error": "invalid_token"},
                **{"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        account = issued[0]
        return Answer.json(
            200, {"sub": account.subject, **self._account_claims(account, "email profile")}
        )

    def logout(self, parameters: Mapping[str, str]) -> Answer:
        """RP-initiated logout: the sandbox keeps no session, so only the way back is checked."""
        target = parameters.get("post_logout_redirect_uri")
        if target is None:
            return Answer.page(200, "Signed out", "<p>You are signed out.</p>")
        client = self.clients.get(parameters.get("client_id", ""))
        registered = client.redirect_uris if client else ()
        if target not in registered:
            return self._authorization_refused(
                f"post_logout_redirect_uri {target!r} is not registered"
            )
        return Answer.redirect(_with_query(target, {"state": parameters.get("state")}))


class _Handler(BaseHTTPRequestHandler):
    provider: OidcProvider

    def do_GET(self) -> None:
        path, _, query = self.path.partition("?")
        parameters = dict(urllib.parse.parse_qsl(query))
        routes: dict[str, Callable[[], Answer]] = {
            "/.well-known/openid-configuration": self.provider.discovery,
            "/jwks": self.provider.jwks,
            "/authorize": lambda: self.provider.authorize(parameters, None),
            "/userinfo": lambda: self.provider.userinfo(self.headers.get("Authorization")),
            "/logout": lambda: self.provider.logout(parameters),
        }
        route = routes.get(path)
        self._send(route() if route else Answer.json(404, {"error": "not_found"}))

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self._send(Answer.json(413, {"error": "invalid_request"}))
            return
        form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode("utf-8", "replace")))
        path = self.path.partition("?")[0]
        if path == "/authorize":
            answer = self.provider.authorize(form, form.get("email", ""))
        elif path == "/token":
            answer = self.provider.token(form, self.headers.get("Authorization"))
        elif path == "/userinfo":
            answer = self.provider.userinfo(self.headers.get("Authorization"))
        else:
            answer = Answer.json(404, {"error": "not_found"})
        self._send(answer)

    def _send(self, answer: Answer) -> None:
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)

    def log_message(self, format: str, *args: object) -> None:
        # Request lines carry codes and states: log nothing.
        return


class _QuietHTTPServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class OidcSandboxServer:
    """The provider on 127.0.0.1 in a background thread (tests) or the foreground (CLI).

    client = OidcClient("wdp-app", "secret", ("http://127.0.0.1:8501/oauth2callback",))
    with OidcSandboxServer([client], [OidcAccount("ann@example.com")]) as server:
        server.discovery_url  # -> the app's `server_metadata_url`
    """

    def __init__(
        self, clients: list[OidcClient], accounts: list[OidcAccount], *, port: int = 0
    ) -> None:
        self._http = _QuietHTTPServer(("127.0.0.1", port), _Handler)
        self._http.daemon_threads = True
        self.provider = OidcProvider(self.url, clients, accounts)
        self._http.RequestHandlerClass = type(
            "OidcHandler", (_Handler,), {"provider": self.provider}
        )
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._http.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def discovery_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    def start(self) -> OidcSandboxServer:
        self._thread = threading.Thread(
            target=self._http.serve_forever, name="oidc-sandbox", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def serve_forever(self) -> None:
        """Serve in the calling thread until Ctrl-C."""
        try:
            self._http.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            self._http.server_close()

    def __enter__(self) -> OidcSandboxServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
