with

source as (
    select * from {{ source('concierge', 'opportunity_actions') }}
),

renamed as (
    select
        -- ids (the note is free text a concierge typed: it stays encrypted in the source)
        opportunity_action_id,
        client_key,

        -- attributes
        opportunity_type,
        opportunity_action,
        recorded_by_role,

        -- timestamps
        recorded_at

    from source
)

select * from renamed
