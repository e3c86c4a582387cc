-- Whether this exact file (same name, same content) was loaded before.
select exists (
    select
    from audit.event_file_loads
    where file_name = %(file_name)s and file_sha256 = %(file_sha256)s
)
