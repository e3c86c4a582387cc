-- The sandbox's stand-in for the product's application database (schema public).
-- Re-running drops and recreates only the sandbox's own tables.

drop table if exists document_uploads cascade;
drop table if exists plaid_items cascade;
drop table if exists manual_assets cascade;
drop table if exists goals cascade;
drop table if exists appointments cascade;
drop table if exists concierge_assignments cascade;
drop table if exists concierges cascade;
drop table if exists advisors cascade;
drop table if exists clients cascade;

create table clients (
    client_id text primary key,
    first_name text not null,
    last_name text not null,
    email text not null,
    phone text not null,
    date_of_birth date not null,
    ssn text not null,
    street_address text not null,
    city text not null,
    state char(2) not null,
    postal_code text not null,
    filing_status text not null check (
        filing_status in (
            'single', 'married_filing_jointly', 'married_filing_separately', 'head_of_household'
        )
    ),
    annual_income_usd numeric(14, 2) not null,
    employer_name text,
    signup_channel text not null,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    deleted_at timestamptz
);


create table advisors (
    advisor_id text primary key,
    first_name text not null,
    last_name text not null,
    advisor_type text not null check (advisor_type in ('tax', 'financial', 'legal')),
    licensed_states text [] not null,
    capacity_clients integer not null,
    is_accepting_clients boolean not null,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    deleted_at timestamptz
);

create table concierges (
    concierge_id text primary key,
    first_name text not null,
    last_name text not null,
    email text not null,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    deleted_at timestamptz
);

-- One row per assignment period; unassigned_at is null for the current one.
create table concierge_assignments (
    assignment_id text primary key,
    client_id text not null references clients (client_id),
    concierge_id text not null references concierges (concierge_id),
    assigned_at timestamptz not null,
    unassigned_at timestamptz,
    updated_at timestamptz not null
);

create table appointments (
    appointment_id text primary key,
    client_id text not null references clients (client_id),
    advisor_id text not null references advisors (advisor_id),
    concierge_id text not null references concierges (concierge_id),
    appointment_type text not null,
    status text not null check (status in ('scheduled', 'completed', 'cancelled', 'no_show')),
    scheduled_for timestamptz not null,
    duration_minutes integer not null,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    deleted_at timestamptz
);

create table goals (
    goal_id text primary key,
    client_id text not null references clients (client_id),
    goal_type text not null,
    target_amount_usd numeric(14, 2) not null,
    target_date date not null,
    status text not null check (status in ('active', 'achieved', 'abandoned')),
    created_at timestamptz not null,
    updated_at timestamptz not null,
    deleted_at timestamptz
);

-- Assets the client enters by hand (home, car): the balance sheet's other_assets_usd.
create table manual_assets (
    asset_id text primary key,
    client_id text not null references clients (client_id),
    asset_type text not null check (asset_type in ('real_estate', 'vehicle')),
    description text not null,
    value_usd numeric(14, 2) not null,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    deleted_at timestamptz
);

create table plaid_items (
    item_id text primary key,
    client_id text not null references clients (client_id),
    institution_id text not null,
    institution_name text not null,
    access_token text not null unique,
    products text not null,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    deleted_at timestamptz
);

create table document_uploads (
    upload_id text primary key,
    client_id text not null references clients (client_id),
    document_type text not null,
    tax_year integer not null,
    file_name text not null,
    uploaded_at timestamptz not null,
    updated_at timestamptz not null,
    deleted_at timestamptz
);
