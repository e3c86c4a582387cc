-- Every observed price of a grant's company stock, by company and day, with
-- its source and priority (1 wins on the same day):
--   market_close  listed companies: the day's close of the listed security;
--   fmv_409a      private companies: a 409A valuation from an uploaded export,
--                 in force from its valuation date;
--   option_strike private companies: an option's strike, which IRC 409A
--                 requires to be at least the 409A value on the grant date;
--                 used where no uploaded valuation is more recent.
-- The price in force on a day is the latest observation on or before it.

with

grants as (
    select * from {{ ref('int_equity_grants__deduplicated') }}
),

valuations as (
    select * from {{ ref('stg_documents__fmv_409a_valuations') }}
),

prices as (
    select * from {{ ref('int_security_prices__daily') }}
),

companies as (
    select distinct
        employer_name,
        security_id,
        is_public_company
    from grants
),

market_closes as (
    select
        companies.employer_name,
        prices.price_date,
        prices.close_price_usd as price_per_share_usd,
        'market_close' as price_source,
        1 as source_priority
    from companies
    inner join prices on companies.security_id = prices.security_id
    where companies.is_public_company
),

uploaded_valuations as (
    -- The same valuation uploaded by several clients counts once.
    select
        valuations.employer_name,
        valuations.valuation_date as price_date,
        max(valuations.fmv_per_share_usd) as price_per_share_usd,
        'fmv_409a' as price_source,
        1 as source_priority
    from valuations
    inner join companies
        on
            valuations.employer_name = companies.employer_name
            and not companies.is_public_company
    group by valuations.employer_name, valuations.valuation_date
),

option_strikes as (
    select
        employer_name,
        grant_date as price_date,
        max(strike_price_usd) as price_per_share_usd,
        'option_strike' as price_source,
        2 as source_priority
    from grants
    where is_option and not is_public_company and strike_price_usd > 0
    group by employer_name, grant_date
),

final as (
    select * from market_closes
    union all
    select * from uploaded_valuations
    union all
    select * from option_strikes
)

select * from final
