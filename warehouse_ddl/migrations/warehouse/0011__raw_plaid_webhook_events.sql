-- Plaid webhooks accepted by the receiver (signature, age and body hash verified,
-- ingestion/plaid/webhooks.py). The Dagster sensor syncs the items they name
-- and sets processed_at once that run succeeded, so an event is never lost.
-- The payload is kept without any *token* key (webhooks carry none today;
-- a public_token would be a credential).
-- depends: 0010__raw_plaid

set local role wdp_owner;

create table raw_plaid.webhook_events (
    webhook_event_id bigint generated always as identity primary key,
    item_id text,
    webhook_type text not null,
    webhook_code text not null,
    -- error.error_code of ITEM ERROR webhooks (e.g. ITEM_LOGIN_REQUIRED).
    error_code text,
    received_at timestamptz not null,
    payload jsonb not null,
    -- Hex SHA-256 of the exact body (the signed claim): Plaid re-delivers a
    -- webhook it got no 200 for, and a re-delivery is stored once.
    request_body_sha256 char(64) not null unique,
    processed_at timestamptz
);

comment on table raw_plaid.webhook_events is
'Verified Plaid webhooks; processed_at is set after the sync run they triggered succeeded.';

create index webhook_events_unprocessed_idx on raw_plaid.webhook_events (webhook_event_id)
where processed_at is null;

reset role;
