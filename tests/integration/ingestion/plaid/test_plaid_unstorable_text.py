"""A NUL character in a Plaid text is quarantined with its reason; the rest of the batch loads.

Postgres text cannot hold NUL, so one such transaction used to fail its loader's
whole COPY batch (`CharacterNotInRepertoire`). The offline Plaid serves NULs by
its `nul_text_rate` fault (transaction names, account official names, chosen by
hash): the loader must put exactly those rows into `quarantine.rejected_records`
(payload encrypted), load every other row, and change nothing on a re-run.
"""

import json
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
from psycopg2.extensions import connection as Connection

from ingestion.load import UNSTORABLE_NUL_REASON
from ingestion.plaid.loaders import _sync_item, load_balances, sync_transactions
from privacy import EnvelopeCipher, Keyring
from sandbox import PlaidSandboxServer
from tests.integration.ingestion.plaid.conftest import AS_OF, plaid_context
from tests.integration.ingestion.plaid.test_plaid_snapshots import query
from warehouse_ddl import Warehouse

# An 8-client world serves a few thousand transactions and a few dozen accounts:
# a tenth of them carries a NUL, so both kinds are quarantined.
FAULTS = "seed=3,nul_text_rate=0.1"


@pytest.fixture
def nul_server(world: Path) -> Iterator[PlaidSandboxServer]:
    with PlaidSandboxServer(world, port=0, faults=FAULTS) as running:
        yield running


@pytest.fixture
def plaid_quarantine(warehouse: Warehouse) -> Iterator[None]:
    """Plaid's quarantine rows are removed before and after (the warehouse is shared)."""

    def clear() -> None:
        with psycopg2.connect(warehouse.admin_url("warehouse")) as admin:
            admin.cursor().execute(
                "delete from quarantine.rejected_records where source_name like 'plaid/%'"
            )
        admin.close()

    clear()
    yield
    clear()


def _quarantined(loader: Connection, source_name: str) -> dict[str, tuple[str, str]]:
    rows = query(
        loader,
        "select source_reference, quarantine_reason, payload_encrypted "
        "from quarantine.rejected_records where source_name = %s",
        source_name,
    )
    return {reference: (reason, payload) for reference, reason, payload in rows}


def test_nul_in_a_transaction_name_is_quarantined_and_the_batch_loads(
    nul_server: PlaidSandboxServer,
    loader: Connection,
    keyring: Keyring,
    items,
    plaid_quarantine: None,
) -> None:
    context = plaid_context(nul_server, loader, keyring)
    served = {
        transaction_id: transaction
        for item in items
        if "transactions" in item.products
        for transaction_id, transaction in _sync_item(
            context.client, item, None, 500
        ).upserts.items()
    }
    poisoned = {tid for tid, transaction in served.items() if "\x00" in transaction["name"]}
    assert poisoned and len(poisoned) < len(served), "the fault serves some NULs, not all"

    result = sync_transactions(context, items)

    assert result.items_failed == 0, result.failures
    assert result.rows_quarantined["transactions"] == len(poisoned)
    loaded = {row[0] for row in query(loader, "select transaction_id from raw_plaid.transactions")}
    assert loaded == set(served) - poisoned
    quarantined = _quarantined(loader, "plaid/transactions")
    assert set(quarantined) == {f"raw_plaid.transactions:{tid}" for tid in poisoned}
    cipher = EnvelopeCipher(keyring)
    for reference, (reason, payload) in quarantined.items():
        assert UNSTORABLE_NUL_REASON in reason
        record = json.loads(cipher.decrypt(payload, "quarantine.rejected_records.payload"))
        transaction_id = reference.split(":", 1)[1]
        assert record["transaction_id"] == transaction_id
        assert record["name"] == served[transaction_id]["name"]
    ((audited,),) = query(
        loader,
        "select rows_quarantined from audit.load_runs where load_id = %s",
        str(result.load_id),
    )
    assert audited == len(poisoned)

    # A re-run from scratch (cursors forgotten) changes no row and quarantines nothing twice.
    with loader.cursor() as cursor:
        cursor.execute("delete from raw_plaid.transactions_sync_cursors")
    loader.commit()
    again = sync_transactions(context, items)
    assert again.items_failed == 0
    assert sum(again.rows_written.values()) == 0, again.rows_written
    assert _quarantined(loader, "plaid/transactions").keys() == quarantined.keys()
    assert {
        row[0] for row in query(loader, "select transaction_id from raw_plaid.transactions")
    } == loaded


def test_nul_in_an_account_name_is_quarantined_and_the_snapshot_loads(
    nul_server: PlaidSandboxServer,
    loader: Connection,
    keyring: Keyring,
    items,
    plaid_quarantine: None,
) -> None:
    context = plaid_context(nul_server, loader, keyring)
    served = {
        account["account_id"]: account
        for item in items
        for account in context.client.accounts_get(item)["accounts"]
    }
    poisoned = {
        account_id
        for account_id, account in served.items()
        if "\x00" in (account.get("official_name") or "")
    }
    assert poisoned and len(poisoned) < len(served)

    first = load_balances(context, items, AS_OF)
    second = load_balances(context, items, AS_OF)

    assert first.items_failed == 0 and second.items_failed == 0, first.failures
    assert first.rows_quarantined["accounts"] == len(poisoned)
    loaded = {row[0] for row in query(loader, "select account_id from raw_plaid.accounts")}
    assert loaded == set(served) - poisoned
    # Balances hold no text Plaid typed: every account's balance of the day is kept.
    balances = {
        row[0]
        for row in query(
            loader,
            "select account_id from raw_plaid.balances_daily where as_of_date = %s",
            (AS_OF,),
        )
    }
    assert balances == set(served)
    assert set(_quarantined(loader, "plaid/accounts")) == {
        f"raw_plaid.accounts:{account_id}" for account_id in poisoned
    }
    assert sum(second.rows_written.values()) == 0, second.rows_written
