-- Equity and tax documents: the record of every landed file and the typed form tables.
-- depends: 0003__raw_app_clients

set local role wdp_owner;

-- One row per distinct file content (sha256), whether it parsed or went to quarantine.
-- The original bytes are kept encrypted in the content-addressed archive at archive_path.
create table raw_documents.files (
    file_sha256 char(64) primary key,
    upload_id text,
    client_id text,
    -- HMAC pseudonym of client_id.
    client_key text,
    -- File names often carry the person's name: kept only encrypted.
    original_file_name_encrypted text not null,
    claimed_document_type text,
    detected_document_type text,
    file_format text not null check (file_format in ('pdf', 'csv', 'unknown')),
    layout text,
    size_bytes bigint not null check (size_bytes >= 0),
    page_count integer,
    form_count integer not null default 0,
    status text not null check (status in ('parsed', 'quarantined')),
    quarantine_reason_code text,
    quarantine_reason text,
    archive_path text not null,
    received_at timestamptz not null,
    processed_at timestamptz not null,
    _load_id uuid not null,
    _loaded_at timestamptz not null,
    check ((status = 'quarantined') = (quarantine_reason is not null))
);

comment on table raw_documents.files is
'Every landed document, by content hash: client, type detected from content, status, quarantine reason.';

create index files_client_id_idx on raw_documents.files (client_id);

-- Columns shared by the tax forms: which file and form, whose, which year, the recipient
-- (name and TIN encrypted, TIN last 4 in clear).
create table raw_documents.w2_forms (
    file_sha256 char(64) not null references raw_documents.files (file_sha256),
    form_number integer not null,
    client_id text not null,
    client_key text not null,
    tax_year integer not null,
    recipient_name_encrypted text,
    recipient_tin_encrypted text not null,
    recipient_tin_last4 char(4) not null,
    employer_name text not null,
    employer_ein text,
    box1_wages_usd numeric(14, 2) not null,
    box2_federal_withholding_usd numeric(14, 2) not null,
    box3_social_security_wages_usd numeric(14, 2) not null,
    box4_social_security_tax_usd numeric(14, 2) not null,
    box5_medicare_wages_usd numeric(14, 2) not null,
    box6_medicare_tax_usd numeric(14, 2) not null,
    box13_is_statutory_employee boolean,
    box13_has_retirement_plan boolean,
    box13_has_third_party_sick_pay boolean,
    box14_rsu_income_usd numeric(14, 2),
    box15_state char(2),
    box16_state_wages_usd numeric(14, 2),
    box17_state_tax_usd numeric(14, 2),
    _load_id uuid not null,
    _loaded_at timestamptz not null,
    primary key (file_sha256, form_number)
);

comment on table raw_documents.w2_forms is 'W-2 forms as parsed, one row per form.';

-- Box 12 holds up to four (code, amount) pairs per W-2: one row per code.
create table raw_documents.w2_box12_amounts (
    file_sha256 char(64) not null,
    form_number integer not null,
    box12_code text not null,
    client_id text not null,
    client_key text not null,
    amount_usd numeric(14, 2) not null,
    _load_id uuid not null,
    _loaded_at timestamptz not null,
    primary key (file_sha256, form_number, box12_code),
    foreign key (file_sha256, form_number) references raw_documents.w2_forms (
        file_sha256, form_number
    )
);

comment on table raw_documents.w2_box12_amounts is 'W-2 box 12 amounts by code (D = 401(k) deferral, W = HSA, ...).';

create table raw_documents.form_1099_b_lines (
    file_sha256 char(64) not null references raw_documents.files (file_sha256),
    line_number integer not null,
    form_number integer not null,
    client_id text not null,
    client_key text not null,
    tax_year integer not null,
    recipient_name_encrypted text,
    recipient_tin_encrypted text not null,
    recipient_tin_last4 char(4) not null,
    account_id_last4 text,
    description text not null,
    quantity numeric(20, 6),
    -- null with is_acquired_various when the broker reports "Various".
    date_acquired date,
    is_acquired_various boolean not null,
    date_sold date not null,
    proceeds_usd numeric(14, 2) not null,
    cost_basis_usd numeric(14, 2),
    wash_sale_loss_disallowed_usd numeric(14, 2),
    term text check (term in ('short', 'long')),
    is_covered boolean,
    _load_id uuid not null,
    _loaded_at timestamptz not null,
    primary key (file_sha256, line_number)
);

comment on table raw_documents.form_1099_b_lines is
'1099-B sale lines as parsed; the file''s totals were checked against the lines.';

create table raw_documents.form_1099_div (
    file_sha256 char(64) not null references raw_documents.files (file_sha256),
    form_number integer not null,
    client_id text not null,
    client_key text not null,
    tax_year integer not null,
    recipient_name_encrypted text,
    recipient_tin_encrypted text not null,
    recipient_tin_last4 char(4) not null,
    account_id_last4 text,
    box1a_ordinary_dividends_usd numeric(14, 2) not null,
    box1b_qualified_dividends_usd numeric(14, 2),
    box2a_capital_gain_distributions_usd numeric(14, 2),
    _load_id uuid not null,
    _loaded_at timestamptz not null,
    primary key (file_sha256, form_number)
);

comment on table raw_documents.form_1099_div is '1099-DIV forms as parsed, one row per account.';

create table raw_documents.form_1099_int (
    file_sha256 char(64) not null references raw_documents.files (file_sha256),
    form_number integer not null,
    client_id text not null,
    client_key text not null,
    tax_year integer not null,
    recipient_name_encrypted text,
    recipient_tin_encrypted text not null,
    recipient_tin_last4 char(4) not null,
    account_id_last4 text,
    box1_interest_usd numeric(14, 2) not null,
    _load_id uuid not null,
    _loaded_at timestamptz not null,
    primary key (file_sha256, form_number)
);

comment on table raw_documents.form_1099_int is '1099-INT forms as parsed, one row per account.';

create table raw_documents.equity_grants (
    file_sha256 char(64) not null references raw_documents.files (file_sha256),
    grant_id text not null,
    row_number integer not null,
    client_id text not null,
    client_key text not null,
    export_layout text not null,
    stakeholder_name_encrypted text,
    company_name text,
    grant_type text not null check (grant_type in ('ISO', 'NSO', 'RSU')),
    grant_date date not null,
    shares_granted numeric(20, 4) not null check (shares_granted >= 0),
    strike_price_usd numeric(14, 4),
    vesting_start_date date not null,
    vesting_months integer not null,
    cliff_months integer not null,
    -- Not every vendor exports the vesting frequency.
    vest_frequency_months integer,
    exercised_shares numeric(20, 4) check (exercised_shares >= 0),
    expiration_date date,
    _load_id uuid not null,
    _loaded_at timestamptz not null,
    primary key (file_sha256, grant_id)
);

comment on table raw_documents.equity_grants is
'Equity grants from vendor exports (Carta, Shareworks), one row per grant per file.';

create table raw_documents.fmv_409a_valuations (
    file_sha256 char(64) not null references raw_documents.files (file_sha256),
    company_name text not null,
    valuation_date date not null,
    row_number integer not null,
    client_id text not null,
    client_key text not null,
    fmv_per_share_usd numeric(14, 4) not null check (fmv_per_share_usd >= 0),
    _load_id uuid not null,
    _loaded_at timestamptz not null,
    primary key (file_sha256, company_name, valuation_date)
);

comment on table raw_documents.fmv_409a_valuations is
'409A fair-market-value history of private companies, from uploaded valuation exports.';

reset role;
