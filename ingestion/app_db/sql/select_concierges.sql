-- concierges of the application database changed since `changed_since` (every row when
-- it is null), in key order for a stable read. The columns are those classified in
-- privacy.classification["app.concierges"].
select
    concierge_id,
    first_name,
    last_name,
    email,
    created_at,
    updated_at,
    deleted_at
from concierges
where updated_at >= coalesce(%(changed_since)s::timestamptz, '-infinity'::timestamptz)
order by concierge_id
