-- appointments of the application database changed since `changed_since` (every row when
-- it is null), in key order for a stable read. The columns are those classified in
-- privacy.classification["app.appointments"].
select
    appointment_id,
    client_id,
    advisor_id,
    concierge_id,
    appointment_type,
    status,
    scheduled_for,
    duration_minutes,
    created_at,
    updated_at,
    deleted_at
from appointments
where updated_at >= coalesce(%(changed_since)s::timestamptz, '-infinity'::timestamptz)
order by appointment_id
