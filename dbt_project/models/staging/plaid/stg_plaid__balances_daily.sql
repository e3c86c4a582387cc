with

source as (
    select * from {{ source('plaid', 'balances_daily') }}
),

renamed as (
    select
        -- ids
        account_id,
        item_id,

        -- dates
        as_of_date as balance_date,

        -- amounts (`current` is not reserved in Postgres; `limit` is, so it is
        -- quoted). Plaid's sign conventions: for credit and loan accounts
        -- `current` is the amount owed, positive; for the others, the value held)
        current::numeric(18, 2) as current_balance,
        available::numeric(18, 2) as available_balance,
        "limit"::numeric(18, 2) as credit_limit,
        coalesce(iso_currency_code, unofficial_currency_code) as currency_code,
        iso_currency_code is null and unofficial_currency_code is not null
            as is_unofficial_currency,

        -- timestamps
        last_updated_datetime as balance_updated_at,
        _loaded_at as loaded_at

    from source
)

select * from renamed
