with

source as (
    select * from {{ source('plaid', 'holdings_daily') }}
),

renamed as (
    select
        -- ids
        account_id,
        security_id,
        item_id,

        -- dates
        as_of_date as holding_date,
        institution_price_as_of as price_as_of_date,

        -- amounts
        quantity::numeric(24, 8) as quantity,
        institution_price::numeric(20, 6) as institution_price,
        institution_value::numeric(18, 2) as institution_value,
        cost_basis::numeric(18, 2) as cost_basis,
        vested_quantity::numeric(24, 8) as vested_quantity,
        vested_value::numeric(18, 2) as vested_value,
        coalesce(iso_currency_code, unofficial_currency_code) as currency_code,

        -- timestamps
        _loaded_at as loaded_at

    from source
)

select * from renamed
