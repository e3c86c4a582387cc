insert into audit.dbt_build_states
    (dbt_step, dbt_project_sha256, build_date, source_versions, dagster_run_id, built_at)
values
    (%(dbt_step)s, %(dbt_project_sha256)s, %(build_date)s, %(source_versions)s::jsonb,
     %(dagster_run_id)s, now())
on conflict (dbt_step) do update set
    dbt_project_sha256 = excluded.dbt_project_sha256,
    build_date = excluded.build_date,
    source_versions = excluded.source_versions,
    dagster_run_id = excluded.dagster_run_id,
    built_at = excluded.built_at
