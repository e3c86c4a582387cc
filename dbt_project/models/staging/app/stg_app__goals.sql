with

source as (
    select * from {{ source('app', 'goals') }}
),

renamed as (
    select
        -- ids
        goal_id,
        client_key,

        -- attributes
        goal_type,
        status as goal_status,

        -- amounts
        target_amount_usd::numeric(14, 2) as target_amount_usd,

        -- dates and timestamps
        target_date,
        created_at,
        updated_at,
        coalesce(deleted_at, _deleted_in_source_at) as deleted_at,

        -- flags
        deleted_at is not null or _deleted_in_source_at is not null as is_deleted

    from source
)

select * from renamed
