with

source as (
    select * from {{ source('app', 'concierge_assignments') }}
),

renamed as (
    select
        -- ids
        assignment_id as concierge_assignment_id,
        client_key,
        concierge_id,

        -- timestamps
        assigned_at,
        unassigned_at,
        updated_at,
        -- The app hard-deletes assignments: only the loader's stamp marks them.
        _deleted_in_source_at as deleted_at,

        -- flags
        unassigned_at is null and _deleted_in_source_at is null as is_current,
        _deleted_in_source_at is not null as is_deleted

    from source
)

select * from renamed
