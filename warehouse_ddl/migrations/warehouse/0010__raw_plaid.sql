-- Plaid data as received (DESIGN §5): items with their health, accounts, daily
-- balance / holdings (with tax lots) / liability snapshots, securities,
-- investment transactions and transactions (/transactions/sync, removals
-- applied as `_removed_in_source_at`), and the sync cursors.
-- Column names are Plaid's field names (nested objects flattened with `_`);
-- `limit` and `current` are Plaid's too and are quoted where reserved.
-- `_row_sha256` fingerprints the source values of a row: a re-load rewrites a
-- row only when it changed, so re-running a partition changes nothing.
-- Account numbers: only the last 4 (`*_last4`); names a person may have typed
-- or that locate a person are envelope-encrypted (`*_encrypted`).
-- depends: 0003__raw_app_clients 0004__raw_app_replication

set local role wdp_owner;

create table raw_plaid.items (
    item_id text primary key,
    client_id text not null,
    client_key text not null,
    institution_id text,
    institution_name text,
    -- Worst state over the item's products (needs_relink > error >
    -- product_not_ready > ok), shown in the app.
    health_state text not null check (
        health_state in ('ok', 'needs_relink', 'product_not_ready', 'error')
    ),
    error_type text,
    error_code text,
    -- Plaid's request id of the call that found the problem (for Plaid support).
    request_id text,
    health_checked_at timestamptz not null,
    _load_id uuid not null,
    _loaded_at timestamptz not null
);

comment on table raw_plaid.items is
'Plaid items of active clients and their health (ok / needs_relink / product_not_ready / error).';

create table raw_plaid.item_product_health (
    item_id text not null,
    -- The API product the state is about: accounts, investments_holdings,
    -- investments_transactions, liabilities, transactions, item.
    product text not null,
    health_state text not null check (
        health_state in ('ok', 'needs_relink', 'product_not_ready', 'error')
    ),
    error_type text,
    error_code text,
    request_id text,
    checked_at timestamptz not null,
    last_ok_at timestamptz,
    _load_id uuid not null,
    _loaded_at timestamptz not null,
    primary key (item_id, product)
);

comment on table raw_plaid.item_product_health is
'Outcome of the last call per item and product; raw_plaid.items rolls it up.';

create table raw_plaid.accounts (
    account_id text primary key,
    item_id text not null,
    client_key text not null,
    -- The account name may be a nickname the client typed ("Ann''s savings").
    name_encrypted text,
    official_name text,
    mask text check (mask ~ '^[0-9A-Za-z]{0,4}$'),
    type text not null,
    subtype text,
    _row_sha256 text not null,
    _load_id uuid not null,
    _loaded_at timestamptz not null
);

comment on table raw_plaid.accounts is
'Accounts of Plaid items (latest seen); mask = last 4 of the account number only.';

create table raw_plaid.balances_daily (
    account_id text not null,
    as_of_date date not null,
    item_id text not null,
    available numeric(18, 2),
    current numeric(18, 2),
    "limit" numeric(18, 2),
    iso_currency_code text,
    unofficial_currency_code text,
    last_updated_datetime timestamptz,
    _row_sha256 text not null,
    _load_id uuid not null,
    _loaded_at timestamptz not null,
    primary key (account_id, as_of_date)
);

comment on table raw_plaid.balances_daily is
'One balance snapshot per account and day (/accounts/get at the end of as_of_date).';

create table raw_plaid.securities (
    security_id text primary key,
    name text,
    ticker_symbol text,
    isin text,
    cusip text,
    sedol text,
    figi text,
    institution_security_id text,
    institution_id text,
    proxy_security_id text,
    is_cash_equivalent boolean,
    type text,
    market_identifier_code text,
    sector text,
    industry text,
    iso_currency_code text,
    unofficial_currency_code text,
    _row_sha256 text not null,
    _load_id uuid not null,
    _loaded_at timestamptz not null
);

comment on table raw_plaid.securities is
'Securities referenced by holdings and investment transactions. Prices are per day in
holdings_daily.institution_price: a close here would go back in time in a backfill.';

create table raw_plaid.holdings_daily (
    account_id text not null,
    security_id text not null,
    as_of_date date not null,
    item_id text not null,
    quantity numeric(24, 8) not null,
    institution_price numeric(20, 6),
    institution_price_as_of date,
    institution_value numeric(18, 2),
    cost_basis numeric(18, 2),
    vested_quantity numeric(24, 8),
    vested_value numeric(18, 2),
    iso_currency_code text,
    unofficial_currency_code text,
    _row_sha256 text not null,
    _load_id uuid not null,
    _loaded_at timestamptz not null,
    primary key (account_id, security_id, as_of_date)
);

comment on table raw_plaid.holdings_daily is
'One holding per account, security and day (/investments/holdings/get).';

create table raw_plaid.holding_tax_lots_daily (
    account_id text not null,
    security_id text not null,
    as_of_date date not null,
    -- Position of the lot in Plaid's tax_lots array: institution_lot_id is optional.
    lot_number integer not null,
    item_id text not null,
    institution_lot_id text,
    original_purchase_datetime timestamptz,
    quantity numeric(24, 8),
    purchase_price numeric(20, 6),
    cost_basis numeric(18, 2),
    current_value numeric(18, 2),
    position_type text,
    _row_sha256 text not null,
    _load_id uuid not null,
    _loaded_at timestamptz not null,
    primary key (account_id, security_id, as_of_date, lot_number)
);

comment on table raw_plaid.holding_tax_lots_daily is
'Plaid tax_lots of each holding and day: lot-level cost basis and purchase dates.';

create table raw_plaid.investment_transactions (
    investment_transaction_id text primary key,
    account_id text not null,
    item_id text not null,
    security_id text,
    date date not null,
    name text,
    quantity numeric(24, 8),
    amount numeric(18, 2),
    price numeric(20, 6),
    fees numeric(18, 2),
    type text,
    subtype text,
    iso_currency_code text,
    unofficial_currency_code text,
    cancel_transaction_id text,
    _row_sha256 text not null,
    _load_id uuid not null,
    _loaded_at timestamptz not null
);

comment on table raw_plaid.investment_transactions is
'Investment transactions (/investments/transactions/get, offset pagination to the end).';

create index investment_transactions_item_date_idx
on raw_plaid.investment_transactions (item_id, date);

create table raw_plaid.liabilities_credit (
    account_id text not null,
    as_of_date date not null,
    item_id text not null,
    is_overdue boolean,
    last_payment_amount numeric(18, 2),
    last_payment_date date,
    last_statement_issue_date date,
    last_statement_balance numeric(18, 2),
    minimum_payment_amount numeric(18, 2),
    next_payment_due_date date,
    _row_sha256 text not null,
    _load_id uuid not null,
    _loaded_at timestamptz not null,
    primary key (account_id, as_of_date)
);

comment on table raw_plaid.liabilities_credit is
'Credit card liabilities per account and day (/liabilities/get); APRs in liabilities_credit_aprs.';

create table raw_plaid.liabilities_credit_aprs (
    account_id text not null,
    as_of_date date not null,
    apr_type text not null,
    item_id text not null,
    apr_percentage numeric(9, 4),
    balance_subject_to_apr numeric(18, 2),
    interest_charge_amount numeric(18, 2),
    _row_sha256 text not null,
    _load_id uuid not null,
    _loaded_at timestamptz not null,
    primary key (account_id, as_of_date, apr_type)
);

comment on table raw_plaid.liabilities_credit_aprs is
'APRs of credit card liabilities (purchase, cash, balance transfer, special) per day.';

create table raw_plaid.liabilities_mortgage (
    account_id text not null,
    as_of_date date not null,
    item_id text not null,
    account_number_last4 text check (account_number_last4 ~ '^[0-9A-Za-z]{0,4}$'),
    current_late_fee numeric(18, 2),
    escrow_balance numeric(18, 2),
    has_pmi boolean,
    has_prepayment_penalty boolean,
    interest_rate_percentage numeric(9, 4),
    interest_rate_type text,
    last_payment_amount numeric(18, 2),
    last_payment_date date,
    loan_type_description text,
    loan_term text,
    maturity_date date,
    next_monthly_payment numeric(18, 2),
    next_payment_due_date date,
    origination_date date,
    origination_principal_amount numeric(18, 2),
    past_due_amount numeric(18, 2),
    -- The client's home address: a direct identifier (JSON of Plaid's object).
    property_address_encrypted text,
    ytd_interest_paid numeric(18, 2),
    ytd_principal_paid numeric(18, 2),
    _row_sha256 text not null,
    _load_id uuid not null,
    _loaded_at timestamptz not null,
    primary key (account_id, as_of_date)
);

comment on table raw_plaid.liabilities_mortgage is
'Mortgage liabilities per account and day; account number as last 4, address encrypted.';

create table raw_plaid.liabilities_student (
    account_id text not null,
    as_of_date date not null,
    item_id text not null,
    account_number_last4 text check (account_number_last4 ~ '^[0-9A-Za-z]{0,4}$'),
    disbursement_dates date [],
    expected_payoff_date date,
    guarantor text,
    interest_rate_percentage numeric(9, 4),
    is_overdue boolean,
    last_payment_amount numeric(18, 2),
    last_payment_date date,
    last_statement_issue_date date,
    last_statement_balance numeric(18, 2),
    loan_name text,
    loan_status_type text,
    loan_status_end_date date,
    minimum_payment_amount numeric(18, 2),
    next_payment_due_date date,
    origination_date date,
    origination_principal_amount numeric(18, 2),
    outstanding_interest_amount numeric(18, 2),
    payment_reference_number_last4 text,
    repayment_plan_type text,
    repayment_plan_description text,
    sequence_number text,
    ytd_interest_paid numeric(18, 2),
    ytd_principal_paid numeric(18, 2),
    _row_sha256 text not null,
    _load_id uuid not null,
    _loaded_at timestamptz not null,
    primary key (account_id, as_of_date)
);

comment on table raw_plaid.liabilities_student is
'Student loan liabilities per account and day; account and reference numbers as last 4.';

create table raw_plaid.transactions (
    transaction_id text primary key,
    account_id text not null,
    item_id text not null,
    amount numeric(18, 2) not null,
    iso_currency_code text,
    unofficial_currency_code text,
    date date not null,
    authorized_date date,
    datetime timestamptz,
    authorized_datetime timestamptz,
    name text,
    merchant_name text,
    merchant_entity_id text,
    -- A person's name (the account holder, or a payer/payee of a transfer).
    account_owner_encrypted text,
    payment_meta_encrypted text,
    original_description_encrypted text,
    payment_channel text,
    pending boolean not null,
    pending_transaction_id text,
    transaction_code text,
    check_number text,
    personal_finance_category_primary text,
    personal_finance_category_detailed text,
    personal_finance_category_confidence_level text,
    logo_url text,
    website text,
    -- Set when /transactions/sync reported the transaction removed (e.g. a
    -- pending row replaced by its posted one); the row is kept, as received.
    _removed_in_source_at timestamptz,
    _row_sha256 text not null,
    _load_id uuid not null,
    _loaded_at timestamptz not null
);

comment on table raw_plaid.transactions is
'Bank and card transactions from /transactions/sync: added and modified merged, removals stamped.';

create index transactions_item_idx on raw_plaid.transactions (item_id);

create table raw_plaid.transactions_sync_cursors (
    item_id text primary key,
    -- Plaid's next_cursor after a sync whose has_more was false, saved in the
    -- transaction that wrote that sync's data.
    next_cursor text not null,
    synced_at timestamptz not null,
    _load_id uuid not null
);

comment on table raw_plaid.transactions_sync_cursors is
'Last complete /transactions/sync cursor per item (only ever a final cursor).';

reset role;
