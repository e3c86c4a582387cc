-- Tax-loss harvesting: open lots in taxable accounts (brokerage, crypto
-- exchange) worth less than their cost basis. A lot of a security bought in
-- the same account in the wash-sale window (as-of minus 30 days to as-of) is
-- left out: selling it at a loss would be a wash sale. Raised when the
-- harvestable loss reaches the yearly ordinary-income offset ($3,000).
with

accounts as (
    select * from {{ ref('int_accounts__as_of') }}
),

tax_lots as (
    select * from {{ ref('stg_plaid__holding_tax_lots_daily') }}
),

investment_transactions as (
    select * from {{ ref('stg_plaid__investment_transactions') }}
),

rule_parameters as (
    select * from {{ ref('opportunity_rule_parameters') }}
),

parameters as (
    select
        max(case when parameter_name = 'min_harvestable_loss' then parameter_value end)
            as min_harvestable_loss_usd,
        max(case when parameter_name = 'ordinary_income_offset_limit' then parameter_value end)
            as ordinary_income_offset_limit_usd,
        max(case when parameter_name = 'wash_sale_window_days' then parameter_value end)::integer
            as wash_sale_window_days
    from rule_parameters
    where opportunity_type = 'tax_loss_harvesting'
),

lots_at_loss as (
    select
        accounts.client_key,
        accounts.as_of_date,
        tax_lots.account_id,
        tax_lots.security_id,
        tax_lots.cost_basis - tax_lots.current_value as unrealized_loss_usd
    from tax_lots
    inner join accounts
        on
            tax_lots.account_id = accounts.account_id
            and tax_lots.holding_date = accounts.as_of_date
    where
        accounts.is_taxable_investment
        and tax_lots.cost_basis > tax_lots.current_value
),

recent_buys as (
    select distinct
        investment_transactions.account_id,
        investment_transactions.security_id
    from investment_transactions
    inner join accounts on investment_transactions.account_id = accounts.account_id
    cross join parameters
    where
        investment_transactions.investment_transaction_type = 'buy'
        and investment_transactions.transaction_date
        between accounts.as_of_date - parameters.wash_sale_window_days and accounts.as_of_date
),

flagged_lots as (
    select
        lots_at_loss.*,
        recent_buys.account_id is not null as has_wash_sale_risk
    from lots_at_loss
    left join recent_buys
        on
            lots_at_loss.account_id = recent_buys.account_id
            and lots_at_loss.security_id = recent_buys.security_id
),

by_client as (
    select
        client_key,
        as_of_date,
        sum(case when not has_wash_sale_risk then unrealized_loss_usd else 0 end)
            as harvestable_loss_usd,
        sum(case when has_wash_sale_risk then unrealized_loss_usd else 0 end)
            as wash_sale_excluded_loss_usd,
        count(*) filter (where not has_wash_sale_risk) as lots_at_loss
    from flagged_lots
    group by client_key, as_of_date
),

final as (
    select
        -- ids
        by_client.client_key,

        -- attributes
        'tax_loss_harvesting' as opportunity_type,
        'harvestable_loss_usd' as metric_name,
        format(
            'Taxable accounts hold %s lots worth $%s less than they cost. Selling them '
            'realizes losses that offset gains and up to $%s of ordinary income a year.%s',
            by_client.lots_at_loss,
            to_char(by_client.harvestable_loss_usd, 'FM999,999,999,990.00'),
            to_char(parameters.ordinary_income_offset_limit_usd, 'FM999,999,990'),
            case
                when by_client.wash_sale_excluded_loss_usd > 0
                    then format(
                        ' $%s of losses are left out: the same security was bought in the '
                        'last %s days (wash sale).',
                        to_char(by_client.wash_sale_excluded_loss_usd, 'FM999,999,999,990.00'),
                        parameters.wash_sale_window_days
                    )
                else ''
            end
        ) as rationale,

        -- amounts
        by_client.harvestable_loss_usd::numeric(14, 2) as metric_value,
        parameters.min_harvestable_loss_usd::numeric(14, 2) as threshold_value,
        least(
            by_client.harvestable_loss_usd, parameters.ordinary_income_offset_limit_usd
        )::numeric(14, 2) as benefit_basis_usd,
        jsonb_build_object(
            'lots_at_loss', by_client.lots_at_loss,
            'wash_sale_excluded_loss_usd', by_client.wash_sale_excluded_loss_usd
        ) as inputs,

        -- dates
        by_client.as_of_date

    from by_client
    cross join parameters
    where by_client.harvestable_loss_usd >= parameters.min_harvestable_loss_usd
)

select * from final
