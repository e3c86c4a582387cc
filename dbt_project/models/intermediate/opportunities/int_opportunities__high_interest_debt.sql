-- High-interest debt: credit cards that carry a revolving balance (purchase APR
-- balance subject to APR above zero) with a current balance of at least $1,000,
-- and student loans at 8% or more. The metric is the highest rate among them.
-- (Plaid's /liabilities/get has no auto loans: their rates are not known.)
with

accounts as (
    select * from {{ ref('int_accounts__as_of') }}
),

credit_aprs as (
    select * from {{ ref('stg_plaid__liabilities_credit_aprs') }}
),

student_loans as (
    select * from {{ ref('stg_plaid__liabilities_student') }}
),

rule_parameters as (
    select * from {{ ref('opportunity_rule_parameters') }}
),

parameters as (
    select
        max(case when parameter_name = 'min_card_balance' then parameter_value end)
            as min_card_balance_usd,
        max(case when parameter_name = 'min_loan_rate' then parameter_value end)
            as min_loan_rate_pct
    from rule_parameters
    where opportunity_type = 'high_interest_debt'
),

revolving_cards as (
    select
        accounts.client_key,
        accounts.account_id,
        accounts.as_of_date,
        credit_aprs.apr_pct as rate_pct,
        accounts.current_balance_usd as balance_usd
    from accounts
    inner join credit_aprs
        on
            accounts.account_id = credit_aprs.account_id
            and accounts.as_of_date = credit_aprs.liability_date
    cross join parameters
    where
        credit_aprs.apr_type = 'purchase_apr'
        and credit_aprs.balance_subject_to_apr > 0
        and accounts.current_balance_usd >= parameters.min_card_balance_usd
),

expensive_loans as (
    select
        accounts.client_key,
        accounts.account_id,
        accounts.as_of_date,
        student_loans.interest_rate_pct as rate_pct,
        accounts.current_balance_usd as balance_usd
    from accounts
    inner join student_loans
        on
            accounts.account_id = student_loans.account_id
            and accounts.as_of_date = student_loans.liability_date
    cross join parameters
    where student_loans.interest_rate_pct >= parameters.min_loan_rate_pct
),

debts as (
    select * from revolving_cards
    union all
    select * from expensive_loans
),

by_client as (
    select
        client_key,
        as_of_date,
        max(rate_pct) as max_apr_pct,
        sum(balance_usd) as balance_usd,
        round(sum(balance_usd * rate_pct / 100), 2) as annual_interest_usd,
        count(*) as debt_count,
        jsonb_agg(account_id order by account_id) as account_ids
    from debts
    group by client_key, as_of_date
),

final as (
    select
        -- ids
        by_client.client_key,

        -- attributes
        'high_interest_debt' as opportunity_type,
        'max_apr_pct' as metric_name,
        format(
            '$%s of debt in %s account(s) charges interest at up to %s%% a year, about '
            '$%s of interest a year. Paying it down or refinancing it is a sure return.',
            to_char(by_client.balance_usd, 'FM999,999,999,990.00'),
            by_client.debt_count,
            to_char(by_client.max_apr_pct, 'FM990.00'),
            to_char(by_client.annual_interest_usd, 'FM999,999,990.00')
        ) as rationale,

        -- amounts
        round(by_client.max_apr_pct, 2)::numeric(14, 2) as metric_value,
        parameters.min_loan_rate_pct::numeric(14, 2) as threshold_value,
        by_client.annual_interest_usd::numeric(14, 2) as benefit_basis_usd,
        jsonb_build_object(
            'accounts', by_client.account_ids,
            'balance_usd', by_client.balance_usd
        ) as inputs,

        -- dates
        by_client.as_of_date

    from by_client
    cross join parameters
)

select * from final
