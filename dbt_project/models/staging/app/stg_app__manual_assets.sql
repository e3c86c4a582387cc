with

source as (
    select * from {{ source('app', 'manual_assets') }}
),

renamed as (
    select
        -- ids
        asset_id as manual_asset_id,
        client_key,

        -- attributes (the free-text description may hold an address: it stays encrypted in raw)
        asset_type,

        -- amounts
        value_usd::numeric(14, 2) as value_usd,

        -- timestamps
        created_at,
        updated_at,
        coalesce(deleted_at, _deleted_in_source_at) as deleted_at,

        -- flags
        deleted_at is not null or _deleted_in_source_at is not null as is_deleted

    from source
)

select * from renamed
