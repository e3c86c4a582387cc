-- Concentration: the largest position in one equity or coin, summed over all of
-- the client's investment accounts (retirement and employer stock included),
-- as a share of all investment-account balances. A position's value is the sum
-- of its open lots' values on the as-of day.
with

accounts as (
    select * from {{ ref('int_accounts__as_of') }}
),

tax_lots as (
    select * from {{ ref('stg_plaid__holding_tax_lots_daily') }}
),

securities as (
    select * from {{ ref('stg_plaid__securities') }}
),

rule_parameters as (
    select * from {{ ref('opportunity_rule_parameters') }}
),

parameters as (
    select
        max(case when parameter_name = 'min_position_share' then parameter_value end)
            as min_position_share_pct,
        max(case when parameter_name = 'min_position_value' then parameter_value end)
            as min_position_value_usd
    from rule_parameters
    where opportunity_type = 'concentration'
),

investable as (
    select
        client_key,
        as_of_date,
        sum(current_balance_usd) as investable_assets_usd
    from accounts
    where account_type = 'investment'
    group by client_key, as_of_date
),

positions as (
    select
        accounts.client_key,
        tax_lots.security_id,
        securities.ticker_symbol,
        sum(tax_lots.current_value) as position_value_usd
    from tax_lots
    inner join accounts
        on
            tax_lots.account_id = accounts.account_id
            and tax_lots.holding_date = accounts.as_of_date
    inner join securities on tax_lots.security_id = securities.security_id
    where
        accounts.account_type = 'investment'
        and securities.security_type in ('equity', 'cryptocurrency')
    group by accounts.client_key, tax_lots.security_id, securities.ticker_symbol
),

largest_positions as (
    select distinct on (client_key) *
    from positions
    order by client_key asc, position_value_usd desc, ticker_symbol asc
),

shares as (
    select
        largest_positions.*,
        investable.as_of_date,
        investable.investable_assets_usd,
        round(
            largest_positions.position_value_usd * 100 / investable.investable_assets_usd, 2
        ) as position_share_pct
    from largest_positions
    inner join investable on largest_positions.client_key = investable.client_key
    where investable.investable_assets_usd > 0
),

final as (
    select
        -- ids
        shares.client_key,

        -- attributes
        'concentration' as opportunity_type,
        'position_share_pct' as metric_name,
        format(
            'One holding, %s, is worth $%s: %s%% of the $%s in investment accounts. A '
            'single company or coin this large can lose much of its value at once; '
            'spreading it out lowers that risk.',
            shares.ticker_symbol,
            to_char(shares.position_value_usd, 'FM999,999,999,990.00'),
            to_char(shares.position_share_pct, 'FM990.00'),
            to_char(shares.investable_assets_usd, 'FM999,999,999,990.00')
        ) as rationale,

        -- amounts
        shares.position_share_pct::numeric(14, 2) as metric_value,
        parameters.min_position_share_pct::numeric(14, 2) as threshold_value,
        (
            shares.position_value_usd
            - shares.investable_assets_usd * parameters.min_position_share_pct / 100
        )::numeric(14, 2) as benefit_basis_usd,
        jsonb_build_object(
            'ticker', shares.ticker_symbol,
            'position_value_usd', shares.position_value_usd,
            'investable_assets_usd', shares.investable_assets_usd
        ) as inputs,

        -- dates
        shares.as_of_date

    from shares
    cross join parameters
    where
        shares.position_value_usd * 100
        > parameters.min_position_share_pct * shares.investable_assets_usd
        and shares.position_value_usd >= parameters.min_position_value_usd
)

select * from final
