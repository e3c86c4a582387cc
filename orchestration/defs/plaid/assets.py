"""`raw_plaid/*` assets: thin wrappers around `ingestion.plaid.loaders`.

- `raw_plaid/items`: /item/get health of every item (unpartitioned).
- Daily-partitioned snapshots (backfillable from the offline sandbox; against
  Plaid only today's partition can be captured): `accounts` + `balances_daily`,
  `securities` + `holdings_daily` + `holding_tax_lots_daily`, and the four
  `liabilities_*` tables. A run without a partition key (the nightly job,
  `wdp run`) captures Plaid's today.
- `raw_plaid/investment_transactions` (paginated to the end) and
  `raw_plaid/transactions` (/transactions/sync from the stored cursor).

Every asset calls Plaid, so each has a retry policy (for Plaid being down as a
whole; per-call retries are the client's) and runs in a concurrency pool of
its Plaid endpoint (`PLAID_POOLS`): Plaid limits each endpoint on its own, so
steps of different endpoints may run at once while no endpoint is called by
two steps (each with its own client-side throttle) at the same time. A run
tagged `wdp/plaid_item_ids` (the webhook sensor's, see `webhooks.py`) loads
only those items. Other runs ask Plaid only about items with news: an item
already loaded for the day, with no webhook since, is not asked again
(`only_items_with_news` in ingestion.plaid.loaders), unless the run is tagged
`wdp/refetch_and_rebuild`. Metadata counts items by health and rows per table.
Each raw table has a Great Expectations suite in `expectations/`.
"""

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path

import dagster as dg

from ingestion.plaid.items import PlaidItem, read_active_items
from ingestion.plaid.loaders import (
    PlaidLoadContext,
    PlaidLoadResult,
    check_items,
    load_balances,
    load_holdings,
    load_investment_transactions,
    load_liabilities,
    resolve_snapshot_date,
    sync_transactions,
)
from orchestration.alerts import Alert, send_alert
from orchestration.defs.plaid.webhooks import (
    items_of_run,
    plaid_webhook_sensor,
    plaid_webhook_sync_job,
)
from orchestration.defs.quality.great_expectations import gx_suite_check
from orchestration.partitions import DAILY_PARTITIONS
from orchestration.resources import KeyringResource, PlaidResource, WarehouseResource
from orchestration.run_tags import refetch_and_rebuild

EXPECTATIONS_DIR = Path(__file__).parent / "expectations"
PLAID_POOL = "plaid_api"
"""The snapshot assets' pool. They share one (one snapshot step at a time) because a
snapshot of a past partition moves the offline sandbox's clock, which every Plaid
call of that moment then answers from: two snapshot steps of different days must
not overlap. Plaid itself has no clock; its limits alone would allow them in parallel."""
PLAID_POOLS = {
    "items": "plaid_api_item_get",
    "snapshots": PLAID_POOL,
    "investment_transactions": "plaid_api_investments_transactions_get",
    "transactions": "plaid_api_transactions_sync",
}
"""One pool per Plaid endpoint (the snapshot endpoints together, see PLAID_POOL); each
has the instance's `default_limit` of 1 (orchestration/dagster.yaml), so a 10,000-client
nightly is bound by its slowest endpoint, not the sum of all (docs/benchmarks.md)."""
GROUP = "plaid"

SNAPSHOT_PARTITIONS = DAILY_PARTITIONS
"""One partition per day (UTC) a snapshot describes; today's is open as soon as it starts."""

PLAID_RETRY_POLICY = dg.RetryPolicy(
    max_retries=2,
    delay=60,
    backoff=dg.Backoff.EXPONENTIAL,
    jitter=dg.Jitter.PLUS_MINUS,
)
"""Retries the step when every item failed (Plaid down); item-level faults never fail it."""

APP_ITEMS = dg.AssetKey(["raw_app", "plaid_items"])


def _spec(table: str, description: str) -> dg.AssetSpec:
    return dg.AssetSpec(
        key=["raw_plaid", table],
        group_name=GROUP,
        kinds={"postgres", "plaid"},
        deps=[APP_ITEMS],
        description=description,
    )


def _run_load(
    context: dg.AssetExecutionContext,
    plaid: PlaidResource,
    warehouse: WarehouseResource,
    keyring: KeyringResource,
    load: Callable[[PlaidLoadContext, Sequence[PlaidItem], dt.date | None], PlaidLoadResult],
    is_snapshot: bool,
) -> PlaidLoadResult:
    connection = warehouse.connect("wdp_loader")
    try:
        ring = keyring.load()
        items = read_active_items(connection, ring)
        # A webhook sync run (plaid_webhook_sensor) names the items to sync in a tag.
        selected = items_of_run(context.run.tags)
        if selected is not None:
            items = [item for item in items if item.item_id in selected]
        with plaid.open_client() as client:
            day = None
            if is_snapshot:
                requested = (
                    dt.date.fromisoformat(context.partition_key)
                    if context.has_partition_key
                    else None
                )
                day = resolve_snapshot_date(client, requested)
            # A webhook sync run asks its items whatever this day's loads did: the
            # webhook may have arrived while the nightly was fetching them.
            only_with_news = selected is None and not refetch_and_rebuild(context.run.tags)
            load_context = PlaidLoadContext(client, connection, ring, only_with_news)
            result = load(load_context, items, day)
            calls = dict(client.call_counts)
    finally:
        connection.close()
    context.log.info(
        f"plaid/{result.product}{f' {day}' if day else ''}: {len(items)} items: "
        f"{result.items_ok} ok, "
        f"{result.items_needs_relink} need relink, {result.items_product_not_ready} product not "
        f"ready, {result.items_failed} failed"
        + (
            f", {result.items_health_already_known} not asked (health known from this run's "
            "product calls)"
            if result.items_health_already_known
            else ""
        )
        + (
            f", {result.items_without_news} not asked (loaded for the day, no webhook since)"
            if result.items_without_news
            else ""
        )
        + f"; rows written {dict(result.rows_written)}"
    )
    result.api_calls = calls
    if result.items_needs_relink:
        # Counts only: which items (and Plaid's request ids) are in raw_plaid.items.
        send_alert(
            Alert(
                kind="plaid_items_need_relink",
                summary=(
                    f"{result.items_needs_relink} Plaid items need relink on "
                    f"plaid/{result.product} (raw_plaid.items where health_state = "
                    "'needs_relink'); their other items loaded"
                ),
                run_id=context.run.run_id,
                job_name=context.job_name,
            )
        )
    return result


def _metadata(result: PlaidLoadResult, calls: dict[str, int]) -> dict[str, dg.MetadataValue]:
    return {
        "load_id": dg.MetadataValue.text(str(result.load_id)),
        "as_of_date": dg.MetadataValue.text(str(result.as_of_date or "")),
        "items_ok": dg.MetadataValue.int(result.items_ok),
        "items_needs_relink": dg.MetadataValue.int(result.items_needs_relink),
        "items_product_not_ready": dg.MetadataValue.int(result.items_product_not_ready),
        "items_failed": dg.MetadataValue.int(result.items_failed),
        "items_health_already_known": dg.MetadataValue.int(result.items_health_already_known),
        "items_without_news": dg.MetadataValue.int(result.items_without_news),
        "rows_received": dg.MetadataValue.json(dict(result.rows_received)),
        "rows_written": dg.MetadataValue.json(dict(result.rows_written)),
        "rows_quarantined": dg.MetadataValue.json(dict(result.rows_quarantined)),
        "item_failures": dg.MetadataValue.json(result.failures),
        "sync_restarts": dg.MetadataValue.int(result.sync_restarts),
        "api_calls": dg.MetadataValue.json(calls),
    }


def _results(result: PlaidLoadResult, tables: Sequence[str]) -> list[dg.MaterializeResult]:
    shared = _metadata(result, result.api_calls)
    return [
        dg.MaterializeResult(
            asset_key=["raw_plaid", table],
            metadata={
                **shared,
                "rows_received_table": dg.MetadataValue.int(result.rows_received.get(table, 0)),
                "rows_written_table": dg.MetadataValue.int(result.rows_written.get(table, 0)),
            },
        )
        for table in tables
    ]


ACCOUNTS = dg.AssetKey(["raw_plaid", "accounts"])


@dg.asset(
    key=["raw_plaid", "items"],
    group_name=GROUP,
    kinds={"postgres", "plaid"},
    # After the balances in a run that has both: /accounts/get reaches every item and
    # records its health, so /item/get is asked only of the items it did not reach.
    deps=[APP_ITEMS, ACCOUNTS],
    pool=PLAID_POOLS["items"],
    retry_policy=PLAID_RETRY_POLICY,
    description=(
        "Plaid items of active clients with their health (ok / needs_relink / "
        "product_not_ready / error, with Plaid's request id): the worst state of the "
        "item's product calls, and /item/get for the items no product call of this "
        "run reached (ingestion.plaid.loaders.check_items)."
    ),
)
def raw_plaid_items(
    context: dg.AssetExecutionContext,
    plaid: PlaidResource,
    warehouse: WarehouseResource,
    keyring: KeyringResource,
) -> dg.MaterializeResult:
    run_record = context.instance.get_run_record_by_id(context.run.run_id)
    run_created_at = run_record.create_timestamp if run_record is not None else None
    result = _run_load(
        context,
        plaid,
        warehouse,
        keyring,
        lambda c, items, _: check_items(c, items, unchecked_since=run_created_at),
        False,
    )
    return _results(result, ["items"])[0]


BALANCE_TABLES = ("accounts", "balances_daily")


@dg.multi_asset(
    specs=[
        _spec("accounts", "Accounts of Plaid items; mask = last 4 only, names encrypted."),
        _spec("balances_daily", "Balances per account and day (/accounts/get)."),
    ],
    partitions_def=SNAPSHOT_PARTITIONS,
    pool=PLAID_POOLS["snapshots"],
    retry_policy=PLAID_RETRY_POLICY,
)
def raw_plaid_balances(
    context: dg.AssetExecutionContext,
    plaid: PlaidResource,
    warehouse: WarehouseResource,
    keyring: KeyringResource,
):
    result = _run_load(context, plaid, warehouse, keyring, load_balances, True)
    yield from _results(result, BALANCE_TABLES)


HOLDING_TABLES = ("securities", "holdings_daily", "holding_tax_lots_daily")


@dg.multi_asset(
    specs=[
        _spec("securities", "Securities of holdings and investment transactions."),
        _spec("holdings_daily", "Holdings per account, security and day."),
        _spec(
            "holding_tax_lots_daily",
            "Plaid tax_lots of each holding and day: lot cost basis and purchase dates.",
        ),
    ],
    partitions_def=SNAPSHOT_PARTITIONS,
    pool=PLAID_POOLS["snapshots"],
    retry_policy=PLAID_RETRY_POLICY,
)
def raw_plaid_holdings(
    context: dg.AssetExecutionContext,
    plaid: PlaidResource,
    warehouse: WarehouseResource,
    keyring: KeyringResource,
):
    result = _run_load(context, plaid, warehouse, keyring, load_holdings, True)
    yield from _results(result, HOLDING_TABLES)


LIABILITY_TABLES = (
    "liabilities_credit",
    "liabilities_credit_aprs",
    "liabilities_mortgage",
    "liabilities_student",
)


@dg.multi_asset(
    specs=[
        _spec("liabilities_credit", "Credit card liabilities per account and day."),
        _spec("liabilities_credit_aprs", "APRs of credit cards per account, type and day."),
        _spec("liabilities_mortgage", "Mortgages per account and day (account number last 4)."),
        _spec("liabilities_student", "Student loans per account and day (numbers last 4)."),
    ],
    partitions_def=SNAPSHOT_PARTITIONS,
    pool=PLAID_POOLS["snapshots"],
    retry_policy=PLAID_RETRY_POLICY,
)
def raw_plaid_liabilities(
    context: dg.AssetExecutionContext,
    plaid: PlaidResource,
    warehouse: WarehouseResource,
    keyring: KeyringResource,
):
    result = _run_load(context, plaid, warehouse, keyring, load_liabilities, True)
    yield from _results(result, LIABILITY_TABLES)


@dg.asset(
    key=["raw_plaid", "investment_transactions"],
    group_name=GROUP,
    kinds={"postgres", "plaid"},
    deps=[APP_ITEMS],
    pool=PLAID_POOLS["investment_transactions"],
    retry_policy=PLAID_RETRY_POLICY,
    description=(
        "Investment transactions, every page of /investments/transactions/get: 24 months on "
        "the first load, then from 30 days before the newest loaded date."
    ),
)
def raw_plaid_investment_transactions(
    context: dg.AssetExecutionContext,
    plaid: PlaidResource,
    warehouse: WarehouseResource,
    keyring: KeyringResource,
) -> dg.MaterializeResult:
    def load(load_context: PlaidLoadContext, items, _day) -> PlaidLoadResult:
        end = load_context.client.served_today() or dt.datetime.now(dt.UTC).date()
        return load_investment_transactions(load_context, items, end)

    result = _run_load(context, plaid, warehouse, keyring, load, False)
    return _results(result, ["investment_transactions"])[0]


@dg.asset(
    key=["raw_plaid", "transactions"],
    group_name=GROUP,
    kinds={"postgres", "plaid"},
    deps=[APP_ITEMS],
    pool=PLAID_POOLS["transactions"],
    retry_policy=PLAID_RETRY_POLICY,
    description=(
        "Bank and card transactions by /transactions/sync from each item's stored cursor; "
        "the cursor is saved with the data once has_more is false; removals stamped."
    ),
)
def raw_plaid_transactions(
    context: dg.AssetExecutionContext,
    plaid: PlaidResource,
    warehouse: WarehouseResource,
    keyring: KeyringResource,
) -> dg.MaterializeResult:
    result = _run_load(
        context, plaid, warehouse, keyring, lambda c, items, _: sync_transactions(c, items), False
    )
    return _results(result, ["transactions"])[0]


RAW_PLAID_TABLES = (
    "items",
    *BALANCE_TABLES,
    *HOLDING_TABLES,
    *LIABILITY_TABLES,
    "investment_transactions",
    "transactions",
)

defs = dg.Definitions(
    assets=[
        raw_plaid_items,
        raw_plaid_balances,
        raw_plaid_holdings,
        raw_plaid_liabilities,
        raw_plaid_investment_transactions,
        raw_plaid_transactions,
    ],
    asset_checks=[
        gx_suite_check(EXPECTATIONS_DIR / f"raw_plaid__{table}.yaml") for table in RAW_PLAID_TABLES
    ],
    jobs=[plaid_webhook_sync_job],
    sensors=[plaid_webhook_sensor],
    resources={"plaid": PlaidResource()},
)
