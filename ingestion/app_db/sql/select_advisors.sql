-- advisors of the application database changed since `changed_since` (every row when
-- it is null), in key order for a stable read. The columns are those classified in
-- privacy.classification["app.advisors"].
select
    advisor_id,
    first_name,
    last_name,
    advisor_type,
    licensed_states,
    capacity_clients,
    is_accepting_clients,
    created_at,
    updated_at,
    deleted_at
from advisors
where updated_at >= coalesce(%(changed_since)s::timestamptz, '-infinity'::timestamptz)
order by advisor_id
