"""Plaid's signed webhooks: the signing key, the JWK Plaid publishes, and delivery.

Plaid signs every webhook with an ES256 JWT in the `Plaid-Verification` header:
the JWT header names the key (`kid`), the claims are `iat` (issued at, seconds)
and `request_body_sha256` (hex SHA-256 of the exact body bytes). A receiver
fetches the public key with `/webhook_verification_key/get {"key_id": kid}`,
which answers a JWK (`alg, crv, kid, kty, use, x, y, created_at, expired_at`,
plaid-python's `JWKPublicKey`). See plaid.com/docs/api/webhooks/webhook-verification.

The key pair is made when the server starts (a new `kid` per server), so a
receiver must fetch the key from the server that signed, as with Plaid.
Delivery is asynchronous and best effort, one daemon thread per webhook, like
Plaid's: the API answer never waits for the receiver. Bodies are never logged.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import jwt
from cryptography.hazmat.primitives.asymmetric import ec

VERIFICATION_HEADER = "Plaid-Verification"
DELIVERY_TIMEOUT_SECONDS = 5.0


def _b64url(number: int) -> str:
    return base64.urlsafe_b64encode(number.to_bytes(32, "big")).rstrip(b"=").decode()


class WebhookSigner:
    """An EC P-256 key pair that signs webhook bodies as Plaid does."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._private_key = ec.generate_private_key(ec.SECP256R1())
        self._clock = clock
        self.key_id = str(uuid.uuid4())
        self.created_at = int(clock())

    def jwk(self) -> dict[str, object]:
        """The public key as `/webhook_verification_key/get` returns it."""
        numbers = self._private_key.public_key().public_numbers()
        return {
            "alg": "ES256",
            "crv": "P-256",
            "kid": self.key_id,
            "kty": "EC",
            "use": "sig",
            "x": _b64url(numbers.x),
            "y": _b64url(numbers.y),
            "created_at": self.created_at,
            "expired_at": None,
        }

    def sign(
        self, body: bytes, *, issued_at: int | None = None, body_sha256: str | None = None
    ) -> str:
        """The `Plaid-Verification` JWT of `body`.

        `issued_at` and `body_sha256` can be overridden to make the stale or
        mismatched signatures a receiver must refuse (tests).
        """
        claims = {
            "iat": int(self._clock()) if issued_at is None else issued_at,
            "request_body_sha256": body_sha256 or hashlib.sha256(body).hexdigest(),
        }
        return jwt.encode(
            claims, self._private_key, algorithm="ES256", headers={"kid": self.key_id}
        )


@dataclass(frozen=True)
class Delivery:
    """What happened to one webhook: the receiver's HTTP status, or the transport error."""

    webhook_type: str
    webhook_code: str
    item_id: str
    status: int | None
    error: str | None


class WebhookSender:
    """Signs and POSTs webhook bodies to the configured URL (none: nothing is sent)."""

    def __init__(self, signer: WebhookSigner, url: str | None = None) -> None:
        self.signer = signer
        self.url = url
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self.deliveries: list[Delivery] = []

    def send(self, body: dict[str, object]) -> bool:
        """Queue one webhook; False when no webhook URL is configured."""
        url = self.url
        if not url:
            return False
        payload = json.dumps(body, separators=(",", ":")).encode()
        thread = threading.Thread(
            target=self._deliver, args=(url, payload, body), name="plaid-webhook", daemon=True
        )
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
        thread.start()
        return True

    def wait(self, timeout_seconds: float = 10.0) -> None:
        """Wait until the webhooks sent so far were delivered (or failed)."""
        deadline = time.monotonic() + timeout_seconds
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def _deliver(self, url: str, payload: bytes, body: dict[str, object]) -> None:
        request = urllib.request.Request(  # noqa: S310 - the operator's webhook URL
            url,
            data=payload,
            headers={
                "Content-Type": "application/json",
                VERIFICATION_HEADER: self.signer.sign(payload),
            },
            method="POST",
        )
        status: int | None = None
        error: str | None = None
        try:
            with urllib.request.urlopen(request, timeout=DELIVERY_TIMEOUT_SECONDS) as answer:  # noqa: S310
                status = answer.status
        except urllib.error.HTTPError as failure:
            status = failure.code
        except OSError as failure:
            error = type(failure).__name__
        with self._lock:
            self.deliveries.append(
                Delivery(
                    str(body.get("webhook_type")),
                    str(body.get("webhook_code")),
                    str(body.get("item_id")),
                    status,
                    error,
                )
            )


# -- the bodies Plaid sends (plaid.com/docs/api/products/*/#webhooks) -----------------------


def sync_updates_available(item_id: str) -> dict[str, object]:
    return {
        "webhook_type": "TRANSACTIONS",
        "webhook_code": "SYNC_UPDATES_AVAILABLE",
        "item_id": item_id,
        "initial_update_complete": True,
        "historical_update_complete": True,
        "environment": "sandbox",
    }


def holdings_default_update(
    item_id: str, new_holdings: int, updated_holdings: int
) -> dict[str, object]:
    return {
        "webhook_type": "HOLDINGS",
        "webhook_code": "DEFAULT_UPDATE",
        "item_id": item_id,
        "error": None,
        "new_holdings": new_holdings,
        "updated_holdings": updated_holdings,
        "environment": "sandbox",
    }


def investments_transactions_default_update(
    item_id: str, new_transactions: int
) -> dict[str, object]:
    return {
        "webhook_type": "INVESTMENTS_TRANSACTIONS",
        "webhook_code": "DEFAULT_UPDATE",
        "item_id": item_id,
        "error": None,
        "new_investments_transactions": new_transactions,
        "canceled_investments_transactions": 0,
        "environment": "sandbox",
    }


def item_error(item_id: str, error: dict[str, object]) -> dict[str, object]:
    return {
        "webhook_type": "ITEM",
        "webhook_code": "ERROR",
        "item_id": item_id,
        "error": error,
        "environment": "sandbox",
    }
