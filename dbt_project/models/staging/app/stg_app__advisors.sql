with

source as (
    select * from {{ source('app', 'advisors') }}
),

renamed as (
    select
        -- ids
        advisor_id,

        -- attributes (names are personal data: they stay encrypted in raw)
        advisor_type,
        licensed_states::text [] as licensed_state_codes,

        -- amounts
        capacity_clients,

        -- timestamps
        created_at,
        updated_at,
        coalesce(deleted_at, _deleted_in_source_at) as deleted_at,

        -- flags
        is_accepting_clients,
        deleted_at is not null or _deleted_in_source_at is not null as is_deleted

    from source
)

select * from renamed
