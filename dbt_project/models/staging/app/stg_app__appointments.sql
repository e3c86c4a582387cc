with

source as (
    select * from {{ source('app', 'appointments') }}
),

renamed as (
    select
        -- ids
        appointment_id,
        client_key,
        advisor_id,
        concierge_id,

        -- attributes
        appointment_type,
        status as appointment_status,

        -- amounts
        duration_minutes,

        -- timestamps
        created_at as booked_at,
        scheduled_for as scheduled_at,
        updated_at,
        coalesce(deleted_at, _deleted_in_source_at) as deleted_at,

        -- flags
        deleted_at is not null or _deleted_in_source_at is not null as is_deleted

    from source
)

select * from renamed
