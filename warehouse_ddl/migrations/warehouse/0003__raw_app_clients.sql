-- raw_app.clients: the application's clients as received, PII encrypted (DESIGN §4).
-- depends: 0002__load_runs_quarantine

set local role wdp_owner;

create table raw_app.clients (
    client_id text primary key,
    client_key text not null unique,
    first_name_encrypted text not null,
    last_name_encrypted text not null,
    email_encrypted text not null,
    phone_encrypted text not null,
    date_of_birth_encrypted text not null,
    ssn_encrypted text not null,
    ssn_last4 char(4) not null,
    street_address_encrypted text not null,
    city_encrypted text not null,
    postal_code_encrypted text not null,
    state char(2) not null,
    filing_status text not null,
    annual_income_usd numeric(14, 2),
    employer_name text,
    signup_channel text not null,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    deleted_at timestamptz,
    _load_id uuid not null,
    _loaded_at timestamptz not null
);

comment on table raw_app.clients is
'Clients of the application database; direct identifiers AES-GCM encrypted, client_key = HMAC pseudonym.';

reset role;
