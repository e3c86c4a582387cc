-- Active clients and the day the advice is computed for: the latest Plaid
-- balance snapshot (a run captures Plaid's today), and its tax year (the year
-- before, the one the W-2 and 1099 forms describe).
with

clients as (
    select * from {{ ref('stg_app__clients') }}
),

balances as (
    select * from {{ ref('stg_plaid__balances_daily') }}
),

latest_snapshot as (
    select max(balance_date) as as_of_date
    from balances
),

final as (
    select
        -- ids
        clients.client_key,

        -- attributes
        clients.state_code,
        clients.filing_status,

        -- amounts
        clients.annual_income_usd,

        -- dates
        latest_snapshot.as_of_date,
        extract(year from latest_snapshot.as_of_date)::integer - 1 as tax_year

    from clients
    cross join latest_snapshot
    where not clients.is_deleted
)

select * from final
