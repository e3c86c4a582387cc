-- Each grant valued on each day a balance snapshot was loaded
-- (sandbox/README.md "Truth files", vested_equity_usd / unvested_equity_usd):
--   vested_shares   = floor(shares_granted × vested_months / vesting_months), where
--                     vested_months = 0 before the cliff, else whole months since the
--                     vesting start rounded down to the vest frequency, at most
--                     vesting_months;
--   price           = the company's price in force that day (int_equity_prices__observed:
--                     listed close, 409A, or the latest option strike);
--   options         vested value = (vested − exercised) × max(price − strike, 0)
--                                  + exercised × price,
--                   unvested value = unvested × max(price − strike, 0);
--   private RSUs    vested value = vested × price (delivered only at a liquidity event);
--   listed RSUs     vested value = 0 (delivered at vest into the brokerage, where the
--                                   balance already counts them),
--                   unvested value = unvested × that day's close.
-- Exercised option shares of listed companies sit in the brokerage too.

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

balance_dates as (
    select distinct balance_date from balances
),

grant_days as (
    select
        grants.*,
        balance_dates.balance_date,
        {{ whole_months_between('grants.vesting_start_date', 'balance_dates.balance_date') }}
            as months_since_vesting_start
    from grants
    cross join balance_dates
),

vested as (
    select
        grant_days.*,
        case
            when grant_days.months_since_vesting_start < grant_days.cliff_months then 0
            else least(
                grant_days.months_since_vesting_start
                - mod(grant_days.months_since_vesting_start, grant_days.vest_frequency_months),
                grant_days.vesting_months
            )
        end as vested_months
    from grant_days
),

priced as (
    select
        vested.*,
        floor(vested.shares_granted * vested.vested_months / vested.vesting_months)
            as vested_shares,
        coalesce(price_before.price_per_share_usd, price_after.price_per_share_usd)
            as price_per_share_usd,
        coalesce(price_before.price_source, price_after.price_source) as price_source
    from vested
    left join lateral (
        select
            observed_prices.price_per_share_usd,
            observed_prices.price_source
        from observed_prices
        where
            observed_prices.employer_name = vested.employer_name
            and observed_prices.price_date <= vested.balance_date
        order by observed_prices.price_date desc, observed_prices.source_priority asc
        limit 1
    ) as price_before on true
    -- No observation yet on that day (a listed stock whose history starts later):
    -- the earliest one known.
    left join lateral (
        select
            observed_prices.price_per_share_usd,
            observed_prices.price_source
        from observed_prices
        where observed_prices.employer_name = vested.employer_name
        order by observed_prices.price_date asc, observed_prices.source_priority asc
        limit 1
    ) as price_after on true
),

valued as (
    select
        priced.*,
        priced.shares_granted - priced.vested_shares as unvested_shares,
        least(priced.exercised_shares, priced.vested_shares) as exercised_vested_shares,
        greatest(coalesce(priced.price_per_share_usd, 0) - priced.strike_price_usd, 0)
            as option_spread_per_share_usd
    from priced
),

final as (
    select
        -- ids
        client_key,
        grant_id,

        -- dates
        balance_date,

        -- attributes
        employer_name,
        grant_type,
        price_source,

        -- amounts
        shares_granted::numeric(20, 4) as shares_granted,
        vested_shares::numeric(20, 4) as vested_shares,
        unvested_shares::numeric(20, 4) as unvested_shares,
        exercised_vested_shares::numeric(20, 4) as exercised_vested_shares,
        strike_price_usd::numeric(14, 4) as strike_price_usd,
        price_per_share_usd::numeric(14, 4) as price_per_share_usd,
        round(case
            when is_public_company and not is_option then 0
            when is_public_company
                then (vested_shares - exercised_vested_shares) * option_spread_per_share_usd
            when is_option
                then
                    (vested_shares - exercised_vested_shares) * option_spread_per_share_usd
                    + exercised_vested_shares * coalesce(price_per_share_usd, 0)
            else vested_shares * coalesce(price_per_share_usd, 0)
        end, 2)::numeric(18, 2) as vested_value_usd,
        round(case
            when is_option then unvested_shares * option_spread_per_share_usd
            else unvested_shares * coalesce(price_per_share_usd, 0)
        end, 2)::numeric(18, 2) as unvested_value_usd,
        -- The part of the vested value that is an option spread, taxed as
        -- ordinary income at exercise (the after-tax net worth deducts it).
        round(
            case when is_option then (vested_shares - exercised_vested_shares) else 0 end
            * option_spread_per_share_usd,
            2
        )::numeric(18, 2) as vested_option_spread_usd,

        -- flags
        is_public_company,
        is_option

    from valued
)

select * from final
