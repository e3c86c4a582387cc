-- Which of these contents (sha256) were recorded before: those files are skipped.
select file_sha256
from raw_documents.files
where file_sha256 = any(%(file_sha256s)s)
