with

source as (
    select * from {{ source('plaid', 'liabilities_credit_aprs') }}
),

renamed as (
    select
        -- ids
        account_id,
        apr_type,
        item_id,

        -- dates
        as_of_date as liability_date,

        -- amounts
        apr_percentage::numeric(9, 4) as apr_pct,
        balance_subject_to_apr::numeric(18, 2) as balance_subject_to_apr,
        interest_charge_amount::numeric(18, 2) as interest_charge_amount,

        -- timestamps
        _loaded_at as loaded_at

    from source
)

select * from renamed
