-- Clients of the application database, in key order for a stable, resumable read.
select
    client_id,
    first_name,
    last_name,
    email,
    phone,
    date_of_birth,
    ssn,
    street_address,
    city,
    state,
    postal_code,
    filing_status,
    annual_income_usd,
    employer_name,
    signup_channel,
    created_at,
    updated_at,
    deleted_at
from clients
order by client_id
