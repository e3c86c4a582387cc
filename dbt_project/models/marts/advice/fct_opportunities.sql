{{ config(indexes=[{'columns': ['client_key']}]) }}

-- Indexed for the concierge snapshot (concierge.client_snapshot), which reads one
-- client's rows, instead of scanning every client's rows on each view.

-- One row per active client and opportunity raised at the as-of day, with its
-- metric (as the rule defines it), yearly benefit estimate and score. Formulas:
-- docs block `opportunity_rules` (models/marts/advice/_advice__docs.md).
with

tax_loss_harvesting as (
    select * from {{ ref('int_opportunities__tax_loss_harvesting') }}
),

iso_exercise_amt as (
    select * from {{ ref('int_opportunities__iso_exercise_amt') }}
),

rsu_under_withholding as (
    select * from {{ ref('int_opportunities__rsu_under_withholding') }}
),

concentration as (
    select * from {{ ref('int_opportunities__concentration') }}
),

cash_drag as (
    select * from {{ ref('int_opportunities__cash_drag') }}
),

high_interest_debt as (
    select * from {{ ref('int_opportunities__high_interest_debt') }}
),

retirement_savings_gap as (
    select * from {{ ref('int_opportunities__retirement_savings_gap') }}
),

clients as (
    select * from {{ ref('int_clients__as_of') }}
),

tax_figures as (
    select * from {{ source('tax', 'client_tax_figures') }}
),

tax_year_parameters as (
    select * from {{ ref('irs_tax_year_parameters') }}
),

rule_parameters as (
    select * from {{ ref('opportunity_rule_parameters') }}
),

parameters as (
    select
        max(
            case
                when parameter_name = 'assumed_annual_risk_cost' then parameter_value
            end
        ) as concentration_risk_cost_pct,
        max(case when parameter_name = 'assumed_yield_spread' then parameter_value end)
            as cash_yield_spread_pct,
        max(case when parameter_name = 'score_half_point_benefit' then parameter_value end)
            as score_half_point_benefit_usd
    from rule_parameters
),

opportunities as (
    select * from tax_loss_harvesting
    union all
    select * from iso_exercise_amt
    union all
    select * from rsu_under_withholding
    union all
    select * from concentration
    union all
    select * from cash_drag
    union all
    select * from high_interest_debt
    union all
    select * from retirement_savings_gap
),

with_rates as (
    select
        opportunities.*,
        coalesce(tax_figures.marginal_ordinary_rate_pct, 0) as marginal_ordinary_rate_pct,
        coalesce(tax_figures.marginal_long_term_gain_rate_pct, 0)
            as marginal_long_term_gain_rate_pct,
        coalesce(tax_figures.amt_headroom_usd, 0) as amt_headroom_usd,
        coalesce(supplemental.parameter_value, 22) as supplemental_withholding_rate_pct
    from opportunities
    inner join clients on opportunities.client_key = clients.client_key
    left join tax_figures
        on
            clients.client_key = tax_figures.client_key
            and clients.tax_year = tax_figures.tax_year
    left join tax_year_parameters as supplemental
        on
            clients.tax_year = supplemental.tax_year
            and supplemental.parameter_name = 'supplemental_withholding_rate'
),

with_benefits as (
    select
        with_rates.*,
        round(
            case with_rates.opportunity_type
                when 'tax_loss_harvesting'
                    then with_rates.benefit_basis_usd * with_rates.marginal_ordinary_rate_pct / 100
                when 'iso_exercise_amt'
                    then
                        least(with_rates.benefit_basis_usd, with_rates.amt_headroom_usd)
                        * greatest(
                            with_rates.marginal_ordinary_rate_pct
                            - with_rates.marginal_long_term_gain_rate_pct,
                            0
                        )
                        / 100
                when 'rsu_under_withholding'
                    then
                        with_rates.benefit_basis_usd
                        * greatest(
                            with_rates.marginal_ordinary_rate_pct
                            - with_rates.supplemental_withholding_rate_pct,
                            0
                        )
                        / 100
                when 'concentration'
                    then with_rates.benefit_basis_usd * parameters.concentration_risk_cost_pct / 100
                when 'cash_drag'
                    then with_rates.benefit_basis_usd * parameters.cash_yield_spread_pct / 100
                when 'high_interest_debt'
                    then with_rates.benefit_basis_usd
                when 'retirement_savings_gap'
                    then with_rates.benefit_basis_usd * with_rates.marginal_ordinary_rate_pct / 100
            end,
            2
        )::numeric(14, 2) as estimated_annual_benefit_usd,
        parameters.score_half_point_benefit_usd
    from with_rates
    cross join parameters
),

scored as (
    select
        *,
        round(
            100 * greatest(estimated_annual_benefit_usd, 0)
            / (greatest(estimated_annual_benefit_usd, 0) + score_half_point_benefit_usd)
        )::integer as score
    from with_benefits
),

final as (
    select
        -- ids
        client_key,

        -- attributes
        opportunity_type,
        rationale,
        metric_name,

        -- amounts
        score,
        row_number() over (
            partition by client_key
            order by score desc, estimated_annual_benefit_usd desc, opportunity_type asc
        ) as client_opportunity_rank,
        estimated_annual_benefit_usd,
        metric_value,
        threshold_value,
        inputs,

        -- dates
        as_of_date

    from scored
)

select * from final
