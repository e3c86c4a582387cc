"""Between nightly runs: a sensor that syncs the Plaid items named by stored webhooks.

The receiver (`orchestration/webhook_receiver.py`) stores verified webhooks in
`raw_plaid.webhook_events`. Each tick of `plaid_webhook_sensor`:
1. marks processed the events of `plaid_webhook_sync` runs that succeeded
   (only then: an event of a failed or killed run stays unprocessed and is
   requested again on a later tick, so nothing is lost);
2. takes the unprocessed events that no queued or running sync already covers
   and requests one run for them.

The run is the `plaid_webhook_sync` job restricted to the assets the webhook
types need (TRANSACTIONS -> raw_plaid/transactions, HOLDINGS -> the holdings
snapshot of Plaid's today, INVESTMENTS_TRANSACTIONS -> investment transactions,
LIABILITIES -> the liabilities snapshot, ITEM -> raw_plaid/items health). The
affected items travel in the run tag `wdp/plaid_item_ids` (comma-separated,
read by `items_of_run` in every Plaid asset), the events in
`wdp/plaid_webhook_event_ids`: tags rather than run config because the same
assets serve the nightly run unchanged, and tags show in the Dagster UI.
One run covers a batch: each selected asset runs for every named item that has
its product (an item named for transactions also gets its holdings refreshed if
another item's HOLDINGS webhook is in the batch): a little more than needed,
never less, and one run instead of one per webhook.
"""

import datetime as dt

import dagster as dg

from ingestion.plaid.webhooks import (
    WebhookEvent,
    mark_webhook_events_processed,
    unprocessed_webhook_events,
)
from orchestration.resources import WarehouseResource

ITEM_IDS_TAG = "wdp/plaid_item_ids"
EVENT_IDS_TAG = "wdp/plaid_webhook_event_ids"
MAX_EVENTS_PER_RUN = 200


def _keys(*tables: str) -> list[dg.AssetKey]:
    return [dg.AssetKey(["raw_plaid", table]) for table in tables]


# Multi-assets (holdings, liabilities) cannot be split: all their keys go together.
ASSETS_BY_WEBHOOK_TYPE: dict[str, list[dg.AssetKey]] = {
    "TRANSACTIONS": _keys("transactions"),
    "HOLDINGS": _keys("securities", "holdings_daily", "holding_tax_lots_daily"),
    "INVESTMENTS_TRANSACTIONS": _keys("investment_transactions"),
    "LIABILITIES": _keys(
        "liabilities_credit",
        "liabilities_credit_aprs",
        "liabilities_mortgage",
        "liabilities_student",
    ),
    "ITEM": _keys("items"),
}

plaid_webhook_sync_job = dg.define_asset_job(
    "plaid_webhook_sync",
    selection=dg.AssetSelection.assets(
        *{key for keys in ASSETS_BY_WEBHOOK_TYPE.values() for key in keys}
    ),
    description="Syncs the Plaid items named by webhooks (tag wdp/plaid_item_ids).",
)

IN_FLIGHT_STATUSES = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]


def items_of_run(tags: dict[str, str]) -> frozenset[str] | None:
    """The item ids a webhook sync run is limited to; None for a normal (all items) run."""
    value = tags.get(ITEM_IDS_TAG)
    if value is None:
        return None
    return frozenset(item_id for item_id in value.split(",") if item_id)


def _event_ids(run: dg.DagsterRun) -> list[int]:
    return [int(value) for value in run.tags.get(EVENT_IDS_TAG, "").split(",") if value]


def sync_request(events: list[WebhookEvent]) -> dg.RunRequest | None:
    """One run for these events: the assets their types need, limited to their items."""
    asset_keys: list[dg.AssetKey] = []
    for event in events:
        for key in ASSETS_BY_WEBHOOK_TYPE.get(event.webhook_type, []):
            if key not in asset_keys:
                asset_keys.append(key)
    item_ids = sorted({event.item_id for event in events if event.item_id})
    if not asset_keys or not item_ids:
        return None
    return dg.RunRequest(
        asset_selection=asset_keys,
        tags={
            ITEM_IDS_TAG: ",".join(item_ids),
            EVENT_IDS_TAG: ",".join(str(event.webhook_event_id) for event in events),
        },
    )


@dg.sensor(
    job=plaid_webhook_sync_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Syncs the Plaid items of unprocessed raw_plaid.webhook_events; marks them processed "
        "once that run succeeded."
    ),
)
def plaid_webhook_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    instance = context.instance
    connection = warehouse.connect("wdp_loader")
    try:
        now = dt.datetime.now(dt.UTC)
        succeeded = instance.get_runs(
            filters=dg.RunsFilter(
                job_name=plaid_webhook_sync_job.name, statuses=[dg.DagsterRunStatus.SUCCESS]
            ),
            limit=50,
        )
        acknowledged = sum(
            mark_webhook_events_processed(connection, _event_ids(run), now) for run in succeeded
        )
        in_flight = {
            event_id
            for run in instance.get_runs(
                filters=dg.RunsFilter(
                    job_name=plaid_webhook_sync_job.name, statuses=IN_FLIGHT_STATUSES
                )
            )
            for event_id in _event_ids(run)
        }
        waiting = [
            event
            for event in unprocessed_webhook_events(connection)
            if event.webhook_event_id not in in_flight
        ]
        # Webhooks no asset acts on (other products, no item) need no sync: done now.
        needless = [
            event.webhook_event_id
            for event in waiting
            if event.webhook_type not in ASSETS_BY_WEBHOOK_TYPE or not event.item_id
        ]
        mark_webhook_events_processed(connection, needless, now)
    finally:
        connection.close()
    batch = [event for event in waiting if event.webhook_event_id not in needless]
    batch = batch[:MAX_EVENTS_PER_RUN]
    if acknowledged:
        context.log.info(f"{acknowledged} webhook events processed by succeeded syncs")
    request = sync_request(batch)
    if request is None:
        return dg.SkipReason(
            f"no webhook waiting ({len(in_flight)} in a running sync, {len(needless)} needed none)"
        )
    return request
