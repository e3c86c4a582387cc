{{ config(indexes=[{'columns': ['client_key']}]) }}

-- Indexed for the concierge snapshot (concierge.client_snapshot), which reads one
-- client's rows, instead of scanning every client's rows on each view.

-- One row per Plaid account: what it is, where it sits on the balance sheet,
-- its latest balance and the health of its item. The mask is the last 4 of
-- the account number only; the account name stays encrypted out of marts.

with

accounts as (
    select * from {{ ref('int_accounts__classified') }}
),

balances as (
    select * from {{ ref('stg_plaid__balances_daily') }}
),

latest_balances as (
    select distinct on (account_id)
        account_id,
        balance_date,
        current_balance,
        available_balance,
        credit_limit,
        currency_code
    from balances
    order by account_id asc, balance_date desc
),

item_latest_dates as (
    select
        item_id,
        max(balance_date) as latest_item_balance_date
    from balances
    group by item_id
),

final as (
    select
        -- ids
        accounts.account_id,
        accounts.client_key,
        accounts.item_id,

        -- attributes
        accounts.institution_name,
        accounts.account_type,
        accounts.account_subtype,
        accounts.balance_sheet_line,
        accounts.mask,
        accounts.item_health_status,
        latest_balances.currency_code,

        -- dates
        latest_balances.balance_date,

        -- amounts (Plaid's sign: owed for credit and loans, held otherwise)
        latest_balances.current_balance as current_balance_usd,
        latest_balances.available_balance as available_balance_usd,
        latest_balances.credit_limit as credit_limit_usd,

        -- flags
        accounts.is_liability,
        accounts.is_taxable_account,
        -- Plaid stopped returning the account while its item still answers.
        coalesce(latest_balances.balance_date < item_latest_dates.latest_item_balance_date, false)
            as is_closed

    from accounts
    left join latest_balances on accounts.account_id = latest_balances.account_id
    left join item_latest_dates on accounts.item_id = item_latest_dates.item_id
)

select * from final
