"""`ingestion.plaid.webhooks`: Plaid's verification recipe, without network or database.

Signatures come from the sandbox's signer (the same code that signs the sandbox's
webhooks); the key is handed to the verifier as `/webhook_verification_key/get`
would return it.
"""

import hashlib
import time

import jwt
import pytest

from ingestion.plaid.webhooks import (
    MAX_AGE_SECONDS,
    WebhookRejected,
    WebhookVerifier,
    parse_webhook_body,
    payload_without_tokens,
)
from sandbox.plaid_server.webhooks import WebhookSigner

BODY = b'{"webhook_type":"TRANSACTIONS","webhook_code":"SYNC_UPDATES_AVAILABLE","item_id":"i1"}'


class KeyServer:
    def __init__(self, signer: WebhookSigner, expired: bool = False) -> None:
        self.signer = signer
        self.expired = expired
        self.fetches: list[str] = []

    def __call__(self, key_id: str) -> dict:
        self.fetches.append(key_id)
        if key_id != self.signer.key_id:
            raise LookupError(f"no key {key_id}")
        jwk = self.signer.jwk()
        if self.expired:
            jwk["expired_at"] = int(time.time()) - 1
        return jwk


def test_a_genuine_webhook_verifies_and_its_key_is_fetched_once() -> None:
    signer = WebhookSigner()
    keys = KeyServer(signer)
    verifier = WebhookVerifier(keys)
    for _ in range(3):
        claims = verifier.verify(BODY, signer.sign(BODY))
    assert claims["request_body_sha256"] == hashlib.sha256(BODY).hexdigest()
    assert keys.fetches == [signer.key_id]


@pytest.mark.parametrize(
    ("make_jwt", "reason"),
    [
        (lambda signer: None, "no Plaid-Verification header"),
        (lambda signer: "abc", "not a JWT"),
        (
            lambda signer: jwt.encode(
                {"iat": int(time.time())}, "k" * 32, algorithm="HS256", headers={"kid": "x"}
            ),
            "is not ES256",
        ),
        (lambda signer: signer.sign(BODY, issued_at=int(time.time()) + 120), "in the future"),
        (
            lambda signer: signer.sign(BODY, issued_at=int(time.time()) - MAX_AGE_SECONDS - 5),
            "stale or replayed",
        ),
        (lambda signer: signer.sign(b"another body"), "does not match"),
        (lambda signer: WebhookSigner().sign(BODY), "cannot fetch verification key"),
    ],
)
def test_bad_webhooks_are_rejected_with_a_reason(make_jwt, reason: str) -> None:
    signer = WebhookSigner()
    with pytest.raises(WebhookRejected, match=reason):
        WebhookVerifier(KeyServer(signer)).verify(BODY, make_jwt(signer))


def test_an_expired_key_is_refused() -> None:
    signer = WebhookSigner()
    with pytest.raises(WebhookRejected, match="has expired"):
        WebhookVerifier(KeyServer(signer, expired=True)).verify(BODY, signer.sign(BODY))


def test_stored_payload_keeps_no_token_and_bodies_must_be_webhooks() -> None:
    payload = {
        "webhook_type": "ITEM",
        "public_token": "public-sandbox-1",
        "error": {"error_code": "X", "access_token": "access-1", "nested": [{"token": 1}]},
    }
    assert payload_without_tokens(payload) == {
        "webhook_type": "ITEM",
        "error": {"error_code": "X", "nested": [{}]},
    }
    with pytest.raises(WebhookRejected, match="no webhook_type"):
        parse_webhook_body(b'{"item_id": "i1"}')
    with pytest.raises(WebhookRejected, match="not JSON"):
        parse_webhook_body(b"\xff")
