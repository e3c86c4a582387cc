-- What sits in quarantine: rejected records per source and reason, quarantined documents.
select
    source_name as quarantined_from,
    quarantine_reason,
    count(*) as quarantined_count
from quarantine.rejected_records
group by source_name, quarantine_reason
union all
select
    'documents' as quarantined_from,
    coalesce(quarantine_reason_code, 'unknown') as quarantine_reason,
    count(*) as quarantined_count
from raw_documents.files
where status = 'quarantined'
group by quarantine_reason_code
order by quarantined_count desc
