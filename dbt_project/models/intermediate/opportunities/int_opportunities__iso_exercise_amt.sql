-- ISO exercise within AMT headroom: vested, unexercised incentive stock options
-- of a private company in the money at the 409A value in force. Raised when
-- their bargain element reaches the threshold; how much of it fits under the
-- AMT crossover comes from Tax-Calculator (fct_opportunities).
with

iso_grants as (
    select * from {{ ref('int_equity_grants__iso_bargain_element') }}
),

rule_parameters as (
    select * from {{ ref('opportunity_rule_parameters') }}
),

parameters as (
    select
        max(case when parameter_name = 'min_bargain_element' then parameter_value end)
            as min_bargain_element_usd
    from rule_parameters
    where opportunity_type = 'iso_exercise_amt'
),

by_client as (
    select
        client_key,
        as_of_date,
        sum(vested_unexercised_shares) as vested_unexercised_iso_shares,
        sum(bargain_element_usd) as bargain_element_usd
    from iso_grants
    where is_exercisable_in_the_money
    group by client_key, as_of_date
),

final as (
    select
        -- ids
        by_client.client_key,

        -- attributes
        'iso_exercise_amt' as opportunity_type,
        'bargain_element_usd' as metric_name,
        format(
            '%s vested incentive stock options are unexercised and in the money: a $%s '
            'bargain element at the current 409A value. Exercising the part that fits '
            'under the AMT crossover each year starts the long-term holding period '
            'without owing alternative minimum tax.',
            to_char(by_client.vested_unexercised_iso_shares, 'FM999,999,999,990'),
            to_char(by_client.bargain_element_usd, 'FM999,999,999,990.00')
        ) as rationale,

        -- amounts
        by_client.bargain_element_usd::numeric(14, 2) as metric_value,
        parameters.min_bargain_element_usd::numeric(14, 2) as threshold_value,
        by_client.bargain_element_usd::numeric(14, 2) as benefit_basis_usd,
        jsonb_build_object(
            'vested_unexercised_iso_shares', by_client.vested_unexercised_iso_shares
        ) as inputs,

        -- dates
        by_client.as_of_date

    from by_client
    cross join parameters
    where by_client.bargain_element_usd >= parameters.min_bargain_element_usd
)

select * from final
