insert into intermediate.client_tax_figures (
    client_key,
    tax_year,
    as_of_date,
    age_at_as_of_years,
    age_at_tax_year_end_years,
    federal_income_tax_usd,
    amt_usd,
    marginal_ordinary_rate_pct,
    marginal_long_term_gain_rate_pct,
    amt_headroom_usd,
    iso_bargain_element_under_amt_usd,
    bracket_22_top_usd,
    taxcalc_standard_deduction_usd,
    taxcalc_version,
    computed_at
) values %s
