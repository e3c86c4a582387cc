"""The Plaid webhook receiver: a small Starlette (ASGI) app served by uvicorn.

`POST /plaid/webhook` verifies the `Plaid-Verification` JWT and stores the
webhook in `raw_plaid.webhook_events` (all logic in `ingestion.plaid.webhooks`);
the `plaid_webhook_sensor` then syncs the items it names. Answers: 200 stored
(or already stored: a re-delivery), 401 refused (bad or missing signature, stale
`iat`, body hash mismatch), 400 a verified body that is not a webhook, 503 the
verification key could not be fetched (Plaid re-delivers later). Every refusal
is one log line with its reason; no body, token or signature is ever logged.

It lives in `orchestration/`, not `ingestion/`, because it is a running service
wired to this deployment's settings (the warehouse, `PLAID_*`), like the `wdp`
command line; `ingestion/` stays a library without servers.

    python -m orchestration.webhook_receiver     # `wdp demo` starts it
Settings: `WDP_WEBHOOK_PORT` (default 8800, on 127.0.0.1), `PLAID_HOST` or
`PLAID_ENV` with `PLAID_CLIENT_ID`/`PLAID_SECRET` (the key is fetched from the
Plaid that signed), the warehouse of `WDP_HOME` / `WDP_DATABASE_URL`.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
from collections.abc import Callable

import psycopg2
from psycopg2.extensions import connection as Connection
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ingestion.plaid.webhooks import (
    VERIFICATION_HEADER,
    WebhookRejected,
    WebhookVerifier,
    parse_webhook_body,
    store_webhook_event,
)

logger = logging.getLogger("wdp.plaid_webhooks")

WEBHOOK_PATH = "/plaid/webhook"
DEFAULT_WEBHOOK_PORT = 8800
MAX_BODY_BYTES = 1_000_000


class KeyUnavailable(WebhookRejected):
    """The verification key could not be fetched: not the sender's fault, answer 503."""


def webhook_port() -> int:
    return int(os.environ.get("WDP_WEBHOOK_PORT") or DEFAULT_WEBHOOK_PORT)


def webhook_url(port: int | None = None) -> str:
    """Where a local Plaid (the offline sandbox) sends webhooks."""
    return f"http://127.0.0.1:{port or webhook_port()}{WEBHOOK_PATH}"


def create_app(verifier: WebhookVerifier, connect: Callable[[], Connection]) -> Starlette:
    """The receiver over a verifier and a warehouse connection factory (as wdp_loader)."""

    def verify_and_store(body: bytes, signed_jwt: str | None) -> tuple[int, dict]:
        try:
            verifier.verify(body, signed_jwt)
        except KeyUnavailable as error:
            logger.warning("plaid webhook not verified, key unavailable: %s", error)
            return 503, {"error": "verification key unavailable; retry later"}
        except WebhookRejected as error:
            logger.warning("plaid webhook rejected: %s", error)
            return 401, {"error": "webhook verification failed"}
        try:
            parse_webhook_body(body)
        except WebhookRejected as error:
            logger.warning("plaid webhook rejected after verification: %s", error)
            return 400, {"error": str(error)}
        connection = connect()
        try:
            event_id = store_webhook_event(connection, body, dt.datetime.now(dt.UTC))
        finally:
            connection.close()
        if event_id is None:
            logger.info("plaid webhook already stored (re-delivery)")
        else:
            logger.info("plaid webhook stored as event %d", event_id)
        return 200, {"stored": event_id is not None}

    async def receive(request: Request) -> JSONResponse:
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            logger.warning("plaid webhook rejected: body of %d bytes is too large", len(body))
            return JSONResponse({"error": "body too large"}, status_code=413)
        status, answer = await run_in_threadpool(
            verify_and_store, body, request.headers.get(VERIFICATION_HEADER)
        )
        return JSONResponse(answer, status_code=status)

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[
            Route(WEBHOOK_PATH, receive, methods=["POST"]),
            Route("/health", health, methods=["GET"]),
        ]
    )


def app_from_environment() -> Starlette:
    """The receiver for this deployment's settings (read now, at start)."""
    from ingestion.plaid.api import PlaidClient, PlaidSettings, plaid_host
    from ingestion.plaid.errors import Outcome, PlaidCallError
    from warehouse_ddl import Warehouse

    environment = os.environ.get("PLAID_ENV") or None
    host = os.environ.get("PLAID_HOST") or None
    client_id = os.environ.get("PLAID_CLIENT_ID")
    secret = os.environ.get("PLAID_SECRET")
    if not (environment or host) or not client_id or not secret:
        raise SystemExit(
            "webhook receiver: set PLAID_HOST (or PLAID_ENV), PLAID_CLIENT_ID and PLAID_SECRET: "
            "the verification key is fetched from the Plaid that signs the webhooks."
        )
    client = PlaidClient(
        PlaidSettings(host=plaid_host(environment, host), client_id=client_id, secret=secret)
    )

    def fetch_key(key_id: str) -> dict:
        try:
            return client.webhook_verification_key_get(key_id)
        except PlaidCallError as error:
            if error.failure.outcome is Outcome.RETRY:  # Plaid down, rate limit, timeout
                raise KeyUnavailable(str(error)) from None
            raise  # Plaid knows no such key: a forged kid is refused (401)

    loader_url = Warehouse.from_env().role_url("wdp_loader")
    return create_app(
        WebhookVerifier(fetch_key),
        lambda: psycopg2.connect(loader_url, application_name="wdp-plaid-webhooks"),
    )


def main() -> None:
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = app_from_environment()
    port = webhook_port()
    print(f"webhook receiver: listening on {webhook_url(port)}", flush=True)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    sys.exit(main())
