-- Onboarding funnel summed over the sign-up cohorts in the chosen range.
select
    coalesce(sum(signed_up_clients), 0) as signed_up_clients,
    coalesce(sum(linked_account_clients), 0) as linked_account_clients,
    coalesce(sum(uploaded_document_clients), 0) as uploaded_document_clients,
    coalesce(sum(booked_appointment_clients), 0) as booked_appointment_clients
from marts.fct_onboarding_funnel
where
    cohort_period = 'month'
    and cohort_start_date between :start_date and :end_date
    and (cast(:cohort_month as date) is null or cohort_start_date = cast(:cohort_month as date))
