-- One close per security and day, from the institutions' holding prices (the
-- securities table has no price history: a close there would go back in time).
-- Institutions agree on a close; where two differ, the lowest is kept so the
-- figure is conservative and deterministic.

with

holdings as (
    select * from {{ ref('stg_plaid__holdings_daily') }}
),

final as (
    select
        -- ids
        security_id,

        -- dates
        holding_date as price_date,

        -- amounts
        min(institution_price) as close_price_usd

    from holdings
    where institution_price is not null
    group by security_id, holding_date
)

select * from final
