{{
    config(
        materialized='incremental',
        unique_key=['client_key', 'activity_date'],
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
    )
}}

-- One row per client and UTC day with any event of the signed-up client.
-- Incremental: a run recomputes, from all their events, every (client, day)
-- touched by an event loaded since the last run (minus a lookback of
-- `events_lookback_hours`, default 72), so events that arrive days late land
-- on the day they happened and re-deliveries change nothing.

with

events as (
    select
        *,
        (occurred_at at time zone 'UTC')::date as activity_date
    from {{ ref('stg_events__events') }}
    where client_key is not null
),

touched_days as (
    -- Full build: every client-day. Incremental: the client-days of events
    -- loaded since the last run (less the lookback).
    select distinct
        client_key,
        activity_date
    from events
    {% if is_incremental() %}
        where
            loaded_at > (
                select coalesce(max(previous_run.last_loaded_at), '-infinity'::timestamptz)
                from {{ this }} as previous_run
            ) - interval '{{ var("events_lookback_hours", 72) }} hours'
    {% endif %}
),

events_to_count as (
    select events.*
    from events
    inner join touched_days
        on
            events.client_key = touched_days.client_key
            and events.activity_date = touched_days.activity_date
),

final as (
    select
        -- ids
        client_key,

        -- dates
        activity_date,
        date_trunc('month', activity_date)::date as activity_month,

        -- amounts
        count(*) as events_count,
        count(*) filter (where event_type = 'page') as page_views_count,
        count(*) filter (where event_type = 'track') as track_events_count,

        -- timestamps
        min(occurred_at) as first_event_at,
        max(occurred_at) as last_event_at,
        max(loaded_at) as last_loaded_at

    from events_to_count
    group by client_key, activity_date
)

select * from final
