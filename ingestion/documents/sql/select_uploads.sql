-- The upload records (and their clients' identity, to check a document is theirs)
-- of the files waiting in the landing area. Read from the app database as the loader.
select
    u.file_name,
    u.upload_id,
    u.client_id,
    u.document_type,
    u.tax_year,
    c.first_name,
    c.last_name,
    c.ssn
from document_uploads as u
inner join clients as c on u.client_id = c.client_id
where u.file_name = any(%(file_names)s)
order by u.uploaded_at, u.upload_id
