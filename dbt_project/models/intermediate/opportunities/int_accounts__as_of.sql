-- Every Plaid account of an active client with its balance on the as-of day.
with

clients as (
    select * from {{ ref('int_clients__as_of') }}
),

accounts as (
    select * from {{ ref('stg_plaid__accounts') }}
),

balances as (
    select * from {{ ref('stg_plaid__balances_daily') }}
),

final as (
    select
        -- ids
        accounts.account_id,
        accounts.client_key,

        -- attributes
        accounts.account_type,
        accounts.account_subtype,

        -- amounts (Plaid's sign: owed for credit and loans, held otherwise)
        balances.current_balance as current_balance_usd,

        -- dates
        clients.as_of_date,

        -- flags
        accounts.account_type = 'investment'
        and accounts.account_subtype in ('brokerage', 'crypto exchange') as is_taxable_investment

    from accounts
    inner join clients on accounts.client_key = clients.client_key
    inner join balances
        on
            accounts.account_id = balances.account_id
            and clients.as_of_date = balances.balance_date
)

select * from final
