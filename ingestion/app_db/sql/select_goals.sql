-- goals of the application database changed since `changed_since` (every row when
-- it is null), in key order for a stable read. The columns are those classified in
-- privacy.classification["app.goals"].
select
    goal_id,
    client_id,
    goal_type,
    target_amount_usd,
    target_date,
    status,
    created_at,
    updated_at,
    deleted_at
from goals
where updated_at >= coalesce(%(changed_since)s::timestamptz, '-infinity'::timestamptz)
order by goal_id
