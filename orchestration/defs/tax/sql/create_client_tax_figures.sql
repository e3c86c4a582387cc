-- Written by the Tax-Calculator asset as wdp_transformer; read by dbt as the
-- source tax.client_tax_figures. Replaced as a whole on every run.
create table if not exists intermediate.client_tax_figures (
    client_key text not null,
    tax_year integer not null,
    as_of_date date not null,
    age_at_as_of_years integer,
    age_at_tax_year_end_years integer,
    federal_income_tax_usd numeric(14, 2) not null,
    amt_usd numeric(14, 2) not null,
    marginal_ordinary_rate_pct numeric(7, 2) not null,
    marginal_long_term_gain_rate_pct numeric(7, 2) not null,
    amt_headroom_usd numeric(14, 2) not null,
    iso_bargain_element_under_amt_usd numeric(14, 2) not null,
    bracket_22_top_usd numeric(14, 2) not null,
    taxcalc_standard_deduction_usd numeric(14, 2) not null,
    taxcalc_version text not null,
    computed_at timestamptz not null,
    primary key (client_key, tax_year)
);
