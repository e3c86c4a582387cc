with

source as (
    select * from {{ source('plaid', 'securities') }}
),

renamed as (
    select
        -- ids
        security_id,
        ticker_symbol,
        isin,
        cusip,
        sedol,
        figi,
        institution_security_id,
        institution_id,
        proxy_security_id,

        -- attributes
        name as security_name,
        type as security_type,
        market_identifier_code,
        sector,
        industry,
        coalesce(iso_currency_code, unofficial_currency_code) as currency_code,

        -- flags
        coalesce(is_cash_equivalent, false) as is_cash_equivalent,

        -- timestamps
        _loaded_at as loaded_at

    from source
)

select * from renamed
