-- Plaid items of the application database as replicated into raw_app: only
-- items neither soft-deleted in the app nor gone from it, in key order.
select
    item_id,
    client_id,
    client_key,
    institution_id,
    institution_name,
    access_token_encrypted,
    products
from raw_app.plaid_items
where deleted_at is null
    and _deleted_in_source_at is null
order by item_id
