with

source as (
    select * from {{ source('documents', 'fmv_409a_valuations') }}
),

renamed as (
    select
        -- ids
        file_sha256::text as file_sha256,
        company_name as employer_name,
        row_number as file_row_number,
        client_key,

        -- dates
        valuation_date,

        -- amounts
        fmv_per_share_usd::numeric(14, 4) as fmv_per_share_usd,

        -- timestamps
        _loaded_at as loaded_at

    from source
)

select * from renamed
