"""Item health from product calls: /item/get is asked only of the items no call reached."""

from __future__ import annotations

import datetime as dt

from psycopg2.extensions import connection as Connection

from ingestion.plaid.loaders import check_items, load_balances
from privacy import Keyring
from sandbox import PlaidSandboxServer
from tests.integration.ingestion.plaid.conftest import AS_OF, plaid_context
from tests.integration.ingestion.plaid.test_plaid_snapshots import query


def item_states(loader: Connection) -> dict[str, str]:
    return dict(query(loader, "select item_id, health_state from raw_plaid.items"))


def test_item_get_asks_only_items_the_balance_calls_did_not_reach(
    world, loader: Connection, keyring: Keyring, items
) -> None:
    broken = sorted(item.item_id for item in items)[:2]
    unreached = next(item for item in items if item.item_id not in broken)
    reached = [item for item in items if item.item_id != unreached.item_id]
    with PlaidSandboxServer(
        world, port=0, faults=f"seed=1,item_login_required={'|'.join(broken)}"
    ) as server:
        run_started_at = dt.datetime.now(dt.UTC)
        context = plaid_context(server, loader, keyring)
        balances = load_balances(context, reached, AS_OF)
        checked = check_items(context, items, unchecked_since=run_started_at)
    assert balances.items_needs_relink == 2
    assert checked.items_health_already_known == len(reached)
    assert checked.items_total == 1
    assert context.client.call_counts["calls /item/get"] == 1
    states = item_states(loader)
    assert {item_id for item_id, state in states.items() if state == "needs_relink"} == set(broken)
    assert states[unreached.item_id] == "ok"
    assert len(states) == len(items)
    relink_rows = query(
        loader,
        "select item_id, error_code, request_id from raw_plaid.item_product_health "
        "where product = 'item' and health_state = 'needs_relink' order by item_id",
    )
    assert [row[0] for row in relink_rows] == broken
    assert all(code == "ITEM_LOGIN_REQUIRED" and request_id for _, code, request_id in relink_rows)


def test_a_relinked_item_is_healthy_again_after_its_next_product_call(
    world, loader: Connection, keyring: Keyring, items
) -> None:
    broken = sorted(item.item_id for item in items)[:1]
    with PlaidSandboxServer(
        world, port=0, faults=f"seed=1,item_login_required={broken[0]}"
    ) as server:
        context = plaid_context(server, loader, keyring)
        # /item/get records the broken login under the item's own health ...
        check_items(context, items)
        assert item_states(loader)[broken[0]] == "needs_relink"
        # ... the client relinks; tonight's balance call answers and says so for the item too.
        server.set_faults("seed=1")
        run_started_at = dt.datetime.now(dt.UTC)
        load_balances(context, items, AS_OF)
        checked = check_items(context, items, unchecked_since=run_started_at)
    assert checked.items_total == 0
    assert set(item_states(loader).values()) == {"ok"}
