-- The outcome of this run's call for one item and product. last_ok_at keeps
-- the last time the product answered, so the app can say "data as of".
-- A product call also proves or disproves the item's login: when it answered,
-- or failed with an item error (ITEM_LOGIN_REQUIRED), the same outcome is the
-- item's own health (product 'item', as /item/get would record it), so the
-- nightly need not ask /item/get for that item (ingestion.plaid.loaders.check_items).
-- checked_for_day is the day the call was for: the snapshot's day for the
-- product, Plaid's today for the item's own health.
insert into raw_plaid.item_product_health as health (
    item_id, product, health_state, error_type, error_code, request_id,
    checked_at, last_ok_at, checked_for_day, _load_id, _loaded_at
)
select
    %(item_id)s,
    checked.product,
    %(health_state)s,
    %(error_type)s,
    %(error_code)s,
    %(request_id)s,
    %(checked_at)s,
    case when %(health_state)s = 'ok' then %(checked_at)s::timestamptz end,
    checked.checked_for_day,
    %(load_id)s,
    %(checked_at)s
from (
    values
    (%(product)s, %(checked_for_day)s::date),
    (%(item_product)s, %(item_checked_for_day)s::date)
) as checked (product, checked_for_day)
where checked.product is not null
on conflict (item_id, product) do update set
    health_state = excluded.health_state,
    error_type = excluded.error_type,
    error_code = excluded.error_code,
    request_id = excluded.request_id,
    checked_at = excluded.checked_at,
    last_ok_at = coalesce(excluded.last_ok_at, health.last_ok_at),
    checked_for_day = excluded.checked_for_day,
    _load_id = excluded._load_id,
    _loaded_at = excluded._loaded_at
