"""Plaid's errors sorted into what the loader does next (DESIGN §5, issue 4).

Plaid answers errors with an envelope (`error_type`, `error_code`,
`request_id`, ...). The policy is decided by type and code, never by message
text, and the decision is a value the loader acts on:

- RETRY: RATE_LIMIT_EXCEEDED, API_ERROR, INSTITUTION_ERROR, a 5xx without an
  envelope, timeouts and dropped connections -> back off (capped, jittered), call again.
- NEEDS_RELINK: ITEM_ERROR (ITEM_LOGIN_REQUIRED and the other item errors) -> stop
  for this item, mark it `needs_relink` with the request id, go on with the others.
- PRODUCT_NOT_READY: ITEM_ERROR/PRODUCT_NOT_READY -> skip the item now, the next
  run asks again; not a failure.
- NOT_SUPPORTED: the item has no such product or accounts -> nothing to load.
- RESTART_SYNC: TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION -> restart
  /transactions/sync from the stored cursor.
- BAD_CREDENTIALS: INVALID_API_KEYS and other client-wide rejections -> stop the
  whole run: every call would fail.
- ITEM_FAILED: anything else (invalid token, invalid request) -> mark the item
  `error` and go on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    RETRY = "retry"
    NEEDS_RELINK = "needs_relink"
    PRODUCT_NOT_READY = "product_not_ready"
    NOT_SUPPORTED = "not_supported"
    RESTART_SYNC = "restart_sync"
    BAD_CREDENTIALS = "bad_credentials"
    ITEM_FAILED = "item_failed"


RETRIED_ERROR_TYPES = frozenset({"RATE_LIMIT_EXCEEDED", "API_ERROR", "INSTITUTION_ERROR"})
# Item errors that mean "this item has nothing for this product", not "re-link".
NOT_SUPPORTED_CODES = frozenset(
    {"PRODUCTS_NOT_SUPPORTED", "NO_ACCOUNTS", "NO_INVESTMENT_ACCOUNTS", "NO_LIABILITY_ACCOUNTS"}
)
CLIENT_WIDE_CODES = frozenset(
    {"INVALID_API_KEYS", "UNAUTHORIZED_ENVIRONMENT", "INVALID_PRODUCT", "ADDITION_LIMIT"}
)
TRANSPORT_ERROR_TYPE = "TRANSPORT"


@dataclass(frozen=True)
class PlaidFailure:
    """One failed call: Plaid's classification of it and what the loader does next.

    Holds no access token and no message text (messages can echo request
    fields), so it is safe to log and to store.
    """

    outcome: Outcome
    error_type: str
    error_code: str
    request_id: str | None
    http_status: int | None

    def describe(self) -> str:
        request = f", request {self.request_id}" if self.request_id else ""
        return f"{self.error_type}/{self.error_code} (HTTP {self.http_status}{request})"


def classify(error_type: str | None, error_code: str | None) -> Outcome:
    """The loader's next step for a Plaid error envelope's type and code."""
    error_type = error_type or ""
    error_code = error_code or ""
    if error_code == "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION":
        return Outcome.RESTART_SYNC
    if error_type in RETRIED_ERROR_TYPES or error_type == TRANSPORT_ERROR_TYPE:
        return Outcome.RETRY
    if error_code in CLIENT_WIDE_CODES:
        return Outcome.BAD_CREDENTIALS
    if error_type == "ITEM_ERROR":
        if error_code == "PRODUCT_NOT_READY":
            return Outcome.PRODUCT_NOT_READY
        if error_code in NOT_SUPPORTED_CODES:
            return Outcome.NOT_SUPPORTED
        return Outcome.NEEDS_RELINK
    return Outcome.ITEM_FAILED


def failure_from_response(http_status: int | None, body: bytes | str | None) -> PlaidFailure:
    """Classify an HTTP error answer; a 5xx/429 without Plaid's envelope is retried."""
    envelope = _envelope(body)
    error_type = envelope.get("error_type")
    error_code = envelope.get("error_code")
    if not error_type:
        retried = http_status is None or http_status >= 500 or http_status == 429
        error_type = "API_ERROR" if retried else "INVALID_REQUEST"
        error_code = f"HTTP_{http_status}"
    return PlaidFailure(
        outcome=classify(error_type, error_code),
        error_type=str(error_type),
        error_code=str(error_code or ""),
        request_id=envelope.get("request_id"),
        http_status=http_status,
    )


def transport_failure(error: BaseException) -> PlaidFailure:
    """A timeout or dropped connection: no answer, so no request id; always retried."""
    return PlaidFailure(
        outcome=Outcome.RETRY,
        error_type=TRANSPORT_ERROR_TYPE,
        error_code=type(error).__name__,
        request_id=None,
        http_status=None,
    )


class PlaidCallError(Exception):
    """A Plaid call that failed for good (after any retries), with its classification."""

    def __init__(self, endpoint: str, failure: PlaidFailure, attempts: int) -> None:
        super().__init__(f"{endpoint}: {failure.describe()} after {attempts} attempt(s)")
        self.endpoint = endpoint
        self.failure = failure
        self.attempts = attempts


class PlaidCredentialsError(RuntimeError):
    """Plaid rejected the client itself: nothing can be loaded until settings are fixed."""


def _envelope(body: bytes | str | None) -> dict[str, Any]:
    if not body:
        return {}
    try:
        parsed = json.loads(body)
    except (ValueError, TypeError):
        return {}
    return parsed if isinstance(parsed, dict) else {}
