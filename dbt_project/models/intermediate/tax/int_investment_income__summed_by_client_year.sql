-- One row per client and tax year: interest (1099-INT), dividends and capital
-- gain distributions (1099-DIV) and realized gains by term (1099-B), added up.
-- 1099-B gains count the disallowed wash-sale loss back in (Form 8949 code W).
with

interest_forms as (
    select * from {{ ref('stg_documents__form_1099_int') }}
),

dividend_forms as (
    select * from {{ ref('stg_documents__form_1099_div') }}
),

sale_lines as (
    select * from {{ ref('stg_documents__form_1099_b_lines') }}
),

amounts as (
    select
        client_key,
        tax_year,
        box1_interest_usd as taxable_interest_usd,
        0 as ordinary_dividends_usd,
        0 as qualified_dividends_usd,
        0 as capital_gain_distributions_usd,
        0 as short_term_gain_usd,
        0 as long_term_gain_usd
    from interest_forms

    union all

    select
        client_key,
        tax_year,
        0 as taxable_interest_usd,
        box1a_ordinary_dividends_usd as ordinary_dividends_usd,
        coalesce(box1b_qualified_dividends_usd, 0) as qualified_dividends_usd,
        coalesce(box2a_capital_gain_distributions_usd, 0) as capital_gain_distributions_usd,
        0 as short_term_gain_usd,
        0 as long_term_gain_usd
    from dividend_forms

    union all

    select
        client_key,
        tax_year,
        0 as taxable_interest_usd,
        0 as ordinary_dividends_usd,
        0 as qualified_dividends_usd,
        0 as capital_gain_distributions_usd,
        case
            when holding_term = 'short'
                then realized_gain_usd + coalesce(wash_sale_loss_disallowed_usd, 0)
            else 0
        end as short_term_gain_usd,
        case
            when holding_term = 'long'
                then realized_gain_usd + coalesce(wash_sale_loss_disallowed_usd, 0)
            else 0
        end as long_term_gain_usd
    from sale_lines
    where realized_gain_usd is not null
),

final as (
    select
        -- ids
        client_key,
        tax_year,

        -- amounts
        sum(taxable_interest_usd) as taxable_interest_usd,
        sum(ordinary_dividends_usd) as ordinary_dividends_usd,
        sum(qualified_dividends_usd) as qualified_dividends_usd,
        sum(capital_gain_distributions_usd) as capital_gain_distributions_usd,
        sum(short_term_gain_usd) as short_term_gain_usd,
        sum(long_term_gain_usd) as long_term_gain_usd

    from amounts
    group by client_key, tax_year
)

select * from final
