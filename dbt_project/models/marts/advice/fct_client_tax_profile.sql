-- One row per active client and tax year (the year before the as-of day):
-- what the return is computed from. The input of the Tax-Calculator asset.
with

clients as (
    select * from {{ ref('int_clients__as_of') }}
),

w2_totals as (
    select * from {{ ref('int_w2_forms__summed_by_client_year') }}
),

investment_income as (
    select * from {{ ref('int_investment_income__summed_by_client_year') }}
),

iso_grants as (
    select * from {{ ref('int_equity_grants__iso_bargain_element') }}
),

iso_totals as (
    select
        client_key,
        sum(bargain_element_usd) as iso_bargain_element_usd,
        sum(case when is_exercisable_in_the_money then vested_unexercised_shares else 0 end)
            as vested_unexercised_iso_shares
    from iso_grants
    group by client_key
),

final as (
    select
        -- ids
        clients.client_key,
        clients.tax_year,

        -- attributes
        clients.filing_status,
        clients.state_code,
        case when w2_totals.client_key is not null then 'w2' else 'declared_income' end
            as wages_source,

        -- amounts: wages (W-2 box 1; without a W-2, the income declared in the app)
        coalesce(w2_totals.wages_usd, clients.annual_income_usd, 0) as wages_usd,
        coalesce(w2_totals.w2_form_count, 0) as w2_form_count,
        coalesce(w2_totals.federal_withholding_usd, 0) as federal_withholding_usd,
        coalesce(w2_totals.rsu_income_usd, 0) as rsu_income_usd,
        coalesce(w2_totals.deferral_401k_usd, 0) as deferral_401k_usd,
        coalesce(w2_totals.hsa_contribution_usd, 0) as hsa_contribution_usd,

        -- amounts: investment income (1099-INT, 1099-DIV, 1099-B)
        coalesce(investment_income.taxable_interest_usd, 0) as taxable_interest_usd,
        coalesce(investment_income.ordinary_dividends_usd, 0) as ordinary_dividends_usd,
        coalesce(investment_income.qualified_dividends_usd, 0) as qualified_dividends_usd,
        coalesce(investment_income.capital_gain_distributions_usd, 0)
            as capital_gain_distributions_usd,
        coalesce(investment_income.short_term_gain_usd, 0) as short_term_gain_usd,
        coalesce(investment_income.long_term_gain_usd, 0) as long_term_gain_usd,

        -- amounts: equity
        coalesce(iso_totals.iso_bargain_element_usd, 0) as iso_bargain_element_usd,
        coalesce(iso_totals.vested_unexercised_iso_shares, 0) as vested_unexercised_iso_shares,

        -- dates
        clients.as_of_date,

        -- flags
        w2_totals.client_key is not null as has_w2

    from clients
    left join w2_totals
        on
            clients.client_key = w2_totals.client_key
            and clients.tax_year = w2_totals.tax_year
    left join investment_income
        on
            clients.client_key = investment_income.client_key
            and clients.tax_year = investment_income.tax_year
    left join iso_totals on clients.client_key = iso_totals.client_key
    where clients.as_of_date is not null
)

select * from final
