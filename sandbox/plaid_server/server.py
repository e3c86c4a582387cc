"""The offline Plaid HTTP server: routing, credentials, faults and the simulated clock.

`PlaidSandboxServer(world_dir, port=0, faults="...")` is a context manager that
serves on 127.0.0.1 in a background thread (tests, the demo); `serve_forever` runs
it in the foreground (the CLI). Requests and answers follow Plaid: `POST /<endpoint>`
with a JSON body, credentials in the body (`client_id`, `secret`) or in the
`PLAID-CLIENT-ID`/`PLAID-SECRET` headers, errors in Plaid's envelope. Nothing is
logged per request: bodies carry access tokens.

Sandbox-only endpoints (like Plaid's own `/sandbox/...`):
  /sandbox/clock/get             -> {"date", "snapshot_start", "as_of"}
  /sandbox/clock/set {"date"}    -> set the simulated today (within the served window)
  /sandbox/faults/set {"faults"} -> replace the fault spec
  /sandbox/item/reset_login {"access_token"} -> the item needs a new login
  /sandbox/item/fire_webhook {"access_token", "webhook_type", "webhook_code"} -> sends it

Webhooks (sandbox/plaid_server/webhooks.py) are signed as Plaid signs them and sent
to `webhook_url` (none: none are sent); the public key is served by Plaid's
`/webhook_verification_key/get`. Moving the clock forward sends each live item the
webhooks Plaid would send for the new day.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sandbox.plaid_server import errors
from sandbox.plaid_server.faults import FaultSpec, FaultState
from sandbox.plaid_server.responses import PlaidResponses
from sandbox.plaid_server.webhooks import (
    WebhookSender,
    WebhookSigner,
    holdings_default_update,
    investments_transactions_default_update,
    item_error,
    sync_updates_available,
)
from sandbox.plaid_server.world_store import ItemRecord, WorldStore

MAX_BODY_BYTES = 1_000_000
ITEM_ENDPOINTS: dict[str, tuple[str, str | None]] = {
    # endpoint: (rate-limit error code, product that may be "not ready")
    "/accounts/get": ("ACCOUNTS_LIMIT", None),
    "/accounts/balance/get": ("ACCOUNTS_BALANCE_GET_LIMIT", None),
    "/item/get": ("RATE_LIMIT", None),
    "/investments/holdings/get": ("RATE_LIMIT", "investments"),
    "/investments/transactions/get": ("INVESTMENT_TRANSACTIONS_LIMIT", "investments"),
    "/liabilities/get": ("RATE_LIMIT", "liabilities"),
    "/transactions/sync": ("TRANSACTIONS_SYNC_LIMIT", "transactions"),
}
SANDBOX_ENDPOINTS = (
    "/sandbox/clock/get",
    "/sandbox/clock/set",
    "/sandbox/faults/set",
    "/sandbox/item/reset_login",
    "/sandbox/item/fire_webhook",
    "/webhook_verification_key/get",  # Plaid's own; not item-bound, so no faults
)
# (webhook_type, webhook_code) pairs /sandbox/item/fire_webhook can send.
FIREABLE_WEBHOOKS = {
    ("TRANSACTIONS", "SYNC_UPDATES_AVAILABLE"),
    ("HOLDINGS", "DEFAULT_UPDATE"),
    ("INVESTMENTS_TRANSACTIONS", "DEFAULT_UPDATE"),
    ("ITEM", "ERROR"),
}


class _DropConnection(Exception):
    """A timeout fault: hang, then close the connection without an answer."""


class PlaidApp:
    """Request handling independent of HTTP (so it can be tested directly)."""

    def __init__(
        self,
        world_dir: Path,
        faults: FaultSpec,
        today: dt.date | None,
        client_id: str | None,
        secret: str | None,
        sleep: Callable[[float], None] = time.sleep,
        webhook_url: str | None = None,
    ) -> None:
        self.store = WorldStore(world_dir)
        self.responses = PlaidResponses(self.store, today)
        self.faults = FaultState(faults)
        self.client_id = client_id
        self.secret = secret
        self.sleep = sleep
        self._request_numbers = itertools.count(1)
        self._clock_lock = threading.Lock()
        self.webhooks = WebhookSender(WebhookSigner(), webhook_url)

    def new_request_id(self) -> str:
        number = next(self._request_numbers)
        digest = hashlib.sha256(f"{self.faults.spec.seed}:{number}".encode()).hexdigest()
        return digest[:15]

    def handle(self, path: str, raw_body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
        """(HTTP status, JSON body) for one request; PlaidError becomes Plaid's envelope."""
        request_id = self.new_request_id()
        try:
            result = self._dispatch(path, raw_body, headers)
        except errors.PlaidError as error:
            return error.status, error.body(request_id)
        result["request_id"] = request_id
        return 200, result

    def _dispatch(self, path: str, raw_body: bytes, headers: dict[str, str]) -> dict:
        if path not in ITEM_ENDPOINTS and path not in SANDBOX_ENDPOINTS:
            raise errors.not_found(path)
        try:
            body = json.loads(raw_body or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise errors.invalid_body() from None
        if not isinstance(body, dict):
            raise errors.invalid_body()
        client_id = body.get("client_id") or headers.get("plaid-client-id")
        secret = body.get("secret") or headers.get("plaid-secret")
        missing = [
            name for name, value in (("client_id", client_id), ("secret", secret)) if not value
        ]
        if missing:
            raise errors.missing_fields(*missing)
        if not isinstance(client_id, str) or not isinstance(secret, str):
            raise errors.invalid_field("client_id and secret must be strings")
        if (self.client_id and client_id != self.client_id) or (
            self.secret and secret != self.secret
        ):
            raise errors.invalid_api_keys()
        if path in SANDBOX_ENDPOINTS:
            return self._sandbox(path, body)

        spec = self.faults.spec
        limit_code, product = ITEM_ENDPOINTS[path]
        if self.faults.over_limit(f"client:{client_id}", spec.rate_limit_client_per_minute):
            raise errors.rate_limit("RATE_LIMIT")
        item = self._item(body)
        if self.faults.over_limit(f"item:{item.item_id}", spec.rate_limit_item_per_minute):
            raise errors.rate_limit(limit_code)
        if self.faults.draw(spec.timeout_rate):
            self.sleep(spec.timeout_ms / 1000)
            raise _DropConnection
        if self.faults.draw(spec.slow_rate):
            self.sleep(spec.slow_ms / 1000)
        if self.faults.draw(spec.error_500_rate):
            raise errors.internal_server_error()
        if self.faults.draw(spec.rate_limit_rate):
            raise errors.rate_limit(limit_code)
        if item.institution_id in spec.institution_down or self.faults.draw(
            spec.institution_down_rate
        ):
            raise errors.institution_down()
        if self.faults.needs_login(item.item_id):
            if path == "/item/get":
                # Plaid's /item/get succeeds and reports the item's error in item.error.
                return {
                    "item": self.responses.item_json(item, errors.item_login_required()),
                    "status": None,
                }
            raise errors.item_login_required()
        if product and product in item.products and self.faults.product_not_ready(item.item_id):
            raise errors.product_not_ready()
        with self._clock_lock:  # one consistent "today" per request
            return self._endpoint(path, item, body)

    def _item(self, body: dict) -> ItemRecord:
        access_token = body.get("access_token")
        if access_token is None:
            raise errors.missing_fields("access_token")
        if not isinstance(access_token, str):
            raise errors.invalid_field("access_token must be a string")
        item = self.store.item_for_token(access_token)
        if item is None or item.is_deleted:
            raise errors.invalid_access_token()
        return item

    def _endpoint(self, path: str, item: ItemRecord, body: dict) -> dict:
        responses = self.responses
        if path in {"/accounts/get", "/accounts/balance/get"}:
            return self._with_nul_texts(responses.accounts_get(item, body))
        if path == "/item/get":
            return responses.item_get(item, body)
        if path == "/investments/holdings/get":
            return responses.holdings_get(item, body)
        if path == "/investments/transactions/get":
            return responses.investment_transactions_get(item, body)
        if path == "/liabilities/get":
            return responses.liabilities_get(item, body)
        # Keyed by item and cursor: which page of which sync fails does not
        # depend on the order the client's threads happen to ask in.
        mutation = self.faults.draw_for(
            self.faults.spec.sync_mutation_rate,
            "sync_mutation",
            f"{item.item_id}:{body.get('cursor')}",
        )
        return self._with_nul_texts(responses.transactions_sync(item, body, mutation=mutation))

    def _with_nul_texts(self, answer: dict) -> dict:
        """The `nul_text_rate` fault: a NUL inside chosen names, as some institutions send."""
        if self.faults.spec.nul_text_rate <= 0:
            return answer
        for transaction in [*answer.get("added", []), *answer.get("modified", [])]:
            if transaction.get("name") and self.faults.has_nul_text(transaction["transaction_id"]):
                name = transaction["name"]
                transaction["name"] = f"{name[:3]}\x00{name[3:]}"
        for account in answer.get("accounts") or []:
            if self.faults.has_nul_text(account["account_id"]):
                account["official_name"] = f"{account.get('official_name') or 'Account'}\x00"
        return answer

    def set_today(self, day: dt.date) -> None:
        """Move the simulated clock; moving forward sends the new day's webhooks."""
        with self._clock_lock:
            self.responses.check_today(day)
            previous = self.responses.today
            self.responses.today = day
            if day > previous and self.webhooks.url:
                for token, _, _ in self.store.access_tokens():
                    item = self.store.item_for_token(token)
                    if item is not None:
                        self._send_day_webhooks(item, previous)

    def _send_day_webhooks(self, item: ItemRecord, previous: dt.date) -> None:
        """What Plaid sends an item when a new day's data is ready (or its login broke)."""
        if self.faults.needs_login(item.item_id):
            self.webhooks.send(item_error(item.item_id, self._login_error()))
            return
        if "transactions" in item.products:
            self.webhooks.send(sync_updates_available(item.item_id))
        if "investments" in item.products:
            holdings = self.responses.holdings_get(item, {})["holdings"]
            self.webhooks.send(holdings_default_update(item.item_id, 0, len(holdings)))
            start = (previous + dt.timedelta(days=1)).isoformat()
            new = self.responses.investment_transactions_get(
                item, {"start_date": start, "end_date": self.responses.today.isoformat()}
            )["total_investment_transactions"]
            self.webhooks.send(investments_transactions_default_update(item.item_id, new))

    def _login_error(self) -> dict:
        return errors.item_login_required().body(self.new_request_id())

    def _fire_webhook(self, body: dict) -> dict:
        """Plaid's /sandbox/item/fire_webhook for the webhooks this sandbox knows."""
        item = self._item(body)
        code = body.get("webhook_code")
        if not isinstance(code, str):
            raise errors.missing_fields("webhook_code")
        default_type = {"SYNC_UPDATES_AVAILABLE": "TRANSACTIONS", "ERROR": "ITEM"}.get(
            code, "HOLDINGS"
        )
        webhook_type = body.get("webhook_type") or default_type
        if (webhook_type, code) not in FIREABLE_WEBHOOKS:
            known = ", ".join(f"{t}/{c}" for t, c in sorted(FIREABLE_WEBHOOKS))
            raise errors.invalid_field(
                f"cannot fire {webhook_type}/{code}; this sandbox fires {known}"
            )
        if not self.webhooks.url:
            raise errors.invalid_field(
                "no webhook URL: start the sandbox with --webhook-url (or webhook_url=)"
            )
        if webhook_type == "ITEM":
            # The error the webhook reports is real from now on, as after reset_login.
            self.faults.reset_login(item.item_id)
            self.webhooks.send(item_error(item.item_id, self._login_error()))
        elif webhook_type == "TRANSACTIONS":
            self.webhooks.send(sync_updates_available(item.item_id))
        elif webhook_type == "HOLDINGS":
            with self._clock_lock:
                holdings = self.responses.holdings_get(item, {})["holdings"]
            self.webhooks.send(holdings_default_update(item.item_id, 0, len(holdings)))
        else:
            self.webhooks.send(investments_transactions_default_update(item.item_id, 0))
        return {"webhook_fired": True}

    def _sandbox(self, path: str, body: dict) -> dict:
        if path == "/sandbox/item/reset_login":
            self.faults.reset_login(self._item(body).item_id)
            return {"reset_login": True}
        if path == "/webhook_verification_key/get":
            key_id = body.get("key_id")
            if not isinstance(key_id, str):
                raise errors.missing_fields("key_id")
            if key_id != self.webhooks.signer.key_id:
                raise errors.invalid_field(f"no webhook verification key with key_id {key_id}")
            return {"key": self.webhooks.signer.jwk()}
        if path == "/sandbox/item/fire_webhook":
            return self._fire_webhook(body)
        if path == "/sandbox/faults/set":
            spec = body.get("faults", "")
            if not isinstance(spec, str):
                raise errors.invalid_field("faults must be a string")
            try:
                self.faults.replace(FaultSpec.parse(spec))
            except ValueError as error:
                raise errors.invalid_field(str(error)) from None
            return {"faults": self.faults.spec.describe()}
        if path == "/sandbox/clock/set":
            text = body.get("date")
            if not isinstance(text, str):
                raise errors.missing_fields("date")
            try:
                day = dt.date.fromisoformat(text)
            except ValueError:
                raise errors.invalid_field("date must be in YYYY-MM-DD format") from None
            self.set_today(day)
        return {
            "date": self.responses.today.isoformat(),
            "snapshot_start": self.store.snapshot_start.isoformat(),
            "as_of": self.store.as_of.isoformat(),
        }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: plaid-python reuses connections
    # One buffered write per response and TCP_NODELAY: otherwise headers and body go out
    # in two segments and delayed ACKs cap a keep-alive connection near 25 requests/s.
    wbufsize = -1
    disable_nagle_algorithm = True
    server_version = "PlaidSandbox/1"
    app: PlaidApp  # set on the subclass made per server

    def do_POST(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY_BYTES:
            self._send(400, errors.invalid_body().body(self.app.new_request_id()))
            self.close_connection = True
            return
        raw_body = self.rfile.read(length)
        headers = {key.lower(): value for key, value in self.headers.items()}
        try:
            status, body = self.app.handle(self.path.split("?")[0], raw_body, headers)
        except _DropConnection:
            self.close_connection = True
            return
        except Exception:  # never a stack trace on the wire: Plaid's generic API error
            status, body = 500, errors.internal_server_error().body(self.app.new_request_id())
        self._send(status, body)

    def do_GET(self) -> None:
        if self.path == "/health":
            self._send(200, {"status": "ok", "request_id": self.app.new_request_id()})
            return
        self._send(404, errors.not_found(self.path).body(self.app.new_request_id()))

    # Plaid's API is POST only: other methods get the same JSON 404, not an HTML page.
    do_PUT = do_DELETE = do_PATCH = do_GET

    def _send(self, status: int, body: dict) -> None:
        payload = json.dumps(body, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        # Silence per-request logs: request lines are harmless, but bodies never get here
        # and a quiet server keeps test output readable.
        return


class _QuietHTTPServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        # A client that went away (killed, timed out) is not a server error worth a trace.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class PlaidSandboxServer:
    """Serve a world's Plaid API on 127.0.0.1 in a background thread.

    with PlaidSandboxServer(world_dir, port=0, faults="error_500_rate=0.2") as server:
        plaid.Configuration(host=server.url, ...)
        server.set_today(date(2025, 6, 20))
    """

    def __init__(
        self,
        world_dir: Path,
        *,
        port: int = 0,
        faults: str | FaultSpec = "",
        today: dt.date | None = None,
        client_id: str | None = None,
        secret: str | None = None,
        webhook_url: str | None = None,
    ) -> None:
        spec = faults if isinstance(faults, FaultSpec) else FaultSpec.parse(faults)
        self.app = PlaidApp(
            Path(world_dir), spec, today, client_id, secret, webhook_url=webhook_url
        )
        handler = type("PlaidHandler", (_Handler,), {"app": self.app})
        self._http = _QuietHTTPServer(("127.0.0.1", port), handler)
        self._http.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._http.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def today(self) -> dt.date:
        return self.app.responses.today

    def set_today(self, day: dt.date) -> None:
        """Move the simulated clock (same as POST /sandbox/clock/set)."""
        self.app.set_today(day)

    @property
    def webhooks(self) -> WebhookSender:
        """The signer (`.signer`), the webhook URL (`.url`, settable) and `.deliveries`."""
        return self.app.webhooks

    def set_faults(self, faults: str | FaultSpec) -> None:
        self.app.faults.replace(
            faults if isinstance(faults, FaultSpec) else FaultSpec.parse(faults)
        )

    def start(self) -> PlaidSandboxServer:
        self._thread = threading.Thread(
            target=self._http.serve_forever, name="plaid-sandbox", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> PlaidSandboxServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def serve_forever(
    world_dir: Path,
    *,
    port: int,
    faults: str,
    today: dt.date | None = None,
    webhook_url: str | None = None,
) -> int:
    """Run the server in the foreground until Ctrl-C; returns the CLI exit code."""
    try:
        spec = FaultSpec.parse(faults)
    except ValueError as error:
        print(f"sandbox plaid: error: {error}", file=sys.stderr)
        return 2
    try:
        server = PlaidSandboxServer(
            world_dir, port=port, faults=spec, today=today, webhook_url=webhook_url
        )
    except FileNotFoundError as error:
        print(f"sandbox plaid: error: {error}", file=sys.stderr)
        return 1
    except errors.PlaidError as error:
        print(f"sandbox plaid: error: --date: {error.error_message}", file=sys.stderr)
        return 2
    except OSError as error:
        print(
            f"sandbox plaid: cannot listen on 127.0.0.1:{port}: {error.strerror}; "
            "choose another --port",
            file=sys.stderr,
        )
        return 1
    print(
        f"sandbox plaid: serving {world_dir} on {server.url} (today {server.today}, "
        f"faults {spec.describe()}, webhooks to {webhook_url or 'nowhere'}); Ctrl-C stops",
        flush=True,
    )
    try:
        server._http.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server._http.server_close()
    return 0
