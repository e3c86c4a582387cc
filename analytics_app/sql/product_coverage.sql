-- Data coverage and opportunity mix of active clients who signed up in the range.
select
    coalesce(top_opportunity_type, 'none yet') as top_opportunity_type,
    count(*) as clients,
    count(*) filter (where linked_items_count > 0) as clients_with_linked_account,
    count(*) filter (where document_uploads_count > 0) as clients_with_document,
    count(*) filter (where appointments_count > 0) as clients_with_appointment
from marts.dim_client_segments
where
    signed_up_date between :start_date and :end_date
    and (
        cast(:cohort_month as date) is null
        or signup_cohort_month = cast(:cohort_month as date)
    )
group by 1
order by clients desc
