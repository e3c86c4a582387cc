"""Plaid webhooks: verify the signature, store the event, hand events to the sync sensor.

Plaid signs each webhook with an ES256 JWT in the `Plaid-Verification` header
(plaid.com/docs/api/webhooks/webhook-verification). `WebhookVerifier.verify`
follows Plaid's recipe: the JWT header must say `alg: ES256` and name a key
(`kid`); the key comes from `/webhook_verification_key/get` (cached by kid, an
expired key refused); the signature must verify; `iat` must be at most
`MAX_AGE_SECONDS` old (a replayed webhook is refused); and the body's SHA-256
must equal the `request_body_sha256` claim (compared in constant time).
Anything else raises `WebhookRejected` with a reason safe to log: no token,
no body, no signature.

`store_webhook_event` writes an accepted webhook to `raw_plaid.webhook_events`
once (a re-delivery of the same body is ignored). The sensor reads
`unprocessed_webhook_events` and calls `mark_webhook_events_processed` after
the sync run of those items succeeded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import jwt
from psycopg2.extensions import connection as Connection
from psycopg2.extras import Json

from ingestion.plaid.items import sql_text

VERIFICATION_HEADER = "Plaid-Verification"
MAX_AGE_SECONDS = 5 * 60
# A sender's clock may run slightly ahead of ours; a JWT from further ahead is refused.
MAX_CLOCK_SKEW_SECONDS = 30


class WebhookRejected(Exception):
    """A webhook that failed verification; the message says why (and holds no secret)."""


KeyFetcher = Callable[[str], dict[str, Any]]
"""key_id -> the JWK of /webhook_verification_key/get (`key` of the response)."""


class WebhookVerifier:
    """Verifies `Plaid-Verification` JWTs; keys fetched once per kid (thread-safe)."""

    def __init__(self, fetch_key: KeyFetcher, clock: Callable[[], float] = time.time) -> None:
        self._fetch_key = fetch_key
        self._clock = clock
        self._keys: dict[str, Any] = {}
        self._lock = threading.Lock()

    def verify(self, body: bytes, signed_jwt: str | None) -> dict[str, Any]:
        """The verified claims of the webhook `body`; raises WebhookRejected."""
        if not signed_jwt:
            raise WebhookRejected(f"no {VERIFICATION_HEADER} header")
        try:
            header = jwt.get_unverified_header(signed_jwt)
        except jwt.PyJWTError:
            raise WebhookRejected(f"{VERIFICATION_HEADER} is not a JWT") from None
        if header.get("alg") != "ES256":
            raise WebhookRejected(f"JWT algorithm {header.get('alg')!r} is not ES256")
        key_id = header.get("kid")
        if not isinstance(key_id, str) or not key_id:
            raise WebhookRejected("JWT header names no key (kid)")
        key = self._key(key_id)
        try:
            claims = jwt.decode(
                signed_jwt,
                key,
                algorithms=["ES256"],
                options={"require": ["iat"], "verify_iat": False},
            )
        except jwt.PyJWTError as error:
            raise WebhookRejected(f"JWT signature invalid ({type(error).__name__})") from None
        issued_at = claims.get("iat")
        if not isinstance(issued_at, int | float):
            raise WebhookRejected("JWT iat is not a number")
        age_seconds = self._clock() - issued_at
        if age_seconds > MAX_AGE_SECONDS:
            raise WebhookRejected(
                f"JWT issued {int(age_seconds)} s ago (more than {MAX_AGE_SECONDS} s): stale "
                "or replayed"
            )
        if age_seconds < -MAX_CLOCK_SKEW_SECONDS:
            raise WebhookRejected(f"JWT issued {int(-age_seconds)} s in the future")
        claimed = claims.get("request_body_sha256")
        actual = hashlib.sha256(body).hexdigest()
        if not isinstance(claimed, str) or not hmac.compare_digest(claimed, actual):
            raise WebhookRejected("body SHA-256 does not match the signed request_body_sha256")
        return claims

    def _key(self, key_id: str) -> Any:
        with self._lock:
            cached = self._keys.get(key_id)
        if cached is not None:
            return cached
        try:
            jwk = self._fetch_key(key_id)
        except WebhookRejected:
            raise
        except Exception as error:
            # The fetcher's errors carry Plaid's error code and request id, never the secret.
            raise WebhookRejected(f"cannot fetch verification key {key_id}: {error}") from None
        if jwk.get("expired_at") is not None:
            raise WebhookRejected(f"verification key {key_id} has expired")
        try:
            key = jwt.PyJWK.from_dict(dict(jwk), algorithm="ES256").key
        except jwt.PyJWTError:
            raise WebhookRejected(f"verification key {key_id} is not an ES256 JWK") from None
        with self._lock:
            self._keys[key_id] = key
        return key


@dataclass(frozen=True)
class WebhookEvent:
    """One stored webhook waiting for (or done with) its sync."""

    webhook_event_id: int
    item_id: str | None
    webhook_type: str
    webhook_code: str


def payload_without_tokens(value: Any) -> Any:
    """The payload with every key naming a token dropped (at any depth)."""
    if isinstance(value, dict):
        return {
            key: payload_without_tokens(inner)
            for key, inner in value.items()
            if "token" not in str(key).lower()
        }
    if isinstance(value, list):
        return [payload_without_tokens(inner) for inner in value]
    return value


def parse_webhook_body(body: bytes) -> dict[str, Any]:
    """The JSON object of a verified body; raises WebhookRejected if it is not one."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise WebhookRejected("body is not JSON") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("webhook_type"), str):
        raise WebhookRejected("body is not a Plaid webhook (no webhook_type)")
    if not isinstance(payload.get("webhook_code"), str):
        raise WebhookRejected("body is not a Plaid webhook (no webhook_code)")
    return payload


def store_webhook_event(
    connection: Connection, body: bytes, received_at: dt.datetime
) -> int | None:
    """Store a verified webhook; its event id, or None if this body was stored before."""
    payload = parse_webhook_body(body)
    error = payload.get("error") if isinstance(payload.get("error"), dict) else {}
    item_id = payload.get("item_id")
    with connection, connection.cursor() as cursor:
        cursor.execute(
            sql_text("insert_webhook_event.sql"),
            {
                "item_id": item_id if isinstance(item_id, str) else None,
                "webhook_type": payload["webhook_type"],
                "webhook_code": payload["webhook_code"],
                "error_code": error.get("error_code"),
                "received_at": received_at,
                "payload": Json(payload_without_tokens(payload)),
                "request_body_sha256": hashlib.sha256(body).hexdigest(),
            },
        )
        row = cursor.fetchone()
    return int(row[0]) if row else None


def unprocessed_webhook_events(connection: Connection, limit: int = 500) -> list[WebhookEvent]:
    """The oldest events no successful sync has handled, oldest first."""
    with connection.cursor() as cursor:
        cursor.execute(sql_text("select_unprocessed_webhook_events.sql"), {"limit": limit})
        rows = cursor.fetchall()
    connection.rollback()
    return [WebhookEvent(*row) for row in rows]


def mark_webhook_events_processed(
    connection: Connection, event_ids: Sequence[int], processed_at: dt.datetime
) -> int:
    """Set processed_at on these events (those not processed yet); the count changed."""
    if not event_ids:
        return 0
    with connection, connection.cursor() as cursor:
        cursor.execute(
            sql_text("mark_webhook_events_processed.sql"),
            {"processed_at": processed_at, "webhook_event_ids": list(event_ids)},
        )
        return cursor.rowcount
