"""A rerun asks Plaid only about items with news (`only_items_with_news`).

An item already loaded for the day (its snapshot's day, or Plaid's today), left
ok or needing relink, with no webhook since, is not asked again; a webhook, a
failed call or another day brings it back.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

from psycopg2.extensions import connection as Connection

from ingestion.plaid.loaders import check_items, load_balances, sync_transactions
from privacy import Keyring
from sandbox import PlaidSandboxServer
from tests.integration.ingestion.plaid.conftest import AS_OF, plaid_context
from tests.integration.ingestion.plaid.test_plaid_snapshots import query

CHECKSUM = "select md5(string_agg(t::text, ',' order by t::text)) from {table} as t"


def _checksums(loader: Connection) -> dict[str, str]:
    tables = ("raw_plaid.accounts", "raw_plaid.balances_daily", "raw_plaid.transactions")
    return {table: query(loader, CHECKSUM.format(table=table))[0][0] for table in tables}


def _webhook_about(
    loader: Connection, item_id: str, code: str, webhook_type: str = "TRANSACTIONS"
) -> None:
    """A verified webhook as the receiver stores it (orchestration/webhook_receiver.py)."""
    payload = json.dumps({"webhook_type": webhook_type, "webhook_code": code, "item_id": item_id})
    with loader.cursor() as cursor:
        cursor.execute(
            "insert into raw_plaid.webhook_events (item_id, webhook_type, webhook_code, "
            "received_at, payload, request_body_sha256) "
            "values (%s, %s, %s, now(), %s, encode(sha256(convert_to(%s, 'UTF8')), 'hex'))",
            (item_id, webhook_type, code, payload, payload),
        )
    loader.commit()


def test_a_rerun_of_the_day_asks_only_the_items_a_webhook_names(
    world, loader: Connection, keyring: Keyring, items
) -> None:
    syncing = [item for item in items if "transactions" in item.products]
    with PlaidSandboxServer(world, port=0) as server:
        context = dataclasses.replace(
            plaid_context(server, loader, keyring), only_items_with_news=True
        )
        calls = context.client.call_counts
        first_balances = load_balances(context, items, AS_OF)
        first_sync = sync_transactions(context, items)
        assert first_balances.items_ok == len(items) and first_sync.items_ok == len(syncing)
        loaded = _checksums(loader)
        asked = (calls["calls /accounts/get"], calls["calls /transactions/sync"])

        again_balances = load_balances(context, items, AS_OF)
        again_sync = sync_transactions(context, items)
        again_items = check_items(context, items)
        assert (calls["calls /accounts/get"], calls["calls /transactions/sync"]) == asked
        assert calls["calls /item/get"] == 0
        assert (again_balances.items_total, again_balances.items_without_news) == (0, len(items))
        assert (again_sync.items_total, again_sync.items_without_news) == (0, len(syncing))
        assert (again_items.items_total, again_items.items_without_news) == (0, len(items))
        assert _checksums(loader) == loaded, "a rerun with no news changes nothing"

        # Plaid announces new transactions of one item: only that item is asked.
        announced = syncing[0]
        _webhook_about(loader, announced.item_id, "SYNC_UPDATES_AVAILABLE")
        after_webhook = sync_transactions(context, items)
        assert after_webhook.items_total == 1 and after_webhook.items_ok == 1
        assert after_webhook.items_without_news == len(syncing) - 1
        assert calls["calls /transactions/sync"] > asked[1]
        # ... and once synced, it is without news again.
        assert sync_transactions(context, items).items_total == 0

        # Another day (here a backfill of the day before) asks every item again.
        other_day = AS_OF - dt.timedelta(days=1)
        context.client.set_served_today(other_day)
        other_balances = load_balances(context, items, other_day)
        other_sync = sync_transactions(context, items)
        assert other_balances.items_total == len(items) and other_balances.items_without_news == 0
        assert other_sync.items_total == len(syncing) and other_sync.items_without_news == 0

    # Without only_items_with_news (the library's default) every item is asked.
    with PlaidSandboxServer(world, port=0) as server:
        context = plaid_context(server, loader, keyring)
        assert load_balances(context, items, AS_OF).items_total == len(items)


def test_items_that_failed_are_asked_again_and_relinks_wait_for_their_webhook(
    world, loader: Connection, keyring: Keyring, items
) -> None:
    down_institution = items[0].institution_id
    down = {item.item_id for item in items if item.institution_id == down_institution}
    relink = next(item.item_id for item in items if item.institution_id != down_institution)
    with PlaidSandboxServer(
        world,
        port=0,
        faults=f"seed=1,item_login_required={relink},institution_down={down_institution}",
    ) as server:
        context = dataclasses.replace(
            plaid_context(server, loader, keyring, max_attempts=1), only_items_with_news=True
        )
        first = load_balances(context, items, AS_OF)
        assert first.failures.keys() == down | {relink}
        assert first.items_needs_relink == 1 and first.items_failed == len(down)

        server.set_faults("seed=1")  # the institution is back; the client relinked
        second = load_balances(context, items, AS_OF)
        # The failed items are asked again; the one needing relink waits for its webhook.
        assert second.items_total == len(down) and second.items_ok == len(down)
        assert second.items_without_news == len(items) - len(down)

        _webhook_about(loader, relink, "LOGIN_REPAIRED", webhook_type="ITEM")
        third = load_balances(context, items, AS_OF)
        assert third.items_total == 1 and third.items_ok == 1
    states = dict(query(loader, "select item_id, health_state from raw_plaid.items"))
    assert set(states.values()) == {"ok"}
