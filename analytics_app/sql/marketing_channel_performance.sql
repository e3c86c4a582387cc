-- What each sign-up channel brings: clients and how far they get in onboarding.
select
    signup_channel,
    count(*) as clients,
    round(100.0 * avg((linked_items_count > 0)::int), 1) as linked_account_pct,
    round(100.0 * avg((document_uploads_count > 0)::int), 1) as uploaded_document_pct,
    round(100.0 * avg((appointments_count > 0)::int), 1) as booked_appointment_pct,
    round(avg(active_days_last_30_count), 1) as active_days_last_30_avg
from marts.dim_client_segments
group by signup_channel
order by clients desc
