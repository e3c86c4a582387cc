-- Monthly retention of sign-up cohorts: for each month of sign-up and each
-- month since (0 = the sign-up month, up to the month of the latest activity
-- in the warehouse), how many of the cohort's active clients had any event
-- that calendar month, and which share of the cohort that is.

with

clients as (
    select * from {{ ref('stg_app__clients') }}
    where not is_deleted
),

daily_activity as (
    select * from {{ ref('fct_client_daily_activity') }}
),

as_of as (
    select max(activity_month) as as_of_month
    from daily_activity
),

cohort_members as (
    select
        client_key,
        date_trunc('month', signed_up_at at time zone 'UTC')::date as signup_cohort_month
    from clients
),

cohorts as (
    select
        signup_cohort_month,
        count(*) as cohort_clients
    from cohort_members
    group by signup_cohort_month
),

cohort_months as (
    -- Every month from the cohort's first to the latest, active clients or not.
    select
        cohorts.signup_cohort_month,
        cohorts.cohort_clients,
        activity_month::date as activity_month,
        (
            12 * (
                extract(year from activity_month) - extract(year from cohorts.signup_cohort_month)
            )
            + extract(month from activity_month) - extract(month from cohorts.signup_cohort_month)
        )::integer as months_since_signup
    from cohorts
    cross join as_of
    cross join lateral generate_series(
        cohorts.signup_cohort_month, as_of.as_of_month, interval '1 month'
    ) as activity_month
),

active_members as (
    select
        cohort_members.signup_cohort_month,
        daily_activity.activity_month,
        count(distinct daily_activity.client_key) as active_clients
    from daily_activity
    inner join cohort_members
        on daily_activity.client_key = cohort_members.client_key
    where daily_activity.activity_month >= cohort_members.signup_cohort_month
    group by cohort_members.signup_cohort_month, daily_activity.activity_month
),

final as (
    select
        -- ids
        cohort_months.signup_cohort_month::text
        || ':'
        || cohort_months.months_since_signup::text as cohort_retention_id,

        -- dates
        cohort_months.signup_cohort_month,
        cohort_months.activity_month,

        -- amounts
        cohort_months.months_since_signup,
        cohort_months.cohort_clients,
        coalesce(active_members.active_clients, 0) as active_clients,
        round(
            100.0 * coalesce(active_members.active_clients, 0) / cohort_months.cohort_clients, 2
        ) as retention_pct

    from cohort_months
    left join active_members
        on
            cohort_months.signup_cohort_month = active_members.signup_cohort_month
            and cohort_months.activity_month = active_members.activity_month
)

select * from final
