"""Issue 4, item 6: a run killed mid-load and re-run equals one clean run; with every
fault at once, healthy items equal the sandbox's truth and broken items are flagged.

A world of 25 clients (about 60 items). The kill test drives the real `wdp run`
(a subprocess: Dagster, the assets, the GX checks) against the offline Plaid served
from this process; the fault-mix test calls the loaders directly, as the assets do.
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import dagster as dg
import psycopg2
from psycopg2 import sql
from psycopg2.extensions import connection as Connection

from ingestion.plaid.items import PlaidItem
from ingestion.plaid.loaders import (
    check_items,
    load_balances,
    load_holdings,
    load_investment_transactions,
    load_liabilities,
    sync_transactions,
)
from privacy import Keyring
from sandbox import PlaidSandboxServer
from tests.integration.ingestion.plaid.conftest import (
    AS_OF,
    PLAID_TABLES,
    RecordedSleep,
    plaid_context,
)
from tests.integration.ingestion.plaid.test_plaid_snapshots import query
from tests.integration.ingestion.warehouse_state import _truncate, forget_check_history
from warehouse_ddl import Warehouse

WORLD_CLIENTS = 25
WDP = str(Path(sys.executable).with_name("wdp"))
# Stamps of when we loaded or checked, and ciphertexts (a fresh nonce each time):
# they differ between two correct runs. `_row_sha256` still covers the plaintext.
RUN_STAMP_COLUMNS = {
    "_load_id",
    "_loaded_at",
    "health_checked_at",
    "checked_at",
    "last_ok_at",
    "synced_at",
    "_removed_in_source_at",
}
CHECKSUM_TABLES = [table for table in PLAID_TABLES if table != "raw_plaid.webhook_events"]


def raw_plaid_checksums(
    connection: Connection, item_ids: list[str] | None = None
) -> dict[str, tuple[int, str]]:
    """(rows, md5 of the ordered rows) per raw_plaid table, run stamps left out;
    optionally only the rows of `item_ids` (tables without item_id: all rows)."""
    checksums = {}
    for qualified in CHECKSUM_TABLES:
        schema, table = qualified.split(".")
        columns = [
            name
            for (name,) in query(
                connection,
                "select column_name from information_schema.columns "
                "where table_schema = %s and table_name = %s order by ordinal_position",
                schema,
                table,
            )
            if name not in RUN_STAMP_COLUMNS and not name.endswith("_encrypted")
        ]
        where = sql.SQL("")
        if item_ids is not None and "item_id" in columns:
            where = sql.SQL("where item_id = any(%s)")
        statement = sql.SQL(
            "select count(*), coalesce(md5(string_agg(row_text, E'\\n' order by row_text)), '') "
            "from (select ({columns})::text as row_text from {table} {where}) as source_rows"
        ).format(
            columns=sql.SQL(", ").join(sql.Identifier(name) for name in columns),
            table=sql.Identifier(schema, table),
            where=where,
        )
        rows, digest = query(
            connection,
            statement.as_string(connection),
            *([item_ids] if item_ids is not None and "item_id" in columns else []),
        )[0]
        checksums[qualified] = (rows, digest)
    return checksums


def _wdp_run(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [WDP, "run", "--select", "group:plaid"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def _running_plaid_load_with_committed_items(connection: Connection) -> bool:
    """A Plaid load is running and has committed some, not all, of its items."""
    rows = query(
        connection,
        "select count(*) from audit.load_runs r join raw_plaid.item_product_health h "
        "on h._load_id = r.load_id where r.source_name like 'plaid/%%' "
        "and r.load_status = 'running'",
    )
    return rows[0][0] > 0


def test_a_run_killed_mid_load_and_rerun_equals_one_clean_run(
    warehouse: Warehouse, world: Path, loader: Connection, keyring: Keyring, items
) -> None:
    # This world is smaller than the ones earlier tests loaded: without this, the GX
    # row-count floor (half the last passing count) blocks the rerun.
    forget_check_history([dg.AssetKey(table.split(".")) for table in PLAID_TABLES])
    # Slow answers stretch the run so the kill lands inside a load, not before or after.
    with PlaidSandboxServer(world, port=0, faults="seed=4,slow_rate=0.5,slow_ms=60") as server:
        env = {
            **os.environ,
            "PLAID_HOST": server.url,
            "PLAID_CLIENT_ID": "wdp-test",
            "PLAID_SECRET": "wdp-test-secret",
            "WDP_KEYRING": keyring.to_json(),
        }
        killed = _wdp_run(env)
        deadline = time.monotonic() + 240
        while not _running_plaid_load_with_committed_items(loader):
            assert killed.poll() is None, f"the run ended before the kill: {killed.stdout.read()}"
            assert time.monotonic() < deadline, "no Plaid load started"
            time.sleep(0.1)
        os.killpg(killed.pid, signal.SIGKILL)
        killed.wait(timeout=30)
        assert killed.returncode == -signal.SIGKILL
        interrupted = query(
            loader,
            "select count(*) from audit.load_runs "
            "where source_name like 'plaid/%%' and load_status = 'running'",
        )[0][0]
        assert interrupted >= 1, "the kill must have interrupted a load"
        partial = raw_plaid_checksums(loader)

        rerun = _wdp_run(env)
        output, _ = rerun.communicate(timeout=600)
        assert rerun.returncode == 0, output[-3000:]
        after_kill_and_rerun = raw_plaid_checksums(loader)

        # One clean run from empty tables: the loaders the assets call, in process
        # (a third `wdp run` would only add Dagster's start-up time).
        _truncate(warehouse, ", ".join(PLAID_TABLES))
        server.set_faults("")
        _load_everything(plaid_context(server, loader, keyring), items)
        one_clean_run = raw_plaid_checksums(loader)

    assert partial != one_clean_run, "the kill should have left the load unfinished"
    assert all(rows > 0 for table, (rows, _) in one_clean_run.items() if "liabilities" not in table)
    assert after_kill_and_rerun == one_clean_run


def _truth_accounts(world: Path) -> dict[str, dict[str, str]]:
    with open(world / "truth" / "accounts.csv", newline="") as truth:
        return {row["account_id"]: row for row in csv.DictReader(truth)}


def _load_everything(context, items: list[PlaidItem]) -> int:
    """Every loader, as the assets run them; the /transactions/sync restarts."""
    check_items(context, items)
    load_balances(context, items, AS_OF)
    load_holdings(context, items, AS_OF)
    load_liabilities(context, items, AS_OF)
    load_investment_transactions(context, items, AS_OF)
    # Small pages: several continuation pages per item for the mutation fault to hit.
    return sync_transactions(context, items, page_count=100).sync_restarts


def test_all_faults_at_once_healthy_items_equal_truth_broken_items_flagged(
    warehouse: Warehouse, world: Path, loader: Connection, keyring: Keyring, items
) -> None:
    spec = (
        "seed=9,error_500_rate=0.1,rate_limit_rate=0.1,item_login_required_rate=0.05,"
        "sync_mutation_rate=0.05"
    )
    with PlaidSandboxServer(world, port=0, faults=spec) as server:
        broken = sorted(
            item.item_id for item in items if server.app.faults.needs_login(item.item_id)
        )
        healthy = sorted(item.item_id for item in items if item.item_id not in broken)
        assert broken and healthy, "the seed must break some items and spare others"
        context = plaid_context(server, loader, keyring, sleep=RecordedSleep(), max_attempts=12)
        restarts = _load_everything(context, items)
        assert restarts > 0, "mutations during pagination must have forced restarts"
        calls = context.client.call_counts
        assert calls["failures API_ERROR"] > 0 and calls["failures RATE_LIMIT_EXCEEDED"] > 0
        with_faults = raw_plaid_checksums(loader, healthy)

    # Broken items: flagged needs_relink with Plaid's request id, and no data loaded.
    health = {
        row[0]: row[1:]
        for row in query(
            loader, "select item_id, health_state, error_code, request_id from raw_plaid.items"
        )
    }
    assert sorted(i for i, (state, _, _) in health.items() if state == "needs_relink") == broken
    for item_id in broken:
        _, code, request_id = health[item_id]
        assert code == "ITEM_LOGIN_REQUIRED" and request_id
    assert {item_id: health[item_id] for item_id in healthy if health[item_id][0] != "ok"} == {}
    assert query(
        loader, "select count(*) from raw_plaid.accounts where item_id = any(%s)", broken
    ) == [(0,)]

    # Healthy items: accounts and balances equal truth/accounts.csv ...
    truth = _truth_accounts(world)
    loaded = query(
        loader,
        "select a.account_id, a.item_id, a.mask, a.type, a.subtype, b.current "
        "from raw_plaid.accounts a join raw_plaid.balances_daily b using (account_id) "
        "where b.as_of_date = %s",
        AS_OF,
    )
    expected = {account_id: row for account_id, row in truth.items() if row["item_id"] in healthy}
    assert {row[0] for row in loaded} == set(expected)
    for account_id, item_id, mask, kind, subtype, current in loaded:
        row = expected[account_id]
        assert (item_id, mask, kind, subtype) == (
            row["item_id"],
            row["mask"],
            row["type"],
            row["subtype"],
        )
        assert Decimal(str(current)) == Decimal(row["current_balance_usd"])

    # ... and every table equals a load of the healthy items from the same sandbox
    # store without faults (securities have no item: so only healthy items are loaded).
    _truncate(warehouse, ", ".join(PLAID_TABLES))
    with PlaidSandboxServer(world, port=0) as clean_server:
        healthy_items = [item for item in items if item.item_id in healthy]
        _load_everything(plaid_context(clean_server, loader, keyring), healthy_items)
    assert raw_plaid_checksums(loader, healthy) == with_faults


def test_checksums_see_a_changed_value(loader: Connection, warehouse: Warehouse) -> None:
    """The oracle can fail: one changed value changes its table's checksum."""
    before = raw_plaid_checksums(loader)
    admin = psycopg2.connect(warehouse.admin_url("warehouse"))
    with admin, admin.cursor() as cursor:
        cursor.execute(
            "insert into raw_plaid.transactions_sync_cursors (item_id, next_cursor, synced_at, "
            "_load_id) values ('item-x', 'cursor', now(), gen_random_uuid())"
        )
    admin.close()
    after = raw_plaid_checksums(loader)
    changed = [table for table in before if before[table] != after[table]]
    assert changed == ["raw_plaid.transactions_sync_cursors"]
