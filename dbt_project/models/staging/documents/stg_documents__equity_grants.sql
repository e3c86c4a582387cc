with

source as (
    select * from {{ source('documents', 'equity_grants') }}
),

renamed as (
    select
        -- ids (the stakeholder's name stays encrypted in raw)
        file_sha256::text as file_sha256,
        grant_id,
        row_number as file_row_number,
        client_key,

        -- attributes
        export_layout,
        company_name as employer_name,
        grant_type,
        vesting_months,
        cliff_months,
        vest_frequency_months,

        -- dates
        grant_date,
        vesting_start_date,
        expiration_date,

        -- amounts
        shares_granted::numeric(20, 4) as shares_granted,
        strike_price_usd::numeric(14, 4) as strike_price_usd,
        coalesce(exercised_shares, 0)::numeric(20, 4) as exercised_shares,

        -- timestamps
        _loaded_at as loaded_at

    from source
)

select * from renamed
