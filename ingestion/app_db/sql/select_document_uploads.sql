-- document_uploads of the application database changed since `changed_since` (every row when
-- it is null), in key order for a stable read. The columns are those classified in
-- privacy.classification["app.document_uploads"].
select
    upload_id,
    client_id,
    document_type,
    tax_year,
    file_name,
    uploaded_at,
    updated_at,
    deleted_at
from document_uploads
where updated_at >= coalesce(%(changed_since)s::timestamptz, '-infinity'::timestamptz)
order by upload_id
