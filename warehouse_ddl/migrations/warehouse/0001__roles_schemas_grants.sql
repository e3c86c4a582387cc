-- Roles, schemas and grants of DESIGN §3.
-- Roles are cluster-wide, so each is created only if missing; passwords are set
-- by the migration runner from the local secrets, never written here.
-- depends:

do $roles$
declare
    login_role text;
begin
    foreach login_role in array array[
        'wdp_owner', 'wdp_loader', 'wdp_transformer', 'wdp_analyst',
        'wdp_concierge', 'wdp_engineer', 'wdp_dagster'
    ] loop
        if not exists (select from pg_roles where rolname = login_role) then
            execute format(
                'create role %I login nosuperuser nocreatedb nocreaterole nobypassrls',
                login_role
            );
        end if;
    end loop;
    -- Granted to concierge leads: row-level security lets them see every client.
    if not exists (select from pg_roles where rolname = 'wdp_concierge_lead') then
        create role wdp_concierge_lead nologin nosuperuser nobypassrls;
    end if;
end
$roles$;

alter database warehouse owner to wdp_owner;
alter database dagster owner to wdp_dagster;

-- Nobody connects or makes temp tables unless granted below.
revoke all on database warehouse from public;
grant connect on database warehouse to
    wdp_loader, wdp_transformer, wdp_analyst, wdp_concierge, wdp_engineer;
-- Loaders stage COPY batches and dbt builds incremental models in temp tables.
grant temporary on database warehouse to wdp_loader, wdp_transformer;
revoke all on database dagster from public;

revoke create on schema public from public;

create schema if not exists raw_app authorization wdp_owner;
create schema if not exists raw_plaid authorization wdp_owner;
create schema if not exists raw_documents authorization wdp_owner;
create schema if not exists raw_events authorization wdp_owner;
create schema if not exists quarantine authorization wdp_owner;
create schema if not exists audit authorization wdp_owner;
create schema if not exists staging authorization wdp_owner;
create schema if not exists intermediate authorization wdp_owner;
create schema if not exists snapshots authorization wdp_owner;
create schema if not exists marts authorization wdp_owner;
create schema if not exists concierge authorization wdp_owner;

do $grants$
declare
    schema_name text;
begin
    -- Raw and quarantine: written by the loader, read by dbt and engineers.
    foreach schema_name in array array[
        'raw_app', 'raw_plaid', 'raw_documents', 'raw_events', 'quarantine'
    ] loop
        execute format(
            'grant usage on schema %I to wdp_loader, wdp_transformer, wdp_engineer',
            schema_name
        );
        execute format(
            'alter default privileges for role wdp_owner in schema %I '
            'grant select, insert, update, delete on tables to wdp_loader',
            schema_name
        );
        execute format(
            'alter default privileges for role wdp_owner in schema %I '
            'grant usage, select on sequences to wdp_loader',
            schema_name
        );
        execute format(
            'alter default privileges for role wdp_owner in schema %I '
            'grant select on tables to wdp_transformer, wdp_engineer',
            schema_name
        );
    end loop;

    -- dbt's schemas: dbt creates and replaces the relations in them.
    foreach schema_name in array array[
        'staging', 'intermediate', 'snapshots', 'marts', 'concierge'
    ] loop
        execute format(
            'grant usage, create on schema %I to wdp_transformer', schema_name
        );
        execute format('grant usage on schema %I to wdp_engineer', schema_name);
        execute format(
            'alter default privileges for role wdp_transformer in schema %I '
            'grant select on tables to wdp_engineer',
            schema_name
        );
    end loop;

    -- Analysts read the marts and nothing else.
    grant usage on schema marts to wdp_analyst;
    alter default privileges for role wdp_transformer in schema marts
    grant select on tables to wdp_analyst;

    -- The concierge role reaches client rows only through functions in
    -- `concierge` (issue #10); here it may only resolve the schema.
    grant usage on schema concierge to wdp_concierge;

    -- Audit: the loader records its runs; engineers read them.
    grant usage on schema audit to wdp_loader, wdp_engineer, wdp_transformer;
    alter default privileges for role wdp_owner in schema audit
    grant select, insert, update on tables to wdp_loader;
    alter default privileges for role wdp_owner in schema audit
    grant select on tables to wdp_engineer, wdp_transformer;
    alter default privileges for role wdp_owner in schema audit
    grant usage, select on sequences to wdp_loader;
end
$grants$;
