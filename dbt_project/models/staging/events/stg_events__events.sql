with

source as (
    select * from {{ source('events', 'events') }}
),

renamed as (
    select
        -- ids: `user_id` (the source client id) and the encrypted identifiers
        -- inside the documents (e-mail, IP) end here; user agents are dropped too.
        message_id as event_id,
        client_key,
        anonymous_id,

        -- attributes
        type as event_type,
        event as event_name,
        name as page_name,
        properties ->> 'path' as page_path,
        coalesce(properties ->> 'signup_channel', traits ->> 'signup_channel') as signup_channel,
        properties ->> 'institution_id' as institution_id,
        properties ->> 'document_type' as document_type,
        (properties ->> 'tax_year')::integer as document_tax_year,
        properties ->> 'appointment_type' as appointment_type,
        properties ->> 'goal_type' as goal_type,
        context -> 'campaign' ->> 'source' as campaign_source,
        context -> 'campaign' ->> 'medium' as campaign_medium,
        context -> 'campaign' ->> 'name' as campaign_name,

        -- timestamps
        timestamp as occurred_at,
        received_at,
        _loaded_at as loaded_at,

        -- flags
        client_key is not null as is_identified

    from source
)

select * from renamed
