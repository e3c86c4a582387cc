-- Feature usage: one row per UTC day, feature (event type and name) and sign-up
-- cohort month, with the events sent and the distinct clients who sent them.
-- A feature is a tracked action (its event name) or a viewed page (its page
-- name); `identify` calls and anonymous visits are not feature use.
-- Rebuilt in full each run (a table, not incremental): the result is small
-- (days x features x cohorts), and a full build keeps deleted clients out and
-- picks up clients whose app row arrived after their events.

with

events as (
    select * from {{ ref('stg_events__events') }}
    where
        client_key is not null
        and event_type in ('track', 'page')
),

clients as (
    select * from {{ ref('dim_clients') }}
    where not is_deleted
),

client_events as (
    select
        events.event_id,
        events.client_key,
        events.event_type,
        -- A page event's name is the page's; a page without a name still counts.
        coalesce(
            case when events.event_type = 'track' then events.event_name else events.page_name end,
            '(unnamed)'
        ) as event_name,
        (events.occurred_at at time zone 'UTC')::date as usage_date,
        date_trunc('month', clients.signed_up_at at time zone 'UTC')::date as signup_cohort_month
    from events
    inner join clients
        on events.client_key = clients.client_key
),

final as (
    select
        -- ids
        usage_date::text || ':' || event_type || ':' || event_name || ':'
        || signup_cohort_month::text as feature_usage_id,

        -- attributes
        event_type,
        event_name,

        -- dates
        usage_date,
        signup_cohort_month,

        -- amounts
        count(distinct client_key) as clients_count,
        count(*) as events_count

    from client_events
    group by usage_date, event_type, event_name, signup_cohort_month
)

select * from final
