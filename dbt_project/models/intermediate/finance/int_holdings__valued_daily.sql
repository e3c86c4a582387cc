-- Every holding per account, security and day, valued at the institution's
-- value, with the cost basis and the unrealized gain of its tax lots.

with

holdings as (
    select * from {{ ref('stg_plaid__holdings_daily') }}
),

lots as (
    select * from {{ ref('stg_plaid__holding_tax_lots_daily') }}
),

securities as (
    select * from {{ ref('stg_plaid__securities') }}
),

accounts as (
    select * from {{ ref('int_accounts__classified') }}
),

lot_totals as (
    select
        account_id,
        security_id,
        holding_date,
        count(*) as tax_lot_count,
        sum(cost_basis) as cost_basis_usd,
        count(cost_basis) = count(*) as has_every_lot_basis
    from lots
    group by account_id, security_id, holding_date
),

final as (
    select
        -- ids
        accounts.client_key,
        holdings.account_id,
        holdings.security_id,

        -- dates
        holdings.holding_date as as_of_date,

        -- attributes
        securities.ticker_symbol,
        securities.security_name,
        securities.security_type,
        accounts.account_subtype,
        coalesce(lot_totals.tax_lot_count, 0) as tax_lot_count,

        -- amounts
        holdings.quantity,
        holdings.institution_price as close_price_usd,
        coalesce(
            holdings.institution_value, round(holdings.quantity * holdings.institution_price, 2)
        ) as market_value_usd,
        -- The lots' basis when every lot has one; else the holding's. Cash has
        -- neither lots nor gains: its basis is its value.
        case
            when securities.security_type = 'cash' or securities.is_cash_equivalent
                then coalesce(holdings.institution_value, holdings.quantity)
            when lot_totals.has_every_lot_basis then lot_totals.cost_basis_usd
            else holdings.cost_basis
        end as cost_basis_usd,

        -- flags
        accounts.is_taxable_account,
        coalesce(securities.is_cash_equivalent or securities.security_type = 'cash', false)
            as is_cash_equivalent

    from holdings
    inner join accounts on holdings.account_id = accounts.account_id
    left join securities on holdings.security_id = securities.security_id
    left join lot_totals
        on
            holdings.account_id = lot_totals.account_id
            and holdings.security_id = lot_totals.security_id
            and holdings.holding_date = lot_totals.holding_date
)

select
    *,
    market_value_usd - cost_basis_usd as unrealized_gain_usd
from final
