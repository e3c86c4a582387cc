with

source as (
    select * from {{ source('plaid', 'liabilities_student') }}
),

renamed as (
    select
        -- ids
        account_id,
        item_id,
        account_number_last4,
        payment_reference_number_last4,
        sequence_number,

        -- dates
        as_of_date as liability_date,
        disbursement_dates,
        expected_payoff_date,
        last_payment_date,
        last_statement_issue_date,
        loan_status_end_date,
        next_payment_due_date,
        origination_date,

        -- attributes
        guarantor,
        loan_name,
        loan_status_type,
        repayment_plan_type,
        repayment_plan_description,

        -- amounts
        interest_rate_percentage::numeric(9, 4) as interest_rate_pct,
        last_payment_amount::numeric(18, 2) as last_payment_amount,
        last_statement_balance::numeric(18, 2) as last_statement_balance,
        minimum_payment_amount::numeric(18, 2) as minimum_payment_amount,
        origination_principal_amount::numeric(18, 2) as origination_principal_amount,
        outstanding_interest_amount::numeric(18, 2) as outstanding_interest_amount,
        ytd_interest_paid::numeric(18, 2) as ytd_interest_paid,
        ytd_principal_paid::numeric(18, 2) as ytd_principal_paid,

        -- flags
        is_overdue,

        -- timestamps
        _loaded_at as loaded_at

    from source
)

select * from renamed
