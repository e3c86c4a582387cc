-- The onboarding funnel per sign-up cohort, by week and by month: how many
-- active clients signed up, and how many of them went on to link an account,
-- then upload a document, then book an appointment (each step counts clients
-- who also completed every earlier step), with the conversion between steps.

with

clients as (
    select * from {{ ref('fct_client_onboarding') }}
),

cohort_members as (
    select
        'week' as cohort_period,
        signup_cohort_week as cohort_start_date,
        funnel_steps_completed
    from clients

    union all

    select
        'month' as cohort_period,
        signup_cohort_month as cohort_start_date,
        funnel_steps_completed
    from clients
),

counts as (
    select
        cohort_period,
        cohort_start_date,
        count(*) as signed_up_clients,
        count(*) filter (where funnel_steps_completed >= 2) as linked_account_clients,
        count(*) filter (where funnel_steps_completed >= 3) as uploaded_document_clients,
        count(*) filter (where funnel_steps_completed >= 4) as booked_appointment_clients
    from cohort_members
    group by cohort_period, cohort_start_date
),

final as (
    select
        -- ids
        cohort_period || ':' || cohort_start_date::text as cohort_id,

        -- attributes
        cohort_period,

        -- dates
        cohort_start_date,

        -- amounts
        signed_up_clients,
        linked_account_clients,
        uploaded_document_clients,
        booked_appointment_clients,
        round(
            100.0 * linked_account_clients / nullif(signed_up_clients, 0), 2
        ) as signup_to_link_pct,
        round(
            100.0 * uploaded_document_clients / nullif(linked_account_clients, 0), 2
        ) as link_to_upload_pct,
        round(
            100.0 * booked_appointment_clients / nullif(uploaded_document_clients, 0), 2
        ) as upload_to_booking_pct,
        round(
            100.0 * booked_appointment_clients / nullif(signed_up_clients, 0), 2
        ) as signup_to_booking_pct

    from counts
)

select * from final
