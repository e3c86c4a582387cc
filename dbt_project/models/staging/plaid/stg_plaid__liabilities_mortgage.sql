with

source as (
    select * from {{ source('plaid', 'liabilities_mortgage') }}
),

renamed as (
    select
        -- ids (the property address is a direct identifier: it stays encrypted in raw)
        account_id,
        item_id,
        account_number_last4,

        -- dates
        as_of_date as liability_date,
        last_payment_date,
        maturity_date,
        next_payment_due_date,
        origination_date,

        -- attributes
        interest_rate_type,
        loan_type_description,
        loan_term,

        -- amounts
        interest_rate_percentage::numeric(9, 4) as interest_rate_pct,
        current_late_fee::numeric(18, 2) as current_late_fee,
        escrow_balance::numeric(18, 2) as escrow_balance,
        last_payment_amount::numeric(18, 2) as last_payment_amount,
        next_monthly_payment::numeric(18, 2) as next_monthly_payment,
        origination_principal_amount::numeric(18, 2) as origination_principal_amount,
        past_due_amount::numeric(18, 2) as past_due_amount,
        ytd_interest_paid::numeric(18, 2) as ytd_interest_paid,
        ytd_principal_paid::numeric(18, 2) as ytd_principal_paid,

        -- flags
        has_pmi,
        has_prepayment_penalty,

        -- timestamps
        _loaded_at as loaded_at

    from source
)

select * from renamed
