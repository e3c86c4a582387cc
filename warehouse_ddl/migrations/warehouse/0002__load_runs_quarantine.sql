-- Load history and the quarantine that every loader writes.
-- depends: 0001__roles_schemas_grants

set local role wdp_owner;

create table audit.load_runs (
    load_id uuid primary key,
    source_name text not null,
    target_table text not null,
    started_at timestamptz not null,
    finished_at timestamptz,
    rows_read integer not null default 0,
    rows_loaded integer not null default 0,
    rows_quarantined integer not null default 0,
    load_status text not null default 'running'
    check (load_status in ('running', 'succeeded', 'failed'))
);

comment on table audit.load_runs is
'One row per loader run: what it read, loaded and quarantined.';

create table quarantine.rejected_records (
    rejected_record_id bigint generated always as identity primary key,
    load_id uuid not null,
    source_name text not null,
    source_reference text not null,
    quarantine_reason text not null,
    -- The rejected payload may hold PII, so it is kept only encrypted.
    payload_encrypted text,
    quarantined_at timestamptz not null default now(),
    unique (source_name, source_reference, quarantine_reason)
);

comment on table quarantine.rejected_records is
'Records a loader could not accept, with a reason a person can act on.';

reset role;
