-- One row per active client: when they reached each onboarding step
-- (sign-up → link account → upload document → book appointment) and how far
-- along the funnel they are. A step counts as reached in the funnel only when
-- every earlier step is reached too (in any order in time).

with

milestones as (
    select * from {{ ref('int_clients__onboarding_milestones') }}
    where not is_deleted
),

steps as (
    select
        *,
        account_linked_at is not null as has_linked_account,
        document_uploaded_at is not null as has_uploaded_document,
        appointment_booked_at is not null as has_booked_appointment
    from milestones
),

final as (
    select
        -- ids
        client_key,

        -- dates
        date_trunc('week', signed_up_at at time zone 'UTC')::date as signup_cohort_week,
        date_trunc('month', signed_up_at at time zone 'UTC')::date as signup_cohort_month,

        -- amounts
        case
            when not has_linked_account then 1
            when not has_uploaded_document then 2
            when not has_booked_appointment then 3
            else 4
        end as funnel_steps_completed,
        extract(epoch from account_linked_at - signed_up_at) / 86400.0 as days_to_link_account,
        extract(epoch from document_uploaded_at - signed_up_at)
        / 86400.0 as days_to_upload_document,
        extract(epoch from appointment_booked_at - signed_up_at)
        / 86400.0 as days_to_book_appointment,

        -- timestamps
        first_seen_at,
        signed_up_at,
        account_linked_at,
        document_uploaded_at,
        appointment_booked_at,

        -- flags
        has_linked_account,
        has_uploaded_document,
        has_booked_appointment

    from steps
)

select * from final
