-- The rest of the application database in raw_app, and the replication's watermarks.
-- Direct identifiers arrive as AES-GCM envelope tokens (`<column>_encrypted`);
-- `client_key` is the loader's HMAC pseudonym of `client_id` (DESIGN §4).
-- A row deleted in the source (found missing by key comparison) is kept and
-- stamped `_deleted_in_source_at`: raw keeps what was received, and the models
-- downstream treat the stamp like a soft delete.
-- depends: 0003__raw_app_clients

set local role wdp_owner;

create table raw_app.advisors (
    advisor_id text primary key,
    first_name_encrypted text not null,
    last_name_encrypted text not null,
    advisor_type text not null,
    licensed_states text [] not null,
    capacity_clients integer not null,
    is_accepting_clients boolean not null,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    deleted_at timestamptz,
    _deleted_in_source_at timestamptz,
    _load_id uuid not null,
    _loaded_at timestamptz not null
);

comment on table raw_app.advisors is
'Advisors (tax, financial, legal) clients can be matched with; names encrypted.';

create table raw_app.concierges (
    concierge_id text primary key,
    first_name_encrypted text not null,
    last_name_encrypted text not null,
    email_encrypted text not null,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    deleted_at timestamptz,
    _deleted_in_source_at timestamptz,
    _load_id uuid not null,
    _loaded_at timestamptz not null
);

comment on table raw_app.concierges is
'Concierges (staff who serve clients); names and e-mail encrypted.';

create table raw_app.concierge_assignments (
    assignment_id text primary key,
    client_id text not null,
    client_key text not null,
    concierge_id text not null,
    assigned_at timestamptz not null,
    unassigned_at timestamptz,
    updated_at timestamptz not null,
    _deleted_in_source_at timestamptz,
    _load_id uuid not null,
    _loaded_at timestamptz not null
);

comment on table raw_app.concierge_assignments is
'Which concierge serves which client, one row per assignment period (unassigned_at null = current).';

create table raw_app.appointments (
    appointment_id text primary key,
    client_id text not null,
    client_key text not null,
    advisor_id text not null,
    concierge_id text not null,
    appointment_type text not null,
    status text not null,
    scheduled_for timestamptz not null,
    duration_minutes integer not null,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    deleted_at timestamptz,
    _deleted_in_source_at timestamptz,
    _load_id uuid not null,
    _loaded_at timestamptz not null
);

comment on table raw_app.appointments is
'Appointments of clients with advisors, booked by concierges.';

create table raw_app.goals (
    goal_id text primary key,
    client_id text not null,
    client_key text not null,
    goal_type text not null,
    target_amount_usd numeric(14, 2) not null,
    target_date date not null,
    status text not null,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    deleted_at timestamptz,
    _deleted_in_source_at timestamptz,
    _load_id uuid not null,
    _loaded_at timestamptz not null
);

comment on table raw_app.goals is 'Financial goals clients set in the app.';

create table raw_app.manual_assets (
    asset_id text primary key,
    client_id text not null,
    client_key text not null,
    asset_type text not null,
    -- Free text typed by the client (it may hold an address): kept encrypted.
    description_encrypted text not null,
    value_usd numeric(14, 2) not null,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    deleted_at timestamptz,
    _deleted_in_source_at timestamptz,
    _load_id uuid not null,
    _loaded_at timestamptz not null
);

comment on table raw_app.manual_assets is
'Assets clients enter by hand (home, car): the balance sheet''s other assets.';

create table raw_app.plaid_items (
    item_id text primary key,
    client_id text not null,
    client_key text not null,
    institution_id text not null,
    institution_name text not null,
    -- A Plaid access token is a credential: only ever stored encrypted.
    access_token_encrypted text not null,
    products text not null,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    deleted_at timestamptz,
    _deleted_in_source_at timestamptz,
    _load_id uuid not null,
    _loaded_at timestamptz not null
);

comment on table raw_app.plaid_items is
'Plaid items (linked institutions) of clients; access tokens encrypted.';

create table raw_app.document_uploads (
    upload_id text primary key,
    client_id text not null,
    client_key text not null,
    document_type text not null,
    tax_year integer not null,
    -- Uploaded file names often carry the person's name: kept encrypted.
    file_name_encrypted text not null,
    uploaded_at timestamptz not null,
    updated_at timestamptz not null,
    deleted_at timestamptz,
    _deleted_in_source_at timestamptz,
    _load_id uuid not null,
    _loaded_at timestamptz not null
);

comment on table raw_app.document_uploads is
'Documents clients uploaded in the app (the files themselves arrive through ingestion/documents).';

-- One row per incrementally loaded source: the greatest change time already loaded.
create table audit.load_watermarks (
    source_name text primary key,
    watermark_at timestamptz not null,
    load_id uuid not null,
    saved_at timestamptz not null
);

comment on table audit.load_watermarks is
'High-water mark of each incremental source, saved in the transaction that loaded the data.';

alter table raw_app.clients add column _deleted_in_source_at timestamptz;

comment on column raw_app.clients._deleted_in_source_at is
'When the loader found the row gone from the source (a hard delete); null while it exists.';

alter table audit.load_runs add column rows_deleted integer not null default 0;

reset role;
