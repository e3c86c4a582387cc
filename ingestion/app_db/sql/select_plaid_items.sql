-- plaid_items of the application database changed since `changed_since` (every row when
-- it is null), in key order for a stable read. The columns are those classified in
-- privacy.classification["app.plaid_items"].
select
    item_id,
    client_id,
    institution_id,
    institution_name,
    access_token,
    products,
    created_at,
    updated_at,
    deleted_at
from plaid_items
where updated_at >= coalesce(%(changed_since)s::timestamptz, '-infinity'::timestamptz)
order by item_id
