with

source as (
    select * from {{ source('plaid', 'investment_transactions') }}
),

renamed as (
    select
        -- ids
        investment_transaction_id,
        account_id,
        item_id,
        security_id,
        cancel_transaction_id,

        -- dates
        date as transaction_date,

        -- attributes
        name as transaction_name,
        type as investment_transaction_type,
        subtype as investment_transaction_subtype,

        -- amounts (Plaid's sign: positive = cash out of the account, e.g. a buy)
        quantity::numeric(24, 8) as quantity,
        amount::numeric(18, 2) as amount,
        price::numeric(20, 6) as price,
        fees::numeric(18, 2) as fees,
        coalesce(iso_currency_code, unofficial_currency_code) as currency_code,

        -- timestamps
        _loaded_at as loaded_at

    from source
)

select * from renamed
