-- manual_assets of the application database changed since `changed_since` (every row when
-- it is null), in key order for a stable read. The columns are those classified in
-- privacy.classification["app.manual_assets"].
select
    asset_id,
    client_id,
    asset_type,
    description,
    value_usd,
    created_at,
    updated_at,
    deleted_at
from manual_assets
where updated_at >= coalesce(%(changed_since)s::timestamptz, '-infinity'::timestamptz)
order by asset_id
