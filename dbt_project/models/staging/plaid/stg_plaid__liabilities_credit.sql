with

source as (
    select * from {{ source('plaid', 'liabilities_credit') }}
),

renamed as (
    select
        -- ids
        account_id,
        item_id,

        -- dates
        as_of_date as liability_date,
        last_payment_date,
        last_statement_issue_date,
        next_payment_due_date,

        -- amounts
        last_payment_amount::numeric(18, 2) as last_payment_amount,
        last_statement_balance::numeric(18, 2) as last_statement_balance,
        minimum_payment_amount::numeric(18, 2) as minimum_payment_amount,

        -- flags
        is_overdue,

        -- timestamps
        _loaded_at as loaded_at

    from source
)

select * from renamed
