-- The clients' tax profiles (dbt mart) with the encrypted date of birth, for the
-- Tax-Calculator asset. The date is decrypted only in the asset's memory.
select
    profiles.client_key,
    profiles.tax_year,
    profiles.as_of_date,
    profiles.filing_status,
    profiles.wages_usd,
    profiles.taxable_interest_usd,
    profiles.ordinary_dividends_usd,
    profiles.qualified_dividends_usd,
    profiles.short_term_gain_usd,
    profiles.long_term_gain_usd + profiles.capital_gain_distributions_usd as long_term_gain_usd,
    profiles.iso_bargain_element_usd,
    clients.date_of_birth_encrypted
from marts.fct_client_tax_profile as profiles
left join raw_app.clients as clients on profiles.client_key = clients.client_key
order by profiles.client_key, profiles.tax_year
