-- Segment-style product events (track, identify, page) and the record of each file loaded.
-- depends: 0004__raw_app_replication

set local role wdp_owner;

-- Column names are those of Segment's own warehouse schema (snake_case of the
-- message fields). Deduplicated on message_id: the first delivery wins.
create table raw_events.events (
    message_id text primary key,
    type text not null check (type in ('track', 'identify', 'page')),
    event text,
    name text,
    user_id text,
    -- HMAC pseudonym of user_id (the source client id) when the user is known.
    client_key text,
    anonymous_id text,
    timestamp timestamptz not null,
    received_at timestamptz,
    -- Direct identifiers inside these documents are replaced by `<key>_encrypted`
    -- envelope tokens; keys the classification does not know are dropped.
    properties jsonb,
    context jsonb,
    traits jsonb,
    _file_name text not null,
    _line_number integer not null,
    _load_id uuid not null,
    _loaded_at timestamptz not null
);

comment on table raw_events.events is
'Product events as received, one row per messageId; identifiers encrypted, client_key for known users.';

-- Identity stitching downstream joins anonymous visits to the user who identified.
create index events_anonymous_id_idx on raw_events.events (anonymous_id);
create index events_user_id_idx on raw_events.events (user_id);

create table audit.event_file_loads (
    file_name text not null,
    file_sha256 char(64) not null,
    file_date date,
    lines_read integer not null,
    events_inserted integer not null,
    events_duplicate integer not null,
    lines_quarantined integer not null,
    load_id uuid not null,
    loaded_at timestamptz not null,
    primary key (file_name, file_sha256)
);

comment on table audit.event_file_loads is
'One row per event file loaded (a re-delivered file with new content gets its own row).';

reset role;
