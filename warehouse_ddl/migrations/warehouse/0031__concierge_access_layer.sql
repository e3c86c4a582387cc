-- The concierge access layer (DESIGN §3, issue #10 items 2–3).
--
-- Concierges reach client rows only through three SECURITY DEFINER functions in
-- `concierge`, owned by `wdp_concierge_api`: a NOLOGIN role without BYPASSRLS
-- that owns no table and may only read what the functions read (and append to
-- the audit log and the actions table). Each app user logs in as their own
-- Postgres role (`wdp_user_<name>`, created by `wdp users add`), so the
-- functions and the row-level security policies know the caller as
-- `session_user`, and every call writes its own audit row in the same
-- transaction: the app cannot skip the log.
--
-- Row-level security (enabled and FORCEd, so not even the tables' owner is
-- exempt) limits the client rows the functions can see to the caller's current
-- assignments; members of `wdp_concierge_lead` see every client. Every other
-- reader of those tables (loader, dbt, engineers) keeps an explicit all-rows
-- policy, so nothing upstream changes.
-- depends: 0030__concierge_opportunity_actions

do $roles$
begin
    if not exists (select from pg_roles where rolname = 'wdp_concierge_api') then
        create role wdp_concierge_api
        nologin nosuperuser nocreatedb nocreaterole noinherit nobypassrls;
    end if;
end
$roles$;

set local role wdp_owner;

-- Which concierge (source `concierge_id`) each concierge login role is; written by
-- `wdp users add NAME --role concierge --concierge-id con_0001`.
create table concierge.staff_logins (
    login_role name primary key,
    concierge_id text not null,
    created_at timestamptz not null default now()
);

comment on table concierge.staff_logins is
'Database login role of each concierge user and the app concierge_id it acts as.';

-- Who looked at what: written only by the concierge functions (nobody else may insert).
create table audit.concierge_access_log (
    access_id bigint generated always as identity primary key,
    accessed_by_role name not null default session_user,
    accessed_at timestamptz not null default clock_timestamp(),
    access_kind text not null
    check (access_kind in ('search', 'snapshot', 'record_action')),
    client_key text,
    -- The search text itself is never stored (it is a name, an e-mail or a phone
    -- number): only its length and kind; see docs/security.md.
    access_detail jsonb not null default '{}'::jsonb,
    was_allowed boolean not null
);

comment on table audit.concierge_access_log is
'Every concierge search, client snapshot and recorded action: who (database login), when, which client_key, what.';

create index concierge_access_log_who_idx
on audit.concierge_access_log (accessed_by_role, accessed_at);

-- Append-only, even for its owner: history is never rewritten.
create function audit.refuse_change() returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $body$
begin
    raise exception '% is append-only: % refused', tg_table_name, tg_op
    using errcode = 'insufficient_privilege';
end
$body$;

create trigger concierge_access_log_append_only
before update or delete or truncate on audit.concierge_access_log
for each statement execute function audit.refuse_change();

-- The audit schema's default privileges let the loader write its tables; not this one.
revoke all on audit.concierge_access_log from wdp_loader, wdp_transformer;
grant select on audit.concierge_access_log to wdp_engineer;

reset role;

-- The functions are created as their owner, which may create in `concierge` only
-- while this migration runs.
grant usage, create on schema concierge to wdp_concierge_api;
grant usage on schema raw_app, raw_documents, marts, audit to wdp_concierge_api;
grant select on
raw_app.clients, raw_app.appointments, raw_documents.files,
raw_app.concierge_assignments, concierge.staff_logins
to wdp_concierge_api;
grant insert on audit.concierge_access_log, concierge.opportunity_actions to wdp_concierge_api;
-- INSERT ... RETURNING reads the new id.
grant select (opportunity_action_id) on concierge.opportunity_actions to wdp_concierge_api;
-- Marts are rebuilt by dbt: default privileges keep the grant on each new table.
grant select on all tables in schema marts to wdp_concierge_api;
alter default privileges for role wdp_transformer in schema marts
grant select on tables to wdp_concierge_api;

set local role wdp_concierge_api;

-- Whether the calling login may see a client: a current assignment of the concierge
-- it acts as, or membership in wdp_concierge_lead. Used by the policies above.
create function concierge.caller_may_see(p_client_key text) returns boolean
language sql
stable
set search_path = pg_catalog, pg_temp
as $body$
    select pg_catalog.pg_has_role(session_user, 'wdp_concierge_lead', 'member')
        or exists (
            select 1
            from raw_app.concierge_assignments as assignment
            inner join concierge.staff_logins as login
                on assignment.concierge_id = login.concierge_id
            where login.login_role = session_user
                and assignment.client_key = p_client_key
                and assignment.unassigned_at is null
                and assignment._deleted_in_source_at is null
        )
$body$;

-- Encrypted identifiers of every client the caller may see; the app decrypts them in
-- memory and matches the search there (the database never holds clear text).
create function concierge.search_clients(search_text text)
returns table (
    client_key text,
    first_name_encrypted text,
    last_name_encrypted text,
    email_encrypted text,
    phone_encrypted text,
    state char(2)
)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $body$
declare
    candidates integer;
begin
    select count(*) into candidates
    from raw_app.clients as client
    where client.deleted_at is null and client._deleted_in_source_at is null;

    insert into audit.concierge_access_log (access_kind, client_key, access_detail, was_allowed)
    values (
        'search',
        null,
        jsonb_build_object(
            'search_text_length', coalesce(length(search_text), 0),
            'search_text_kind', case
                when search_text is null or btrim(search_text) = '' then 'empty'
                when search_text like '%@%' then 'email'
                when search_text ~ '^[0-9 ()+.-]+$' then 'phone'
                else 'name'
            end,
            'candidates_returned', candidates
        ),
        true
    );

    return query
    select
        client.client_key,
        client.first_name_encrypted,
        client.last_name_encrypted,
        client.email_encrypted,
        client.phone_encrypted,
        client.state
    from raw_app.clients as client
    where client.deleted_at is null and client._deleted_in_source_at is null
    order by client.client_key;
end
$body$;

-- One client's snapshot as one JSON document (one audit row per view). Sections read
-- from marts are null until those marts exist (a missing relation is not an error
-- here: the app says the section is not built yet).
create function concierge.client_snapshot(p_client_key text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $body$
declare
    snapshot jsonb;
    section jsonb;
begin
    -- The gate: the client row is visible only if row-level security allows it.
    select jsonb_build_object(
        'client_key', client.client_key,
        'first_name_encrypted', client.first_name_encrypted,
        'last_name_encrypted', client.last_name_encrypted,
        'email_encrypted', client.email_encrypted,
        'phone_encrypted', client.phone_encrypted,
        'state', client.state,
        'filing_status', client.filing_status,
        'signup_channel', client.signup_channel,
        'client_since', client.created_at
    ) into section
    from raw_app.clients as client
    where client.client_key = p_client_key
        and client.deleted_at is null
        and client._deleted_in_source_at is null;

    insert into audit.concierge_access_log (access_kind, client_key, access_detail, was_allowed)
    values (
        'snapshot', p_client_key, jsonb_build_object('sections', 'all'), section is not null
    );
    if section is null then
        return null;
    end if;
    snapshot := jsonb_build_object('profile', section);

    select coalesce(jsonb_agg(to_jsonb(file) order by file.received_at desc), '[]'::jsonb)
    into section
    from (
        select
            files.detected_document_type,
            files.claimed_document_type,
            files.file_format,
            files.status,
            files.quarantine_reason,
            files.received_at
        from raw_documents.files as files
        where files.client_key = p_client_key
    ) as file;
    snapshot := snapshot || jsonb_build_object('documents', section);

    select to_jsonb(appointment) into section
    from (
        select
            appointments.appointment_type,
            appointments.status,
            appointments.scheduled_for,
            appointments.duration_minutes
        from raw_app.appointments as appointments
        where appointments.client_key = p_client_key
            and appointments.status = 'scheduled'
            and appointments.deleted_at is null
            and appointments._deleted_in_source_at is null
        order by appointments.scheduled_for
        limit 1
    ) as appointment;
    snapshot := snapshot || jsonb_build_object('next_appointment', section);

    -- Mart sections: only after the gate above let this client through.
    begin
        select coalesce(jsonb_agg(to_jsonb(day) - 'client_key' order by day.balance_date), '[]')
        into section
        from marts.fct_balance_sheet_daily as day
        where day.client_key = p_client_key
            and day.balance_date > (
                select max(latest.balance_date) - 400
                from marts.fct_balance_sheet_daily as latest
                where latest.client_key = p_client_key
            );
        snapshot := snapshot || jsonb_build_object('balance_sheet_daily', section);
    exception when undefined_table or undefined_column then
        snapshot := snapshot || jsonb_build_object('balance_sheet_daily', null);
    end;

    begin
        select coalesce(jsonb_agg(to_jsonb(account) - 'client_key'), '[]') into section
        from marts.dim_accounts as account
        where account.client_key = p_client_key;
        snapshot := snapshot || jsonb_build_object('accounts', section);
    exception when undefined_table or undefined_column then
        snapshot := snapshot || jsonb_build_object('accounts', null);
    end;

    begin
        -- The latest day's positions, largest first.
        select coalesce(jsonb_agg(to_jsonb(holding) - 'client_key'), '[]') into section
        from (
            select holdings.*
            from marts.fct_holdings_daily as holdings
            where holdings.client_key = p_client_key
                and holdings.as_of_date = (
                    select max(latest.as_of_date)
                    from marts.fct_holdings_daily as latest
                    where latest.client_key = p_client_key
                )
            order by holdings.market_value_usd desc nulls last
        ) as holding;
        snapshot := snapshot || jsonb_build_object('holdings_daily', section);
    exception when undefined_table or undefined_column then
        snapshot := snapshot || jsonb_build_object('holdings_daily', null);
    end;

    begin
        select coalesce(jsonb_agg(to_jsonb(vest) - 'client_key' order by vest.vest_date), '[]')
        into section
        from marts.fct_equity_vesting as vest
        where vest.client_key = p_client_key;
        snapshot := snapshot || jsonb_build_object('equity_vesting', section);
    exception when undefined_table or undefined_column then
        snapshot := snapshot || jsonb_build_object('equity_vesting', null);
    end;

    begin
        select coalesce(jsonb_agg(to_jsonb(opportunity) - 'client_key'), '[]') into section
        from (
            select opportunities.*
            from marts.fct_opportunities as opportunities
            where opportunities.client_key = p_client_key
            order by opportunities.estimated_annual_benefit_usd desc nulls last
            limit 10
        ) as opportunity;
        snapshot := snapshot || jsonb_build_object('opportunities', section);
    exception when undefined_table or undefined_column then
        snapshot := snapshot || jsonb_build_object('opportunities', null);
    end;

    begin
        select coalesce(jsonb_agg(to_jsonb(advisor_match) - 'client_key'), '[]') into section
        from (
            select matches.*
            from marts.fct_advisor_matches as matches
            where matches.client_key = p_client_key
            order by matches.opportunity_type, matches.advisor_rank
        ) as advisor_match;
        snapshot := snapshot || jsonb_build_object('advisor_matches', section);
    exception when undefined_table or undefined_column then
        snapshot := snapshot || jsonb_build_object('advisor_matches', null);
    end;

    return snapshot;
end
$body$;

-- A concierge's action on an opportunity (feeds fct_opportunity_lifecycle). The note
-- arrives already encrypted by the app (context concierge.opportunity_actions.note).
create function concierge.record_opportunity_action(
    p_client_key text,
    p_opportunity_type text,
    p_action text,
    p_note_encrypted text
)
returns bigint
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $body$
declare
    is_visible boolean;
    recorded_id bigint;
begin
    select exists (
        select 1 from raw_app.clients as client where client.client_key = p_client_key
    ) into is_visible;
    insert into audit.concierge_access_log (access_kind, client_key, access_detail, was_allowed)
    values (
        'record_action',
        p_client_key,
        jsonb_build_object('opportunity_type', p_opportunity_type, 'action', p_action),
        is_visible
    );
    if not is_visible then
        -- Returned, not raised: raising would roll back the audit row just written.
        return null;
    end if;
    insert into concierge.opportunity_actions (
        client_key, opportunity_type, opportunity_action, note_encrypted
    )
    values (p_client_key, p_opportunity_type, p_action, p_note_encrypted)
    returning opportunity_action_id into recorded_id;
    return recorded_id;
end
$body$;

reset role;

set local role wdp_owner;

-- The policies look up current assignments by client.
create index if not exists concierge_assignments_client_key_idx
on raw_app.concierge_assignments (client_key);

-- Row-level security on the client tables the functions read (owned by wdp_owner and
-- never rebuilt by dbt, so the policies stay). FORCE: the owner is bound too.
do $row_security$
declare
    protected_table text;
begin
    foreach protected_table in array array[
        'raw_app.clients', 'raw_app.appointments', 'raw_documents.files'
    ] loop
        execute format('alter table %s enable row level security', protected_table);
        execute format('alter table %s force row level security', protected_table);
        -- The platform's own roles keep every row (they never decrypt).
        execute format(
            'create policy platform_roles_all_rows on %s for all '
            'to wdp_loader, wdp_transformer, wdp_engineer using (true) with check (true)',
            protected_table
        );
        -- The concierge functions: the caller's assigned clients, or all for leads.
        execute format(
            'create policy concierge_assigned_clients on %s for select to wdp_concierge_api '
            'using (concierge.caller_may_see(client_key))',
            protected_table
        );
    end loop;
end
$row_security$;

reset role;

revoke create on schema concierge from wdp_concierge_api;

-- Functions are executable by PUBLIC by default: only concierges may call these.
revoke all on function
concierge.search_clients(text),
concierge.client_snapshot(text),
concierge.record_opportunity_action(text, text, text, text)
from public;
grant execute on function
concierge.search_clients(text),
concierge.client_snapshot(text),
concierge.record_opportunity_action(text, text, text, text)
to wdp_concierge;
-- The policies call caller_may_see as the functions' owner; nobody else needs it.
revoke all on function concierge.caller_may_see(text) from public;
