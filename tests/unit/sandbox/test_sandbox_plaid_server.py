"""The offline Plaid server, driven by the real plaid-python client."""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import plaid
import pytest
from plaid.api import plaid_api
from plaid.model.accounts_balance_get_request import AccountsBalanceGetRequest
from plaid.model.accounts_get_request import AccountsGetRequest
from plaid.model.investments_holdings_get_request import InvestmentsHoldingsGetRequest
from plaid.model.investments_transactions_get_request import InvestmentsTransactionsGetRequest
from plaid.model.investments_transactions_get_request_options import (
    InvestmentsTransactionsGetRequestOptions,
)
from plaid.model.item_get_request import ItemGetRequest
from plaid.model.liabilities_get_request import LiabilitiesGetRequest
from plaid.model.transactions_sync_request import TransactionsSyncRequest

from sandbox import PlaidSandboxServer, WorldSummary, build_world
from sandbox.plaid_server.responses import PlaidResponses
from sandbox.plaid_server.world_store import ItemRecord, WorldStore

AS_OF = dt.date(2025, 6, 30)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> WorldSummary:
    out = tmp_path_factory.mktemp("plaid-world")
    return build_world(out, clients=30, seed=5, as_of=AS_OF, app_database_url=None)


@pytest.fixture
def server(world: WorldSummary) -> Iterator[PlaidSandboxServer]:
    with PlaidSandboxServer(world.out_dir, port=0) as running:
        yield running


def _api(server: PlaidSandboxServer) -> plaid_api.PlaidApi:
    configuration = plaid.Configuration(
        host=server.url, api_key={"clientId": "test-client", "secret": "test-secret"}
    )
    return plaid_api.PlaidApi(plaid.ApiClient(configuration))


def _items(server: PlaidSandboxServer, product: str) -> list[str]:
    tokens = []
    for token, _, _ in server.app.store.access_tokens():
        item = server.app.store.item_for_token(token)
        if item and product in item.products:
            tokens.append(token)
    return tokens


def _error_body(error: plaid.ApiException) -> dict:
    return json.loads(error.body)


def test_every_endpoint_deserializes_in_plaid_python(server: PlaidSandboxServer) -> None:
    api = _api(server)
    seen = dict.fromkeys(("accounts", "balance", "item", "holdings", "inv_tx", "liab", "sync"), 0)
    # plaid-python validates every field on the way in and is slow: a dozen clients'
    # items cover every endpoint and account kind.
    tokens = server.app.store.access_tokens()
    clients = sorted({client for _, _, client in tokens})[:12]
    for token, item_id, _ in [t for t in tokens if t[2] in clients]:
        item = api.item_get(ItemGetRequest(access_token=token)).item
        assert item.item_id == item_id
        seen["item"] += 1
        accounts = api.accounts_get(AccountsGetRequest(access_token=token)).accounts
        seen["accounts"] += len(accounts)
        api.accounts_balance_get(AccountsBalanceGetRequest(access_token=token))
        seen["balance"] += 1
        products = {str(p) for p in item.products}
        if "investments" in products:
            holdings = api.investments_holdings_get(
                InvestmentsHoldingsGetRequest(access_token=token)
            )
            assert all(
                security.figi or security.type in {"cash", "cryptocurrency"}
                for security in holdings.securities
            )
            seen["holdings"] += len(holdings.holdings)
            request = InvestmentsTransactionsGetRequest(
                access_token=token,
                start_date=AS_OF - dt.timedelta(days=729),
                end_date=AS_OF,
                options=InvestmentsTransactionsGetRequestOptions(count=100),
            )
            seen["inv_tx"] += len(api.investments_transactions_get(request).investment_transactions)
        if "liabilities" in products:
            liabilities = api.liabilities_get(LiabilitiesGetRequest(access_token=token)).liabilities
            seen["liab"] += len(liabilities.credit or []) + len(liabilities.mortgage or [])
            seen["liab"] += len(liabilities.student or [])
        if "transactions" in products:
            page = api.transactions_sync(TransactionsSyncRequest(access_token=token, count=100))
            seen["sync"] += len(page.added)
    assert all(count > 0 for count in seen.values()), seen


def test_holdings_carry_tax_lots(server: PlaidSandboxServer) -> None:
    api = _api(server)
    token = _items(server, "investments")[0]
    holdings = api.investments_holdings_get(InvestmentsHoldingsGetRequest(access_token=token))
    lots = [lot for holding in holdings.holdings for lot in holding.tax_lots]
    assert lots
    assert all(lot.cost_basis is not None and lot.quantity > 0 for lot in lots)


def test_investment_transactions_paginate_by_offset(server: PlaidSandboxServer) -> None:
    api = _api(server)
    token = max(
        _items(server, "investments"),
        key=lambda t: server.app.store.item_for_token(t).investment_block[1],
    )  # type: ignore[union-attr]
    collected: list[str] = []
    total = None
    while total is None or len(collected) < total:
        request = InvestmentsTransactionsGetRequest(
            access_token=token,
            start_date=AS_OF - dt.timedelta(days=729),
            end_date=AS_OF,
            options=InvestmentsTransactionsGetRequestOptions(count=25, offset=len(collected)),
        )
        page = api.investments_transactions_get(request)
        total = page.total_investment_transactions
        assert page.investment_transactions, "pages end exactly at the total"
        collected += [t.investment_transaction_id for t in page.investment_transactions]
    assert total > 25
    assert len(collected) == len(set(collected)) == total


def _sync_all(
    api: plaid_api.PlaidApi, token: str, cursor: str | None, count: int = 50
) -> tuple[dict, str]:
    changes: dict[str, list] = {"added": [], "modified": [], "removed": []}
    while True:
        request = TransactionsSyncRequest(access_token=token, count=count)
        if cursor:
            request = TransactionsSyncRequest(access_token=token, cursor=cursor, count=count)
        page = api.transactions_sync(request)
        changes["added"] += page.added
        changes["modified"] += page.modified
        changes["removed"] += page.removed
        cursor = page.next_cursor
        if not page.has_more:
            return changes, cursor


def _direct_sync_all(responses: PlaidResponses, item: ItemRecord, cursor: str | None) -> tuple:
    changes: dict[str, list] = {"added": [], "modified": [], "removed": []}
    while True:
        body: dict[str, object] = {"count": 100}
        if cursor:
            body["cursor"] = cursor
        page = responses.transactions_sync(item, body, mutation=False)
        for kind in changes:
            changes[kind] += page[kind]
        cursor = str(page["next_cursor"])
        if not page["has_more"]:
            return changes, cursor


def test_daily_syncs_add_up_to_a_fresh_full_sync(world: WorldSummary) -> None:
    # Direct calls (no HTTP): every item, every served day; the HTTP path is below.
    store = WorldStore(world.out_dir)
    responses = PlaidResponses(store)
    counts = {"added": 0, "modified": 0, "removed": 0}
    for token, _, _ in store.access_tokens():
        item = store.item_for_token(token)
        assert item is not None
        if "transactions" not in item.products:
            continue
        responses.today = AS_OF - dt.timedelta(days=13)
        changes, cursor = _direct_sync_all(responses, item, None)
        state = {t["transaction_id"]: t["name"] for t in changes["added"]}
        for offset in range(12, -1, -1):
            responses.today = AS_OF - dt.timedelta(days=offset)
            changes, cursor = _direct_sync_all(responses, item, cursor)
            for kind in counts:
                counts[kind] += len(changes[kind])
            for transaction in changes["added"] + changes["modified"]:
                state[transaction["transaction_id"]] = transaction["name"]
            for removed in changes["removed"]:
                del state[removed["transaction_id"]]
        fresh, _ = _direct_sync_all(responses, item, None)
        assert state == {t["transaction_id"]: t["name"] for t in fresh["added"]}
    assert all(count > 0 for count in counts.values()), counts
    # The shares sandbox/README.md states (6% pending then removed, 8% modified) show
    # between served days; each pending one adds two rows (pending, then posted).
    new_transactions = counts["added"] - counts["removed"]
    assert 0.03 <= counts["removed"] / new_transactions <= 0.10, counts
    assert 0.04 <= counts["modified"] / new_transactions <= 0.13, counts


def test_plaid_python_reads_added_modified_and_removed(server: PlaidSandboxServer) -> None:
    api = _api(server)
    store = server.app.store
    # An item whose window holds both a modification and a removal.
    wanted = None
    for token in _items(server, "transactions"):
        item = store.item_for_token(token)
        assert item is not None
        positions = [a.position for a in store.accounts_of(item.item_id)]
        rows = store.block(store.bank, item.bank_block, positions)
        if (rows["modified_day"] >= 0).any() and (rows["removed_day"] >= 0).any():
            wanted = token
            break
    assert wanted is not None
    server.set_today(AS_OF - dt.timedelta(days=13))
    _, cursor = _sync_all(api, wanted, None, count=500)
    seen = {"added": 0, "modified": 0, "removed": 0}
    for offset in range(12, -1, -1):
        server.set_today(AS_OF - dt.timedelta(days=offset))
        changes, cursor = _sync_all(api, wanted, cursor)
        for kind in seen:
            seen[kind] += len(changes[kind])
    assert all(count > 0 for count in seen.values()), seen


def test_clock_moving_during_pagination_is_a_mutation_error(server: PlaidSandboxServer) -> None:
    api = _api(server)
    token = _items(server, "transactions")[1]
    server.set_today(AS_OF - dt.timedelta(days=5))
    page = api.transactions_sync(TransactionsSyncRequest(access_token=token, count=10))
    assert page.has_more
    server.set_today(AS_OF)
    with pytest.raises(plaid.ApiException) as raised:
        api.transactions_sync(
            TransactionsSyncRequest(access_token=token, cursor=page.next_cursor, count=10)
        )
    assert raised.value.status == 400
    body = _error_body(raised.value)
    assert body["error_code"] == "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION"
    assert body["error_type"] == "TRANSACTIONS_ERROR"


def test_balances_follow_the_simulated_clock(server: PlaidSandboxServer) -> None:
    api = _api(server)
    token = _items(server, "investments")[0]
    server.set_today(AS_OF - dt.timedelta(days=10))
    before = api.accounts_balance_get(AccountsBalanceGetRequest(access_token=token)).accounts
    server.set_today(AS_OF)
    after = api.accounts_balance_get(AccountsBalanceGetRequest(access_token=token)).accounts
    assert [a.balances.current for a in before] != [a.balances.current for a in after]


@pytest.mark.parametrize(
    ("faults", "status", "error_type", "error_code"),
    [
        ("error_500_rate=1", 500, "API_ERROR", "INTERNAL_SERVER_ERROR"),
        ("institution_down_rate=1", 400, "INSTITUTION_ERROR", "INSTITUTION_DOWN"),
        ("item_login_required_rate=1", 400, "ITEM_ERROR", "ITEM_LOGIN_REQUIRED"),
        ("product_not_ready_rate=1", 400, "ITEM_ERROR", "PRODUCT_NOT_READY"),
        ("rate_limit_item_per_minute=1", 429, "RATE_LIMIT_EXCEEDED", "ACCOUNTS_LIMIT"),
        ("rate_limit_client_per_minute=1", 429, "RATE_LIMIT_EXCEEDED", "RATE_LIMIT"),
    ],
)
def test_faults_arrive_as_plaid_api_exceptions(
    world: WorldSummary, faults: str, status: int, error_type: str, error_code: str
) -> None:
    with PlaidSandboxServer(world.out_dir, faults=faults) as server:
        api = _api(server)
        token = _items(server, "investments")[0]
        if error_code == "PRODUCT_NOT_READY":
            call = lambda: api.investments_holdings_get(  # noqa: E731
                InvestmentsHoldingsGetRequest(access_token=token)
            )
        else:
            call = lambda: api.accounts_get(AccountsGetRequest(access_token=token))  # noqa: E731
        if status == 429:
            call()  # the first request of the minute passes
        with pytest.raises(plaid.ApiException) as raised:
            call()
    assert raised.value.status == status
    body = _error_body(raised.value)
    assert (body["error_type"], body["error_code"]) == (error_type, error_code)
    assert body["request_id"] and body["documentation_url"].startswith("https://plaid.com/docs/")
    assert set(body) >= {"error_message", "display_message", "causes", "status", "suggested_action"}


def test_sync_mutation_fault_hits_continuation_pages(world: WorldSummary) -> None:
    with PlaidSandboxServer(world.out_dir, faults="sync_mutation_rate=1") as server:
        api = _api(server)
        token = _items(server, "transactions")[1]
        first = api.transactions_sync(TransactionsSyncRequest(access_token=token, count=5))
        with pytest.raises(plaid.ApiException) as raised:
            api.transactions_sync(
                TransactionsSyncRequest(access_token=token, cursor=first.next_cursor, count=5)
            )
    assert _error_body(raised.value)["error_code"] == "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION"


def test_item_get_reports_login_required_in_the_item(world: WorldSummary) -> None:
    with PlaidSandboxServer(world.out_dir) as server:
        api = _api(server)
        token = _items(server, "transactions")[0]
        reset = urllib.request.Request(
            f"{server.url}/sandbox/item/reset_login",
            method="POST",
            data=json.dumps({"client_id": "c", "secret": "s", "access_token": token}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(reset) as answer:
            assert json.loads(answer.read())["reset_login"] is True
        item = api.item_get(ItemGetRequest(access_token=token)).item
        assert item.error.error_code == "ITEM_LOGIN_REQUIRED"
        with pytest.raises(plaid.ApiException) as raised:
            api.accounts_get(AccountsGetRequest(access_token=token))
    assert _error_body(raised.value)["error_code"] == "ITEM_LOGIN_REQUIRED"


def test_slow_responses_still_answer(world: WorldSummary) -> None:
    with PlaidSandboxServer(world.out_dir, faults="slow_rate=1,slow_ms=50") as server:
        token = _items(server, "transactions")[0]
        assert _api(server).item_get(ItemGetRequest(access_token=token)).item.item_id


def test_timeouts_close_the_connection_without_an_answer(world: WorldSummary) -> None:
    with PlaidSandboxServer(world.out_dir, faults="timeout_rate=1,timeout_ms=50") as server:
        token = _items(server, "transactions")[0]
        with pytest.raises(Exception) as raised:
            _api(server).item_get(ItemGetRequest(access_token=token))
    assert not isinstance(raised.value, plaid.ApiException)


def _post(url: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers or {})
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


CREDENTIALS = {"PLAID-CLIENT-ID": "c", "PLAID-SECRET": "s"}


@pytest.mark.parametrize(
    ("path", "body", "headers", "status", "error_code"),
    [
        ("/accounts/get", b"{not json", CREDENTIALS, 400, "INVALID_BODY"),
        ("/accounts/get", b"[1, 2]", CREDENTIALS, 400, "INVALID_BODY"),
        ("/accounts/get", b'{"access_token": "access-sandbox-x"}', {}, 400, "MISSING_FIELDS"),
        ("/accounts/get", b"{}", CREDENTIALS, 400, "MISSING_FIELDS"),
        ("/accounts/get", b'{"access_token": 7}', CREDENTIALS, 400, "INVALID_FIELD"),
        (
            "/accounts/get",
            b'{"access_token": "access-sandbox-nope"}',
            CREDENTIALS,
            400,
            "INVALID_ACCESS_TOKEN",
        ),
        ("/nowhere/get", b"{}", CREDENTIALS, 404, "NOT_FOUND"),
        ("/sandbox/clock/set", b'{"date": "1999-01-01"}', CREDENTIALS, 400, "INVALID_FIELD"),
        ("/sandbox/faults/set", b'{"faults": "bogus=1"}', CREDENTIALS, 400, "INVALID_FIELD"),
    ],
)
def test_bad_input_gets_plaid_errors_not_stack_traces(
    server: PlaidSandboxServer,
    path: str,
    body: bytes,
    headers: dict[str, str],
    status: int,
    error_code: str,
) -> None:
    answer_status, answer = _post(server.url + path, body, headers)
    assert (answer_status, answer["error_code"]) == (status, error_code)
    assert answer["request_id"]
    assert "Traceback" not in json.dumps(answer)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"start_date": "2025-06-30", "end_date": "2025-06-01"}, "on or before"),
        ({"start_date": "2025-13-01", "end_date": "2025-06-01"}, "YYYY-MM-DD"),
        ({"start_date": "2025-06-01"}, "end_date"),
        (
            {"start_date": "2025-06-01", "end_date": "2025-06-30", "options": {"count": 0}},
            "options.count",
        ),
        (
            {"start_date": "2025-06-01", "end_date": "2025-06-30", "options": {"offset": -1}},
            "options.offset",
        ),
    ],
)
def test_wrong_dates_and_counts_are_invalid_requests(
    server: PlaidSandboxServer, body: dict, message: str
) -> None:
    token = _items(server, "investments")[0]
    payload = json.dumps({**body, "access_token": token}).encode()
    status, answer = _post(server.url + "/investments/transactions/get", payload, CREDENTIALS)
    assert status == 400
    assert answer["error_type"] == "INVALID_REQUEST"
    assert message in answer["error_message"]


def test_wrong_sync_count_and_cursor_are_rejected(server: PlaidSandboxServer) -> None:
    token = _items(server, "transactions")[0]
    for body in ({"count": 501}, {"cursor": "garbage!"}):
        payload = json.dumps({**body, "access_token": token}).encode()
        status, answer = _post(server.url + "/transactions/sync", payload, CREDENTIALS)
        assert (status, answer["error_code"]) == (400, "INVALID_FIELD")


def test_configured_credentials_are_checked(world: WorldSummary) -> None:
    with PlaidSandboxServer(world.out_dir, client_id="right", secret="s3cret") as server:
        status, answer = _post(
            server.url + "/sandbox/clock/get",
            b"{}",
            {"PLAID-CLIENT-ID": "wrong", "PLAID-SECRET": "s3cret"},
        )
    assert (status, answer["error_code"]) == (400, "INVALID_API_KEYS")


def test_world_without_store_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="build the world first"):
        PlaidSandboxServer(tmp_path)


def test_other_methods_get_json_not_html(server: PlaidSandboxServer) -> None:
    for method in ("GET", "PUT", "DELETE"):
        request = urllib.request.Request(server.url + "/accounts/get", method=method)
        with pytest.raises(urllib.error.HTTPError) as raised:
            urllib.request.urlopen(request)
        assert raised.value.code == 404
        assert json.loads(raised.value.read())["error_code"] == "NOT_FOUND"
    with urllib.request.urlopen(server.url + "/health") as answer:
        assert json.loads(answer.read())["status"] == "ok"


def test_webhook_key_is_plaids_jwk_and_verifies_the_signature(server: PlaidSandboxServer) -> None:
    import hashlib

    import jwt
    from plaid.model.webhook_verification_key_get_request import (
        WebhookVerificationKeyGetRequest,
    )

    signer = server.webhooks.signer
    body = b'{"webhook_type":"TRANSACTIONS"}'
    token = signer.sign(body)
    key_id = jwt.get_unverified_header(token)["kid"]
    response = _api(server).webhook_verification_key_get(
        WebhookVerificationKeyGetRequest(key_id=key_id)
    )
    jwk = response.key.to_dict()
    assert (jwk["alg"], jwk["crv"], jwk["kty"], jwk["kid"]) == ("ES256", "P-256", "EC", key_id)
    claims = jwt.decode(token, jwt.PyJWK.from_dict(jwk).key, algorithms=["ES256"])
    assert claims["request_body_sha256"] == hashlib.sha256(body).hexdigest()
    with pytest.raises(plaid.ApiException) as unknown:
        _api(server).webhook_verification_key_get(
            WebhookVerificationKeyGetRequest(key_id="no-such-key")
        )
    assert _error_body(unknown.value)["error_code"] == "INVALID_FIELD"


def test_fire_webhook_needs_a_webhook_url(server: PlaidSandboxServer) -> None:
    from plaid.model.sandbox_item_fire_webhook_request import SandboxItemFireWebhookRequest

    token = _items(server, "transactions")[0]
    with pytest.raises(plaid.ApiException) as error:
        _api(server).sandbox_item_fire_webhook(
            SandboxItemFireWebhookRequest(access_token=token, webhook_code="SYNC_UPDATES_AVAILABLE")
        )
    assert "webhook URL" in _error_body(error.value)["error_message"]
