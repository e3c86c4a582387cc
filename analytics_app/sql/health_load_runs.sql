-- The latest loader runs (audit.load_runs), newest first.
select
    source_name,
    target_table,
    load_status,
    started_at,
    finished_at,
    rows_read,
    rows_loaded,
    rows_quarantined,
    rows_deleted
from audit.load_runs
order by started_at desc
limit 100
