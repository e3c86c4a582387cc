"""The Plaid API through `plaid-python`, throttled and retried by policy.

`PlaidClient.call(endpoint, item, **fields)` builds the request model of
`plaid-python`, waits for a slot under the per-item and per-client limits,
calls, and on a retryable failure backs off and calls again. It returns the
response as parsed JSON: dates stay ISO strings, which COPY reads as they are.
The access token is passed to the API and nowhere else: it is not in any
error, log line or counter.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import plaid
import urllib3
from plaid.api import plaid_api
from plaid.model.accounts_get_request import AccountsGetRequest
from plaid.model.investments_holdings_get_request import InvestmentsHoldingsGetRequest
from plaid.model.investments_transactions_get_request import InvestmentsTransactionsGetRequest
from plaid.model.investments_transactions_get_request_options import (
    InvestmentsTransactionsGetRequestOptions,
)
from plaid.model.item_get_request import ItemGetRequest
from plaid.model.liabilities_get_request import LiabilitiesGetRequest
from plaid.model.transactions_sync_request import TransactionsSyncRequest
from plaid.model.webhook_verification_key_get_request import WebhookVerificationKeyGetRequest

from ingestion.plaid.errors import (
    Outcome,
    PlaidCallError,
    PlaidCredentialsError,
    PlaidFailure,
    failure_from_response,
    transport_failure,
)
from ingestion.plaid.items import PlaidItem
from ingestion.plaid.retry import BackoffPolicy, RetryClock
from ingestion.plaid.throttle import PLAID_PRODUCTION_LIMITS, EndpointLimit, SlidingWindowLimiter

PLAID_ENVIRONMENT_HOSTS = {
    "sandbox": plaid.Environment.Sandbox,
    "production": plaid.Environment.Production,
}
TRANSPORT_ERRORS = (urllib3.exceptions.HTTPError, http.client.HTTPException, OSError)


@dataclass(frozen=True)
class PlaidSettings:
    """Where Plaid is and how hard we may call it; the secret never shows in a repr."""

    host: str
    client_id: str
    secret: str = field(repr=False)
    is_offline_sandbox: bool = False
    limits: dict[str, EndpointLimit] = field(default_factory=lambda: dict(PLAID_PRODUCTION_LIMITS))
    backoff: BackoffPolicy = field(default_factory=BackoffPolicy)
    request_timeout_seconds: float = 30.0
    # Items fetched at once; the limits above, not this, bound the request rate.
    max_concurrent_items: int = 4


def plaid_host(environment: str | None, host: str | None) -> str:
    """The API base URL for `PLAID_HOST` (wins) or `PLAID_ENV` (sandbox / production)."""
    if host:
        return host.rstrip("/")
    if environment in PLAID_ENVIRONMENT_HOSTS:
        return PLAID_ENVIRONMENT_HOSTS[environment]
    raise ValueError(
        f"PLAID_ENV is {environment!r}; set it to sandbox or production, or set PLAID_HOST "
        "to the URL of a Plaid-compatible server."
    )


class PlaidClient:
    """A throttled, retrying `plaid-python` client shared by the threads of one load."""

    def __init__(
        self,
        settings: PlaidSettings,
        limiter: SlidingWindowLimiter | None = None,
        retry_clock: RetryClock | None = None,
    ) -> None:
        self.settings = settings
        configuration = plaid.Configuration(
            host=settings.host,
            api_key={"clientId": settings.client_id, "secret": settings.secret},
        )
        # Retries are ours (by Plaid error type); urllib3 must not retry POSTs on its own.
        configuration.retries = urllib3.Retry(total=0, raise_on_status=False)
        # One kept-alive connection per fetching thread: a smaller pool would make
        # urllib3 discard and reopen connections on every call.
        configuration.connection_pool_maxsize = max(
            configuration.connection_pool_maxsize, settings.max_concurrent_items
        )
        self._api = plaid_api.PlaidApi(plaid.ApiClient(configuration))
        self._limiter = limiter or SlidingWindowLimiter()
        self._retry_clock = retry_clock or RetryClock(sleep=time.sleep)
        self._counts_lock = threading.Lock()
        self.call_counts: Counter[str] = Counter()

    # -- the endpoints ------------------------------------------------------------------
    def item_get(self, item: PlaidItem) -> dict[str, Any]:
        return self._call("/item/get", item, lambda: ItemGetRequest(access_token=item.access_token))

    def accounts_get(self, item: PlaidItem) -> dict[str, Any]:
        return self._call(
            "/accounts/get", item, lambda: AccountsGetRequest(access_token=item.access_token)
        )

    def holdings_get(self, item: PlaidItem) -> dict[str, Any]:
        return self._call(
            "/investments/holdings/get",
            item,
            lambda: InvestmentsHoldingsGetRequest(access_token=item.access_token),
        )

    def investment_transactions_get(
        self, item: PlaidItem, start_date: dt.date, end_date: dt.date, offset: int, count: int
    ) -> dict[str, Any]:
        return self._call(
            "/investments/transactions/get",
            item,
            lambda: InvestmentsTransactionsGetRequest(
                access_token=item.access_token,
                start_date=start_date,
                end_date=end_date,
                options=InvestmentsTransactionsGetRequestOptions(count=count, offset=offset),
            ),
        )

    def liabilities_get(self, item: PlaidItem) -> dict[str, Any]:
        return self._call(
            "/liabilities/get", item, lambda: LiabilitiesGetRequest(access_token=item.access_token)
        )

    def transactions_sync(self, item: PlaidItem, cursor: str | None, count: int) -> dict[str, Any]:
        def request() -> TransactionsSyncRequest:
            if cursor is None:
                return TransactionsSyncRequest(access_token=item.access_token, count=count)
            return TransactionsSyncRequest(
                access_token=item.access_token, cursor=cursor, count=count
            )

        return self._call("/transactions/sync", item, request)

    def webhook_verification_key_get(self, key_id: str) -> dict[str, Any]:
        """The JWK that signs Plaid's webhooks (`key` of the response); not item-bound.

        Read through plaid-python's response model, so a malformed key is refused
        by the client; raises PlaidCallError on an API error.
        """
        endpoint = "/webhook_verification_key/get"
        self._count(f"calls {endpoint}")
        try:
            response = self._api.webhook_verification_key_get(
                WebhookVerificationKeyGetRequest(key_id=key_id),
                _request_timeout=self.settings.request_timeout_seconds,
            )
        except plaid.ApiException as error:
            raise PlaidCallError(
                endpoint, failure_from_response(error.status, error.body), 1
            ) from None
        except TRANSPORT_ERRORS as error:
            raise PlaidCallError(endpoint, transport_failure(error), 1) from None
        return response.to_dict()["key"]

    # -- the offline sandbox's clock (Plaid itself has none) -------------------------------
    def served_today(self) -> dt.date | None:
        """The offline sandbox's simulated today; None against Plaid (today is today)."""
        if not self.settings.is_offline_sandbox:
            return None
        return dt.date.fromisoformat(self._sandbox_post("/sandbox/clock/get", {})["date"])

    def set_served_today(self, day: dt.date) -> None:
        """Move the offline sandbox's clock to `day` (a snapshot partition of the past)."""
        self._sandbox_post("/sandbox/clock/set", {"date": day.isoformat()})

    def _sandbox_post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        payload = {"client_id": self.settings.client_id, "secret": self.settings.secret, **body}
        # The host is PLAID_HOST (an http(s) URL the operator set), never user input.
        request = urllib.request.Request(  # noqa: S310
            self.settings.host + path,
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(  # noqa: S310
                request, timeout=self.settings.request_timeout_seconds
            ) as answer:
                return json.loads(answer.read())
        except urllib.error.HTTPError as error:
            failure = failure_from_response(error.code, error.read())
            raise PlaidCallError(path, failure, attempts=1) from None

    # -- the loop ---------------------------------------------------------------------------
    def _call(self, endpoint: str, item: PlaidItem, build_request: Any) -> dict[str, Any]:
        limit = self.settings.limits.get(endpoint)
        method = getattr(self._api, endpoint.strip("/").replace("/", "_"))
        policy = self.settings.backoff
        for attempt in range(1, policy.max_attempts + 1):
            if limit is not None:
                waited = self._limiter.acquire(
                    {
                        f"client {endpoint}": limit.per_client_per_minute,
                        f"item {item.item_id} {endpoint}": limit.per_item_per_minute,
                    }
                )
                if waited:
                    self._count("throttle_waits")
            self._count(f"calls {endpoint}")
            failure = self._attempt(method, build_request)
            if isinstance(failure, dict):
                return failure
            self._count(f"failures {failure.error_type}")
            if failure.outcome is Outcome.BAD_CREDENTIALS:
                raise PlaidCredentialsError(
                    f"Plaid rejected the client on {endpoint}: {failure.describe()}; check "
                    "PLAID_CLIENT_ID, PLAID_SECRET and PLAID_ENV / PLAID_HOST."
                )
            if failure.outcome is not Outcome.RETRY or attempt == policy.max_attempts:
                raise PlaidCallError(endpoint, failure, attempt)
            self._count("retries")
            self._retry_clock.sleep(policy.delay_seconds(attempt, self._retry_clock.draw))
        raise AssertionError("unreachable: the loop returns or raises")

    def _attempt(self, method: Any, build_request: Any) -> dict[str, Any] | PlaidFailure:
        try:
            # The answer is parsed as JSON, not into plaid-python's response models:
            # their deserialization costs ~15 ms per transaction (measured: 5.8 s vs
            # 0.04 s for a page of 385), which would bound the nightly pull by our
            # CPU instead of Plaid's limits. Requests still use the client's models.
            response = method(
                build_request(),
                _request_timeout=self.settings.request_timeout_seconds,
                _preload_content=False,
            )
        except plaid.ApiException as error:
            return failure_from_response(error.status, error.body)
        except TRANSPORT_ERRORS as error:
            return transport_failure(error)
        try:
            return json.loads(response.data)
        except ValueError as error:
            return transport_failure(error)

    def _count(self, name: str) -> None:
        with self._counts_lock:
            self.call_counts[name] += 1
