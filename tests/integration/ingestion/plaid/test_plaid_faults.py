"""Faults of the offline Plaid: each handled as DESIGN §5 says, healthy items still complete."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

import pytest
from psycopg2.extensions import connection as Connection

from ingestion.plaid.loaders import (
    load_balances,
    load_holdings,
    load_investment_transactions,
    sync_transactions,
)
from privacy import Keyring
from sandbox import PlaidSandboxServer
from tests.integration.ingestion.plaid.conftest import AS_OF, RecordedSleep, plaid_context
from tests.integration.ingestion.plaid.test_plaid_snapshots import query

START = AS_OF - dt.timedelta(days=13)


def table_checksum(connection: Connection, table: str, order_by: str) -> str:
    """A checksum of a table's source values (load ids and times excluded)."""
    rows = query(
        connection,
        f"select to_jsonb(t) - '_load_id' - '_loaded_at' from raw_plaid.{table} t "
        f"order by {order_by}",
    )
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def fresh_transactions(server: PlaidSandboxServer, items, loader, keyring) -> dict[str, tuple]:
    """What a first sync at the server's today returns: the oracle for incremental syncs."""
    from ingestion.plaid.loaders import _sync_item

    client = plaid_context(server, loader, keyring).client
    visible = {}
    for item in items:
        if "transactions" in item.products:
            changes = _sync_item(client, item, None, 500)
            for transaction_id, transaction in changes.upserts.items():
                visible[transaction_id] = (
                    transaction["account_id"],
                    round(transaction["amount"], 2),
                    transaction["date"],
                    transaction["pending"],
                    transaction["name"],
                )
    return visible


def loaded_transactions(loader: Connection) -> dict[str, tuple]:
    return {
        row[0]: (row[1], float(row[2]), row[3].isoformat(), row[4], row[5])
        for row in query(
            loader,
            "select transaction_id, account_id, amount, date, pending, name "
            "from raw_plaid.transactions where _removed_in_source_at is null",
        )
    }


def test_sync_over_several_days_with_mutations_equals_a_fresh_sync(
    world, loader: Connection, keyring: Keyring, items
) -> None:
    with PlaidSandboxServer(world, port=0, faults="seed=3,sync_mutation_rate=0.2") as server:
        context = plaid_context(server, loader, keyring)
        restarts = 0
        removed = 0
        for offset in range(0, 14, 3):
            server.set_today(START + dt.timedelta(days=offset))
            result = sync_transactions(context, items, page_count=100)
            assert result.items_failed == 0
            restarts += result.sync_restarts
            removed += result.rows_written["transactions_removed"]
        server.set_today(AS_OF)
        result = sync_transactions(context, items, page_count=100)
        restarts += result.sync_restarts
        removed += result.rows_written["transactions_removed"]
        assert restarts > 0, "the fault spec should have forced at least one restart"
        # Removals are applied by apply_sync_page (unit-tested); whatever this world
        # removes, the loaded rows must equal a fresh sync's visible set.
        server.set_faults("")
        assert loaded_transactions(loader) == fresh_transactions(server, items, loader, keyring)
    # Every cursor stored is a final one, one per transactions item.
    cursors = query(loader, "select count(*) from raw_plaid.transactions_sync_cursors")[0][0]
    assert cursors == sum("transactions" in item.products for item in items)


def test_rerunning_loads_changes_nothing(
    server: PlaidSandboxServer, loader: Connection, keyring: Keyring, items
) -> None:
    context = plaid_context(server, loader, keyring)
    tables = {
        "balances_daily": "account_id, as_of_date",
        "accounts": "account_id",
        "holdings_daily": "account_id, security_id, as_of_date",
        "holding_tax_lots_daily": "account_id, security_id, as_of_date, lot_number",
        "investment_transactions": "investment_transaction_id",
        "transactions": "transaction_id",
        "securities": "security_id",
    }

    def run_all() -> dict[str, int]:
        written = {}
        for result in (
            load_balances(context, items, AS_OF),
            load_holdings(context, items, AS_OF),
            load_investment_transactions(context, items, AS_OF),
            sync_transactions(context, items),
        ):
            written.update({k: v for k, v in result.rows_written.items() if v})
        return written

    first_written = run_all()
    assert first_written
    before = {table: table_checksum(loader, table, order) for table, order in tables.items()}
    assert run_all() == {}
    assert {
        table: table_checksum(loader, table, order) for table, order in tables.items()
    } == before


def test_item_faults_mark_items_and_the_rest_completes(
    world, loader: Connection, keyring: Keyring, items
) -> None:
    broken = sorted(item.item_id for item in items)[:2]
    not_ready = next(item.item_id for item in items if "investments" in item.products)
    spec = f"seed=1,item_login_required={'|'.join(broken)},product_not_ready={not_ready}"
    with PlaidSandboxServer(world, port=0, faults=spec) as server:
        context = plaid_context(server, loader, keyring)
        balances = load_balances(context, items, AS_OF)
        holdings = load_holdings(context, items, AS_OF)
    assert balances.items_needs_relink == 2
    assert balances.items_ok == len(items) - 2
    assert holdings.items_product_not_ready == (0 if not_ready in broken else 1)
    health = {
        item_id: (state, code, request_id)
        for item_id, state, code, request_id in query(
            loader, "select item_id, health_state, error_code, request_id from raw_plaid.items"
        )
    }
    for item_id in broken:
        state, code, request_id = health[item_id]
        assert (state, code) == ("needs_relink", "ITEM_LOGIN_REQUIRED") and request_id
    if not_ready not in broken:
        assert health[not_ready][:2] == ("product_not_ready", "PRODUCT_NOT_READY")
    healthy_accounts = query(
        loader,
        "select count(distinct item_id) from raw_plaid.balances_daily where item_id <> all(%s)",
        broken,
    )[0][0]
    assert healthy_accounts == len(items) - 2
    assert (
        query(
            loader, "select count(*) from raw_plaid.balances_daily where item_id = any(%s)", broken
        )[0][0]
        == 0
    )


def test_transient_faults_are_retried_until_every_item_loads(
    world, loader: Connection, keyring: Keyring, items
) -> None:
    spec = "seed=11,error_500_rate=0.2,institution_down_rate=0.1,timeout_rate=0.05,timeout_ms=50"
    sleep = RecordedSleep()
    with PlaidSandboxServer(world, port=0, faults=spec) as server:
        context = plaid_context(server, loader, keyring, sleep=sleep, max_attempts=12)
        result = load_balances(context, items, AS_OF)
        holdings = load_holdings(context, items, AS_OF)
    assert result.items_ok == len(items) and result.items_failed == 0
    assert holdings.items_failed == 0
    assert sleep.delays, "faults at these rates must have caused retries"
    assert all(0 <= delay <= 0.01 for delay in sleep.delays)
    failures = context.client.call_counts
    assert failures["failures API_ERROR"] > 0 and failures["failures INSTITUTION_ERROR"] > 0


def test_rate_limits_back_off_and_recover(
    world, loader: Connection, keyring: Keyring, items
) -> None:
    # Plaid's window is a minute; the recorded sleep stands in for that minute by
    # resetting the server's windows, so the test proves the back-off without waiting.
    spec = "seed=2,rate_limit_client_per_minute=5"
    sleep = RecordedSleep()
    with PlaidSandboxServer(world, port=0, faults=spec) as server:
        sleep.on_sleep = lambda: server.set_faults(spec)
        context = plaid_context(server, loader, keyring, sleep=sleep)
        result = load_balances(context, items, AS_OF)
    assert result.items_ok == len(items)
    assert context.client.call_counts["failures RATE_LIMIT_EXCEEDED"] > 0
    assert len(sleep.delays) == context.client.call_counts["retries"]


def test_tokens_and_names_never_reach_logs(
    world, loader: Connection, keyring: Keyring, items, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    broken = items[0].item_id
    with PlaidSandboxServer(
        world, port=0, faults=f"seed=4,item_login_required={broken},error_500_rate=0.2"
    ) as server:
        context = plaid_context(server, loader, keyring)
        load_balances(context, items, AS_OF)
        sync_transactions(context, items)
        for item in items:
            repr(item)  # what a careless log line would show
    text = caplog.text + "".join(repr(item) for item in items)
    assert broken in caplog.text  # the failure was logged, by item id
    for item in items:
        assert item.access_token not in text
        assert "access-sandbox" not in text
