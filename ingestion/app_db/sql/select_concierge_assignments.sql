-- concierge_assignments of the application database changed since `changed_since` (every row when
-- it is null), in key order for a stable read. The columns are those classified in
-- privacy.classification["app.concierge_assignments"].
select
    assignment_id,
    client_id,
    concierge_id,
    assigned_at,
    unassigned_at,
    updated_at
from concierge_assignments
where updated_at >= coalesce(%(changed_since)s::timestamptz, '-infinity'::timestamptz)
order by assignment_id
