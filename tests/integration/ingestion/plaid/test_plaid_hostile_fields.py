"""Hostile strings in Plaid's answers (through the sandbox's own store) are data, never SQL.

The offline Plaid server answers from its store (`plaid/plaid.sqlite`); account
names, official names and security names there are replaced by injection
attempts, backslashes, `%`, quotes, separators and non-ASCII text before the
server starts. The real loader stores them verbatim (the account name, an
identifier, encrypted), and every table is still there.
"""

import sqlite3
from pathlib import Path

import psycopg2
from psycopg2.extensions import connection as Connection

from ingestion.plaid.items import read_active_items
from ingestion.plaid.loaders import load_balances, load_holdings
from privacy import EnvelopeCipher, Keyring
from sandbox import PlaidSandboxServer
from tests.integration.ingestion.plaid.conftest import AS_OF, plaid_context
from warehouse_ddl import Warehouse

HOSTILE = (
    "'; drop table raw_plaid.accounts; --",
    "Robert'); drop table raw_app.clients; --",
    "back\\slash \\N \\. end",
    "100% off %s %(name)s _",
    "quote ' double \" both '\"",
    "tab\there, newline\nthere",
    "ünïcødé 名前 Ωμέγα 🙂",
)


def _plant(world: Path) -> tuple[dict[str, str], dict[str, str]]:
    """Hostile names on the store's accounts and securities; returns what was planted."""
    store = sqlite3.connect(world / "plaid" / "plaid.sqlite")
    try:
        account_ids = [row[0] for row in store.execute("select account_id from accounts")]
        security_ids = [
            row[0] for row in store.execute("select security_id from securities order by 1")
        ]
        accounts = {}
        for account_id, value in zip(account_ids, HOSTILE, strict=False):
            store.execute(
                "update accounts set name = ?, official_name = ? where account_id = ?",
                (value[::-1], value, account_id),
            )
            accounts[account_id] = value
        securities = {}
        for security_id, value in zip(security_ids, HOSTILE, strict=False):
            store.execute(
                "update securities set name = ? where security_id = ?", (value, security_id)
            )
            securities[security_id] = value
        store.commit()
    finally:
        store.close()
    return accounts, securities


def test_hostile_plaid_fields_are_stored_verbatim(
    world: Path, loader: Connection, keyring: Keyring, warehouse: Warehouse
) -> None:
    accounts, securities = _plant(world)
    items = read_active_items(loader, keyring)
    with PlaidSandboxServer(world, port=0) as server:
        context = plaid_context(server, loader, keyring)
        balances = load_balances(context, items, AS_OF)
        holdings = load_holdings(context, items, AS_OF)
    assert balances.items_failed == 0 and holdings.items_failed == 0, (
        balances.failures,
        holdings.failures,
    )

    cipher = EnvelopeCipher(keyring)
    with loader.cursor() as cursor:
        cursor.execute("select account_id, official_name, name_encrypted from raw_plaid.accounts")
        stored_accounts = {row[0]: row[1:] for row in cursor.fetchall()}
        cursor.execute("select security_id, name from raw_plaid.securities")
        stored_securities = dict(cursor.fetchall())
    loader.rollback()
    planted_and_served = [account for account in accounts if account in stored_accounts]
    assert planted_and_served, "the planted accounts belong to items that were loaded"
    for account_id in planted_and_served:
        official_name, name_encrypted = stored_accounts[account_id]
        assert official_name == accounts[account_id]
        assert (
            cipher.decrypt(name_encrypted, "raw_plaid.accounts.name")
            == (accounts[account_id][::-1])
        )
    served_securities = [security for security in securities if security in stored_securities]
    assert served_securities
    for security_id in served_securities:
        assert stored_securities[security_id] == securities[security_id]
    with psycopg2.connect(warehouse.admin_url("warehouse")) as admin:
        cursor = admin.cursor()
        for table in ("raw_plaid.accounts", "raw_app.clients", "raw_plaid.securities"):
            cursor.execute("select to_regclass(%s)::text", (table,))
            assert cursor.fetchone() == (table,)
