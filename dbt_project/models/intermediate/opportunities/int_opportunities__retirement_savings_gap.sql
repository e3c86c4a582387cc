-- Retirement-savings gap: the 401(k) elective deferral limit of the tax year
-- (IRC 402(g), plus the age-50 catch-up when the client is 50 or older on the
-- as-of day) minus the deferrals on the W-2s (box 12 code D), for clients with
-- enough wages to save more.
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
        max(case when parameter_name = 'min_wages' then parameter_value end) as min_wages_usd,
        max(case when parameter_name = 'min_deferral_gap' then parameter_value end)
            as min_deferral_gap_usd,
        max(case when parameter_name = 'catch_up_age' then parameter_value end)
            as catch_up_age_years
    from rule_parameters
    where opportunity_type = 'retirement_savings_gap'
),

deferral_limits as (
    select
        tax_year,
        max(case when parameter_name = 'elective_deferral_limit' then parameter_value end)
            as elective_deferral_limit_usd,
        max(
            case when parameter_name = 'elective_deferral_catch_up_50_plus' then parameter_value end
        ) as catch_up_usd
    from tax_year_parameters
    group by tax_year
),

candidates as (
    select
        clients.client_key,
        clients.as_of_date,
        w2_totals.wages_usd,
        w2_totals.deferral_401k_usd,
        tax_figures.age_at_as_of_years,
        deferral_limits.elective_deferral_limit_usd
        + case
            when tax_figures.age_at_as_of_years >= parameters.catch_up_age_years
                then deferral_limits.catch_up_usd
            else 0
        end as deferral_limit_usd
    from clients
    cross join parameters
    inner join w2_totals
        on
            clients.client_key = w2_totals.client_key
            and clients.tax_year = w2_totals.tax_year
    inner join deferral_limits on clients.tax_year = deferral_limits.tax_year
    left join tax_figures
        on
            clients.client_key = tax_figures.client_key
            and clients.tax_year = tax_figures.tax_year
),

final as (
    select
        -- ids
        candidates.client_key,

        -- attributes
        'retirement_savings_gap' as opportunity_type,
        'deferral_gap_usd' as metric_name,
        format(
            'The W-2 shows $%s of 401(k) deferrals against a limit of $%s%s: $%s more '
            'could have been saved before tax.',
            to_char(candidates.deferral_401k_usd, 'FM999,999,999,990.00'),
            to_char(candidates.deferral_limit_usd, 'FM999,999,990'),
            case
                when candidates.age_at_as_of_years >= parameters.catch_up_age_years
                    then ' (with the age-50 catch-up)'
                else ''
            end,
            to_char(
                candidates.deferral_limit_usd - candidates.deferral_401k_usd,
                'FM999,999,999,990.00'
            )
        ) as rationale,

        -- amounts
        (
            candidates.deferral_limit_usd - candidates.deferral_401k_usd
        )::numeric(14, 2) as metric_value,
        parameters.min_deferral_gap_usd::numeric(14, 2) as threshold_value,
        (
            candidates.deferral_limit_usd - candidates.deferral_401k_usd
        )::numeric(14, 2) as benefit_basis_usd,
        jsonb_build_object(
            'box12_code_d_usd', candidates.deferral_401k_usd,
            'deferral_limit_usd', candidates.deferral_limit_usd
        ) as inputs,

        -- dates
        candidates.as_of_date

    from candidates
    cross join parameters
    where
        candidates.wages_usd >= parameters.min_wages_usd
        and candidates.deferral_limit_usd - candidates.deferral_401k_usd
        >= parameters.min_deferral_gap_usd
)

select * from final
