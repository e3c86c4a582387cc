-- RSU under-withholding: RSU income (W-2 box 14) is withheld at the flat 22%
-- supplemental rate, but when the wages less the standard deduction are above
-- the top of the 22% bracket (from Tax-Calculator's policy for the tax year and
-- filing status) it is taxed at 24% or more: tax is left due at filing.
with

clients as (
    select * from {{ ref('int_clients__as_of') }}
),

w2_totals as (
    select * from {{ ref('int_w2_forms__summed_by_client_year') }}
),

tax_year_parameters as (
    select * from {{ ref('irs_tax_year_parameters') }}
),

tax_figures as (
    select * from {{ source('tax', 'client_tax_figures') }}
),

rule_parameters as (
    select * from {{ ref('opportunity_rule_parameters') }}
),

parameters as (
    select
        max(case when parameter_name = 'min_rsu_income' then parameter_value end)
            as min_rsu_income_usd
    from rule_parameters
    where opportunity_type = 'rsu_under_withholding'
),

candidates as (
    select
        clients.client_key,
        clients.filing_status,
        clients.as_of_date,
        w2_totals.wages_usd,
        w2_totals.rsu_income_usd,
        standard_deduction.parameter_value as standard_deduction_usd,
        tax_figures.bracket_22_top_usd,
        w2_totals.wages_usd - standard_deduction.parameter_value as taxable_income_estimate_usd
    from clients
    inner join w2_totals
        on
            clients.client_key = w2_totals.client_key
            and clients.tax_year = w2_totals.tax_year
    inner join tax_year_parameters as standard_deduction
        on
            clients.tax_year = standard_deduction.tax_year
            and standard_deduction.parameter_name = 'standard_deduction_' || clients.filing_status
    inner join tax_figures
        on
            clients.client_key = tax_figures.client_key
            and clients.tax_year = tax_figures.tax_year
),

final as (
    select
        -- ids
        candidates.client_key,

        -- attributes
        'rsu_under_withholding' as opportunity_type,
        'rsu_income_usd' as metric_name,
        format(
            '$%s of RSU income was withheld at the flat supplemental rate, but taxable '
            'income of about $%s is above the top of the 22%% bracket ($%s): the RSU '
            'income is taxed at a higher rate and tax will be due at filing unless '
            'estimated payments or W-4 withholding cover it.',
            to_char(candidates.rsu_income_usd, 'FM999,999,999,990.00'),
            to_char(candidates.taxable_income_estimate_usd, 'FM999,999,999,990.00'),
            to_char(candidates.bracket_22_top_usd, 'FM999,999,999,990')
        ) as rationale,

        -- amounts
        candidates.rsu_income_usd::numeric(14, 2) as metric_value,
        parameters.min_rsu_income_usd::numeric(14, 2) as threshold_value,
        candidates.rsu_income_usd::numeric(14, 2) as benefit_basis_usd,
        jsonb_build_object(
            'w2_box1_wages_usd', candidates.wages_usd,
            'taxable_income_estimate_usd', candidates.taxable_income_estimate_usd,
            'bracket_22_top_usd', candidates.bracket_22_top_usd,
            'filing_status', candidates.filing_status
        ) as inputs,

        -- dates
        candidates.as_of_date

    from candidates
    cross join parameters
    where
        candidates.rsu_income_usd >= parameters.min_rsu_income_usd
        and candidates.taxable_income_estimate_usd > candidates.bracket_22_top_usd
)

select * from final
