-- Every event file already loaded, by name and content hash.
select
    file_name,
    file_sha256
from audit.event_file_loads
