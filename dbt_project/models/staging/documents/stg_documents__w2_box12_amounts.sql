with

source as (
    select * from {{ source('documents', 'w2_box12_amounts') }}
),

renamed as (
    select
        -- ids
        file_sha256::text as file_sha256,
        form_number,
        upper(box12_code) as box12_code,
        client_key,

        -- amounts
        amount_usd,

        -- timestamps
        _loaded_at as loaded_at

    from source
)

select * from renamed
