-- What each dbt step of the nightly last built from: the version of every dbt
-- source table and of the dbt project at the start of its last fully successful
-- build. The next run rebuilds only the models downstream of sources whose
-- version differs (orchestration/defs/dbt/change_detection.py); a failed build
-- leaves its row as it was, so the next run selects the same models again.
-- depends: 0032__engineers_read_staff_logins

set local role wdp_owner;

create table audit.dbt_build_states (
    dbt_step text primary key,
    dbt_project_sha256 text not null,
    build_date date not null,
    source_versions jsonb not null,
    dagster_run_id text not null,
    built_at timestamptz not null
);

comment on table audit.dbt_build_states is
'Per dbt step of the nightly: dbt project digest, day and source table versions of its last successful build.';

grant select, insert, update, delete on audit.dbt_build_states to wdp_transformer;

reset role;
