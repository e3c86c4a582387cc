-- Items not worth asking again about a product: its last call was for this day
-- and left the item ok (its data is loaded) or needing relink (Plaid would
-- answer ITEM_LOGIN_REQUIRED again), and no webhook about the item arrived
-- since. Plaid announces news with webhooks (SYNC_UPDATES_AVAILABLE,
-- DEFAULT_UPDATE, LOGIN_REPAIRED ...); the next day's run asks every item
-- again, so a lost webhook delays an item's news by a day, never loses it.
select health.item_id
from raw_plaid.item_product_health as health
where
    health.product = %(product)s
    and health.checked_for_day = %(day)s
    and health.health_state in ('ok', 'needs_relink')
    and not exists (
        select 1
        from raw_plaid.webhook_events as webhook
        where webhook.item_id = health.item_id and webhook.received_at >= health.checked_at
    )
