select dbt_project_sha256, build_date, source_versions
from audit.dbt_build_states
where dbt_step = %(dbt_step)s
