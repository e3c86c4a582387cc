-- raw_plaid.items: the item with its worst product state (needs_relink > error >
-- product_not_ready > ok). The row changes only when the state, the error or
-- the item's attributes change, so a re-run with the same outcome changes nothing.
insert into raw_plaid.items as items (
    item_id, client_id, client_key, institution_id, institution_name,
    health_state, error_type, error_code, request_id, health_checked_at,
    _load_id, _loaded_at
)
select
    %(item_id)s,
    %(client_id)s,
    %(client_key)s,
    %(institution_id)s,
    %(institution_name)s,
    worst.health_state,
    worst.error_type,
    worst.error_code,
    worst.request_id,
    worst.checked_at,
    %(load_id)s,
    %(loaded_at)s
from (
    select health_state, error_type, error_code, request_id, checked_at
    from raw_plaid.item_product_health
    where item_id = %(item_id)s
    order by
        case health_state
            when 'needs_relink' then 0
            when 'error' then 1
            when 'product_not_ready' then 2
            else 3
        end,
        checked_at desc
    limit 1
) as worst
on conflict (item_id) do update set
    client_id = excluded.client_id,
    client_key = excluded.client_key,
    institution_id = excluded.institution_id,
    institution_name = excluded.institution_name,
    health_state = excluded.health_state,
    error_type = excluded.error_type,
    error_code = excluded.error_code,
    request_id = excluded.request_id,
    health_checked_at = excluded.health_checked_at,
    _load_id = excluded._load_id,
    _loaded_at = excluded._loaded_at
where (
    items.client_key, items.institution_id, items.institution_name, items.health_state,
    items.error_type, items.error_code, items.request_id
) is distinct from (
    excluded.client_key, excluded.institution_id, excluded.institution_name,
    excluded.health_state, excluded.error_type, excluded.error_code, excluded.request_id
)
