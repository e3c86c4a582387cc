with

source as (
    select * from {{ source('app', 'concierges') }}
),

renamed as (
    select
        -- ids (names and e-mail are personal data: they stay encrypted in raw)
        concierge_id,

        -- timestamps
        created_at,
        updated_at,
        coalesce(deleted_at, _deleted_in_source_at) as deleted_at,

        -- flags
        deleted_at is not null or _deleted_in_source_at is not null as is_deleted

    from source
)

select * from renamed
