-- Every event with the client it belongs to: its own client key when it was sent
-- after sign-up, else the client its anonymous id was stitched to.

with

events as (
    select * from {{ ref('stg_events__events') }}
),

anonymous_ids as (
    select * from {{ ref('int_anonymous_ids__stitched') }}
),

final as (
    select
        -- ids
        events.event_id,
        coalesce(events.client_key, anonymous_ids.client_key) as client_key,
        events.anonymous_id,

        -- attributes
        events.event_type,
        events.event_name,
        events.page_name,
        events.campaign_source,
        events.campaign_medium,

        -- timestamps
        events.occurred_at,
        events.received_at,

        -- flags
        events.client_key is null and anonymous_ids.client_key is not null as is_stitched

    from events
    left join anonymous_ids
        on events.anonymous_id = anonymous_ids.anonymous_id
)

select * from final
