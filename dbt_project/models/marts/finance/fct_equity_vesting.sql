{{ config(indexes=[{'columns': ['client_key']}]) }}

-- Indexed for the concierge snapshot (concierge.client_snapshot), which reads one
-- client's rows, instead of scanning every client's rows on each view.

-- One row per equity grant and vest event: the schedule from the grant's
-- terms (vesting start, months, cliff, frequency), the shares each event
-- vests and their value at the company's price in force on the vest day
-- (or today's for future vests). Formulas in _finance__models.yml.

with

grants as (
    select * from {{ ref('int_equity_grants__deduplicated') }}
),

observed_prices as (
    select * from {{ ref('int_equity_prices__observed') }}
),

balances as (
    select * from {{ ref('stg_plaid__balances_daily') }}
),

as_of as (
    -- The data's "today": the latest day a balance snapshot was loaded.
    select coalesce(max(balance_date), current_date) as as_of_date from balances
),

vest_months as (
    -- The cliff, then every vest_frequency_months, and the end of vesting
    -- even when the frequency does not divide the remaining months.
    select
        grants.client_key,
        grants.grant_id,
        vest_month
    from grants
    cross join
        lateral generate_series(
            grants.cliff_months, grants.vesting_months, grants.vest_frequency_months
        ) as vest_month
    union
    select
        client_key,
        grant_id,
        vesting_months as vest_month
    from grants
),

events as (
    select
        grants.*,
        vest_months.vest_month,
        (grants.vesting_start_date + make_interval(months => vest_months.vest_month))::date
            as vest_date,
        floor(grants.shares_granted * vest_months.vest_month / grants.vesting_months)
            as cumulative_vested_shares
    from grants
    inner join vest_months
        on
            grants.client_key = vest_months.client_key
            and grants.grant_id = vest_months.grant_id
    where grants.vesting_months > 0
),

shares as (
    select
        events.*,
        events.cumulative_vested_shares - coalesce(
            lag(events.cumulative_vested_shares) over (
                partition by events.client_key, events.grant_id order by events.vest_month
            ),
            0
        ) as shares_vesting
    from events
),

priced as (
    select
        shares.*,
        as_of.as_of_date,
        coalesce(price_before.price_per_share_usd, price_after.price_per_share_usd)
            as fmv_per_share_usd
    from shares
    cross join as_of
    left join lateral (
        select observed_prices.price_per_share_usd
        from observed_prices
        where
            observed_prices.employer_name = shares.employer_name
            and observed_prices.price_date <= least(shares.vest_date, as_of.as_of_date)
        order by observed_prices.price_date desc, observed_prices.source_priority asc
        limit 1
    ) as price_before on true
    left join lateral (
        select observed_prices.price_per_share_usd
        from observed_prices
        where observed_prices.employer_name = shares.employer_name
        order by observed_prices.price_date asc, observed_prices.source_priority asc
        limit 1
    ) as price_after on true
),

final as (
    select
        -- ids
        client_key,
        grant_id,

        -- attributes
        grant_type,
        employer_name,
        ticker_symbol,
        vest_month as vest_month_number,

        -- dates
        vest_date,

        -- amounts
        shares_vesting,
        cumulative_vested_shares,
        strike_price_usd,
        fmv_per_share_usd,
        round(
            shares_vesting * case
                when is_option then greatest(coalesce(fmv_per_share_usd, 0) - strike_price_usd, 0)
                else coalesce(fmv_per_share_usd, 0)
            end,
            2
        ) as vest_value_usd,

        -- flags
        is_public_company,
        is_option,
        vest_date <= as_of_date as is_vested

    from priced
)

select * from final
