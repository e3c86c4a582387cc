-- clients of the application database changed since `changed_since` (every row when
-- it is null), in key order for a stable read. The columns are those classified in
-- privacy.classification["app.clients"].
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
    postal_code,
    state,
    filing_status,
    annual_income_usd,
    employer_name,
    signup_channel,
    created_at,
    updated_at,
    deleted_at
from clients
where updated_at >= coalesce(%(changed_since)s::timestamptz, '-infinity'::timestamptz)
order by client_id
