-- Identity stitching: every anonymous id (a browser or device) is mapped to the
-- client who first identified on it. Visits before sign-up carry only the
-- anonymous id; from the `identify` call on, events carry the client's key too.

with

events as (
    select * from {{ ref('stg_events__events') }}
),

anonymous_ids as (
    select
        anonymous_id,
        min(occurred_at) as first_seen_at,
        max(occurred_at) as last_seen_at,
        count(*) as events_count
    from events
    where anonymous_id is not null
    group by anonymous_id
),

identifications as (
    -- Several clients on one device: the first to identify keeps the device's
    -- earlier anonymous history (Segment's own convention).
    select distinct on (anonymous_id)
        anonymous_id,
        client_key,
        occurred_at as identified_at
    from events
    where anonymous_id is not null and client_key is not null
    order by anonymous_id asc, occurred_at asc, event_id asc
),

final as (
    select
        -- ids
        anonymous_ids.anonymous_id,
        identifications.client_key,

        -- amounts
        anonymous_ids.events_count,

        -- timestamps
        anonymous_ids.first_seen_at,
        anonymous_ids.last_seen_at,
        identifications.identified_at,

        -- flags
        identifications.client_key is not null as is_identified

    from anonymous_ids
    left join identifications
        on anonymous_ids.anonymous_id = identifications.anonymous_id
)

select * from final
