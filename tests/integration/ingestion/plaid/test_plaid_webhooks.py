"""Signed webhooks end to end: the sandbox signs and sends, the real receiver (uvicorn)
verifies and stores, the Dagster sensor syncs exactly the items they name.

The receiver is `orchestration.webhook_receiver.app_from_environment()`: the same
wiring `wdp demo` starts (key fetched with plaid-python from the sandbox, rows
written as wdp_loader).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import plaid
import pytest
import uvicorn
from plaid.api import plaid_api
from plaid.model.sandbox_item_fire_webhook_request import SandboxItemFireWebhookRequest
from psycopg2.extensions import connection as Connection

from ingestion.plaid.items import PlaidItem
from orchestration.webhook_receiver import app_from_environment, webhook_url
from privacy import Keyring
from sandbox import PlaidSandboxServer
from sandbox.plaid_server.webhooks import VERIFICATION_HEADER, WebhookSigner
from tests.integration.ingestion.plaid.conftest import AS_OF
from tests.integration.ingestion.plaid.test_plaid_snapshots import query

CLIENT_ID = "wdp-test"
SECRET = "wdp-test-secret"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def plaid_server(world: Path) -> Iterator[PlaidSandboxServer]:
    with PlaidSandboxServer(world, port=0, client_id=CLIENT_ID, secret=SECRET) as running:
        yield running


@pytest.fixture
def receiver(
    plaid_server: PlaidSandboxServer,
    loader: Connection,
    keyring: Keyring,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[str]:
    """The real receiver under uvicorn in a thread; the sandbox sends its webhooks to it."""
    port = _free_port()
    monkeypatch.setenv("PLAID_HOST", plaid_server.url)
    monkeypatch.setenv("PLAID_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("PLAID_SECRET", SECRET)
    monkeypatch.setenv("WDP_KEYRING", keyring.to_json())
    monkeypatch.setenv("WDP_WEBHOOK_PORT", str(port))
    server = uvicorn.Server(
        uvicorn.Config(app_from_environment(), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the receiver did not start"
        time.sleep(0.05)
    url = webhook_url()
    plaid_server.webhooks.url = url
    yield url
    server.should_exit = True
    thread.join(timeout=10)


def _plaid_api(server: PlaidSandboxServer) -> plaid_api.PlaidApi:
    configuration = plaid.Configuration(
        host=server.url, api_key={"clientId": CLIENT_ID, "secret": SECRET}
    )
    return plaid_api.PlaidApi(plaid.ApiClient(configuration))


def _fire(server: PlaidSandboxServer, item: PlaidItem, code: str, webhook_type: str) -> None:
    from plaid.model.webhook_type import WebhookType

    response = _plaid_api(server).sandbox_item_fire_webhook(
        SandboxItemFireWebhookRequest(
            access_token=item.access_token,
            webhook_code=code,
            webhook_type=WebhookType(webhook_type),
        )
    )
    assert response.webhook_fired is True


def _events(loader: Connection) -> list[tuple]:
    return query(
        loader,
        "select item_id, webhook_type, webhook_code, error_code, payload, processed_at "
        "from raw_plaid.webhook_events order by webhook_event_id",
    )


def _post(url: str, body: bytes, signed_jwt: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if signed_jwt is not None:
        headers[VERIFICATION_HEADER] = signed_jwt
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def _item_with(items: list[PlaidItem], product: str, but_not: PlaidItem | None = None) -> PlaidItem:
    return next(item for item in items if product in item.products and item is not but_not)


def test_signed_webhooks_from_the_sandbox_are_stored_once(
    plaid_server: PlaidSandboxServer, receiver: str, loader: Connection, items: list[PlaidItem]
) -> None:
    banked = _item_with(items, "transactions")
    invested = _item_with(items, "investments")
    _fire(plaid_server, banked, "SYNC_UPDATES_AVAILABLE", "TRANSACTIONS")
    _fire(plaid_server, invested, "DEFAULT_UPDATE", "HOLDINGS")
    _fire(plaid_server, banked, "ERROR", "ITEM")
    plaid_server.webhooks.wait()
    # Plaid re-delivers a webhook it got no 200 for: the same body is stored once.
    _fire(plaid_server, banked, "SYNC_UPDATES_AVAILABLE", "TRANSACTIONS")
    plaid_server.webhooks.wait()

    assert [d.status for d in plaid_server.webhooks.deliveries] == [200, 200, 200, 200]
    events = _events(loader)
    # Delivery is asynchronous (as Plaid's): the order of arrival is not the order fired.
    assert sorted((e[0], e[1], e[2], e[3] or "") for e in events) == sorted(
        [
            (banked.item_id, "TRANSACTIONS", "SYNC_UPDATES_AVAILABLE", ""),
            (invested.item_id, "HOLDINGS", "DEFAULT_UPDATE", ""),
            (banked.item_id, "ITEM", "ERROR", "ITEM_LOGIN_REQUIRED"),
        ]
    )
    assert all(event[5] is None for event in events), "nothing is processed before a sync"
    stored = json.dumps([event[4] for event in events])
    assert "token" not in stored and banked.access_token not in stored
    holdings_event = next(e for e in events if e[1] == "HOLDINGS")
    assert holdings_event[4]["updated_holdings"] > 0


def test_moving_the_clock_sends_each_live_item_its_updates(
    plaid_server: PlaidSandboxServer, receiver: str, loader: Connection, items: list[PlaidItem]
) -> None:
    plaid_server.set_today(AS_OF - dt.timedelta(days=1))  # backwards: nothing is sent
    plaid_server.webhooks.wait()
    assert plaid_server.webhooks.deliveries == []
    plaid_server.set_today(AS_OF)
    plaid_server.webhooks.wait()

    expected = sorted(
        [(item.item_id, "TRANSACTIONS") for item in items if "transactions" in item.products]
        + [(item.item_id, "HOLDINGS") for item in items if "investments" in item.products]
        + [
            (item.item_id, "INVESTMENTS_TRANSACTIONS")
            for item in items
            if "investments" in item.products
        ]
    )
    assert sorted((e[0], e[1]) for e in _events(loader)) == expected


def test_forged_stale_and_mismatched_webhooks_are_refused(
    plaid_server: PlaidSandboxServer,
    receiver: str,
    loader: Connection,
    items: list[PlaidItem],
    caplog: pytest.LogCaptureFixture,
) -> None:
    body = json.dumps(
        {
            "webhook_type": "TRANSACTIONS",
            "webhook_code": "SYNC_UPDATES_AVAILABLE",
            "item_id": items[0].item_id,
        }
    ).encode()
    signer = plaid_server.webhooks.signer
    impostor = WebhookSigner()
    impostor.key_id = signer.key_id  # the real key's id, another private key
    stranger = WebhookSigner()  # a key id the sandbox never issued
    attempts = {
        "no header": None,
        "not a JWT": "not-a-jwt",
        "forged signature": impostor.sign(body),
        "unknown key": stranger.sign(body),
        "wrong body hash": signer.sign(body, body_sha256=hashlib.sha256(b"other").hexdigest()),
        "stale iat": signer.sign(body, issued_at=int(time.time()) - 6 * 60),
    }
    with caplog.at_level(logging.INFO, logger="wdp.plaid_webhooks"):
        statuses = {name: _post(receiver, body, jwt) for name, jwt in attempts.items()}
        tampered = _post(receiver, body.replace(b"SYNC", b"XSYNC"), signer.sign(body))
    assert statuses == dict.fromkeys(attempts, 401)
    assert tampered == 401
    assert _events(loader) == []
    rejections = [r.getMessage() for r in caplog.records if "rejected" in r.getMessage()]
    assert len(rejections) == len(attempts) + 1
    assert any("signature invalid" in line for line in rejections)
    assert any("does not match" in line for line in rejections)
    assert any("stale or replayed" in line for line in rejections)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for jwt_text in attempts.values():
        assert jwt_text is None or len(jwt_text) < 20 or jwt_text not in logged
    # The genuine signature of the same body is accepted.
    assert _post(receiver, body, signer.sign(body)) == 200
    assert len(_events(loader)) == 1


def test_sensor_syncs_exactly_the_items_webhooks_name(
    plaid_server: PlaidSandboxServer,
    receiver: str,
    loader: Connection,
    items: list[PlaidItem],
    caplog: pytest.LogCaptureFixture,
) -> None:
    from orchestration.defs.dbt.project import prepare_dbt_manifest
    from orchestration.defs.plaid.webhooks import (
        EVENT_IDS_TAG,
        ITEM_IDS_TAG,
        plaid_webhook_sensor,
    )
    from orchestration.resources import WarehouseResource

    banked = _item_with(items, "transactions")
    invested = _item_with(items, "investments", but_not=banked)
    broken = next(item for item in items if item not in (banked, invested))
    _fire(plaid_server, banked, "SYNC_UPDATES_AVAILABLE", "TRANSACTIONS")
    _fire(plaid_server, invested, "DEFAULT_UPDATE", "HOLDINGS")
    _fire(plaid_server, broken, "ERROR", "ITEM")
    plaid_server.webhooks.wait()
    event_ids = [
        row[0] for row in query(loader, "select webhook_event_id from raw_plaid.webhook_events")
    ]
    assert len(event_ids) == 3

    prepare_dbt_manifest()
    from orchestration.definitions import defs

    with dg.instance_for_test() as instance:

        def tick() -> dg.SensorResult | dg.RunRequest | dg.SkipReason:
            context = dg.build_sensor_context(
                instance=instance,
                definitions=defs,
                resources={"warehouse": WarehouseResource()},
            )
            return plaid_webhook_sensor(context)

        request = tick()
        assert isinstance(request, dg.RunRequest)
        assert request.tags[ITEM_IDS_TAG] == ",".join(
            sorted([banked.item_id, invested.item_id, broken.item_id])
        )
        assert sorted(int(i) for i in request.tags[EVENT_IDS_TAG].split(",")) == sorted(event_ids)
        assert {key.to_user_string() for key in request.asset_selection} == {
            "raw_plaid/transactions",
            "raw_plaid/securities",
            "raw_plaid/holdings_daily",
            "raw_plaid/holding_tax_lots_daily",
            "raw_plaid/items",
        }
        # No run has succeeded yet: a second tick asks again, nothing is marked processed.
        assert isinstance(tick(), dg.RunRequest)
        assert all(event[5] is None for event in _events(loader))

        with caplog.at_level(logging.ERROR, logger="wdp.alerts"):
            result = defs.resolve_job_def("plaid_webhook_sync").execute_in_process(
                instance=instance,
                asset_selection=request.asset_selection,
                tags=request.tags,
                raise_on_error=False,
            )
        assert result.success

        synced = {
            table: {
                row[0] for row in query(loader, f"select distinct item_id from raw_plaid.{table}")
            }
            for table in ("transactions", "holdings_daily", "balances_daily")
        }
        # Only the named item per product: the other items of the world are untouched.
        assert synced["transactions"] == {banked.item_id}
        assert synced["holdings_daily"] == {invested.item_id}
        assert synced["balances_daily"] == set()
        cursors = query(loader, "select item_id from raw_plaid.transactions_sync_cursors")
        assert cursors == [(banked.item_id,)]
        # The ITEM ERROR webhook's item: health checked, flagged, alerted (a count only).
        health = query(
            loader, "select item_id, health_state, error_code, request_id from raw_plaid.items"
        )
        relink = [row for row in health if row[1] == "needs_relink"]
        assert [(row[0], row[2]) for row in relink] == [(broken.item_id, "ITEM_LOGIN_REQUIRED")]
        assert relink[0][3], "Plaid's request id is kept"
        alerts = [r.getMessage() for r in caplog.records if r.name == "wdp.alerts"]
        assert any("plaid_items_need_relink: 1 Plaid items" in line for line in alerts), alerts
        assert not any(broken.item_id in line for line in alerts)

        after = tick()
        assert isinstance(after, dg.SkipReason)
        assert all(event[5] is not None for event in _events(loader))
