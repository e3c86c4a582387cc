-- One row per active client with the attributes marketing segments on. The
-- financial attributes (net-worth band, equity-heavy, opportunity types) come
-- from int_clients__financial_segments, joined on client_key: they stay null
-- until that model is filled from the balance-sheet and opportunity marts,
-- and filling it never changes this model's grain.

with

clients as (
    select * from {{ ref('dim_clients') }}
    where not is_deleted
),

goals as (
    select * from {{ ref('stg_app__goals') }}
    where not is_deleted
),

appointments as (
    select * from {{ ref('stg_app__appointments') }}
    where not is_deleted
),

plaid_items as (
    select * from {{ ref('stg_app__plaid_items') }}
    where not is_deleted
),

document_uploads as (
    select * from {{ ref('stg_app__document_uploads') }}
    where not is_deleted
),

daily_activity as (
    select * from {{ ref('fct_client_daily_activity') }}
),

financial_segments as (
    select * from {{ ref('int_clients__financial_segments') }}
),

as_of as (
    -- "Today" of the data, not of the wall clock: the latest day with activity,
    -- or the latest sign-up before any event has arrived.
    select
        greatest(
            (select max(daily_activity.activity_date) from daily_activity),
            (select max(clients.signed_up_at at time zone 'UTC')::date from clients)
        ) as as_of_date
),

goal_counts as (
    select
        client_key,
        count(*) as goals_count,
        count(*) filter (where goal_status = 'active') as active_goals_count
    from goals
    group by client_key
),

appointment_counts as (
    select
        client_key,
        count(*) as appointments_count,
        count(*) filter (where appointment_status = 'completed') as completed_appointments_count
    from appointments
    group by client_key
),

item_counts as (
    select
        client_key,
        count(*) as linked_items_count
    from plaid_items
    group by client_key
),

upload_counts as (
    select
        client_key,
        count(*) as document_uploads_count
    from document_uploads
    group by client_key
),

tenure as (
    -- Whole calendar months from the sign-up month to the as-of month.
    select
        clients.client_key,
        (
            12 * (
                extract(year from as_of.as_of_date)
                - extract(year from clients.signed_up_at at time zone 'UTC')
            )
            + extract(month from as_of.as_of_date)
            - extract(month from clients.signed_up_at at time zone 'UTC')
        )::integer as tenure_months
    from clients
    cross join as_of
),

activity as (
    select
        daily_activity.client_key,
        max(daily_activity.activity_date) as last_active_date,
        count(*) filter (
            where daily_activity.activity_date > as_of.as_of_date - 30
        ) as active_days_last_30_count
    from daily_activity
    cross join as_of
    group by daily_activity.client_key
),

final as (
    select
        -- ids
        clients.client_key,

        -- attributes
        clients.state_code,
        clients.signup_channel,
        clients.income_band,
        clients.filing_status,
        case
            when tenure.tenure_months < 3 then 'under_3_months'
            when tenure.tenure_months < 12 then '3_to_12_months'
            when tenure.tenure_months < 24 then '12_to_24_months'
            else '24_months_plus'
        end as tenure_band,
        financial_segments.net_worth_band,
        financial_segments.top_opportunity_type,
        financial_segments.opportunity_types,

        -- amounts
        tenure.tenure_months,
        coalesce(goal_counts.goals_count, 0) as goals_count,
        coalesce(goal_counts.active_goals_count, 0) as active_goals_count,
        coalesce(appointment_counts.appointments_count, 0) as appointments_count,
        coalesce(
            appointment_counts.completed_appointments_count, 0
        ) as completed_appointments_count,
        coalesce(item_counts.linked_items_count, 0) as linked_items_count,
        coalesce(upload_counts.document_uploads_count, 0) as document_uploads_count,
        coalesce(activity.active_days_last_30_count, 0) as active_days_last_30_count,

        -- dates
        clients.signed_up_date,
        date_trunc('month', clients.signed_up_at at time zone 'UTC')::date as signup_cohort_month,
        activity.last_active_date,
        as_of.as_of_date,

        -- flags
        clients.has_employer,
        financial_segments.is_equity_heavy

    from clients
    cross join as_of
    inner join tenure
        on clients.client_key = tenure.client_key
    left join goal_counts
        on clients.client_key = goal_counts.client_key
    left join appointment_counts
        on clients.client_key = appointment_counts.client_key
    left join item_counts
        on clients.client_key = item_counts.client_key
    left join upload_counts
        on clients.client_key = upload_counts.client_key
    left join activity
        on clients.client_key = activity.client_key
    left join financial_segments
        on clients.client_key = financial_segments.client_key
)

select * from final
