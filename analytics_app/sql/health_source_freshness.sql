-- When each source last loaded successfully, and how long ago.
select
    source_name,
    max(finished_at) as last_success_at,
    round(extract(epoch from now() - max(finished_at)) / 3600.0, 1) as hours_since_success,
    count(*) filter (where load_status = 'failed') as failed_runs
from audit.load_runs
group by source_name
order by hours_since_success desc nulls first
