with

source as (
    select * from {{ source('plaid', 'items') }}
),

renamed as (
    select
        -- ids
        item_id,
        client_key,
        institution_id,

        -- attributes
        institution_name,
        health_state as item_health_status,
        error_type,
        error_code,
        request_id as plaid_request_id,

        -- timestamps
        health_checked_at,
        _loaded_at as loaded_at

    from source
)

select * from renamed
