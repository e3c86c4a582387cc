-- Cash drag: cash in depository accounts beyond six months of spending.
-- Monthly spending = money out of bank and card accounts dated in the 365 days
-- ending at the as-of day, divided by 12 and rounded to the cent (half to even).
-- Not spending: transfers between the client's own accounts and to savings or
-- investments, card payments (the purchases are counted on the card), and a
-- pending row Plaid removed (its posted row is counted instead).
with

accounts as (
    select * from {{ ref('int_accounts__as_of') }}
),

transactions as (
    select * from {{ ref('stg_plaid__transactions') }}
),

rule_parameters as (
    select * from {{ ref('opportunity_rule_parameters') }}
),

parameters as (
    select
        max(case when parameter_name = 'months_of_spending' then parameter_value end)
            as months_of_spending,
        max(case when parameter_name = 'min_excess_cash' then parameter_value end)
            as min_excess_cash_usd
    from rule_parameters
    where opportunity_type = 'cash_drag'
),

cash as (
    select
        client_key,
        as_of_date,
        sum(current_balance_usd) as cash_usd
    from accounts
    where account_type = 'depository'
    group by client_key, as_of_date
),

spending_cents as (
    select
        accounts.client_key,
        (sum(transactions.amount) * 100)::bigint as spending_last_365_days_cents
    from transactions
    inner join accounts on transactions.account_id = accounts.account_id
    where
        accounts.account_type in ('depository', 'credit')
        and transactions.amount > 0
        and not transactions.is_removed
        and transactions.transaction_date between accounts.as_of_date - 364 and accounts.as_of_date
        and coalesce(transactions.personal_finance_category_detailed, '') not in (
            'TRANSFER_OUT_SAVINGS',
            'TRANSFER_OUT_INVESTMENT_AND_RETIREMENT_FUNDS',
            'TRANSFER_OUT_ACCOUNT_TRANSFER',
            'TRANSFER_IN_ACCOUNT_TRANSFER',
            'LOAN_PAYMENTS_CREDIT_CARD_PAYMENT'
        )
    group by accounts.client_key
),

monthly_spending as (
    select
        client_key,
        -- Twelfths of a cent round half to even (a year's spending divided by 12).
        (
            div(spending_last_365_days_cents, 12)
            + case
                when mod(spending_last_365_days_cents, 12) > 6 then 1
                when
                    mod(spending_last_365_days_cents, 12) = 6
                    and mod(div(spending_last_365_days_cents, 12), 2) = 1
                    then 1
                else 0
            end
        )::numeric / 100 as monthly_spending_usd
    from spending_cents
),

excess as (
    select
        cash.client_key,
        cash.as_of_date,
        cash.cash_usd,
        coalesce(monthly_spending.monthly_spending_usd, 0) as monthly_spending_usd,
        cash.cash_usd
        - parameters.months_of_spending * coalesce(monthly_spending.monthly_spending_usd, 0)
            as excess_cash_usd
    from cash
    cross join parameters
    left join monthly_spending on cash.client_key = monthly_spending.client_key
),

final as (
    select
        -- ids
        excess.client_key,

        -- attributes
        'cash_drag' as opportunity_type,
        'excess_cash_usd' as metric_name,
        format(
            'Bank accounts hold $%s, $%s more than %s months of spending (about $%s a '
            'month over the last year). Cash beyond that reserve earns little; it could '
            'be invested or used to pay down debt.',
            to_char(excess.cash_usd, 'FM999,999,999,990.00'),
            to_char(excess.excess_cash_usd, 'FM999,999,999,990.00'),
            parameters.months_of_spending::integer,
            to_char(excess.monthly_spending_usd, 'FM999,999,990.00')
        ) as rationale,

        -- amounts
        excess.excess_cash_usd::numeric(14, 2) as metric_value,
        parameters.min_excess_cash_usd::numeric(14, 2) as threshold_value,
        excess.excess_cash_usd::numeric(14, 2) as benefit_basis_usd,
        jsonb_build_object(
            'cash_usd', excess.cash_usd,
            'monthly_spending_usd', excess.monthly_spending_usd
        ) as inputs,

        -- dates
        excess.as_of_date

    from excess
    cross join parameters
    where excess.excess_cash_usd >= parameters.min_excess_cash_usd
)

select * from final
